//! The student handout: this tree with every solution region replaced by its
//! skeleton and every `// @solution-file` left out (marker syntax: see the
//! `raft` crate's documentation, "Solution regions"; a data file whose first
//! line is `# @solution-file`, such as the mutant catalogue, is left out too).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The handout version of one file's text; `None` if the file is left out.
/// Errors name the file and line of a malformed region.
pub fn transform(name: &str, text: &str) -> Result<Option<String>, String> {
    if text
        .lines()
        .next()
        .is_some_and(|l| l.trim() == "// @solution-file")
    {
        return Ok(None);
    }
    enum Mode {
        Plain,
        Solution,
        Skeleton,
    }
    let mut mode = Mode::Plain;
    let mut opened = 0;
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let at = n + 1;
        let marker = line.trim();
        let err = |msg: &str| Err(format!("{name}:{at}: {msg}"));
        if marker.starts_with("// @solution-file") {
            return err("`// @solution-file` must be the file's first line");
        }
        if marker.starts_with("// @solution") {
            if !matches!(mode, Mode::Plain) {
                return err(&format!(
                    "a region opens inside the region opened at line {opened} (regions do not nest)"
                ));
            }
            mode = Mode::Solution;
            opened = at;
            continue;
        }
        if marker == "// @skeleton" {
            match mode {
                Mode::Solution => mode = Mode::Skeleton,
                _ => return err("`// @skeleton` outside a solution region"),
            }
            continue;
        }
        if marker == "// @end" {
            if matches!(mode, Mode::Plain) {
                return err("`// @end` without a region");
            }
            mode = Mode::Plain;
            continue;
        }
        match mode {
            Mode::Plain => out.push_str(line),
            Mode::Solution => {}
            Mode::Skeleton => {
                let indent = &line[..line.len() - line.trim_start().len()];
                let body = line.trim_start();
                let body = body
                    .strip_prefix("// ")
                    .or_else(|| body.strip_prefix("//"))
                    .ok_or_else(|| {
                        format!("{name}:{at}: a skeleton line must be commented out with `// `")
                    })?;
                out.push_str(indent);
                out.push_str(body);
                if !body.ends_with('\n') && line.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
    if !matches!(mode, Mode::Plain) {
        return Err(format!(
            "{name}:{opened}: the region opened here has no `// @end`"
        ));
    }
    Ok(Some(out))
}

/// The files git tracks in `root`.
pub fn tracked_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .output()
        .map_err(|e| format!("cannot run git to list the tree's files: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git ls-files failed in {}: {}",
            root.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .filter(|p| root.join(p).is_file())
        .collect())
}

/// Writes the handout of the tree at `root` into `out` (which must not exist
/// or be empty). Returns how many files were written and left out.
pub fn write(root: &Path, out: &Path) -> Result<(usize, usize), String> {
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| format!("{}: {e}", out.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "{} is not empty; give a new or empty directory",
            out.display()
        ));
    }
    // Transform everything first: nothing is written if any region is malformed.
    let mut files = Vec::new();
    for rel in tracked_files(root)? {
        let bytes =
            std::fs::read(root.join(&rel)).map_err(|e| format!("{}: {e}", rel.display()))?;
        let is_rust = rel.extension().is_some_and(|e| e == "rs");
        let content = match (is_rust, String::from_utf8(bytes.clone())) {
            (true, Ok(text)) => {
                transform(&rel.display().to_string(), &text)?.map(String::into_bytes)
            }
            // A data file is left out whole, or copied as it is.
            (false, Ok(text)) if text.lines().next().map(str::trim) == Some("# @solution-file") => {
                None
            }
            _ => Some(bytes),
        };
        files.push((rel, content));
    }
    let (mut written, mut dropped) = (0, 0);
    for (rel, content) in files {
        let Some(content) = content else {
            dropped += 1;
            continue;
        };
        let path = out.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(root.join(&rel))
                .map(|m| m.permissions().mode())
                .unwrap_or(0o644);
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
        }
        written += 1;
    }
    Ok((written, dropped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_become_skeletons() {
        let text = "a\n    // @solution 2A\n    real();\n    // @skeleton\n    // todo!(\"2A\")\n    // @end\nb\n// @solution 2B\ngone\n// @end\n";
        assert_eq!(
            transform("f.rs", text).unwrap().unwrap(),
            "a\n    todo!(\"2A\")\nb\n"
        );
        assert_eq!(transform("f.rs", "// @solution-file\nx\n").unwrap(), None);
        assert_eq!(transform("f.rs", "plain\n").unwrap().unwrap(), "plain\n");
    }

    #[test]
    fn malformed_regions_are_named() {
        let e = transform("f.rs", "// @solution 2A\nx\n").unwrap_err();
        assert!(
            e.starts_with("f.rs:1:") && e.contains("no `// @end`"),
            "{e}"
        );
        let e = transform("f.rs", "// @solution 2A\n// @solution 2B\n// @end\n").unwrap_err();
        assert!(e.starts_with("f.rs:2:") && e.contains("do not nest"), "{e}");
        let e = transform("f.rs", "// @end\n").unwrap_err();
        assert!(e.contains("without a region"), "{e}");
        let e = transform("f.rs", "// @solution 2A\n// @skeleton\ncode\n// @end\n").unwrap_err();
        assert!(
            e.starts_with("f.rs:3:") && e.contains("commented out"),
            "{e}"
        );
    }
}
