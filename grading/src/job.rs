//! One job, (scenario, seed), from the grader's side: start the harness in its
//! own process group with a fresh key on stdin and a result channel on fd 3,
//! keep its output within bounds, kill the whole group at the wall-clock limit,
//! and believe only a result sealed with the key. Anything else (a clean exit
//! without a sealed result, a forged or damaged one, a signal, a timeout) fails
//! the job with its reason. The files a failed run leaves (timeline,
//! linearizability picture) arrive as text in the sealed result and are
//! written here, by the grader: the job itself can write no file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jobwire::replay::RunName;
use jobwire::restart::Restart;
use jobwire::{JobMessage, Key, MAX_RESULT_BYTES, Status, child};
use serde::{Deserialize, Serialize};

use crate::harness::Harness;
use crate::untrusted;

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
    /// Agreements reached (Raft) or operations completed (kvraft).
    #[serde(default)]
    pub commands: u64,
    /// The command that replays it.
    pub replay: String,
    /// The command that shrinks it, if it failed.
    #[serde(default)]
    pub shrink: String,
    /// The HTML timeline of the failed run, if one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<String>,
    /// The picture of a history found not linearizable (kvraft), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linearizability: Option<String>,
    /// Restarts the crash check built again from their persisted state.
    #[serde(default)]
    pub restarts_checked: usize,
    /// Wall time the crash check took, in milliseconds (part of `wall_ms`).
    #[serde(default)]
    pub crash_check_ms: u64,
    /// The most calls one server made in one virtual second (as its harness
    /// reports it: informative, never scored).
    #[serde(default)]
    pub peak_rpcs_per_sec: u64,
    /// The most request bytes one server sent in one virtual second (ditto).
    #[serde(default)]
    pub peak_bytes_per_sec: u64,
    /// What the run did that passes but wastes, as its harness reports it
    /// (informative, never scored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
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
    /// Print no failure as it happens (the caller reports them).
    pub quiet: bool,
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
    /// Run it recorded only up to this virtual time (ms): the second run of
    /// a job killed for wall-clock time, for its timeline.
    pub stop_at_ms: Option<u64>,
}

impl JobResult {
    /// Whether it passed.
    pub fn passed(&self) -> bool {
        self.outcome == Status::Passed
    }

    /// The lines to print after the replay command: how to shrink a failed
    /// run (a failure of the scenario's own, which shrinking reproduces
    /// in-process), and the files written for this job (empty if none).
    pub fn files(&self) -> String {
        let mut out = String::new();
        if matches!(
            self.outcome,
            Status::Failed | Status::Panicked | Status::Stuck
        ) {
            out.push_str(&format!("\nshrink: {}", self.shrink));
        }
        if let Some(t) = &self.timeline {
            out.push_str(&format!("\ntimeline: {t}"));
        }
        if let Some(l) = &self.linearizability {
            out.push_str(&format!("\nlinearizability: {l}"));
        }
        out
    }

    pub(crate) fn new(
        job: &JobSpec<'_>,
        options: &JobOptions,
        outcome: Status,
        reason: String,
    ) -> Self {
        let name = run_name(job.test, job.seed, options.submission.as_deref());
        JobResult {
            test: job.test.to_string(),
            part: job.part.to_string(),
            seed: job.seed,
            outcome,
            // What a job says comes from a submission's process.
            reason: untrusted::clean(&reason, untrusted::REASON),
            wall_ms: 0,
            virtual_ms: 0,
            rpcs: 0,
            bytes: 0,
            trace_digest: String::new(),
            commands: 0,
            replay: name.replay(),
            shrink: name.shrink().unwrap_or_default(),
            timeline: None,
            linearizability: None,
            restarts_checked: 0,
            crash_check_ms: 0,
            peak_rpcs_per_sec: 0,
            peak_bytes_per_sec: 0,
            warnings: Vec::new(),
        }
    }
}

/// The name of the run (`test`, `seed`) of this tree or of `submission`.
fn run_name(test: &str, seed: u64, submission: Option<&Path>) -> RunName {
    RunName {
        submission: submission.map(Path::to_path_buf),
        ..RunName::new(test, seed)
    }
}

/// Set once the grader has said that the sandbox is incomplete.
static WARNED: AtomicBool = AtomicBool::new(false);

/// Runs one job in a fresh harness process and classifies how it ended.
pub fn run(harness: &Harness, job: &JobSpec<'_>, options: &JobOptions) -> JobResult {
    let start = Instant::now();
    let mut result = run_child(harness, job, options);
    // A job stopped for wall-clock time still shows what it did: run it again
    // recorded up to the virtual time it had reached, for its timeline.
    if result.outcome == Status::TimedOut
        && result.virtual_ms > 0
        && job.timeline
        && job.stop_at_ms.is_none()
        && options.artifacts.is_some()
    {
        let again = JobSpec {
            stop_at_ms: Some(result.virtual_ms),
            ..job.clone()
        };
        let cut = run_child(harness, &again, options);
        match cut.timeline {
            Some(path) => {
                result.reason.push_str(&format!(
                    " (the timeline shows the run up to virtual time {} s, where it was stopped)",
                    result.virtual_ms as f64 / 1000.0
                ));
                result.timeline = Some(path);
            }
            None => result.reason.push_str(&format!(
                " (no timeline: its run up to virtual time {} s ended {:?}: {})",
                result.virtual_ms as f64 / 1000.0,
                cut.outcome,
                cut.reason
            )),
        }
    }
    result.wall_ms = start.elapsed().as_millis() as u64;
    result
}

fn run_child(harness: &Harness, job: &JobSpec<'_>, options: &JobOptions) -> JobResult {
    let died = |outcome, reason| JobResult::new(job, options, outcome, reason);
    let key = match Key::fresh() {
        Ok(key) => key,
        Err(e) => return died(Status::Rejected, e),
    };
    let mut command = harness.command("job");
    command
        .args(["--test", job.test, "--seed"])
        .arg(job.seed.to_string())
        .arg("--memory-mb")
        .arg(options.memory_mb.to_string())
        .arg("--cpu-seconds")
        .arg(options.timeout.as_secs().saturating_add(1).to_string())
        // The job's own watchdog reports where the run is a little before the
        // grader kills its group.
        .arg("--watchdog-seconds")
        .arg(watchdog_seconds(options.timeout).to_string());
    if job.timeline {
        command.arg("--timeline");
    }
    if let Some(ms) = job.stop_at_ms {
        command.arg("--stop-at-ms").arg(ms.to_string());
    }
    command
        .env_clear()
        .env("RUST_BACKTRACE", "0")
        .current_dir("/");
    let ended = match child::run(command, &key, &[], options.timeout, MAX_OUTPUT) {
        Ok(ended) => ended,
        Err(e) => return died(Status::Exited, e),
    };
    if ended.frame_cut {
        return died(
            Status::Rejected,
            format!("the job's result channel carried more than {MAX_RESULT_BYTES} bytes"),
        );
    }
    if !ended.frame.is_empty() {
        return match JobMessage::open(&key, &ended.frame, job.test, job.seed) {
            Ok(message) => accept(harness, job, options, message),
            Err(e) => died(
                Status::Rejected,
                format!("the job's result channel did not carry its sealed result: {e}"),
            ),
        };
    }
    let (outcome, reason) = ended.why(options.timeout);
    died(outcome, reason)
}

/// When a job's watchdog reports: two seconds before the wall-clock limit
/// (its report takes one), or at one second for limits under four.
fn watchdog_seconds(timeout: Duration) -> u64 {
    let secs = timeout.as_secs();
    if secs >= 4 { secs - 2 } else { 1 }
}

/// The crash check: each sampled restart's server is built again from its
/// persisted bytes alone, each in a fresh sandboxed harness, and must report
/// the state the restarted server reported in the run.
fn crash_check(
    harness: &Harness,
    restarts: &[Restart],
    options: &JobOptions,
) -> Result<(), String> {
    for restart in restarts {
        let mut command = harness.command("rebuild");
        command
            .arg("--memory-mb")
            .arg(options.memory_mb.to_string())
            .arg("--cpu-seconds")
            .arg(options.timeout.as_secs().saturating_add(1).to_string())
            .env_clear()
            .env("RUST_BACKTRACE", "0")
            .current_dir("/");
        restart.check(command, options.timeout, MAX_OUTPUT)?;
    }
    Ok(())
}

/// A genuine result: its figures, and its files written where the grader keeps them.
fn accept(
    harness: &Harness,
    job: &JobSpec<'_>,
    options: &JobOptions,
    message: JobMessage,
) -> JobResult {
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
    result.peak_rpcs_per_sec = run.peak_rpcs_per_sec;
    result.peak_bytes_per_sec = run.peak_bytes_per_sec;
    result.warnings = untrusted::clean_all(&run.warnings, untrusted::LINE, untrusted::WARNINGS);
    result.bytes = run.bytes;
    result.trace_digest = run.trace_digest;
    result.commands = run.commands;
    if result.passed() && !message.restarts.is_empty() {
        let start = Instant::now();
        if let Err(e) = crash_check(harness, &message.restarts, options) {
            result.outcome = Status::Failed;
            result.reason = e;
        }
        result.crash_check_ms = start.elapsed().as_millis() as u64;
        result.restarts_checked = message.restarts.len();
    }
    if let Some(note) = message.note {
        let note = untrusted::clean(&note, untrusted::LINE);
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
            if html.len() > untrusted::FILE {
                result.reason.push_str(&format!(
                    " (no {sub}: its {} bytes are over the limit of {} bytes a job may write; replay it to see it)",
                    html.len(),
                    untrusted::FILE
                ));
                continue;
            }
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
