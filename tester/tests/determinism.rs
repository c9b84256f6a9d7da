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

#[test]
fn edited_choices_make_a_run_of_their_own_the_same_on_every_replay() {
    for name in ["figure8_unreliable_2c", "unreliable_3a"] {
        let scenario = tester::find(name).unwrap();
        let seed = scenario.run(3, false);
        assert!(seed.choices_read > 0, "{name} made no choice");
        assert!(seed.shrink.is_some(), "{name}: a seed's run shrinks");
        let choices: labrpc::ChoiceEdits = "zero:0-9,skip:20-39".parse().unwrap();
        let edited = |record| {
            (scenario.run)(&tester::RunSpec {
                record,
                choices: choices.clone(),
                ..scenario.spec(3)
            })
        };
        let (a, b) = (edited(false), edited(true));
        assert_eq!(a.trace_digest, b.trace_digest, "{name}");
        assert_ne!(
            a.trace_digest, seed.trace_digest,
            "{name}: the edits changed nothing"
        );
        assert!(
            a.replay.ends_with(" --choices zero:0-9,skip:20-39") && a.shrink.is_none(),
            "{name}: {} / {:?}",
            a.replay,
            a.shrink
        );
    }
}
