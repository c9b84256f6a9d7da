// @solution-file
//! The reference controller on kvraft's machinery, before the 4A tests exist:
//! three servers on the reference Raft and a clerk join, leave, move and
//! query, and every answer is the configuration it must be. (It runs the
//! reference, so the handout leaves it out.)

use std::collections::BTreeMap;
use std::time::Duration;

use kvraft::node::{ClerkNode, Completed, KvProtocol, KvServerNode};
use labrpc::{NodeId, Sim, Time};
use shardctrler::{Clerk, Config, CtrlerOp, CtrlerOps, NSHARDS, Server};

type World = Sim<KvProtocol<Server, CtrlerOps>, Vec<(Time, NodeId, Completed<Option<Config>>)>>;

fn run(sim: &mut World, clerk: NodeId, op: CtrlerOp) -> Option<Config> {
    let before = sim.observer().len();
    sim.invoke(clerk, |node: &mut ClerkNode<Clerk, CtrlerOps>, ctx| {
        node.begin(ctx, op)
    })
    .unwrap();
    sim.run_for(Duration::from_secs(2)).unwrap();
    assert_eq!(sim.observer().len(), before + 1, "the operation completed");
    sim.observer().last().unwrap().2.value.clone()
}

fn join(gid: u64) -> CtrlerOp {
    CtrlerOp::Join(BTreeMap::from([(gid, vec![format!("server-{gid}-0")])]))
}

#[test]
fn joins_leaves_moves_and_queries_give_the_configurations_they_must() {
    let mut sim: World = Sim::new(11, Vec::new());
    for i in 0..3 {
        sim.add_node(move |ctx| KvServerNode::<Server, CtrlerOps>::create(ctx, i, 3, None))
            .unwrap();
    }
    let clerk = sim
        .add_node(|ctx| ClerkNode::<Clerk, CtrlerOps>::create(ctx, vec![0, 1, 2]))
        .unwrap();
    sim.run_for(Duration::from_secs(2)).unwrap();

    let first = run(&mut sim, clerk, CtrlerOp::Query(None)).unwrap();
    assert_eq!(first, Config::default());
    assert_eq!(run(&mut sim, clerk, join(1)), None);
    assert_eq!(run(&mut sim, clerk, join(2)), None);
    let two = run(&mut sim, clerk, CtrlerOp::Query(None)).unwrap();
    assert_eq!(two.num, 2);
    assert_eq!(two.shard_counts(), BTreeMap::from([(1, 5), (2, 5)]));
    assert_eq!(two.groups[&2], vec!["server-2-0".to_string()]);

    run(&mut sim, clerk, CtrlerOp::Move { shard: 0, gid: 2 });
    let moved = run(&mut sim, clerk, CtrlerOp::Query(None)).unwrap();
    assert_eq!((moved.num, moved.shards[0]), (3, 2));

    run(&mut sim, clerk, CtrlerOp::Leave(vec![1]));
    let left = run(&mut sim, clerk, CtrlerOp::Query(None)).unwrap();
    assert_eq!((left.num, left.shards), (4, [2; NSHARDS]));
    let one = run(&mut sim, clerk, CtrlerOp::Query(Some(1))).unwrap();
    assert_eq!((one.num, one.shards), (1, [1; NSHARDS]));
    let past = run(&mut sim, clerk, CtrlerOp::Query(Some(99))).unwrap();
    assert_eq!(past, left);
}
