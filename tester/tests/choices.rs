// @solution-file
//! Edited choices (what shrinking makes, `--choices`) give a run of their own,
//! the same on every replay, with the reference's Raft and kv servers making
//! the choices matter (the handout's stubs stop before any).

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
