//! What recording the full trace costs: `figure8_unreliable_2c` (the largest Raft
//! scenario) run with records off (the digest only, as in plain grading) and on
//! (as for a replay with `--log` or `--timeline`), plus building the timeline
//! from the records. Run with `cargo bench -p view --bench trace_overhead`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

const TEST: &str = "figure8_unreliable_2c";
const SEED: u64 = 1;

fn overhead(c: &mut Criterion) {
    let scenario = tester::find(TEST).expect("the scenario is registered");
    let mut group = c.benchmark_group(TEST);
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("record=false", |b| {
        b.iter(|| black_box(scenario.run(black_box(SEED), false)))
    });
    group.bench_function("record=true", |b| {
        b.iter(|| black_box(scenario.run(black_box(SEED), true)))
    });
    let report = scenario.run(SEED, true);
    let run = view::Run {
        test: TEST,
        seed: SEED,
        servers: report.servers,
        names: &[],
        records: &report.records,
        failure: None,
    };
    group.bench_function("timeline html", |b| {
        b.iter(|| black_box(view::timeline::html(black_box(&run))))
    });
    group.bench_function("log", |b| {
        b.iter(|| {
            black_box(view::log::render(
                black_box(&run),
                &view::LogOptions::default(),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
