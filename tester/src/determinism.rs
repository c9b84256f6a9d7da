//! The determinism self-check: run a scenario twice with the same seed and compare
//! the digests of the two runs. An implementation that reads the wall clock, uses
//! a random source other than `ctx.rng()`, or iterates a `HashMap` where the order
//! changes what it does, is caught here and shown where the two runs diverged.

use labrpc::TraceRecord;

use crate::registry::Scenario;

/// Runs `scenario` twice with `seed`. `Ok(digest)` if the runs were identical;
/// otherwise an explanation naming the first event where they diverged.
pub fn check(scenario: &Scenario, seed: u64) -> Result<u64, String> {
    let first = scenario.run(seed, false);
    let second = scenario.run(seed, false);
    if first.trace_digest == second.trace_digest && first.outcome == second.outcome {
        return Ok(first.trace_digest);
    }
    // Run again with full records to show where the runs part.
    let a = scenario.run(seed, true);
    let b = scenario.run(seed, true);
    let place = match first_divergence(&a.records, &b.records) {
        Some(text) => text,
        None => "the recorded runs happened to agree; run the check again".to_string(),
    };
    Err(format!(
        "{} is not deterministic with seed {seed}: two runs gave different traces \
         (digests {:016x} and {:016x}). Take every random number from ctx.rng() and every \
         time from ctx.now(), and do not iterate a HashMap or HashSet where the order \
         matters (use BTreeMap, BTreeSet or Vec).\n{place}",
        scenario.name, first.trace_digest, second.trace_digest
    ))
}

/// Describes the first record at which two traces differ.
pub fn first_divergence(a: &[TraceRecord], b: &[TraceRecord]) -> Option<String> {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))?;
    let show = |r: Option<&TraceRecord>| match r {
        None => "(the run had ended)".to_string(),
        Some(r) => format!(
            "at {} on {}: {:?}",
            r.time,
            r.node
                .map_or("the tester".to_string(), |n| format!("server {n}")),
            r.event
        ),
    };
    Some(format!(
        "the runs diverged at event {at}:\n  first run:  {}\n  second run: {}",
        show(a.get(at)),
        show(b.get(at))
    ))
}
