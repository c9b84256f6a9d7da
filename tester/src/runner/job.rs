//! One graded job, the harness's side: read the job's key from stdin, open the
//! result channel, confine the process (no files, no network, no new processes,
//! a memory budget), and only then run the scenario; the result, with a failed
//! run's timeline and linearizability picture as HTML, goes back sealed with the
//! key. Nothing of this reaches student code: the key lives in this function's
//! frame, and the channel cannot be reopened once the sandbox is in place.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use jobwire::sandbox::{Policy, confine};
use jobwire::{JobMessage, KEY_LEN, Key, RESULT_FD, RunResult, Status};
use labrpc::{Progress, Time};

use crate::crash_check::{self, Sample};
use crate::report::{FailureKind, Outcome, Report};
use crate::runner::{memory, timeline_html, view_run, watchdog};

/// What the grader asks of one job.
#[derive(clap::Args, Debug)]
pub struct JobArgs {
    /// The scenario.
    #[arg(long)]
    pub test: String,
    /// The seed.
    #[arg(long)]
    pub seed: u64,
    /// Memory budget in MiB (0: none).
    #[arg(long, default_value_t = 0)]
    pub memory_mb: u64,
    /// CPU-time limit in seconds (0: none).
    #[arg(long, default_value_t = 0)]
    pub cpu_seconds: u64,
    /// Replay a failed run with full records and send its timeline.
    #[arg(long)]
    pub timeline: bool,
    /// After this many seconds of wall-clock time, send a diagnosis of where
    /// the run is (a handler that does not return, or a slow run) as a
    /// timed-out result, and end (0: no watchdog).
    #[arg(long, default_value_t = 0)]
    pub watchdog_seconds: u64,
    /// Run recorded and stop before the first event at or after this virtual
    /// time (in ms): what a job killed for wall-clock time did up to where it
    /// was (with --timeline, its timeline).
    #[arg(long)]
    pub stop_at_ms: Option<u64>,
}

/// Runs the job; the exit code only says whether the protocol could be kept
/// (the verdict is in the sealed result).
pub fn main(args: &JobArgs) -> ExitCode {
    protocol_exit(run(args))
}

/// The exit code of a command that answers through the sealed channel: 0, or
/// 3 with the reason on stderr if the protocol could not be kept.
pub(super) fn protocol_exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("harness: {e}");
            ExitCode::from(3)
        }
    }
}

fn run(args: &JobArgs) -> Result<(), String> {
    let (key, _) = read_request(0)?;
    let mut channel = open_channel()?;
    let scenario = crate::find(&args.test)?;
    // The watchdog thread starts before the sandbox, which forbids new
    // threads; it runs only this module's code and reads only the run's
    // progress.
    let progress = Arc::new(Progress::default());
    if args.watchdog_seconds > 0 {
        start_watchdog(args, &key, &channel, Arc::clone(&progress))?;
    }
    let sandbox = confine_job(args.memory_mb, args.cpu_seconds);
    let mut message = JobMessage {
        test: args.test.clone(),
        seed: args.seed,
        run: None,
        out_of_memory: true,
        sandbox,
        timeline: None,
        linearizability: None,
        note: None,
        restarts: Vec::new(),
    };
    if args.memory_mb > 0 {
        let budget = usize::try_from(args.memory_mb << 20).unwrap_or(usize::MAX);
        let notice_channel = channel
            .try_clone()
            .map_err(|e| format!("cannot duplicate the result channel: {e}"))?;
        memory::arm(budget, notice_channel, message.seal(&key));
        // The guests' memory is theirs, not the allocator's: it has a budget
        // of the same size of its own.
        wasmhost::set_memory_budget(budget);
    }
    message.out_of_memory = false;

    // From here on, student code runs. The restarts the crash check builds
    // again are chosen with the key, which student code cannot read.
    let sample = Sample::Some {
        keep: crash_check::KEEP,
        seed: key.derive("raftlab crash-check sample"),
    };
    let (report, recorded) = match args.stop_at_ms {
        Some(ms) => (
            scenario.run_until(args.seed, Time::ZERO + Duration::from_millis(ms)),
            true,
        ),
        None => (scenario.run_watched(args.seed, sample, progress), false),
    };
    let result = run_result(&report);
    if recorded && args.timeline {
        message.timeline = Some(view::timeline::html(&view_run(&scenario, &report)));
    } else if !report.passed() && args.timeline {
        match timeline_html(&scenario, &report) {
            Ok(html) => message.timeline = Some(html),
            Err(e) => message.note = Some(format!("no timeline: {e}")),
        }
    }
    message.linearizability = report.linearizability.clone();
    message.restarts = report.restarts;
    if memory::exceeded() || !memory::claim_result() {
        // The out-of-memory notice or the watchdog's result went out already;
        // a second frame would be refused.
        return Ok(());
    }
    message.run = Some(result);
    channel
        .write_all(&message.seal(&key))
        .map_err(|e| format!("cannot write the result: {e}"))
}

/// Starts the thread that, after `args.watchdog_seconds`, reads where the run
/// is twice a second apart, sends that as the job's (timed-out) result and
/// ends the process.
fn start_watchdog(
    args: &JobArgs,
    key: &Key,
    channel: &std::fs::File,
    progress: Arc<Progress>,
) -> Result<(), String> {
    let mut channel = channel
        .try_clone()
        .map_err(|e| format!("cannot duplicate the result channel: {e}"))?;
    let key = key.clone();
    let (test, seed) = (args.test.clone(), args.seed);
    let limit = Duration::from_secs(args.watchdog_seconds);
    std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            std::thread::sleep(limit);
            let before = progress.read();
            std::thread::sleep(Duration::from_secs(1));
            let after = progress.read();
            if !memory::claim_result() {
                return;
            }
            let message = JobMessage {
                test: test.clone(),
                seed,
                run: Some(RunResult {
                    test,
                    seed,
                    status: Status::TimedOut,
                    reason: watchdog::reason(limit, before, after),
                    virtual_ms: after.now_us / 1000,
                    rpcs: 0,
                    bytes: 0,
                    trace_digest: String::new(),
                    commands: 0,
                    peak_rpcs_per_sec: 0,
                    peak_bytes_per_sec: 0,
                    warnings: Vec::new(),
                }),
                out_of_memory: false,
                sandbox: jobwire::SandboxReport::default(),
                timeline: None,
                linearizability: None,
                note: None,
                restarts: Vec::new(),
            };
            let _ = channel.write_all(&message.seal(&key));
            std::process::exit(0);
        })
        .map_err(|e| format!("cannot start the watchdog: {e}"))?;
    Ok(())
}

/// Reads the key, then the request (at most `limit` bytes) to the end of stdin.
pub(super) fn read_request(limit: usize) -> Result<(Key, Vec<u8>), String> {
    let mut stdin = std::io::stdin().lock();
    let mut key = [0u8; KEY_LEN];
    stdin
        .read_exact(&mut key)
        .map_err(|e| format!("no job key on stdin: {e}"))?;
    let mut request = Vec::new();
    (&mut stdin)
        .take(limit as u64 + 1)
        .read_to_end(&mut request)
        .map_err(|e| format!("reading stdin: {e}"))?;
    if request.len() > limit {
        return Err(format!("more than a key and {limit} bytes on stdin"));
    }
    Ok((Key(key), request))
}

/// The result channel the grader passed on fd 3.
pub(super) fn open_channel() -> Result<std::fs::File, String> {
    OpenOptions::new()
        .write(true)
        .open(format!("/proc/self/fd/{RESULT_FD}"))
        .map_err(|e| format!("no result channel on fd {RESULT_FD}: {e}"))
}

/// Confines this process for running student code: no files, no network, no
/// new processes, the limits given.
pub(super) fn confine_job(memory_mb: u64, cpu_seconds: u64) -> jobwire::SandboxReport {
    confine(&Policy {
        read: Vec::new(),
        write: Vec::new(),
        // Room for the budget plus the runtime's own; the budget (armed by
        // the caller) is what counts. A limit on data, not address space:
        // every guest's memory reserves 4 GiB of address space it never uses.
        address_space: None,
        data: (memory_mb > 0).then(|| (memory_mb * 2 + 1024) << 20),
        cpu_seconds: (cpu_seconds > 0).then_some(cpu_seconds),
        file_size: Some(0),
        single_process: true,
    })
}

fn run_result(report: &Report) -> RunResult {
    let (status, reason) = match &report.outcome {
        Outcome::Passed => (Status::Passed, String::new()),
        Outcome::Failed { kind, message } => (
            match kind {
                FailureKind::Panicked => Status::Panicked,
                FailureKind::Livelock | FailureKind::TimeLimit => Status::Stuck,
                FailureKind::Stopped => Status::TimedOut,
                FailureKind::Check
                | FailureKind::Decode
                | FailureKind::Vacuous
                | FailureKind::OverBudget => Status::Failed,
            },
            message.clone(),
        ),
    };
    RunResult {
        test: report.test.clone(),
        seed: report.seed,
        status,
        reason,
        virtual_ms: report.virtual_ms,
        rpcs: report.rpcs,
        bytes: report.bytes,
        trace_digest: format!("{:016x}", report.trace_digest),
        commands: report.commands,
        peak_rpcs_per_sec: report.peaks.rpcs_per_sec,
        peak_bytes_per_sec: report.peaks.bytes_per_sec,
        warnings: report.warnings.clone(),
    }
}
