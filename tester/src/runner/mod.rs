//! The harness binary: the scenarios compiled together with the implementations
//! of this tree, as one executable (`tester/tests/scenarios.rs`). It is what
//! `cargo test` runs (one test per registered scenario, `trials`) and what the
//! grader runs, once per job (`job`) and for replays (`replay`); the grader
//! itself never links student code.
//!
//! `HARNESS __raftlab <command>` selects the grader's commands; anything else
//! is a `cargo test` (libtest) command line.

mod job;
pub mod memory;
mod replay;
mod trials;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::registry::Scenario;
use crate::report::{Outcome, Report};

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
    match cli.command {
        HarnessCommand::List => replay::list(),
        HarnessCommand::Job(args) => job::main(&args),
        HarnessCommand::Run(args) => replay::run(&args),
        HarnessCommand::Determinism { test, seed } => replay::determinism(&test, seed),
    }
}

/// The grader's commands.
#[derive(Parser, Debug)]
#[command(name = "harness", no_binary_name = false)]
struct Harness {
    #[command(subcommand)]
    command: HarnessCommand,
}

#[derive(Subcommand, Debug)]
enum HarnessCommand {
    /// Print the registry as JSON (`jobwire::Listing`).
    List,
    /// Run one graded job (the key on stdin, the sealed result on fd 3).
    Job(job::JobArgs),
    /// Run one scenario with one seed and print its summary, log or timeline.
    Run(replay::RunArgs),
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
fn view_run<'a>(scenario: &Scenario, report: &'a Report) -> view::Run<'a> {
    view::Run {
        test: scenario.name,
        seed: report.seed,
        servers: report.servers,
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
    // The harness is <target>/<profile>/deps/<name>-<hash>.
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(|t| t.join("raftlab")))
        .unwrap_or_else(|| PathBuf::from("target/raftlab"))
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
