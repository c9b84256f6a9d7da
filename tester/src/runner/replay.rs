//! The harness's commands for a person at a terminal, reached through
//! `grading run`, `grading determinism` and `grading list`: one scenario with
//! one seed (summary, JSON, per-server log, HTML timeline), the determinism
//! check, and the registry as JSON.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use crate::RunSpec;
use crate::crash_check::Sample;
use crate::live_log::LiveLog;
use crate::registry::Part;
use crate::runner::{view_run, write_picture};

/// `run`: one scenario, one seed.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scenario, the seed and how to show the run.
    #[command(flatten)]
    pub replay: jobwire::replay::ReplayArgs,
    /// The submission to name in the commands printed (the grader's, for a
    /// submission).
    #[arg(long, hide = true)]
    pub shown_submission: Option<std::path::PathBuf>,
}

/// A virtual time given in seconds on the command line.
fn seconds(s: f64) -> labrpc::Time {
    labrpc::Time::ZERO + std::time::Duration::from_secs_f64(s.max(0.0))
}

fn fail(e: String) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

/// Runs one scenario with one seed.
pub fn run(run_args: &RunArgs) -> ExitCode {
    let args = &run_args.replay;
    let scenario = match crate::find(&args.test) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let faults = match args.faults.as_deref().map(str::parse).transpose() {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => return fail(format!("--faults: {e}")),
    };
    let choices = match args.choices.as_deref().map(str::parse).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => return fail(format!("--choices: {e}")),
    };
    let name = jobwire::replay::RunName {
        submission: run_args.shown_submission.clone(),
        ..crate::run_name(&args.test, args.seed, &faults, &choices)
    };
    let topics = match args
        .topics
        .iter()
        .map(|t| view::Topic::parse(t))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    // The log is printed as the run goes, so a run that never ends still
    // shows what it did.
    let live_log = args.log.then(|| {
        LiveLog::new(
            view::LogOptions {
                servers: args.servers.clone(),
                topics,
                // Colour on a terminal, unless NO_COLOR is set (no-color.org).
                colour: std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
                from: args.from.map(seconds),
                to: args.to.map(seconds),
            },
            Box::new(std::io::stdout()),
        )
    });
    let start = Instant::now();
    // A replay checks every restart (a run stopped early has no verdict to
    // check: it shows what happened up to where it stopped).
    let stop_at = args
        .stop_at_ms
        .map(|ms| labrpc::Time::ZERO + std::time::Duration::from_millis(ms));
    let mut report = (scenario.run)(&RunSpec {
        record: args.log || args.timeline.is_some() || stop_at.is_some(),
        sample: if stop_at.is_some() {
            Sample::None
        } else {
            Sample::All
        },
        stop_at,
        live_log: live_log.clone(),
        faults,
        choices,
        ..scenario.spec(args.seed)
    });
    crate::runner::crash_check(&mut report);
    let wall = start.elapsed();
    report.replay = name.replay();
    report.shrink = name.shrink();
    let view_run = view_run(&scenario, &report);
    if let Some(live) = &live_log {
        live.finish(view_run.failure);
    }
    if let Some(path) = &args.timeline {
        if let Err(e) = std::fs::write(path, view::timeline::html(&view_run)) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
        eprintln!("timeline: {}", path.display());
    }
    let picture = write_picture(&report);
    if args.json {
        let value = serde_json::json!({
            "test": report.test,
            "seed": report.seed,
            "passed": report.passed(),
            "outcome": report.outcome,
            "virtual_ms": report.virtual_ms,
            "wall_ms": wall.as_millis() as u64,
            "rpcs": report.rpcs,
            "events": report.events,
            "faults": report.faults.total(),
            "faults_drawn": report.faults_drawn,
            "choices_read": report.choices_read,
            "bytes": report.bytes,
            "trace_digest": format!("{:016x}", report.trace_digest),
            "replay": report.replay,
            "warnings": report.warnings,
        });
        println!("{value}");
    } else {
        println!("{}", report.summary());
        for w in &report.warnings {
            println!("  warning: {w}");
        }
        if !report.passed() {
            println!("{}", report.explain());
        }
        if let Some(line) = picture {
            println!("  {line}");
        }
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs a scenario twice with the same seed and compares the runs.
pub fn determinism(test: &str, seed: u64) -> ExitCode {
    let scenario = match crate::find(test) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match crate::determinism::check(&scenario, seed) {
        Ok(digest) => {
            println!("{test} seed {seed}: deterministic (two runs, digest {digest:016x})");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the registry as one JSON object (`jobwire::Listing`).
pub fn list() -> ExitCode {
    let listing = jobwire::Listing {
        parts: Part::ALL.iter().map(|p| p.name().to_string()).collect(),
        scenarios: crate::registry()
            .iter()
            .map(|s| jobwire::ScenarioInfo {
                name: s.name.to_string(),
                part: s.part.name().to_string(),
                points: s.points,
                title: s.title.to_string(),
                suite: s.suite,
                runs: s
                    .part
                    .student_dirs()
                    .iter()
                    .map(|d| d.to_string())
                    .collect(),
            })
            .collect(),
    };
    println!(
        "{}",
        serde_json::to_string(&listing).expect("a listing serialises")
    );
    ExitCode::SUCCESS
}
