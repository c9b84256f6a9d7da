//! `premises`: how often each scenario's premises held over many seeds (see
//! [`crate::premise`]), for instructors checking that no scenario passes
//! vacuously. Runs this tree's implementation in this process, two seeds at a
//! time.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Mutex;

use crate::runner::select::{Selection, in_parallel};

/// Per scenario: runs, runs that failed otherwise, and per premise how many
/// runs checked it and how many of those it held in.
#[derive(Default)]
struct Tally {
    runs: u64,
    peak_rpcs: u64,
    peak_bytes: u64,
    largest_request: u64,
    storage_busy_permille: u64,
    warned: u64,
    failed: Vec<(u64, String)>,
    premises: BTreeMap<&'static str, (u64, u64)>,
}

/// Measures and prints the table; fails if a premise ever failed or a run
/// failed for another reason.
pub fn main(args: &Selection) -> ExitCode {
    let scenarios = match args.scenarios() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let tallies: Mutex<BTreeMap<usize, Tally>> = Mutex::default();
    in_parallel(&args.jobs(scenarios.len()), |&(s, seed)| {
        let report = scenarios[s].run(seed, false);
        let mut tallies = tallies.lock().expect("not poisoned");
        let tally = tallies.entry(s).or_default();
        tally.runs += 1;
        tally.peak_rpcs = tally.peak_rpcs.max(report.peaks.rpcs_per_sec);
        tally.peak_bytes = tally.peak_bytes.max(report.peaks.bytes_per_sec);
        tally.largest_request = tally.largest_request.max(report.peaks.largest_request);
        tally.storage_busy_permille = tally
            .storage_busy_permille
            .max(report.storage_busy_permille);
        tally.warned += u64::from(!report.warnings.is_empty());
        for p in &report.premises {
            let entry = tally.premises.entry(p.name).or_default();
            entry.0 += 1;
            entry.1 += u64::from(p.held);
        }
        if let crate::Outcome::Failed { message, .. } = &report.outcome {
            tally.failed.push((seed, message.clone()));
        }
    });
    let tallies = tallies.into_inner().expect("not poisoned");
    let mut all_held = true;
    println!(
        "{:<58} {:>6} {:>6} {:>9} {:>11} {:>10} {:>6} {:>6}  premise (held/checked)",
        "scenario",
        "runs",
        "failed",
        "peak rpc/s",
        "peak bytes/s",
        "largest msg",
        "disk %",
        "warned"
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
            "{name:<58} {:>6} {:>6} {:>9} {:>11} {:>10} {:>6.1} {:>6}  {premises}",
            tally.runs,
            tally.failed.len(),
            tally.peak_rpcs,
            tally.peak_bytes,
            tally.largest_request,
            tally.storage_busy_permille as f64 / 10.0,
            tally.warned
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
