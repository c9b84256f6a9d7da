//! Grading a submission: only the files students own are taken from it, into a
//! pristine copy of this tree, which is built there; its grader binary then runs
//! the jobs. A submission cannot change the tests, the tester or the grader.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::handout::tracked_files;

/// The directories whose files a student owns.
pub const STUDENT_DIRS: [&str; 3] = ["raft/src/peer", "kvraft/src/server", "kvraft/src/clerk"];

/// Builds the submission in `dir` against the tree at `root` and returns the
/// path of its grader binary. Errors carry the compiler's output.
pub fn build(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    if !dir.is_dir() {
        return Err(format!(
            "the submission directory {} does not exist",
            dir.display()
        ));
    }
    let missing: Vec<&str> = STUDENT_DIRS
        .iter()
        .copied()
        .filter(|d| !dir.join(d).join("mod.rs").is_file())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the submission {} lacks {} (a submission holds {}, each with its mod.rs)",
            dir.display(),
            missing
                .iter()
                .map(|d| format!("{d}/mod.rs"))
                .collect::<Vec<_>>()
                .join(", "),
            STUDENT_DIRS.join(", ")
        ));
    }
    let work = root.join("target/submission-tree");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    }
    for rel in tracked_files(root)? {
        if STUDENT_DIRS.iter().any(|d| rel.starts_with(d)) {
            continue;
        }
        copy(&root.join(&rel), &work.join(&rel))?;
    }
    for d in STUDENT_DIRS {
        copy_dir(&dir.join(d), &work.join(d))?;
    }
    let target = root.join("target/submissions");
    let out = Command::new(env!("CARGO"))
        .current_dir(&work)
        .args(["build", "--release", "-p", "grading", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the submission does not build:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(target.join("release/grading"))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", from.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()))?;
        } else {
            copy(&path, &to.join(entry.file_name()))?;
        }
    }
    Ok(())
}
