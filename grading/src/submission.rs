//! Grading a submission: only the files students own are taken from it, into a
//! pristine copy of this tree, which is built there; its grader binary then runs
//! the jobs. A submission cannot change the tests, the tester or the grader.
//!
//! Builds are named by a hash of every file that goes into them and kept under
//! `target/submissions/bin`, so grading the same submission against the same
//! tree again (another shard, another seed range) does not rebuild it; a file
//! lock lets several graders share the work tree, one build at a time.

use std::path::{Path, PathBuf};
use std::process::Command;

use xxhash_rust::xxh3::Xxh3;

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
    // Every file of the tree to build: this tree's, with the student's files
    // in place of its own. Its hash names the build, so grading the same
    // submission against the same tree again reuses the binary.
    let mut files: Vec<(PathBuf, PathBuf)> = tracked_files(root)?
        .into_iter()
        .filter(|rel| !STUDENT_DIRS.iter().any(|d| rel.starts_with(d)))
        .map(|rel| (root.join(&rel), rel))
        .collect();
    for d in STUDENT_DIRS {
        list_dir(&dir.join(d), Path::new(d), &mut files)?;
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    let mut hasher = Xxh3::new();
    for (from, rel) in &files {
        let bytes = std::fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?;
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(&[0]);
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let target = root.join("target/submissions");
    let binary = target.join(format!("bin/grading-{:016x}", hasher.digest()));
    std::fs::create_dir_all(target.join("bin"))
        .map_err(|e| format!("{}: {e}", target.display()))?;
    // One build at a time: they share the work tree and cargo's output.
    let lock_path = target.join("build.lock");
    let lock =
        std::fs::File::create(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if binary.is_file() {
        return Ok(binary);
    }
    let work = root.join("target/submission-tree");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    }
    for (from, rel) in &files {
        copy(from, &work.join(rel))?;
    }
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
    // Into place under its name only once complete.
    let partial = binary.with_extension("partial");
    std::fs::copy(target.join("release/grading"), &partial)
        .and_then(|_| std::fs::rename(&partial, &binary))
        .map_err(|e| format!("cannot keep the submission's binary: {e}"))?;
    Ok(binary)
}

/// Lists the files under `dir` as (source, path in the tree under `rel`).
fn list_dir(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, PathBuf)>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let name = rel.join(entry.file_name());
        if path.is_dir() {
            list_dir(&path, &name, out)?;
        } else {
            out.push((path, name));
        }
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", from.display()))
}
