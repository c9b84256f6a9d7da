//! `costs`: what the cost model ([`labrpc::Costs`]) changes, measured side by
//! side in one run: each scenario and seed with work free and with the graded
//! costs, alternating, with virtual time, RPCs, agreements or operations, and
//! wall time, as sums per scenario.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use labrpc::Costs;

use crate::runner::select::{Selection, in_parallel};

/// `costs`: the selection, and the costs to compare with free work (default:
/// the graded ones).
#[derive(clap::Args, Debug)]
pub struct CostsArgs {
    /// Scenarios and seeds.
    #[command(flatten)]
    pub selection: Selection,
    /// Time of one write to stable storage, in microseconds.
    #[arg(long, default_value_t = Costs::LAB.persist_latency.as_micros() as u64)]
    pub persist_latency_us: u64,
    /// Stable storage's bandwidth, in bytes per second.
    #[arg(long, default_value_t = Costs::LAB.persist_bandwidth)]
    pub persist_bandwidth: u64,
    /// A link's bandwidth, in bytes per second.
    #[arg(long, default_value_t = Costs::LAB.link_bandwidth)]
    pub link_bandwidth: u64,
    /// Instructions per second a server runs.
    #[arg(long, default_value_t = Costs::LAB.instruction_rate)]
    pub instruction_rate: u64,
}

#[derive(Default, Clone, Copy)]
struct Sums {
    runs: u64,
    failed: u64,
    virtual_ms: u64,
    rpcs: u64,
    commands: u64,
    wall_us: u64,
    checker_us: u64,
}

/// Measures and prints the table; fails if a run failed under the graded costs.
pub fn main(args: &CostsArgs) -> ExitCode {
    let charged_costs = Costs {
        persist_latency: std::time::Duration::from_micros(args.persist_latency_us),
        persist_bandwidth: args.persist_bandwidth,
        link_bandwidth: args.link_bandwidth,
        instruction_rate: args.instruction_rate,
    };
    let args = &args.selection;
    let scenarios = match args.scenarios() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let sums: Mutex<BTreeMap<(usize, bool), Sums>> = Mutex::default();
    in_parallel(&args.jobs(scenarios.len()), |&(s, seed)| {
        // Alternate which goes first, so that neither has the warm caches.
        let order = if seed % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for charged in order {
            let costs = if charged { charged_costs } else { Costs::FREE };
            let start = Instant::now();
            let report = scenarios[s].run_with_costs(seed, costs);
            let wall = start.elapsed();
            let mut sums = sums.lock().expect("not poisoned");
            let sum = sums.entry((s, charged)).or_default();
            sum.runs += 1;
            sum.failed += u64::from(!report.passed());
            sum.virtual_ms += report.virtual_ms;
            sum.rpcs += report.rpcs;
            sum.commands += report.commands;
            sum.wall_us += wall.as_micros() as u64;
            sum.checker_us += report.checker_us;
        }
    });
    let sums = sums.into_inner().expect("not poisoned");
    println!(
        "{:<58} {:>5} | {:>9} {:>9} {:>9} {:>9} {:>6} | {:>9} {:>9} {:>9} {:>9} {:>6} {:>7}",
        "scenario (sums over seeds)",
        "runs",
        "free: vms",
        "rpcs",
        "cmds",
        "wall ms",
        "failed",
        "lab: vms",
        "rpcs",
        "cmds",
        "wall ms",
        "failed",
        "check %"
    );
    let mut ok = true;
    let mut total = [Sums::default(); 2];
    for (s, scenario) in scenarios.iter().enumerate() {
        let free = sums.get(&(s, false)).copied().unwrap_or_default();
        let lab = sums.get(&(s, true)).copied().unwrap_or_default();
        ok &= lab.failed == 0;
        for (t, x) in total.iter_mut().zip([free, lab]) {
            t.runs += x.runs;
            t.failed += x.failed;
            t.virtual_ms += x.virtual_ms;
            t.rpcs += x.rpcs;
            t.commands += x.commands;
            t.wall_us += x.wall_us;
            t.checker_us += x.checker_us;
        }
        row(scenario.name, free, lab);
    }
    let [free, lab] = total;
    row("total", free, lab);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One line of the table: a scenario's (or the total's) sums, free and charged.
fn row(name: &str, free: Sums, lab: Sums) {
    println!(
        "{:<58} {:>5} | {:>9} {:>9} {:>9} {:>9} {:>6} | {:>9} {:>9} {:>9} {:>9} {:>6} {:>6.1}%",
        name,
        lab.runs,
        free.virtual_ms,
        free.rpcs,
        free.commands,
        free.wall_us / 1000,
        free.failed,
        lab.virtual_ms,
        lab.rpcs,
        lab.commands,
        lab.wall_us / 1000,
        lab.failed,
        100.0 * lab.checker_us as f64 / lab.wall_us.max(1) as f64
    );
}
