//! The implementations in this tree are deterministic: every registered scenario
//! run twice with the same seed gives the same trace, and recording the full trace
//! (as a replay does) does not change the run.

use tester::{determinism, registry};

#[test]
fn every_scenario_is_deterministic_for_the_reference() {
    let mut problems = Vec::new();
    for scenario in registry() {
        if let Err(e) = determinism::check(&scenario, 7) {
            problems.push(e);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn recording_the_trace_does_not_change_the_run() {
    let mut problems = Vec::new();
    for scenario in registry() {
        let plain = scenario.run(5, false);
        let recorded = scenario.run(5, true);
        if plain.trace_digest != recorded.trace_digest || plain.outcome != recorded.outcome {
            problems.push(format!(
                "{}: digest {:016x} without recording, {:016x} with it",
                scenario.name, plain.trace_digest, recorded.trace_digest
            ));
        }
        if recorded.records.is_empty() {
            problems.push(format!("{}: nothing was recorded", scenario.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
