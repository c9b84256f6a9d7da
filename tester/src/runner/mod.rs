//! The harness binary: the scenarios compiled together with the implementations
//! of this tree, as one executable (`tester/tests/scenarios.rs`). It is what
//! `cargo test` runs (one test per registered scenario, `trials`) and what the
//! grader runs, once per job (`job`) and for replays (`replay`); the grader
//! itself never links student code.
//!
//! `HARNESS __raftlab <command>` selects the grader's commands; anything else
//! is a `cargo test` (libtest) command line.

mod costs;
mod job;
pub mod memory;
mod premises;
mod rebuild;
mod replay;
mod select;
mod shrink;
mod trials;
pub mod watchdog;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

use clap::{Parser, Subcommand};

use jobwire::restart::Restart;

use crate::registry::Scenario;
use crate::report::{FailureKind, Outcome, Report};

/// The harness's entry point.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some(jobwire::HARNESS_MODE) {
        return trials::main();
    }
    let cli = match Harness::try_parse_from(
        std::iter::once(args[0].clone()).chain(args.into_iter().skip(2)),
    ) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &cli.guest {
        match crate::guest::load(path) {
            Ok(guest) => {
                guest.install();
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    match cli.command {
        HarnessCommand::List => replay::list(),
        HarnessCommand::Job(args) => job::main(&args),
        HarnessCommand::Rebuild(args) => rebuild::main(&args),
        HarnessCommand::Premises(args) => premises::main(&args),
        HarnessCommand::Costs(args) => costs::main(&args),
        HarnessCommand::Run(args) => replay::run(&args),
        HarnessCommand::Shrink(args) => shrink::main(&args),
        HarnessCommand::Determinism { test, seed } => replay::determinism(&test, seed),
    }
}

/// The grader's commands.
#[derive(Parser, Debug)]
#[command(name = "harness", no_binary_name = false)]
struct Harness {
    /// The student code to run: the guest module the grader built and
    /// compiled (else this tree's, built with cargo).
    #[arg(long, global = true)]
    guest: Option<PathBuf>,
    #[command(subcommand)]
    command: HarnessCommand,
}

#[derive(Subcommand, Debug)]
enum HarnessCommand {
    /// Print the registry as JSON (`jobwire::Listing`).
    List,
    /// Run one graded job (the key on stdin, the sealed result on fd 3).
    Job(job::JobArgs),
    /// Build a restarted server again from its persisted bytes alone (the key
    /// and the `jobwire::restart::Restart` on stdin, the sealed answer on fd 3).
    Rebuild(rebuild::RebuildArgs),
    /// How often each scenario's premises held, over many seeds.
    Premises(select::Selection),
    /// Each scenario with work free and with the graded cost model, side by
    /// side: virtual time, RPCs, agreements or operations, wall time.
    Costs(costs::CostsArgs),
    /// Run one scenario with one seed and print its summary, log or timeline.
    Run(replay::RunArgs),
    /// Shrink a failed run: fewer of the network's faults, the same rule broken.
    Shrink(shrink::ShrinkArgs),
    /// Run a scenario twice and compare the traces.
    Determinism {
        /// The scenario.
        #[arg(long)]
        test: String,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// The crash check of a passed run, done here (for `cargo test` and replays;
/// the grader does it itself for a job): each kept restart's server is built
/// again from its persisted bytes in a fresh harness process and must report
/// what the restarted server reported. A difference fails the run.
pub fn crash_check(report: &mut Report) {
    if !report.passed() {
        return;
    }
    if let Err(message) = rebuild_each(&report.restarts) {
        report.outcome = Outcome::Failed {
            kind: FailureKind::Check,
            message,
        };
    }
}

fn rebuild_each(restarts: &[Restart]) -> Result<(), String> {
    const LIMIT: Duration = Duration::from_secs(60);
    let exe = std::env::current_exe().map_err(|e| format!("crash check: no harness path: {e}"))?;
    for restart in restarts {
        let mut command = Command::new(&exe);
        command.args([jobwire::HARNESS_MODE, "rebuild"]);
        if let Some(module) = crate::guest::loaded_from() {
            command.arg("--guest").arg(module);
        }
        restart
            .check(command, LIMIT, 1 << 20)
            .map_err(|e| format!("crash check: {e}"))?;
    }
    Ok(())
}

/// Replays a failed run with full records and renders its HTML timeline; an
/// error if the replay took other steps than the run (non-determinism).
pub fn timeline_html(scenario: &Scenario, failed: &Report) -> Result<String, String> {
    let replay = scenario.run(failed.seed, true);
    if replay.trace_digest != failed.trace_digest {
        return Err(format!(
            "the replay took different steps (trace digest {:016x}, first run {:016x}): \
             the implementation is not deterministic; try `grading determinism --test {} --seed {}`",
            replay.trace_digest, failed.trace_digest, scenario.name, failed.seed
        ));
    }
    Ok(view::timeline::html(&view_run(scenario, &replay)))
}

/// The view of a recorded run.
pub(crate) fn view_run<'a>(scenario: &Scenario, report: &'a Report) -> view::Run<'a> {
    view::Run {
        test: scenario.name,
        seed: report.seed,
        servers: report.servers,
        names: &report.names,
        records: &report.records,
        failure: match &report.outcome {
            Outcome::Passed => None,
            Outcome::Failed { message, .. } => Some(message.as_str()),
        },
    }
}

/// Where files the harness writes for a user go: `$RAFTLAB_OUT_DIR`, else
/// `raftlab/` in the target directory this harness was built in (so
/// `CARGO_TARGET_DIR` is honoured).
pub fn out_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RAFTLAB_OUT_DIR") {
        return PathBuf::from(dir);
    }
    crate::guest::target_dir().join("raftlab")
}

/// Writes a kvraft history's picture, if the run left one, under
/// [`out_dir`]`/linearizability/`; returns a line naming it (or why not).
pub fn write_picture(report: &Report) -> Option<String> {
    let html = report.linearizability.as_ref()?;
    let dir = out_dir().join("linearizability");
    let path = dir.join(format!("{}-seed{}.html", report.test, report.seed));
    Some(
        match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, html)) {
            Ok(()) => format!("picture of the history: {}", path.display()),
            Err(e) => format!("could not write the picture to {}: {e}", path.display()),
        },
    )
}
