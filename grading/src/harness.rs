//! A harness binary, seen from the trusted side: building it for a tree with
//! cargo (the same build `cargo test --release` makes, so a student's test and
//! replay share it), building a submission's guest module (confined and
//! bounded: a submission is its module, run by this tree's harness) and
//! asking a harness for its scenarios. The grader links no student code;
//! everything it knows of a tree's scenarios comes from here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use jobwire::{HARNESS_MODE, Listing};

use crate::bounded::{self, Bounds, Overrun};
use crate::build_sandbox::{self, Jail};
use crate::untrusted;

/// The test target that is the harness (the `tester` package's).
const TARGET: &str = "scenarios";

/// A built harness, ready to run.
#[derive(Clone, Debug)]
pub struct Harness {
    /// Its executable: this tree's.
    pub exe: PathBuf,
    /// The student code it runs: the guest module, compiled to native code
    /// by this grader (this tree's, or a submission's).
    pub guest: PathBuf,
}

/// What a build made, before the grader keeps it: the harness executable and
/// the guest module.
#[derive(Clone, Debug)]
pub struct Built {
    /// The harness executable.
    pub exe: PathBuf,
    /// The guest module (WebAssembly).
    pub wasm: PathBuf,
}

/// Why a harness was not built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Cargo could not be run at all.
    #[error("cannot run cargo: {0}")]
    Cargo(std::io::Error),
    /// The compiler refused the tree; its rendered diagnostics.
    #[error("the harness does not build:\n{diagnostics}")]
    DoesNotBuild {
        /// What cargo printed.
        diagnostics: String,
    },
    /// The build ran past its wall-clock limit and was killed.
    #[error(
        "the build ran past {} s of wall-clock time and was killed (every process of it)",
        .0.as_secs()
    )]
    TooLong(Duration),
    /// The build sat idle (its processes hardly using CPU time) past its limit
    /// and was killed: blocked, as a compiler that reads its own pipe is.
    #[error(
        "the build stalled: its processes used less than a sixtieth of a CPU for {} s (a compiler blocked reading a pipe, such as its own output through /proc/self/fd?); every process of it was killed",
        .0.as_secs()
    )]
    Stalled(Duration),
    /// The build held more memory than its limit and was killed.
    #[error(
        "the build used more than {} MiB of memory ({} MiB seen) and was killed (every process of it)",
        .limit >> 20,
        .seen >> 20
    )]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
        /// The most it was seen to hold, in bytes.
        seen: u64,
    },
    /// A compiler asked for more memory than the build's limit at once and
    /// was refused (its per-process limit), ending the build.
    #[error(
        "the build used more than {} MiB of memory: a compiler was refused an allocation past the limit ({})",
        .limit >> 20,
        .what
    )]
    Refused {
        /// The limit, in bytes.
        limit: u64,
        /// The compiler's words.
        what: String,
    },
    /// A complete sandbox was required and this machine cannot give one.
    #[error("{0}")]
    IncompleteSandbox(String),
    /// Cargo succeeded without naming the harness executable.
    #[error("cargo built no harness executable (tester's `scenarios` test)")]
    NoExecutable,
    #[error(
        "cargo built no guest module (the `guest` crate for {})",
        wasmhost::build::TARGET
    )]
    NoModule,
    #[error("the guest module cannot be compiled: {0}")]
    Module(String),
}

impl From<BuildError> for String {
    fn from(e: BuildError) -> String {
        e.to_string()
    }
}

/// What cargo is asked: the harness, as a student's plain `cargo test
/// --release` builds it (the workspace's default members, so that cargo
/// unifies the same features and reuses the same artifacts: an edit is
/// compiled once for the test and the replay, and nothing twice).
const CARGO_ARGS: [&str; 7] = [
    "test",
    "--release",
    "--no-run",
    "--message-format=json-render-diagnostics",
    "--test",
    TARGET,
    "--quiet",
];

/// What cargo is asked for the guest module: the student code, for
/// WebAssembly.
const CARGO_GUEST_ARGS: [&str; 10] = [
    "build",
    "--profile",
    wasmhost::build::PROFILE,
    "--message-format=json-render-diagnostics",
    "-p",
    "guest",
    "--target",
    wasmhost::build::TARGET,
    "--locked",
    "--quiet",
];

/// Most bytes kept of a confined build's stdout and of its stderr.
const MAX_BUILD_OUTPUT: usize = 16 << 20;

/// Builds the harness and the guest module of the workspace at `root`
/// (release profile, in its own target directory), with cargo's messages on
/// stderr and the compiler's diagnostics rendered: this tree's own build,
/// trusted.
pub fn build(root: &Path) -> Result<Built, BuildError> {
    let exe = executable(&cargo(root, &CARGO_ARGS[..CARGO_ARGS.len() - 1])?)
        .ok_or(BuildError::NoExecutable)?;
    // Where the harness builds the module of its own tree when `cargo test`
    // runs it (`<target>/guest`, beside `<target>/release/deps/<harness>`):
    // the test and the grader share one build of it.
    let module_dir = exe
        .ancestors()
        .nth(3)
        .ok_or(BuildError::NoExecutable)?
        .join("guest");
    let mut args = CARGO_GUEST_ARGS[..CARGO_GUEST_ARGS.len() - 1].to_vec();
    args.extend([
        "--target-dir",
        module_dir.to_str().ok_or(BuildError::NoModule)?,
    ]);
    let wasm = module(&cargo(root, &args)?).ok_or(BuildError::NoModule)?;
    Ok(Built { exe, wasm })
}

/// Runs cargo with `args` in `root`, its messages on stderr; returns its
/// JSON messages.
fn cargo(root: &Path, args: &[&str]) -> Result<String, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .current_dir(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(BuildError::Cargo)?;
    if !out.status.success() {
        return Err(BuildError::DoesNotBuild {
            diagnostics: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Builds the guest module (WebAssembly) of the tree in `jail`, confined
/// there and within `bounds` (a submission's build): cargo and every
/// compiler it starts are killed together at either bound. Nothing native is
/// built of a submission: its code runs only as this module, in this tree's
/// harness.
pub fn build_module_confined(jail: &Jail, bounds: &Bounds) -> Result<PathBuf, BuildError> {
    module(&cargo_confined(jail, &CARGO_GUEST_ARGS, bounds)?).ok_or(BuildError::NoModule)
}

/// Runs cargo with `args` in `jail` within `bounds`; returns its JSON
/// messages.
fn cargo_confined(jail: &Jail, args: &[&str], bounds: &Bounds) -> Result<String, BuildError> {
    let command = jail.command(args, bounds);
    let ended = bounded::run(command, bounds, MAX_BUILD_OUTPUT).map_err(BuildError::Cargo)?;
    let stderr = String::from_utf8_lossy(&ended.stderr).into_owned();
    eprintln!(
        "the build took {:.1} s of wall-clock time, at most {} MiB of memory",
        ended.elapsed.as_secs_f64(),
        ended.peak_memory >> 20
    );
    match ended.overrun {
        Some(Overrun::Wall) => return Err(BuildError::TooLong(bounds.wall)),
        Some(Overrun::Idle) => return Err(BuildError::Stalled(bounds.idle)),
        Some(Overrun::Memory) => {
            return Err(BuildError::TooLarge {
                limit: bounds.memory,
                seen: ended.peak_memory,
            });
        }
        None => {}
    }
    let status = ended.status.expect("a group that ran past no bound ended");
    if status.code() == Some(build_sandbox::INCOMPLETE_SANDBOX) {
        return Err(BuildError::IncompleteSandbox(stderr));
    }
    if !status.success() {
        // A single process hit its data limit before the group's total was
        // read: the allocator aborts, or const evaluation reports it.
        let refused = |l: &&str| {
            l.contains("memory allocation of")
                || l.contains("tried to allocate more memory than available to compiler")
        };
        if let Some(line) = stderr.lines().find(refused) {
            return Err(BuildError::Refused {
                limit: bounds.memory,
                what: untrusted::clean(line.trim(), untrusted::LINE),
            });
        }
        return Err(BuildError::DoesNotBuild {
            diagnostics: stderr,
        });
    }
    Ok(String::from_utf8_lossy(&ended.stdout).into_owned())
}

/// The guest module's path in cargo's JSON messages.
fn module(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "guest")
        .find_map(|m| {
            m["filenames"]
                .as_array()?
                .iter()
                .filter_map(|f| f.as_str())
                .find(|f| f.ends_with(".wasm"))
                .map(PathBuf::from)
        })
}

/// The harness's path in cargo's JSON messages.
fn executable(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == TARGET)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

impl Built {
    /// Keeps the harness and the guest module, compiled, in `dir` (see
    /// [`keep_executable`] and [`keep_module`]).
    pub fn kept_in(&self, dir: &Path) -> Result<Harness, String> {
        let exe = keep_executable(&self.exe, dir)?;
        let guest = keep_module(&self.wasm, dir)?;
        Ok(Harness { exe, guest })
    }
}

/// Compiles the guest module at `wasm` to native code (here, in the grader:
/// never in code a submission controls) and keeps it in `dir`, named by the
/// module's contents and the runtime's configuration.
pub fn keep_module(wasm: &Path, dir: &Path) -> Result<PathBuf, String> {
    let bytes = std::fs::read(wasm)
        .map_err(|e| format!("cannot read the guest module {}: {e}", wasm.display()))?;
    let kept = dir.join(format!(
        "guest-{}-{}.cwasm",
        &blake3::hash(&bytes).to_hex()[..32],
        wasmhost::wasm::compatibility()
    ));
    if !kept.is_file() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let partial = kept.with_extension(format!("{}.partial", std::process::id()));
        wasmhost::Guest::precompile(wasm, &partial).map_err(|e| e.to_string())?;
        std::fs::rename(&partial, &kept)
            .map_err(|e| format!("cannot keep the guest module in {}: {e}", kept.display()))?;
    }
    Ok(kept)
}

/// The harness at `exe` copied into `dir` under a name made of its contents'
/// BLAKE3 hash (once: a copy already there is the same file), and that
/// copy's path. Files untouched for a day go (a grader grading for longer
/// than that would lose its harness).
pub fn keep_executable(exe: &Path, dir: &Path) -> Result<PathBuf, String> {
    let bytes = std::fs::read(exe)
        .map_err(|e| format!("cannot read the harness {}: {e}", exe.display()))?;
    let name = format!("scenarios-{}", &blake3::hash(&bytes).to_hex()[..32]);
    let kept = dir.join(&name);
    if !kept.is_file() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let day = std::time::Duration::from_secs(24 * 3600);
        for old in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let old = old.map_err(|e| e.to_string())?.path();
            let stale = std::fs::metadata(&old)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > day));
            if stale {
                let _ = std::fs::remove_file(old);
            }
        }
        // Graders starting together each write their own partial copy;
        // the renames are atomic, and the same contents win.
        let partial = dir.join(format!("{name}.{}.partial", std::process::id()));
        std::fs::write(&partial, &bytes)
            .and_then(|()| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755))
            })
            .and_then(|()| std::fs::rename(&partial, &kept))
            .map_err(|e| format!("cannot keep the harness in {}: {e}", kept.display()))?;
    }
    Ok(kept)
}

impl Harness {
    /// The same harness running the guest module at `guest` (a submission's).
    pub fn with_guest(&self, guest: PathBuf) -> Harness {
        Harness {
            exe: self.exe.clone(),
            guest,
        }
    }

    /// The harness's scenarios.
    pub fn listing(&self) -> Result<Listing, String> {
        let out = self
            .command("list")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run the harness {}: {e}", self.exe.display()))?;
        if !out.status.success() {
            return Err(format!(
                "the harness could not list its scenarios: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("the harness's listing does not parse: {e}"))
    }

    /// A command running the harness's grader `command`.
    pub fn command(&self, command: &str) -> Command {
        let mut c = Command::new(&self.exe);
        c.args([HARNESS_MODE, command])
            .arg("--guest")
            .arg(&self.guest);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_harness_is_a_copy_named_by_its_contents() {
        let dir = std::env::temp_dir().join(format!("raftlab-kept-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let built = dir.join("scenarios-built");
        std::fs::write(&built, b"one").unwrap();
        let kept_dir = dir.join("kept");
        let kept = keep_executable(&built, &kept_dir).unwrap();
        assert_ne!(kept, built);
        // Rebuilt in place: the kept copy is untouched, a new one is made.
        std::fs::write(&built, b"two").unwrap();
        assert_eq!(std::fs::read(&kept).unwrap(), b"one");
        let again = keep_executable(&built, &kept_dir).unwrap();
        assert_ne!(again, kept);
        assert_eq!(std::fs::read(&again).unwrap(), b"two");
        assert_eq!(keep_executable(&built, &kept_dir).unwrap(), again);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_executable_is_found_among_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"labrpc"},"executable":null}
{"reason":"compiler-artifact","target":{"name":"scenarios"},"executable":"/t/release/deps/scenarios-1"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable(messages),
            Some(PathBuf::from("/t/release/deps/scenarios-1"))
        );
        assert_eq!(executable(""), None);
    }
}
