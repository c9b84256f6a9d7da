//! The price of the WebAssembly boundary, side by side in one run: every
//! scenario of every lab on seeds 1..=N (default 20), the reference run
//! natively and as guests of the harness (as `cargo test` and the grader run
//! it), with each pair's order alternated; the wall time per part and the
//! ratio.
//!
//! `cargo run --release -p crosscheck --example wasm_vs_native -- 20 [PART]`
//! (a part's name, such as 3A, times that part's scenarios alone)

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tester::registry::{Scenario, TreeCtrler, TreeKv, TreeRaft, TreeShard};

/// Every scenario of the reference, natively.
fn native() -> Vec<Scenario> {
    let mut all = tester::raft::scenarios::<raft::Peer>();
    all.extend(tester::kv::scenarios::<kvraft::world::Native<kvraft::Clerk>>());
    all.extend(tester::shardctrler::scenarios::<
        kvraft::world::Native<shardctrler::Clerk>,
    >());
    all.extend(tester::shardkv::scenarios::<
        shardkv::world::Native<shardkv::Clerk, shardctrler::Clerk>,
    >());
    all
}

/// The same scenarios, their nodes in WebAssembly.
fn guest() -> Vec<Scenario> {
    let mut all = tester::raft::scenarios::<TreeRaft>();
    all.extend(tester::kv::scenarios::<TreeKv>());
    all.extend(tester::shardctrler::scenarios::<TreeCtrler>());
    all.extend(tester::shardkv::scenarios::<TreeShard>());
    all
}

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("the number of seeds"))
        .unwrap_or(20);
    let only = std::env::args().nth(2);
    let native = native();
    let guest = guest();
    // Load (build, compile) the module before timing anything.
    assert!(guest[0].run(1, false).passed());
    let mut parts: BTreeMap<&str, (Duration, Duration, u64)> = BTreeMap::new();
    let mut failed = 0;
    let chosen = native
        .iter()
        .zip(&guest)
        .filter(|(n, _)| only.as_deref().is_none_or(|part| n.part.name() == part));
    for (n, g) in chosen {
        for seed in 1..=seeds {
            let mut times = [Duration::ZERO; 2];
            let order = if seed % 2 == 0 { [0, 1] } else { [1, 0] };
            for which in order {
                let scenario = if which == 0 { n } else { g };
                let start = Instant::now();
                let report = scenario.run(seed, false);
                times[which] = start.elapsed();
                if !report.passed() {
                    failed += 1;
                    eprintln!("{} seed {seed} failed: {}", scenario.name, report.explain());
                }
            }
            let part = parts.entry(n.part.name()).or_default();
            part.0 += times[0];
            part.1 += times[1];
            part.2 += 1;
        }
    }
    println!("part   runs   native wall   wasm wall   wasm/native");
    let (mut tn, mut tw) = (Duration::ZERO, Duration::ZERO);
    for (part, (n, w, runs)) in &parts {
        tn += *n;
        tw += *w;
        println!(
            "{part:<5} {runs:>5}   {:>9.2} s   {:>7.2} s   {:>9.2}",
            n.as_secs_f64(),
            w.as_secs_f64(),
            w.as_secs_f64() / n.as_secs_f64()
        );
    }
    println!(
        "all          {:>9.2} s   {:>7.2} s   {:>9.2}",
        tn.as_secs_f64(),
        tw.as_secs_f64(),
        tw.as_secs_f64() / tn.as_secs_f64()
    );
    if failed > 0 {
        eprintln!("{failed} runs failed");
        std::process::exit(1);
    }
}
