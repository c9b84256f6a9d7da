//! Grading a submission: its student files (only those) are laid over this
//! tree's handout, which holds nothing instructor-only, and the harness is
//! built there by cargo inside a sandbox that can read the toolchain, the
//! dependencies' sources and that build tree, and nothing else of this machine:
//! whatever the submission compiles in (`include_bytes!`, `#[path]`), it can
//! only see what a student sees.
//!
//! Builds are named by the BLAKE3 hash of every file that goes into them and
//! kept under `target/submissions/bin`, where builds cannot write and jobs
//! cannot reach, so grading the same submission again (another shard, more
//! seeds) reuses its harness; a file lock makes graders sharing the build
//! tree take turns.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use jobwire::sandbox::{Policy, confine};

use crate::handout;
use crate::harness::{self, Harness};

use sourcecheck::{REQUIRED_DIRS, STUDENT_DIRS};

/// Most files, and most bytes, a submission may hold.
const MAX_FILES: usize = 1000;
const MAX_BYTES: u64 = 16 << 20;

/// Why a submission was not built. Every kind but [`SubmissionError::Grader`]
/// is the submission's doing and grades to zero with the message; a
/// `Grader` error is this machine's trouble and grades nothing.
#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    /// The directory does not exist.
    #[error("the submission directory {} does not exist", .0.display())]
    NoDirectory(PathBuf),
    /// Student directories without their `mod.rs`.
    #[error(
        "the submission {} lacks {} (a submission holds {}, each with its mod.rs)",
        .dir.display(),
        .missing.join(", "),
        REQUIRED_DIRS.join(", ")
    )]
    Missing {
        /// The submission.
        dir: PathBuf,
        /// The `mod.rs` files it lacks.
        missing: Vec<String>,
    },
    /// Files a submission may not hold: a link, a device, too many, too large.
    #[error("{0}")]
    Files(String),
    /// Refused before it was built: a rule no compiler checks, or files that
    /// cannot be checked.
    #[error("{0}")]
    Rejected(String),
    /// The compiler refused it; its rendered diagnostics.
    #[error("the submission does not build:\n{diagnostics}")]
    DoesNotBuild {
        /// What cargo printed.
        diagnostics: String,
    },
    /// The grader could not do its part (files, cargo, the sandbox).
    #[error("{0}")]
    Grader(String),
}

impl SubmissionError {
    /// The reason in one line: the message's first line, and for a build
    /// failure the compiler's first error.
    pub fn summary(&self) -> String {
        match self {
            SubmissionError::DoesNotBuild { diagnostics } => {
                match diagnostics
                    .lines()
                    .find(|l| l.trim_start().starts_with("error"))
                {
                    Some(e) => format!("the submission does not build: {}", e.trim()),
                    None => "the submission does not build".to_string(),
                }
            }
            other => other.to_string().lines().next().unwrap_or("").to_string(),
        }
    }
}

impl From<SubmissionError> for String {
    fn from(e: SubmissionError) -> String {
        e.to_string()
    }
}

/// I/O trouble of the grader's own.
fn grader(e: impl std::fmt::Display) -> SubmissionError {
    SubmissionError::Grader(e.to_string())
}

/// Builds the submission in `dir` against the handout of the tree at `root`
/// and returns its harness. Errors carry the compiler's output.
pub fn build(root: &Path, dir: &Path) -> Result<Harness, SubmissionError> {
    if !dir.is_dir() {
        return Err(SubmissionError::NoDirectory(dir.to_path_buf()));
    }
    let missing: Vec<&str> = REQUIRED_DIRS
        .iter()
        .copied()
        .filter(|d| !dir.join(d).join("mod.rs").is_file())
        .collect();
    if !missing.is_empty() {
        return Err(SubmissionError::Missing {
            dir: dir.to_path_buf(),
            missing: missing.iter().map(|d| format!("{d}/mod.rs")).collect(),
        });
    }
    let mut files = Vec::new();
    for d in present_dirs(dir) {
        list_dir(&dir.join(d), Path::new(d), &mut files).map_err(SubmissionError::Files)?;
    }
    let total: u64 = files.iter().map(|f| f.2).sum();
    if files.len() > MAX_FILES || total > MAX_BYTES {
        return Err(SubmissionError::Files(format!(
            "the submission holds {} files and {total} bytes in {}; at most {MAX_FILES} files and {MAX_BYTES} bytes are accepted",
            files.len(),
            STUDENT_DIRS.join(", ")
        )));
    }

    let target = root.join("target/submissions");
    let bin = target.join("bin");
    let build_dir = target.join("build");
    let work = target.join("tree");
    for d in [&bin, &build_dir] {
        std::fs::create_dir_all(d).map_err(|e| grader(format!("{}: {e}", d.display())))?;
    }
    // One build at a time: they share the build tree and cargo's output.
    let lock_path = target.join("build.lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| grader(format!("{}: {e}", lock_path.display())))?;
    lock.lock()
        .map_err(|e| grader(format!("cannot lock {}: {e}", lock_path.display())))?;

    // The tree to build: the handout, with the student's files in place of
    // its skeletons.
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| grader(format!("{}: {e}", work.display())))?;
    }
    handout::write(root, &work).map_err(grader)?;
    // The handout's skeleton stays where the submission has no directory.
    for d in present_dirs(dir) {
        let skeleton = work.join(d);
        if skeleton.exists() {
            std::fs::remove_dir_all(&skeleton)
                .map_err(|e| grader(format!("{}: {e}", skeleton.display())))?;
        }
    }
    for (from, rel, _) in &files {
        copy(from, &work.join(rel)).map_err(grader)?;
    }
    // The rules no compiler checks, before anything of the submission is
    // compiled (read from the copy that will be built): a violation scores
    // nothing, with the message in every report.
    // A file that is not even Rust tokens cannot compile: the compiler's
    // message says more, so the verdict waits for the build (and is given if
    // the compiler accepts what the check could not read).
    let unchecked = match sourcecheck::check_tree(&work) {
        Ok(violations) if violations.is_empty() => None,
        Ok(violations) => {
            return Err(SubmissionError::Rejected(format!(
                "the submission was rejected before it was built: {}",
                sourcecheck::report(&violations)
            )));
        }
        Err(e @ sourcecheck::CheckError::NotRust { .. }) => Some(e),
        Err(e) => {
            return Err(SubmissionError::Rejected(format!(
                "the submission cannot be checked: {e}"
            )));
        }
    };
    let hash = tree_hash(&work).map_err(grader)?;
    let cached = bin.join(format!("harness-{hash}"));
    let checked = |harness: Harness| match &unchecked {
        None => Ok(harness),
        Some(e) => Err(SubmissionError::Rejected(format!(
            "the submission builds, but its files cannot be checked: {e}"
        ))),
    };
    if cached.is_file() {
        return checked(Harness { exe: cached });
    }

    // Nothing the previous submission compiled stays readable to this one.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let _ = Command::new(&cargo)
        .current_dir(&work)
        .args([
            "clean",
            "--release",
            "--quiet",
            "-p",
            "raft",
            "-p",
            "kvraft",
            "-p",
            "tester",
        ])
        .env("CARGO_TARGET_DIR", &build_dir)
        .status();
    let tmp = work.join(".tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| grader(format!("{}: {e}", tmp.display())))?;
    let built = harness::build(
        &work,
        Some(&build_dir),
        Some(sandbox_prefix(&work, &build_dir, &tmp).map_err(grader)?),
        true,
    )
    .map_err(|e| match e {
        harness::BuildError::DoesNotBuild { diagnostics } => {
            SubmissionError::DoesNotBuild { diagnostics }
        }
        other => grader(other),
    })?;
    // Into place under its name only once complete.
    let partial = cached.with_extension("partial");
    std::fs::copy(&built.exe, &partial)
        .and_then(|_| std::fs::rename(&partial, &cached))
        .map_err(|e| grader(format!("cannot keep the submission's harness: {e}")))?;
    checked(Harness { exe: cached })
}

/// The command prefix that runs cargo confined: it may read the system, the
/// toolchain and the dependencies' sources, and write only the build tree,
/// the build directory and cargo's own cache; no network.
fn sandbox_prefix(work: &Path, build_dir: &Path, tmp: &Path) -> Result<Vec<OsString>, String> {
    let grader =
        std::env::current_exe().map_err(|e| format!("cannot find the grader's binary: {e}"))?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".cargo")));
    let rustup_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".rustup")));
    let mut read: Vec<PathBuf> = [
        "/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/sys", "/dev",
    ]
    .iter()
    .map(PathBuf::from)
    .filter(|p| p.exists())
    .collect();
    read.extend(rustup_home.filter(|p| p.exists()));
    if let Some(cargo) = std::env::var_os("CARGO").map(PathBuf::from)
        && let Some(toolchain) = cargo.parent().and_then(Path::parent)
    {
        read.push(toolchain.to_path_buf());
    }
    let mut write = vec![
        work.to_path_buf(),
        build_dir.to_path_buf(),
        tmp.to_path_buf(),
    ];
    write.extend(cargo_home.filter(|p| p.exists()));
    let mut prefix: Vec<OsString> = vec![
        grader.into(),
        "sandbox-exec".into(),
        "--tmp".into(),
        tmp.into(),
    ];
    for p in read {
        prefix.push("--read".into());
        prefix.push(p.into());
    }
    for p in write {
        prefix.push("--write".into());
        prefix.push(p.into());
    }
    prefix.push("--".into());
    Ok(prefix)
}

/// `grading sandbox-exec`: confines this process and becomes `command`.
pub fn sandbox_exec(
    read: Vec<PathBuf>,
    write: Vec<PathBuf>,
    tmp: &Path,
    command: &[OsString],
) -> Result<bool, String> {
    use std::os::unix::process::CommandExt;
    let report = confine(&Policy {
        read,
        write,
        address_space: None,
        cpu_seconds: Some(1800),
        file_size: None,
        single_process: false,
    });
    if !report.missing.is_empty() {
        eprintln!(
            "warning: the submission's build runs with an incomplete sandbox: {}",
            report.missing.join("; ")
        );
    }
    let mut c = Command::new(&command[0]);
    c.args(&command[1..])
        .env_clear()
        .env("TMPDIR", tmp)
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_TERM_COLOR", "never");
    for var in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
        "CARGO_TARGET_DIR",
        "RUSTC",
    ] {
        if let Some(v) = std::env::var_os(var) {
            c.env(var, v);
        }
    }
    Err(format!(
        "cannot run {}: {}",
        command[0].to_string_lossy(),
        c.exec()
    ))
}

/// The BLAKE3 hash of the handout of the tree at `root` (every file a
/// submission is built with, but the student's): what a grade depends on
/// besides the student's files, the same on every machine with the same
/// sources. Writes the handout under `target/raftlab/handout-hash` to hash it.
pub fn handout_hash(root: &Path) -> Result<String, String> {
    let dir = root.join("target/raftlab/handout-hash");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    handout::write(root, &dir)?;
    let hash = tree_hash(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    hash
}

/// The BLAKE3 hash of every file under `dir` (paths and contents), as hex.
fn tree_hash(dir: &Path) -> Result<String, String> {
    let mut files = Vec::new();
    list_dir(dir, Path::new(""), &mut files)?;
    files.sort_by(|a, b| a.1.cmp(&b.1));
    let mut hasher = blake3::Hasher::new();
    for (from, rel, len) in &files {
        let bytes = std::fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?;
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(&[0]);
        hasher.update(&len.to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher.finalize().to_hex()[..32].to_string())
}

/// The student directories the submission in `dir` holds: every required
/// one, and the others it has.
fn present_dirs(dir: &Path) -> Vec<&'static str> {
    STUDENT_DIRS
        .into_iter()
        .filter(|d| REQUIRED_DIRS.contains(d) || dir.join(d).symlink_metadata().is_ok())
        .collect()
}

/// The student files of the submission in `dir`, as (source, path in the
/// tree), in a fixed order: regular files only (a link is an error).
pub fn student_files(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let mut files = Vec::new();
    for d in present_dirs(dir) {
        list_dir(&dir.join(d), Path::new(d), &mut files)?;
    }
    let mut files: Vec<(PathBuf, PathBuf)> = files
        .into_iter()
        .map(|(from, rel, _)| (from, rel))
        .collect();
    files.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(files)
}

/// Lists the regular files under `dir` as (source, path under `rel`, size),
/// never following a link: a link in a submission is an error.
/// Copies the student directories of the tree (or submission) at `from` into
/// `to`, regular files only.
pub fn copy_student_files(from: &Path, to: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    for d in present_dirs(from) {
        list_dir(&from.join(d), Path::new(d), &mut files)?;
    }
    for (file, rel, _) in &files {
        copy(file, &to.join(rel))?;
    }
    Ok(())
}

fn list_dir(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, PathBuf, u64)>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let name = rel.join(entry.file_name());
        let meta =
            std::fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_symlink() {
            return Err(format!(
                "{} is a symbolic link; a submission holds regular files only",
                path.display()
            ));
        } else if meta.is_dir() {
            list_dir(&path, &name, out)?;
        } else if meta.is_file() {
            out.push((path, name, meta.len()));
        } else {
            return Err(format!(
                "{} is not a regular file; a submission holds regular files only",
                path.display()
            ));
        }
        if out.len() > MAX_FILES {
            return Err(format!(
                "{} holds more than {MAX_FILES} files",
                dir.display()
            ));
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
