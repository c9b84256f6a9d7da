//! One graded job, the harness's side: read the job's key from stdin, open the
//! result channel, confine the process (no files, no network, no new processes,
//! a memory budget), and only then run the scenario; the result, with a failed
//! run's timeline and linearizability picture as HTML, goes back sealed with the
//! key. Nothing of this reaches student code: the key lives in this function's
//! frame, and the channel cannot be reopened once the sandbox is in place.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::process::ExitCode;

use jobwire::sandbox::{Policy, confine};
use jobwire::{JobMessage, KEY_LEN, Key, RESULT_FD, RunResult, Status};

use crate::report::{FailureKind, Outcome, Report};
use crate::runner::{memory, timeline_html};

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
}

/// Runs the job; the exit code only says whether the protocol could be kept
/// (the verdict is in the sealed result).
pub fn main(args: &JobArgs) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("harness: {e}");
            ExitCode::from(3)
        }
    }
}

fn run(args: &JobArgs) -> Result<(), String> {
    let key = read_key()?;
    let mut channel = OpenOptions::new()
        .write(true)
        .open(format!("/proc/self/fd/{RESULT_FD}"))
        .map_err(|e| format!("no result channel on fd {RESULT_FD}: {e}"))?;
    let scenario = crate::find(&args.test)?;
    let sandbox = confine(&Policy {
        read: Vec::new(),
        write: Vec::new(),
        // Room for the budget plus the runtime's reservations; the budget
        // below is what counts.
        address_space: (args.memory_mb > 0).then(|| (args.memory_mb * 2 + 1024) << 20),
        cpu_seconds: (args.cpu_seconds > 0).then_some(args.cpu_seconds),
        file_size: Some(0),
        single_process: true,
    });
    let mut message = JobMessage {
        test: args.test.clone(),
        seed: args.seed,
        run: None,
        out_of_memory: true,
        sandbox,
        timeline: None,
        linearizability: None,
        note: None,
    };
    if args.memory_mb > 0 {
        let budget = usize::try_from(args.memory_mb << 20).unwrap_or(usize::MAX);
        let notice_channel = channel
            .try_clone()
            .map_err(|e| format!("cannot duplicate the result channel: {e}"))?;
        memory::arm(budget, notice_channel, message.seal(&key));
    }
    message.out_of_memory = false;

    // From here on, student code runs.
    let report = scenario.run(args.seed, false);
    let result = run_result(&report);
    if !report.passed() && args.timeline {
        match timeline_html(&scenario, &report) {
            Ok(html) => message.timeline = Some(html),
            Err(e) => message.note = Some(format!("no timeline: {e}")),
        }
    }
    message.linearizability = report.linearizability.clone();
    if memory::exceeded() {
        // The notice went out already; a second frame would be refused.
        return Ok(());
    }
    message.run = Some(result);
    channel
        .write_all(&message.seal(&key))
        .map_err(|e| format!("cannot write the result: {e}"))
}

/// Reads exactly the key, then the end of stdin.
fn read_key() -> Result<Key, String> {
    let mut stdin = std::io::stdin().lock();
    let mut key = [0u8; KEY_LEN];
    stdin
        .read_exact(&mut key)
        .map_err(|e| format!("no job key on stdin: {e}"))?;
    let mut rest = [0u8; 1];
    match stdin.read(&mut rest) {
        Ok(0) => Ok(Key(key)),
        Ok(_) => Err("more than a key on stdin".into()),
        Err(e) => Err(format!("reading stdin: {e}")),
    }
}

fn run_result(report: &Report) -> RunResult {
    let (status, reason) = match &report.outcome {
        Outcome::Passed => (Status::Passed, String::new()),
        Outcome::Failed { kind, message } => (
            match kind {
                FailureKind::Panicked => Status::Panicked,
                FailureKind::Livelock | FailureKind::TimeLimit => Status::Stuck,
                FailureKind::Check | FailureKind::Decode => Status::Failed,
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
    }
}
