//! One job, (scenario, seed): its result, how a child process runs it and
//! reports it (with a timeline of the run when it fails), and how the parent
//! turns a child's end into a reason.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tests::{Outcome, Part, Report, Scenario};
use wait_timeout::ChildExt;

/// How a job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every check held.
    Passed,
    /// A check of the tester failed.
    Failed,
    /// The implementation panicked.
    Panicked,
    /// Virtual time stopped advancing, or the scenario's virtual-time limit passed.
    Stuck,
    /// The job ran past its wall-clock limit and was killed.
    TimedOut,
    /// The job ran out of memory.
    OutOfMemory,
    /// The job's process exited by itself (`process::exit`) without a result.
    Exited,
    /// The job's process was killed by a signal (abort, stack overflow, ...).
    Killed,
}

/// What one job produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobResult {
    /// The scenario.
    pub test: String,
    /// Its part.
    pub part: Part,
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
    /// Address-space limit in MiB (0: none).
    pub memory_mb: u64,
    /// Where failed jobs write their timelines and pictures (None: nowhere).
    pub artifacts: Option<PathBuf>,
    /// At most this many timelines per scenario (None: one per failed job).
    pub max_timelines: Option<usize>,
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

    fn from_report(scenario: &Scenario, report: &Report, wall: Duration) -> JobResult {
        let (outcome, reason) = match &report.outcome {
            Outcome::Passed => (Status::Passed, String::new()),
            Outcome::Failed { kind, message } => {
                let status = match kind {
                    tests::FailureKind::Panicked => Status::Panicked,
                    tests::FailureKind::Livelock | tests::FailureKind::TimeLimit => Status::Stuck,
                    tests::FailureKind::Check | tests::FailureKind::Decode => Status::Failed,
                };
                (status, message.clone())
            }
        };
        JobResult {
            test: scenario.name.to_string(),
            part: scenario.part,
            seed: report.seed,
            outcome,
            reason,
            wall_ms: wall.as_millis() as u64,
            virtual_ms: report.virtual_ms,
            rpcs: report.rpcs,
            bytes: report.bytes,
            trace_digest: format!("{:016x}", report.trace_digest),
            replay: report.replay.clone(),
            timeline: None,
            linearizability: None,
        }
    }

    /// A job that produced no report (the process died).
    fn died(
        scenario: &Scenario,
        seed: u64,
        outcome: Status,
        reason: String,
        wall: Duration,
    ) -> JobResult {
        JobResult {
            test: scenario.name.to_string(),
            part: scenario.part,
            seed,
            outcome,
            reason,
            wall_ms: wall.as_millis() as u64,
            virtual_ms: 0,
            rpcs: 0,
            bytes: 0,
            trace_digest: String::new(),
            replay: tests::replay_command(scenario.name, seed),
            timeline: None,
            linearizability: None,
        }
    }
}

/// Runs the job in this process (the child's side) and returns its result.
/// A run that ends in failure is replayed with full records, and its timeline
/// written under `artifacts` (with a kvraft history's picture, which the
/// tester writes under `$RAFTLAB_OUT_DIR`).
pub fn run_here(scenario: &Scenario, seed: u64, artifacts: Option<&Path>) -> JobResult {
    let start = Instant::now();
    let report = scenario.run(seed, false);
    let mut result = JobResult::from_report(scenario, &report, start.elapsed());
    if result.passed() {
        return result;
    }
    let picture = tests::kv::linearizability::picture_path(scenario.name, seed);
    if result.reason.contains(&picture.display().to_string()) {
        result.linearizability = Some(picture.display().to_string());
    }
    if let Some(dir) = artifacts {
        match write_timeline(scenario, &report, dir) {
            Ok(path) => result.timeline = Some(path.display().to_string()),
            Err(e) => result.reason.push_str(&format!(" (no timeline: {e})")),
        }
    }
    result
}

/// Replays a failed run with full records and writes its timeline as
/// `<dir>/timelines/<test>-seed<seed>.html`.
fn write_timeline(scenario: &Scenario, failed: &Report, dir: &Path) -> Result<PathBuf, String> {
    let replay = scenario.run(failed.seed, true);
    if replay.trace_digest != failed.trace_digest {
        return Err(format!(
            "the replay took different steps (trace digest {:016x}, first run {:016x}): \
             the implementation is not deterministic; try `grading determinism --test {} --seed {}`",
            replay.trace_digest, failed.trace_digest, scenario.name, failed.seed
        ));
    }
    let failure = match &replay.outcome {
        Outcome::Passed => None,
        Outcome::Failed { message, .. } => Some(message.as_str()),
    };
    let run = view::Run {
        test: scenario.name,
        seed: failed.seed,
        servers: replay.servers,
        records: &replay.records,
        failure,
    };
    let dir = dir.join("timelines");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{}-seed{}.html", scenario.name, failed.seed));
    let partial = path.with_extension("html.partial");
    std::fs::write(&partial, view::timeline::html(&run))
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The child's side: limits its own address space, runs the job, prints the
/// result as one JSON line on stdout.
pub fn child_main(
    scenario: &Scenario,
    seed: u64,
    memory_mb: u64,
    artifacts: Option<&Path>,
) -> Result<(), String> {
    if memory_mb > 0 {
        let bytes = memory_mb.saturating_mul(1 << 20);
        rlimit::setrlimit(rlimit::Resource::AS, bytes, bytes)
            .map_err(|e| format!("cannot set the memory limit: {e}"))?;
    }
    let result = run_here(scenario, seed, artifacts);
    let line = serde_json::to_string(&result).map_err(|e| e.to_string())?;
    println!("{RESULT_PREFIX}{line}");
    Ok(())
}

/// Marks the result line among whatever else the child printed.
const RESULT_PREFIX: &str = "@@raftlab-result ";

/// The parent's side: runs the job in a child process of `exe` under the
/// limits, and classifies how it ended.
pub fn run_isolated(exe: &Path, scenario: &Scenario, seed: u64, options: &JobOptions) -> JobResult {
    let JobOptions {
        timeout, memory_mb, ..
    } = *options;
    let start = Instant::now();
    let mut command = Command::new(exe);
    command
        .args(["job", "--test", scenario.name, "--seed"])
        .arg(seed.to_string())
        .arg("--memory-mb")
        .arg(memory_mb.to_string())
        .env("RUST_BACKTRACE", "0");
    if let Some(dir) = &options.artifacts {
        command
            .arg("--artifacts")
            .arg(dir)
            .env("RAFTLAB_OUT_DIR", dir);
    }
    let spawned = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return JobResult::died(
                scenario,
                seed,
                Status::Exited,
                format!("cannot start the job's process: {e}"),
                start.elapsed(),
            );
        }
    };
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => Some(status),
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return JobResult::died(
                scenario,
                seed,
                Status::Killed,
                format!("lost the job's process: {e}"),
                start.elapsed(),
            );
        }
    };
    let wall = start.elapsed();
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let Some(status) = status else {
        return JobResult::died(
            scenario,
            seed,
            Status::TimedOut,
            format!(
                "timed out: still running after {} s of wall-clock time (an infinite loop in a handler?)",
                timeout.as_secs()
            ),
            wall,
        );
    };
    if let Some(line) = out
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        && let Ok(mut result) = serde_json::from_str::<JobResult>(line)
    {
        result.wall_ms = wall.as_millis() as u64;
        return result;
    }
    let tail = last_lines(&err, 6);
    if err.contains("memory allocation of")
        || err.contains("out of memory")
        || err.contains("capacity overflow")
    {
        return JobResult::died(
            scenario,
            seed,
            Status::OutOfMemory,
            format!("out of memory (limit {memory_mb} MiB): {tail}"),
            wall,
        );
    }
    match status.code() {
        Some(code) => JobResult::died(
            scenario,
            seed,
            Status::Exited,
            format!("exited with code {code} without a result: {tail}"),
            wall,
        ),
        None => {
            let signal = signal_of(&status);
            let name = match signal {
                Some(6) => "signal 6, SIGABRT".to_string(),
                Some(9) => "signal 9, SIGKILL".to_string(),
                Some(11) => "signal 11, SIGSEGV".to_string(),
                Some(s) => format!("signal {s}"),
                None => "a signal".to_string(),
            };
            let why = if err.contains("has overflowed its stack") {
                "a stack overflow (unbounded recursion?)"
            } else if signal == Some(6) {
                "the process aborted"
            } else {
                "killed from outside, or a crash"
            };
            JobResult::died(
                scenario,
                seed,
                Status::Killed,
                format!("killed by {name}: {why}: {tail}"),
                wall,
            )
        }
    }
}

#[cfg(unix)]
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

#[cfg(not(unix))]
fn signal_of(_: &std::process::ExitStatus) -> Option<i32> {
    None
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
