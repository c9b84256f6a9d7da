//! Grading a submission: its student files (only those) are laid over this
//! tree's handout, which holds nothing instructor-only, and its guest module
//! (the student code, for WebAssembly) is built there by cargo inside a
//! sandbox (`build_sandbox`) that can read the toolchain, the dependencies'
//! sources and that build tree, and nothing else of this machine, within a
//! wall-clock and a memory limit: whatever the submission compiles in
//! (`include_bytes!`, `#[path]`), it can only see what a student sees, and
//! however it compiles, it ends. The grader compiles the module to native code
//! itself, and this tree's harness runs it: nothing of a submission is built
//! natively, nor runs natively.
//!
//! Each build starts from a copy of the seed (the handout's module built once,
//! under `target/submissions/seeds`: the dependencies and the skeletons
//! compiled) and its build directory is deleted when it ends, so nothing
//! compiled from one student's files is ever readable to another's build.
//! Modules are named by the BLAKE3 hash of every file that goes into them and
//! kept under `target/submissions/bin`, where builds cannot write and jobs
//! cannot reach, so grading the same submission again (another shard, more
//! seeds) reuses its module; a file lock makes graders sharing the build tree
//! take turns.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::bounded::Bounds;
use crate::build_sandbox::{Jail, Toolchain};
use crate::handout;
use crate::harness::{self, Harness};
use crate::untrusted;

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
    /// Its build ran past a limit (time or memory) and was killed.
    #[error("the submission does not build: {0}")]
    Bounds(String),
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

/// A refusal before the build, whose message quotes the submission's files.
fn rejected(message: String) -> SubmissionError {
    SubmissionError::Rejected(untrusted::clean(&message, untrusted::DIAGNOSTICS))
}

/// I/O trouble of the grader's own.
fn grader(e: impl std::fmt::Display) -> SubmissionError {
    SubmissionError::Grader(e.to_string())
}

/// Builds the submission in `dir` against the handout of the tree at `root`
/// and returns `tree` (the tree's harness) running its module. Errors carry
/// the compiler's output.
pub fn build(
    root: &Path,
    dir: &Path,
    options: &BuildOptions,
    tree: &Harness,
) -> Result<Harness, SubmissionError> {
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
        list_dir(&dir.join(d), Path::new(d), &mut files)
            .map_err(|e| SubmissionError::Files(untrusted::clean(&e, untrusted::LINE)))?;
    }
    let total: u64 = files.iter().map(|f| f.2).sum();
    if files.len() > MAX_FILES || total > MAX_BYTES {
        return Err(SubmissionError::Files(format!(
            "the submission holds {} files and {total} bytes in {}; at most {MAX_FILES} files and {MAX_BYTES} bytes are accepted",
            files.len(),
            STUDENT_DIRS.join(", ")
        )));
    }

    // A toolchain that cannot compile for WebAssembly would fail every
    // submission's build: this machine's trouble, graded as nothing.
    if !wasmhost::build::has_target(&options.toolchain.sysroot) {
        return Err(grader(wasmhost::build::BuildError::NoTarget {
            sysroot: options.toolchain.sysroot.clone(),
        }));
    }
    let target = root.join("target/submissions");
    let bin = target.join("bin");
    let seeds = target.join("seeds");
    let build_dir = target.join("build");
    let work = target.join("tree");
    for d in [&bin, &seeds] {
        std::fs::create_dir_all(d).map_err(|e| grader(format!("{}: {e}", d.display())))?;
    }
    // One build at a time: they share the build tree and cargo's output.
    let lock_path = target.join("build.lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| grader(format!("{}: {e}", lock_path.display())))?;
    lock.lock()
        .map_err(|e| grader(format!("cannot lock {}: {e}", lock_path.display())))?;

    // The tree to build: the handout, with the student's files in place of
    // its skeletons. The handout's files carry one fixed time, so that what
    // the seed compiled of them is up to date for every build.
    for d in [&work, &build_dir] {
        remove(d).map_err(grader)?;
    }
    handout::write(root, &work).map_err(grader)?;
    set_times(&work, HANDOUT_TIME).map_err(grader)?;
    let tmp = work.join(".tmp");
    let jail = Jail {
        toolchain: options.toolchain.clone(),
        tree: work.clone(),
        target_dir: build_dir.clone(),
        tmp: tmp.clone(),
        require_complete: options.require_sandbox,
    };
    let seed = seeds.join(tree_hash(&work).map_err(grader)?);
    if !seed.is_dir() {
        for d in [&tmp, &build_dir] {
            std::fs::create_dir_all(d).map_err(|e| grader(format!("{}: {e}", d.display())))?;
        }
        build_seed(root, &jail, &options.bounds, &seeds, &seed)?;
    }
    // The handout's skeleton stays where the submission has no directory.
    for d in present_dirs(dir) {
        remove(&work.join(d)).map_err(grader)?;
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
            return Err(rejected(format!(
                "the submission was rejected before it was built: {}",
                sourcecheck::report(&violations)
            )));
        }
        Err(e @ sourcecheck::CheckError::NotRust { .. }) => Some(e),
        Err(e) => {
            return Err(rejected(format!("the submission cannot be checked: {e}")));
        }
    };
    let hash = tree_hash(&work).map_err(grader)?;
    let cached = bin.join(format!("guest-{hash}.cwasm"));
    let checked = |guest: PathBuf| match &unchecked {
        None => Ok(tree.with_guest(guest)),
        Some(e) => Err(rejected(format!(
            "the submission builds, but its files cannot be checked: {e}"
        ))),
    };
    if cached.is_file() {
        // In use: kept from the pruning below a while longer.
        let _ = std::fs::File::options()
            .write(true)
            .open(&cached)
            .and_then(|f| f.set_modified(SystemTime::now()));
        return checked(cached);
    }
    prune(&bin).map_err(grader)?;

    // A build directory holding the dependencies and the handout compiled,
    // and nothing compiled from any student's files; gone after the build.
    copy_tree(&seed, &build_dir).map_err(grader)?;
    std::fs::create_dir_all(&tmp).map_err(|e| grader(format!("{}: {e}", tmp.display())))?;
    let built = harness::build_module_confined(&jail, &options.bounds);
    let kept = built.map(|wasm| {
        // Compiled to native code here, by the grader, and into place under
        // its name only once complete.
        let partial = cached.with_extension("partial");
        wasmhost::Guest::precompile(&wasm, &partial)
            .map_err(|e| grader(format!("cannot compile the submission's guest module: {e}")))?;
        std::fs::rename(&partial, &cached)
            .map_err(|e| grader(format!("cannot keep the submission's guest module: {e}")))
    });
    remove(&build_dir).map_err(grader)?;
    match kept {
        Ok(kept) => kept.and_then(|()| checked(cached)),
        Err(harness::BuildError::DoesNotBuild { diagnostics }) => {
            Err(SubmissionError::DoesNotBuild {
                diagnostics: untrusted::clean(&diagnostics, untrusted::DIAGNOSTICS),
            })
        }
        Err(
            e @ (harness::BuildError::TooLong(_)
            | harness::BuildError::TooLarge { .. }
            | harness::BuildError::Refused { .. }
            | harness::BuildError::Stalled(_)),
        ) => Err(SubmissionError::Bounds(e.to_string())),
        Err(other) => Err(grader(other)),
    }
}

/// How long a submission's module is kept unused before a build removes it.
const KEPT_UNUSED: Duration = Duration::from_secs(14 * 24 * 3600);

/// Removes from `bin` every module unused for [`KEPT_UNUSED`], and whatever
/// else is there (what older graders kept, such as native harnesses).
fn prune(bin: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(bin).map_err(|e| format!("{}: {e}", bin.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let module = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("guest-") && n.ends_with(".cwasm"));
        let stale = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > KEPT_UNUSED));
        if !module || stale {
            remove(&path)?;
        }
    }
    Ok(())
}

/// The least a seed's build may use: it compiles every dependency of the
/// module.
const SEED_LIMITS: Bounds = Bounds {
    wall: Duration::from_secs(3600),
    memory: 16 << 30,
    idle: Duration::from_secs(300),
};

/// The time every handout file of a build tree carries.
const HANDOUT_TIME: SystemTime = UNIX_EPOCH;

/// Builds the handout's guest module in `jail`'s tree, as it is, into its
/// target directory, and keeps that directory as `seed` (every other seed
/// under `seeds` goes: they belong to older handouts).
fn build_seed(
    root: &Path,
    jail: &Jail,
    bounds: &Bounds,
    seeds: &Path,
    seed: &Path,
) -> Result<(), SubmissionError> {
    eprintln!(
        "building the handout's module once, the seed of every submission's build (its dependencies compiled) ..."
    );
    // The dependencies this tree's own module was compiled with (`cargo
    // test` and the grader build it under target/guest) are lent, so that
    // the seed compiles the handout's crates alone. Submissions' builds get
    // copies of the seed, never these links.
    wasmhost::build::lend_module_dependencies(root, &root.join("target/guest"), &jail.target_dir)
        .map_err(grader)?;
    // The handout is the instructor's code: it has the limits of the
    // largest build this tree needs, whatever a submission is given.
    let bounds = Bounds {
        wall: bounds.wall.max(SEED_LIMITS.wall),
        memory: bounds.memory.max(SEED_LIMITS.memory),
        idle: bounds.idle.max(SEED_LIMITS.idle),
    };
    harness::build_module_confined(jail, &bounds).map_err(|e| {
        grader(format!(
            "the handout itself does not build in the submissions' sandbox and limits (see --build-timeout and --build-memory-mb): {e}"
        ))
    })?;
    for old in std::fs::read_dir(seeds).map_err(grader)?.flatten() {
        remove(&old.path()).map_err(grader)?;
    }
    // The module's profile compiles incrementally (for students' edits), but
    // a submission's build starts from none of the handout's incremental
    // state: compiled afresh (the same code, as incremental compilation
    // partitions it the same way), and never at the mercy of a compiler's
    // error reusing state compiled from other sources.
    remove(
        &jail
            .target_dir
            .join(wasmhost::build::TARGET)
            .join(wasmhost::build::PROFILE)
            .join("incremental"),
    )
    .map_err(grader)?;
    std::fs::rename(&jail.target_dir, seed)
        .map_err(|e| grader(format!("cannot keep the seed {}: {e}", seed.display())))
}

/// A submission build's toolchain, limits and sandbox.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The toolchain it uses.
    pub toolchain: Toolchain,
    /// Its wall-clock and memory limits.
    pub bounds: Bounds,
    /// Refuse to build in an incomplete sandbox.
    pub require_sandbox: bool,
}

impl BuildOptions {
    /// The options a command line gives.
    pub fn new(limits: &crate::cli::BuildLimits, require_sandbox: bool) -> Result<Self, String> {
        Ok(BuildOptions {
            toolchain: Toolchain::find()?,
            bounds: Bounds {
                wall: Duration::from_secs(limits.build_timeout),
                memory: limits.build_memory_mb << 20,
                idle: Duration::from_secs(limits.build_idle),
            },
            require_sandbox,
        })
    }
}

/// `path` and everything below it gone, if it was there.
fn remove(path: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.is_dir() => {
            std::fs::remove_dir_all(path).map_err(|e| format!("{}: {e}", path.display()))
        }
        Ok(_) => std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display())),
    }
}

/// Every file under `dir` made to carry the modification time `time`.
fn set_times(dir: &Path, time: SystemTime) -> Result<(), String> {
    let mut files = Vec::new();
    list_dir(dir, Path::new(""), &mut files)?;
    for (path, _, _) in files {
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(time))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// Copies the directory `from` to `to` (which must not exist), files with
/// their modification times (cargo compares them), links as links.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let meta =
            std::fs::symlink_metadata(&src).map_err(|e| format!("{}: {e}", src.display()))?;
        if meta.is_dir() {
            copy_tree(&src, &dst)?;
        } else if meta.is_symlink() {
            let target = std::fs::read_link(&src).map_err(|e| format!("{}: {e}", src.display()))?;
            std::os::unix::fs::symlink(target, &dst)
                .map_err(|e| format!("{}: {e}", dst.display()))?;
        } else {
            std::fs::copy(&src, &dst)
                .and_then(|_| meta.modified())
                .and_then(|time| std::fs::File::open(&dst)?.set_modified(time))
                .map_err(|e| format!("{}: {e}", dst.display()))?;
        }
    }
    Ok(())
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
