//! Wall time of whole scenarios against the reference, one seed per iteration
//! (consecutive seeds, so the figure is a mean over seeds): the heaviest Raft
//! scenario, `figure8_unreliable_2c`, a light one for scale, and the heaviest
//! of Lab 4, `concurrent3_4b` (12 s of churn with whole-system restarts).

use criterion::{Criterion, criterion_group, criterion_main};

fn scenario(c: &mut Criterion, name: &str) {
    let scenario = tester::find(name).expect("registered");
    let mut seed = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            seed += 1;
            let report = scenario.run(seed, false);
            assert!(report.passed(), "{}", report.explain());
            report.trace_digest
        })
    });
}

fn scenarios(c: &mut Criterion) {
    scenario(c, "figure8_unreliable_2c");
    scenario(c, "basic_agree_2b");
    scenario(c, "concurrent3_4b");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = scenarios
}
criterion_main!(benches);
