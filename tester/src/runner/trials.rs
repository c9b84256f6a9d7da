//! `cargo test`'s view of the harness: one libtest test per registered
//! scenario, named after it (so `cargo test 2b` runs part 2B and
//! `cargo test figure8_2c -- --exact` one scenario), each running the seeds
//! of `RAFTLAB_SEED`/`RAFTLAB_SEEDS`. Works with `cargo nextest run` too.

use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};

use crate::crash_check::{self, Sample};
use crate::registry::Scenario;
use crate::runner::{self, watchdog, write_picture};
use crate::seeds;

/// Runs the trials the command line selects.
pub fn main() -> ExitCode {
    let args = Arguments::from_args();
    let source_check = crate::guest::source_check();
    if let Some(verdict) = source_check {
        eprintln!("{verdict}");
    }
    let trials = crate::registry()
        .into_iter()
        .map(|scenario| {
            Trial::test(scenario.name, move || {
                if let Some(verdict) = source_check {
                    return Err(verdict.into());
                }
                run_seeds(&scenario)
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if conclusion.num_passed > 0
        && let Ok(seeds) = seeds::from_env()
        && let (Some(first), Some(last)) = (seeds.first(), seeds.last())
    {
        eprintln!(
            "each scenario ran seeds {first} to {last}; RAFTLAB_SEEDS=<k> runs k seeds, \
             RAFTLAB_SEED=<n> starts from n"
        );
    }
    conclusion.exit_code()
}

/// Runs every seed from the environment; fails with every failing seed's
/// explanation.
fn run_seeds(scenario: &Scenario) -> Result<(), Failed> {
    let seeds = seeds::from_env()?;
    let mut failures = Vec::new();
    let mut warned: Vec<(u64, String)> = Vec::new();
    for &seed in &seeds {
        // The restarts checked are chosen by the seed here (by the job's
        // secret key when graded).
        let sample = Sample::Some {
            keep: crash_check::KEEP,
            seed,
        };
        let mut report = watchdog::guard(scenario.name, seed, watchdog::limit(), |progress| {
            scenario.run_watched(seed, sample, progress)
        });
        runner::crash_check(&mut report);
        if let Some(w) = report.warnings.first() {
            warned.push((seed, w.clone()));
        }
        if !report.passed() {
            let mut text = report.explain();
            if let Some(line) = write_picture(&report) {
                text.push_str(&format!("\n  {line}"));
            }
            failures.push(text);
        }
    }
    if let Some((seed, first)) = warned.first() {
        // Passing but wasteful: said once per scenario, never a failure.
        eprintln!(
            "warning: {} ({} of {} seeds; seed {seed}): {first}",
            scenario.name,
            warned.len(),
            seeds.len()
        );
    }
    if failures.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} of {} seeds failed:\n{}",
        failures.len(),
        seeds.len(),
        failures.join("\n")
    )
    .into())
}
