//! One job, (scenario, seed), from the grader's side: start the harness in its
//! own process group with a fresh key on stdin and a result channel on fd 3,
//! keep its output within bounds, kill the whole group at the wall-clock limit,
//! and believe only a result sealed with the key. Anything else (a clean exit
//! without a sealed result, a forged or damaged one, a signal, a timeout) fails
//! the job with its reason. The files a failed run leaves (timeline,
//! linearizability picture) arrive as text in the sealed result and are
//! written here, by the grader: the job itself can write no file.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use command_fds::{CommandFdExt, FdMapping};
use jobwire::{JobMessage, KEY_LEN, Key, MAX_RESULT_BYTES, RESULT_FD, Status};
use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

use crate::harness::Harness;

/// Most bytes kept of a job's stderr (its stdout is read and dropped); the
/// rest is read and dropped, with a note.
pub const MAX_OUTPUT: usize = 1 << 20;

/// What one job produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobResult {
    /// The scenario.
    pub test: String,
    /// Its part.
    pub part: String,
    /// The seed.
    pub seed: u64,
    /// How it ended.
    pub outcome: Status,
    /// Why it failed (empty if it passed).
    pub reason: String,
    /// Wall time, in milliseconds.
    pub wall_ms: u64,
    /// Virtual time, in milliseconds.
    pub virtual_ms: u64,
    /// RPCs sent.
    pub rpcs: u64,
    /// Bytes sent.
    pub bytes: u64,
    /// Trace digest (as 16 hex digits).
    pub trace_digest: String,
    /// The command that replays it.
    pub replay: String,
    /// The HTML timeline of the failed run, if one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<String>,
    /// The picture of a history found not linearizable (kvraft), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linearizability: Option<String>,
}

/// How jobs run: their limits, and where the files of failures go.
#[derive(Clone, Debug)]
pub struct JobOptions {
    /// Wall-clock limit of a job.
    pub timeout: Duration,
    /// Memory budget in MiB (0: none).
    pub memory_mb: u64,
    /// Where failed jobs' timelines and pictures go (None: nowhere).
    pub artifacts: Option<PathBuf>,
    /// At most this many timelines per scenario (None: one per failed job).
    pub max_timelines: Option<usize>,
    /// Fail a job whose sandbox is incomplete instead of warning once.
    pub require_sandbox: bool,
    /// The submission graded, if any (its replays name it).
    pub submission: Option<PathBuf>,
}

/// One job to run.
#[derive(Clone, Debug)]
pub struct JobSpec<'a> {
    /// The scenario.
    pub test: &'a str,
    /// Its part.
    pub part: &'a str,
    /// The seed.
    pub seed: u64,
    /// Ask for the timeline if it fails.
    pub timeline: bool,
}

impl JobResult {
    /// Whether it passed.
    pub fn passed(&self) -> bool {
        self.outcome == Status::Passed
    }

    /// The lines that name the files written for this job (empty if none).
    pub fn files(&self) -> String {
        let mut out = String::new();
        if let Some(t) = &self.timeline {
            out.push_str(&format!("\ntimeline: {t}"));
        }
        if let Some(l) = &self.linearizability {
            out.push_str(&format!("\nlinearizability: {l}"));
        }
        out
    }

    fn new(job: &JobSpec<'_>, options: &JobOptions, outcome: Status, reason: String) -> Self {
        JobResult {
            test: job.test.to_string(),
            part: job.part.to_string(),
            seed: job.seed,
            outcome,
            reason,
            wall_ms: 0,
            virtual_ms: 0,
            rpcs: 0,
            bytes: 0,
            trace_digest: String::new(),
            replay: replay_command(job.test, job.seed, options.submission.as_deref()),
            timeline: None,
            linearizability: None,
        }
    }
}

/// The command that replays (`test`, `seed`) of this tree or of `submission`.
pub fn replay_command(test: &str, seed: u64, submission: Option<&Path>) -> String {
    let mut command = format!("cargo run --release -p grading -- run --test {test} --seed {seed}");
    if let Some(dir) = submission {
        command.push_str(&format!(" --submission {}", dir.display()));
    }
    command
}

/// Set once the grader has said that the sandbox is incomplete.
static WARNED: AtomicBool = AtomicBool::new(false);

/// Runs one job in a fresh harness process and classifies how it ended.
pub fn run(harness: &Harness, job: &JobSpec<'_>, options: &JobOptions) -> JobResult {
    let start = Instant::now();
    let mut result = run_child(harness, job, options);
    result.wall_ms = start.elapsed().as_millis() as u64;
    result
}

fn run_child(harness: &Harness, job: &JobSpec<'_>, options: &JobOptions) -> JobResult {
    let died = |outcome, reason| JobResult::new(job, options, outcome, reason);
    let mut key = [0u8; KEY_LEN];
    if let Err(e) = getrandom::fill(&mut key) {
        return died(
            Status::Rejected,
            format!("no randomness for the job's key: {e}"),
        );
    }
    let key = Key(key);
    let (mut channel, channel_end) = match std::io::pipe() {
        Ok(pair) => pair,
        Err(e) => return died(Status::Rejected, format!("cannot make a pipe: {e}")),
    };
    let mut command = harness.command("job");
    command
        .args(["--test", job.test, "--seed"])
        .arg(job.seed.to_string())
        .arg("--memory-mb")
        .arg(options.memory_mb.to_string())
        .arg("--cpu-seconds")
        .arg(options.timeout.as_secs().saturating_add(1).to_string());
    if job.timeline {
        command.arg("--timeline");
    }
    command
        .env_clear()
        .env("RUST_BACKTRACE", "0")
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Err(e) = command.fd_mappings(vec![FdMapping {
        parent_fd: channel_end.into(),
        child_fd: RESULT_FD,
    }]) {
        return died(
            Status::Rejected,
            format!("cannot pass the result channel: {e}"),
        );
    }
    let spawned = command.spawn();
    // The command holds our copy of the channel's write end: close it, or the
    // channel never reaches its end.
    drop(command);
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return died(Status::Exited, format!("cannot start the harness: {e}"));
        }
    };
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    let kill_group = || {
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A harness that exits before reading its key fails below.
        let _ = stdin.write_all(&key.0);
    }
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let (err, (sealed, sealed_cut), status) = std::thread::scope(|scope| {
        // Stdout is drained, not kept: nothing in it is believed.
        let out = scope.spawn(move || read_capped(stdout, 0));
        let err = scope.spawn(move || read_capped(stderr, MAX_OUTPUT));
        let sealed = scope.spawn(move || read_capped(&mut channel, MAX_RESULT_BYTES));
        let status = match child.wait_timeout(options.timeout) {
            Ok(Some(status)) => Ok(status),
            Ok(None) => Err(None),
            Err(e) => Err(Some(e)),
        };
        // Whatever is left of the group goes, so the pipes reach their ends.
        kill_group();
        if status.is_err() {
            let _ = child.wait();
        }
        let _ = out.join();
        (
            err.join().unwrap_or_default(),
            sealed.join().unwrap_or_default(),
            status,
        )
    });
    let err_text = output_text(&err);
    if sealed_cut {
        return died(
            Status::Rejected,
            format!("the job's result channel carried more than {MAX_RESULT_BYTES} bytes"),
        );
    }
    if !sealed.is_empty() {
        return match JobMessage::open(&key, &sealed, job.test, job.seed) {
            Ok(message) => accept(job, options, message),
            Err(e) => died(
                Status::Rejected,
                format!("the job's result channel did not carry its sealed result: {e}"),
            ),
        };
    }
    let status = match status {
        Ok(status) => status,
        Err(None) => {
            return died(
                Status::TimedOut,
                format!(
                    "timed out: still running after {} s of wall-clock time (the whole process group was killed)",
                    options.timeout.as_secs()
                ),
            );
        }
        Err(Some(e)) => return died(Status::Killed, format!("lost the job's process: {e}")),
    };
    let tail = last_lines(&err_text, 6);
    match status.code() {
        Some(code) => died(
            Status::Exited,
            format!("exited with code {code} without a sealed result: {tail}"),
        ),
        None => {
            let signal = std::os::unix::process::ExitStatusExt::signal(&status);
            let (name, outcome) = match signal {
                Some(24) => ("signal 24, SIGXCPU: its CPU-time limit", Status::TimedOut),
                Some(6) => ("signal 6, SIGABRT", Status::Killed),
                Some(9) => ("signal 9, SIGKILL", Status::Killed),
                Some(11) => ("signal 11, SIGSEGV", Status::Killed),
                _ => ("a signal", Status::Killed),
            };
            let why = if err_text.contains("has overflowed its stack") {
                "a stack overflow (unbounded recursion?)"
            } else if signal == Some(6) {
                "the process aborted"
            } else if signal == Some(24) {
                "it used more CPU time than its wall-clock limit"
            } else {
                "killed from outside, or a crash"
            };
            died(outcome, format!("killed by {name}: {why}: {tail}"))
        }
    }
}

/// A genuine result: its figures, and its files written where the grader keeps them.
fn accept(job: &JobSpec<'_>, options: &JobOptions, message: JobMessage) -> JobResult {
    if !message.sandbox.missing.is_empty() {
        let missing = message.sandbox.missing.join("; ");
        if options.require_sandbox {
            return JobResult::new(
                job,
                options,
                Status::Rejected,
                format!("the sandbox is incomplete and --require-sandbox was given: {missing}"),
            );
        }
        if !WARNED.swap(true, Ordering::SeqCst) {
            eprintln!("warning: jobs run with an incomplete sandbox: {missing}");
        }
    }
    let Some(run) = message.run else {
        return JobResult::new(
            job,
            options,
            Status::OutOfMemory,
            format!(
                "out of memory: its allocations passed the budget of {} MiB",
                options.memory_mb
            ),
        );
    };
    let mut result = JobResult::new(job, options, run.status, run.reason);
    result.virtual_ms = run.virtual_ms;
    result.rpcs = run.rpcs;
    result.bytes = run.bytes;
    result.trace_digest = run.trace_digest;
    if let Some(note) = message.note {
        result.reason.push_str(&format!(" ({note})"));
    }
    if let Some(dir) = &options.artifacts {
        let name = format!("{}-seed{}.html", job.test, job.seed);
        for (html, sub, slot) in [
            (message.timeline, "timelines", &mut result.timeline),
            (
                message.linearizability,
                "linearizability",
                &mut result.linearizability,
            ),
        ] {
            let Some(html) = html else { continue };
            match write_atomically(&dir.join(sub), &name, &html) {
                Ok(path) => *slot = Some(path.display().to_string()),
                Err(e) => result.reason.push_str(&format!(" (no {sub}: {e})")),
            }
        }
    }
    result
}

fn write_atomically(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    let partial = dir.join(format!("{name}.partial"));
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Reads `from` to its end, keeping at most `cap` bytes; whether it was cut.
fn read_capped(mut from: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut cut = false;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                cut |= n > room;
            }
        }
    }
    (kept, cut)
}

fn output_text((bytes, cut): &(Vec<u8>, bool)) -> String {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    if *cut {
        text.push_str(&format!("\n(output cut at {} MiB)", MAX_OUTPUT >> 20));
    }
    text
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
        .collect();
    let tail = &lines[lines.len().saturating_sub(n)..];
    if tail.is_empty() {
        "(nothing on stderr)".into()
    } else {
        tail.join(" | ")
    }
}
