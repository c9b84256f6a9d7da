//! `shrink`, reached through `grading shrink`: a failed run made smaller. The
//! scenario runs again from the same seed with the tester's choices edited
//! and fewer of the network's faults kept ([`crate::shrink::shrink`]) while
//! the run still fails the same rule in no more events; the command prints
//! the sizes before and after and the replay of the shrunk run, and writes
//! its timeline if asked.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::RunSpec;
use crate::registry::Scenario;
use crate::report::{Outcome, Report, run_name};
use crate::runner::view_run;
use crate::shrink::{Candidate, Phase, ShrinkError, shrink};

/// `shrink`: one failed run, made smaller.
#[derive(clap::Args, Debug)]
pub struct ShrinkArgs {
    /// The failed run and how far to go.
    #[command(flatten)]
    pub shrink: jobwire::replay::ShrinkArgs,
    /// The submission to name in the commands printed (the grader's, for a
    /// submission).
    #[arg(long, hide = true)]
    pub shown_submission: Option<PathBuf>,
}

/// The sizes of a run that the shrinking reduces.
struct Sizes {
    events: u64,
    calls: u64,
    faults: u64,
    virtual_ms: u64,
}

impl Sizes {
    fn of(report: &Report) -> Sizes {
        Sizes {
            events: report.events,
            calls: report.rpcs,
            faults: report.faults.total(),
            virtual_ms: report.virtual_ms,
        }
    }

    fn row(&self, name: &str) -> String {
        format!(
            "  {name:<9} {:>9} {:>8} {:>7} {:>9.1} s",
            self.events,
            self.calls,
            self.faults,
            self.virtual_ms as f64 / 1000.0
        )
    }
}

fn run_with(scenario: &Scenario, seed: u64, candidate: &Candidate, record: bool) -> Report {
    (scenario.run)(&RunSpec {
        record,
        faults: candidate.faults.clone(),
        choices: candidate.choices.clone(),
        ..scenario.spec(seed)
    })
}

/// What a failed run's report says went wrong.
fn message(report: &Report) -> &str {
    match &report.outcome {
        Outcome::Failed { message, .. } => message,
        Outcome::Passed => "",
    }
}

/// Shrinks the failed run of `args.test` with `args.seed`.
pub fn main(shrink_args: &ShrinkArgs) -> ExitCode {
    let args = &shrink_args.shrink;
    let scenario = match crate::find(&args.test) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    println!(
        "shrinking {} seed {}: first the tester's choices (words of its random stream read as zero or passed over), then the network's faults (numbered as drawn, some spared)",
        args.test, args.seed
    );
    let found = shrink(
        |candidate, record| run_with(&scenario, args.seed, candidate, record),
        args.max_runs,
        args.timeline.is_some(),
        |phase, candidate, report| {
            let edit = match phase {
                Phase::Choices => format!("choices {}", candidate.choices),
                Phase::Faults => format!("faults kept {}", report.faults.total()),
            };
            println!(
                "  {:>9} events, at {:>6.1} s: fails the same rule with {edit}",
                report.events,
                report.virtual_ms as f64 / 1000.0
            );
        },
    );
    let found = match found {
        Ok(found) => found,
        Err(ShrinkError::Passed) => {
            println!(
                "{} seed {} passed: there is no failure to shrink (shrinking works on the scenario's own checks; the crash check is left out)",
                args.test, args.seed
            );
            return ExitCode::from(2);
        }
        Err(ShrinkError::Diverged(outcome)) => {
            eprintln!(
                "error: the shrunk run, run again, does not fail as it did (the runs are not deterministic): {outcome:?}"
            );
            return ExitCode::from(2);
        }
    };
    println!("the failure:     {}", message(&found.original));
    println!("shrunk, it is:   {}", message(&found.shrunk));
    println!("the rule broken: {}", found.rule);
    println!(
        "  {:<9} {:>9} {:>8} {:>7} {:>11}",
        "", "events", "calls", "faults", "virtual"
    );
    println!("{}", Sizes::of(&found.original).row("original"));
    println!("{}", Sizes::of(&found.shrunk).row("shrunk"));
    println!(
        "  {:.1}× fewer events; the tester's choices: {} ({} of the {} words read edited); faults kept: {} of the {} drawn; {} runs in {:.1} s{}",
        found.original.events as f64 / found.shrunk.events.max(1) as f64,
        found.found.choices,
        found.found.choices.words(),
        found.shrunk.choices_read,
        found.found.faults,
        found.shrunk.faults_drawn,
        found.runs,
        started.elapsed().as_secs_f64(),
        if found.exhausted {
            " (stopped at --max-runs: a larger budget may shrink it further)"
        } else {
            ""
        }
    );
    let replay = jobwire::replay::RunName {
        submission: shrink_args.shown_submission.clone(),
        ..run_name(
            &args.test,
            args.seed,
            &found.found.faults,
            &found.found.choices,
        )
    }
    .replay();
    println!("replay:   {replay}");
    println!("its log:  {replay} --log");
    if let Some(path) = &args.timeline {
        let run = view_run(&scenario, &found.shrunk);
        if let Err(e) = std::fs::write(path, view::timeline::html(&run)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        println!("timeline: {}", path.display());
    } else {
        println!("timeline: {replay} --timeline shrunk.html");
    }
    ExitCode::FAILURE
}
