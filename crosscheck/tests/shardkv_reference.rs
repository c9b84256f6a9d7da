// @solution-file
//! The reference shardkv server and clerk, before the 4B scenarios exist:
//! data follows the shards through joins and leaves, appends apply once,
//! a group that left can be shut down, and with snapshots every group
//! restarts from what it persisted. (It runs the reference, so the handout
//! leaves it out.)

use std::collections::BTreeMap;
use std::time::Duration;

use labrpc::NodeId;
use shardkv::node::{GroupServerNode, ShardClerkNode, ShardOutput};
use shardkv::{Clerk, Gid, Op, Server};

mod common;
use common::{Ctrl, Setup};

/// Runs `op` through clerk `ck` and returns what it completed with.
fn run(setup: &mut Setup<Server>, ck: NodeId, op: Op) -> String {
    let before = setup.sim.observer().len();
    let what = format!("{op:?}");
    setup
        .sim
        .invoke(ck, |node: &mut ShardClerkNode<Clerk, Ctrl>, ctx| {
            node.begin(ctx, op)
        })
        .unwrap();
    let done = setup
        .sim
        .run_until(Duration::from_secs(20), |sim| sim.observer().len() > before)
        .unwrap();
    assert!(done, "{what} completed within 20 s");
    match setup.outputs_after(before).remove(0) {
        ShardOutput::Kv(done) => done.value,
        other => panic!("{what}: {other:?}"),
    }
}

/// Appends a fresh value to every key and checks every key before it.
fn append_round(
    setup: &mut Setup<Server>,
    ck: NodeId,
    expected: &mut BTreeMap<String, String>,
    round: u32,
) {
    for (key, value) in expected.iter_mut() {
        let got = run(setup, ck, Op::Get { key: key.clone() });
        assert_eq!(&got, value, "Get({key}) before round {round}");
        let more = format!("[{key}.{round}]");
        run(
            setup,
            ck,
            Op::Append {
                key: key.clone(),
                value: more.clone(),
            },
        );
        value.push_str(&more);
    }
}

fn check_all(setup: &mut Setup<Server>, ck: NodeId, expected: &BTreeMap<String, String>) {
    for (key, value) in expected {
        assert_eq!(
            &run(setup, ck, Op::Get { key: key.clone() }),
            value,
            "Get({key})"
        );
    }
}

fn group_nodes(setup: &Setup<Server>, gid: Gid) -> Vec<NodeId> {
    let spec = setup.groups.iter().find(|g| g.gid == gid).unwrap();
    (spec.first..spec.first + spec.servers).collect()
}

fn setup_with_keys(
    seed: u64,
    max_raft_state: Option<usize>,
) -> (Setup<Server>, NodeId, BTreeMap<String, String>) {
    let mut setup = Setup::<Server>::new(seed, &[100, 101, 102], max_raft_state);
    let ck = setup.clerk::<Clerk>();
    setup.join(100);
    let mut expected = BTreeMap::new();
    for i in 0..10 {
        let (key, value) = (i.to_string(), format!("v{i}"));
        run(
            &mut setup,
            ck,
            Op::Put {
                key: key.clone(),
                value: value.clone(),
            },
        );
        expected.insert(key, value);
    }
    check_all(&mut setup, ck, &expected);
    (setup, ck, expected)
}

#[test]
fn data_follows_the_shards_through_joins_and_leaves() {
    for seed in 1..=20 {
        let (mut setup, ck, mut expected) = setup_with_keys(seed, None);
        setup.join(101);
        append_round(&mut setup, ck, &mut expected, 1);
        setup.join(102);
        setup.leave(100);
        append_round(&mut setup, ck, &mut expected, 2);
        // Group 100 has handed everything on: without it, every key is served.
        setup.sim.run_for(Duration::from_secs(1)).unwrap();
        for node in group_nodes(&setup, 100) {
            setup.sim.crash(node);
        }
        check_all(&mut setup, ck, &expected);
        setup.join(100);
        setup.leave(101);
        let nodes = group_nodes(&setup, 100);
        for node in nodes {
            setup.sim.restart(node).unwrap();
        }
        append_round(&mut setup, ck, &mut expected, 3);
        check_all(&mut setup, ck, &expected);
    }
}

#[test]
fn with_snapshots_every_group_restarts_from_what_it_persisted() {
    for seed in 1..=10 {
        let (mut setup, ck, mut expected) = setup_with_keys(seed, Some(1000));
        setup.join(101);
        setup.join(102);
        setup.leave(100);
        append_round(&mut setup, ck, &mut expected, 1);
        setup.leave(101);
        setup.join(100);
        append_round(&mut setup, ck, &mut expected, 2);
        setup.sim.run_for(Duration::from_secs(1)).unwrap();
        let snapshots = (3..12)
            .filter(|&n| setup.sim.persister(n).snapshot_size() > 0)
            .count();
        assert!(snapshots > 0, "seed {seed}: servers took snapshots");
        for gid in [100, 101, 102] {
            for node in group_nodes(&setup, gid) {
                assert!(
                    setup.sim.persister(node).state_size() <= 8 * 1000,
                    "seed {seed}: server {node}'s Raft state is trimmed"
                );
                setup.sim.crash(node);
            }
        }
        for gid in [100, 101, 102] {
            for node in group_nodes(&setup, gid) {
                setup.sim.restart(node).unwrap();
                let server: &GroupServerNode<Server, Ctrl> = setup.sim.node(node).unwrap();
                assert_eq!(server.gid(), gid);
            }
        }
        check_all(&mut setup, ck, &expected);
    }
}
