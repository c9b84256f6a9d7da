//! Writes the HTML timeline of one run: `timeline <test> <seed> <out.html>`.
//! Prints `lanes=N events=M records=R bytes=B passed=P` for scripts to check.
//!
//! Besides the registered scenarios, `demo_failure` runs a deliberately wrong
//! scenario on the reference Raft: after a crash and a partition it expects all
//! five servers to agree while two are cut off, so the tester's `one()` fails
//! for real. It gives a failing run to look at without a broken Raft.

use std::time::Duration;

use tester::raft::config::{Config, Net};
use tester::{Report, RunSpec};

fn command(n: u64) -> Vec<u8> {
    n.to_le_bytes().to_vec()
}

fn demo_failure(seed: u64) -> Report {
    let spec = RunSpec {
        test: "demo_failure",
        title: "Demo: all five must agree while two are cut off (fails on purpose)",
        seed,
        record: true,
        sample: tester::crash_check::Sample::None,
        costs: labrpc::Costs::LAB,
        progress: None,
        stop_at: None,
        live_log: None,
        faults: labrpc::FaultSet::All,
        choices: labrpc::ChoiceEdits::none(),
    };
    Config::<tester::registry::TreeRaft>::run(&spec, 5, Net::Unreliable, false, |cfg| {
        cfg.one(command(101), 5, true)?;
        let leader = cfg.check_one_leader()?;
        let other = (leader + 1) % 5;
        cfg.crash1(other);
        cfg.one(command(102), 4, true)?;
        cfg.start1(other)?;
        cfg.connect(other);
        cfg.one(command(103), 5, true)?;
        cfg.disconnect(leader);
        cfg.disconnect((leader + 2) % 5);
        cfg.sleep(Duration::from_millis(500))?;
        cfg.one(command(104), 3, true)?;
        // Wrong on purpose: only three servers are connected.
        cfg.one(command(105), 5, true)?;
        Ok(())
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 3 {
        eprintln!("usage: timeline <test|demo_failure> <seed> <out.html>");
        std::process::exit(2);
    }
    let seed: u64 = args[1].parse().expect("seed is a number");
    let report = if args[0] == "demo_failure" {
        demo_failure(seed)
    } else {
        let scenario = tester::find(&args[0]).unwrap_or_else(|e| panic!("{e}"));
        scenario.run(seed, true)
    };
    let failure = match &report.outcome {
        tester::Outcome::Passed => None,
        tester::Outcome::Failed { message, .. } => Some(message.as_str()),
    };
    let run = view::Run {
        test: &report.test,
        seed,
        servers: report.servers,
        names: &report.names,
        records: &report.records,
        failure,
    };
    let model = view::timeline::model::build(&run);
    let html = view::timeline::html(&run);
    std::fs::write(&args[2], &html).unwrap_or_else(|e| panic!("cannot write {}: {e}", args[2]));
    let events = model.calls.id.len()
        + model.marks.n.len()
        + model.tester.len()
        + model.lives.len()
        + model.bands.len()
        + model.timers.len();
    println!(
        "lanes={} events={events} records={} bytes={} passed={}",
        model.lanes.len(),
        report.records.len(),
        html.len(),
        report.passed()
    );
}
