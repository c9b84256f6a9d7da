// @solution-file
//! Every scenario's premises hold for the reference (here on two seeds; the
//! full measure is `grading premises --seeds 1000`), and the premises are
//! really checked: the scenarios that exist to exercise
//! snapshots, restarts, lossy networks and concurrency report those premises.

use std::collections::BTreeMap;

fn premises_over(
    seeds: std::ops::RangeInclusive<u64>,
) -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut seen = BTreeMap::new();
    for scenario in tester::registry() {
        for seed in seeds.clone() {
            let report = scenario.run(seed, false);
            assert!(report.passed(), "{}", report.explain());
            let names: Vec<&'static str> = report.premises.iter().map(|p| p.name).collect();
            assert!(
                report.premises.iter().all(|p| p.held),
                "{} seed {seed}: {:?}",
                scenario.name,
                report.premises
            );
            seen.insert(scenario.name, names);
        }
    }
    seen
}

#[test]
fn every_premise_holds_on_seeds_2_and_3_and_the_premises_are_checked() {
    let seen = premises_over(2..=3);
    let has = |test: &str, premise: &str| {
        assert!(
            seen[test].iter().any(|p| p.contains(premise)),
            "{test} does not check \"{premise}\": {:?}",
            seen[test]
        );
    };
    has("snapshot_rpc_3b", "installing a snapshot");
    has("snapshot_rpc_3b", "majority took snapshots");
    has("speed_3b", "took snapshots");
    has("snapshot_size_3b", "took snapshots");
    has("snapshot_install_2d", "installed snapshots");
    has("snapshot_init_2d", "had a snapshot");
    has("persist2_2c", "persisted state");
    has("figure8_unreliable_2c", "long reordering");
    has("unreliable_agree_2c", "lost requests and replies");
    has("many_elections_2a", "cut the leader off");
    has("persist_partition_unreliable_linearizable_3a", "overlapped");
    has("many_partitions_one_client_3a", "partitions split");
    let checked = seen.values().filter(|p| !p.is_empty()).count();
    assert!(checked >= 35, "only {checked} scenarios check a premise");
}
