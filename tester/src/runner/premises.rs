//! `premises`: how often each scenario's premises held over many seeds (see
//! [`crate::premise`]), for instructors checking that no scenario passes
//! vacuously. Runs this tree's implementation in this process, two seeds at a
//! time.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Mutex;

use crate::registry::{Part, Scenario};

/// What to measure.
#[derive(clap::Args, Debug)]
pub struct PremisesArgs {
    /// How many seeds per scenario.
    #[arg(long, default_value_t = 100)]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    pub seed_start: u64,
    /// Only these scenarios (repeatable).
    #[arg(long)]
    pub test: Vec<String>,
    /// Only these parts (repeatable: 2a, 3b, ...).
    #[arg(long)]
    pub part: Vec<String>,
}

/// Per scenario: runs, runs that failed otherwise, and per premise how many
/// runs checked it and how many of those it held in.
#[derive(Default)]
struct Tally {
    runs: u64,
    failed: Vec<(u64, String)>,
    premises: BTreeMap<&'static str, (u64, u64)>,
}

/// Measures and prints the table; fails if a premise ever failed or a run
/// failed for another reason.
pub fn main(args: &PremisesArgs) -> ExitCode {
    let scenarios = match select(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let seeds: Vec<u64> = (args.seed_start..args.seed_start.saturating_add(args.seeds)).collect();
    let tallies: Mutex<BTreeMap<usize, Tally>> = Mutex::default();
    let next = Mutex::new(0usize);
    let jobs: Vec<(usize, u64)> = (0..scenarios.len())
        .flat_map(|s| seeds.iter().map(move |&seed| (s, seed)))
        .collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let job = {
                        let mut i = next.lock().expect("not poisoned");
                        let job = jobs.get(*i).copied();
                        *i += 1;
                        job
                    };
                    let Some((s, seed)) = job else { break };
                    let report = scenarios[s].run(seed, false);
                    let mut tallies = tallies.lock().expect("not poisoned");
                    let tally = tallies.entry(s).or_default();
                    tally.runs += 1;
                    for p in &report.premises {
                        let entry = tally.premises.entry(p.name).or_default();
                        entry.0 += 1;
                        entry.1 += u64::from(p.held);
                    }
                    if let crate::Outcome::Failed { message, .. } = &report.outcome {
                        tally.failed.push((seed, message.clone()));
                    }
                }
            });
        }
    });
    let tallies = tallies.into_inner().expect("not poisoned");
    let mut all_held = true;
    println!(
        "{:<58} {:>6} {:>6}  premise (held/checked)",
        "scenario", "runs", "failed"
    );
    for (s, tally) in &tallies {
        let name = scenarios[*s].name;
        let premises: Vec<String> = tally
            .premises
            .iter()
            .map(|(p, (checked, held))| {
                all_held &= held == checked;
                format!("{p} ({held}/{checked})")
            })
            .collect();
        let premises = if premises.is_empty() {
            "(its own checks only)".to_string()
        } else {
            premises.join("; ")
        };
        println!(
            "{name:<58} {:>6} {:>6}  {premises}",
            tally.runs,
            tally.failed.len()
        );
        for (seed, message) in tally.failed.iter().take(3) {
            println!("    seed {seed}: {message}");
        }
        all_held &= tally.failed.is_empty();
    }
    if all_held {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn select(args: &PremisesArgs) -> Result<Vec<Scenario>, String> {
    let parts: Vec<Part> = args
        .part
        .iter()
        .map(|p| Part::parse(p).ok_or_else(|| format!("unknown part \"{p}\"")))
        .collect::<Result<_, _>>()?;
    for t in &args.test {
        crate::find(t)?;
    }
    Ok(crate::registry()
        .into_iter()
        .filter(|s| parts.is_empty() || parts.contains(&s.part))
        .filter(|s| args.test.is_empty() || args.test.iter().any(|t| t == s.name))
        .collect())
}
