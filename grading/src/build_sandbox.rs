//! The sandbox a submission's build runs in. Compiling is running the
//! student's code at compile time (`include_bytes!`, `#[path]`, `env!`, const
//! evaluation, macro expansion), so the build is confined as a job is, in
//! three stages that the grader starts by re-executing its own image
//! (`/proc/self/exe`, so that a rebuild of the binary on disk cannot pull it
//! from under a running grade):
//!
//! 1. `sandbox-exec` asks to die with the grader and makes a new PID
//!    namespace for its child;
//! 2. `sandbox-exec --init`, the first process of that namespace, also asks
//!    to die with its parent, confines itself (landlock: read the toolchain,
//!    the dependencies' sources and `/usr`, write the build tree, the build
//!    directory, its temporary directory and `/dev/null`, nothing else; no
//!    network; seccomp; a CPU-time and a data limit per process) and runs
//!    cargo with a cleared environment; when it ends, the kernel ends every
//!    process left in the namespace, so nothing of a build outlives it or the
//!    grader;
//! 3. cargo and its rustc processes inherit all of it.
//!
//! No `/etc`, `/proc`, `/sys` or `/dev` beyond `/dev/null`, no home
//! directory, no cargo configuration or credentials: a build needs none of
//! them (found by trying, and each refusal is tested), and a file compiled in
//! from any of them would carry this machine's secrets into a report.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use jobwire::sandbox::{Policy, confine};

use crate::bounded::Bounds;
use nix::sched::{CloneFlags, unshare};
use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::Signal;

/// The exit code of a build that refused to start because its sandbox was
/// incomplete and a complete one was required.
pub const INCOMPLETE_SANDBOX: i32 = 97;

/// The toolchain a build uses, found by the grader before it is confined.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// Its root (`rustc --print sysroot`).
    pub sysroot: PathBuf,
    /// Cargo's home, whose `registry` holds the dependencies' sources.
    pub cargo_home: PathBuf,
}

impl Toolchain {
    /// The toolchain this grader was run with (its `CARGO`, else the `rustc`
    /// on the path) and cargo's home.
    pub fn find() -> Result<Toolchain, String> {
        let from_cargo = std::env::var_os("CARGO")
            .map(PathBuf::from)
            .and_then(|c| Some(c.parent()?.parent()?.to_path_buf()))
            .filter(|root| root.join("bin/rustc").is_file() && root.join("lib/rustlib").is_dir());
        let sysroot = match from_cargo {
            Some(root) => root,
            None => {
                let out = Command::new("rustc")
                    .args(["--print", "sysroot"])
                    .output()
                    .map_err(|e| format!("cannot run rustc to find the toolchain: {e}"))?;
                if !out.status.success() {
                    return Err(format!(
                        "rustc --print sysroot failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
            }
        };
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .ok_or("neither CARGO_HOME nor HOME is set: cannot find the dependencies' sources")?;
        Ok(Toolchain {
            sysroot,
            cargo_home,
        })
    }

    /// Its cargo.
    pub fn cargo(&self) -> PathBuf {
        self.sysroot.join("bin/cargo")
    }
}

/// Where a confined build may read and write.
#[derive(Clone, Debug)]
pub struct Jail {
    /// The toolchain.
    pub toolchain: Toolchain,
    /// The tree being built (read and written: cargo writes its lock file).
    pub tree: PathBuf,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
    /// The build's temporary directory.
    pub tmp: PathBuf,
    /// Refuse to build in an incomplete sandbox.
    pub require_complete: bool,
}

impl Jail {
    /// The command that runs `cargo args...` in this jail (stage 1 of the
    /// module's three), with the environment it will see and nothing else,
    /// each of its processes limited to the memory and the time of `bounds`
    /// (the grader's backstop: the group's limits are the grader's to keep).
    pub fn command(&self, args: &[&str], bounds: &Bounds) -> Command {
        let toolchain = &self.toolchain;
        let mut command = Command::new("/proc/self/exe");
        command.arg("sandbox-exec");
        let read = [
            toolchain.sysroot.clone(),
            toolchain.cargo_home.join("registry"),
            toolchain.cargo_home.join("git"),
            PathBuf::from("/usr"),
        ];
        for path in read.iter().filter(|p| p.exists()) {
            command.arg("--read").arg(path);
        }
        for path in [&self.tree, &self.target_dir, &self.tmp] {
            command.arg("--write").arg(path);
        }
        command.arg("--write").arg("/dev/null");
        command.arg("--tmp").arg(&self.tmp);
        command
            .arg("--data-bytes")
            .arg(bounds.memory.to_string())
            .arg("--cpu-seconds")
            .arg(bounds.wall.as_secs().saturating_add(5).to_string());
        if self.require_complete {
            command.arg("--require-complete");
        }
        let bin = toolchain.sysroot.join("bin");
        let mut path = OsString::from(&bin);
        path.push(":/usr/bin:/bin");
        let mut set = |name: &str, value: &std::ffi::OsStr| {
            let mut pair = OsString::from(name);
            pair.push("=");
            pair.push(value);
            command.arg("--env").arg(pair);
        };
        set("PATH", &path);
        set("RUSTC", bin.join("rustc").as_os_str());
        set("CARGO_HOME", toolchain.cargo_home.as_os_str());
        set("CARGO_TARGET_DIR", self.target_dir.as_os_str());
        set("HOME", self.tmp.as_os_str());
        set("TMPDIR", self.tmp.as_os_str());
        set("CARGO_NET_OFFLINE", "true".as_ref());
        set("CARGO_TERM_COLOR", "never".as_ref());
        command.arg("--").arg(toolchain.cargo()).args(args);
        command.current_dir(&self.tree).env_clear();
        command
    }
}

/// The options of `grading sandbox-exec`.
#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    /// Paths the command may read.
    #[arg(long)]
    pub read: Vec<PathBuf>,
    /// Paths the command may read and write.
    #[arg(long)]
    pub write: Vec<PathBuf>,
    /// The command's temporary directory (one of the writable paths).
    #[arg(long)]
    pub tmp: PathBuf,
    /// Limit on each process's data, in bytes.
    #[arg(long)]
    pub data_bytes: u64,
    /// Limit on each process's CPU time, in seconds.
    #[arg(long)]
    pub cpu_seconds: u64,
    /// The command's whole environment, as NAME=VALUE (repeatable).
    #[arg(long)]
    pub env: Vec<OsString>,
    /// Exit with code 97 rather than run in an incomplete sandbox.
    #[arg(long)]
    pub require_complete: bool,
    /// Stage 2: the first process of the build's PID namespace.
    #[arg(long)]
    pub init: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    pub command: Vec<OsString>,
}

/// `grading sandbox-exec`: stage 1, or with `--init` stage 2. Exits with the
/// command's code (128 + the signal that ended it).
pub fn exec(args: &ExecArgs) -> ! {
    // Die with the process that started this one; if it is already gone,
    // do not start anything.
    let parent = nix::unistd::getppid();
    if set_pdeathsig(Signal::SIGKILL).is_err() || nix::unistd::getppid() != parent {
        std::process::exit(128 + Signal::SIGKILL as i32);
    }
    if args.init {
        init(args)
    } else {
        let own = CloneFlags::CLONE_NEWPID;
        let namespace = unshare(own).or_else(|_| unshare(own | CloneFlags::CLONE_NEWUSER));
        let mut stage2 = Command::new("/proc/self/exe");
        // This process was started as `grading sandbox-exec OPTIONS -- COMMAND`.
        stage2
            .args(["sandbox-exec", "--init"])
            .args(std::env::args_os().skip(2));
        if let Err(e) = namespace {
            if args.require_complete {
                eprintln!("the build's sandbox is incomplete: no PID namespace: {e}");
                std::process::exit(INCOMPLETE_SANDBOX);
            }
            eprintln!(
                "warning: the build runs without its own PID namespace ({e}): a grader killed from outside may leave its processes behind"
            );
        }
        std::process::exit(wait(stage2))
    }
}

/// Stage 2: confine, run the command, and end (taking the namespace with it).
fn init(args: &ExecArgs) -> ! {
    let report = confine(&Policy {
        read: args.read.clone(),
        write: args.write.clone(),
        address_space: None,
        data: Some(args.data_bytes),
        cpu_seconds: Some(args.cpu_seconds),
        file_size: None,
        single_process: false,
    });
    if !report.missing.is_empty() {
        let missing = report.missing.join("; ");
        if args.require_complete {
            eprintln!("the build's sandbox is incomplete: {missing}");
            std::process::exit(INCOMPLETE_SANDBOX);
        }
        eprintln!("warning: the submission's build runs with an incomplete sandbox: {missing}");
    }
    let mut command = Command::new(&args.command[0]);
    command.args(&args.command[1..]).env_clear();
    for pair in &args.env {
        let pair = pair.to_string_lossy();
        if let Some((name, value)) = pair.split_once('=') {
            command.env(name, value);
        }
    }
    std::process::exit(wait(command))
}

/// Runs `command` to its end; its exit code, or 128 + the signal that ended it.
fn wait(mut command: Command) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match command.status() {
        Ok(status) => status
            .code()
            .or_else(|| status.signal().map(|s| 128 + s))
            .unwrap_or(1),
        Err(e) => {
            eprintln!(
                "cannot run {}: {e}",
                Path::new(&command.get_program()).display()
            );
            127
        }
    }
}
