// @solution-file
//! A Lab 4B world for the crate's tests: three controllers (the reference
//! controller), replica groups of three servers, the tester's controller
//! clerk, and what the tests do with them.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use labrpc::{NodeId, Sim, Time};
use shardctrler::CtrlerOp;
use shardkv::node::{
    CtrlerNode, Directory, GroupServerNode, GroupSpec, MckNode, ShardClerkNode, ShardOutput,
    ShardProtocol, server_name,
};
use shardkv::{Gid, ShardKvClerk, ShardKvServer};

/// The controller clerk every test uses.
pub type Ctrl = shardctrler::Clerk;
/// A world of servers `S`.
pub type World<S> = Sim<ShardProtocol<S, Ctrl>, Vec<(Time, NodeId, ShardOutput)>>;

/// A world and where things are in it.
pub struct Setup<S: ShardKvServer> {
    pub sim: World<S>,
    pub ctrlers: Vec<NodeId>,
    pub groups: Vec<GroupSpec>,
    pub directory: Arc<Directory>,
    pub mck: NodeId,
}

impl<S: ShardKvServer> Setup<S> {
    /// Three controllers (nodes 0-2), then the groups `gids` of three servers
    /// each, then the controller clerk.
    pub fn new(seed: u64, gids: &[Gid], max_raft_state: Option<usize>) -> Self {
        let mut sim: World<S> = Sim::new(seed, Vec::new());
        let ctrlers: Vec<NodeId> = (0..3).collect();
        for i in 0..3 {
            sim.add_node(move |ctx| CtrlerNode::<S, Ctrl>::create(ctx, i, 3))
                .unwrap();
        }
        let groups: Vec<GroupSpec> = gids
            .iter()
            .enumerate()
            .map(|(g, &gid)| GroupSpec {
                gid,
                first: 3 + 3 * g,
                servers: 3,
                ctrlers: ctrlers.clone(),
                max_raft_state,
            })
            .collect();
        let mut directory = Directory::default();
        for spec in &groups {
            for i in 0..3 {
                directory.insert(server_name(spec.gid, i), spec.first + i);
            }
        }
        let directory = Arc::new(directory);
        for spec in &groups {
            for i in 0..3 {
                let (group, dir) = (spec.clone(), Arc::clone(&directory));
                let node = sim
                    .add_node(move |ctx| {
                        GroupServerNode::<S, Ctrl>::create(ctx, &group, i, Arc::clone(&dir))
                    })
                    .unwrap();
                assert_eq!(node, spec.first + i);
            }
        }
        let mck = sim
            .add_node({
                let ctrlers = ctrlers.clone();
                move |ctx| MckNode::<S, Ctrl>::create(ctx, ctrlers.clone())
            })
            .unwrap();
        Setup {
            sim,
            ctrlers,
            groups,
            directory,
            mck,
        }
    }

    /// A shardkv clerk of type `K`.
    pub fn clerk<K: ShardKvClerk<Server = S>>(&mut self) -> NodeId {
        let (ctrlers, dir) = (self.ctrlers.clone(), Arc::clone(&self.directory));
        self.sim
            .add_node(move |ctx| {
                ShardClerkNode::<K, Ctrl>::create(ctx, ctrlers.clone(), Arc::clone(&dir))
            })
            .unwrap()
    }

    /// The outputs since `before`.
    pub fn outputs_after(&self, before: usize) -> Vec<ShardOutput> {
        self.sim.observer()[before..]
            .iter()
            .map(|(_, _, o)| o.clone())
            .collect()
    }

    /// Runs `op` through the controller clerk and waits (at most 5 s) for it.
    pub fn ctrl(&mut self, op: CtrlerOp) -> ShardOutput {
        let before = self.sim.observer().len();
        self.sim
            .invoke(self.mck, |node: &mut MckNode<S, Ctrl>, ctx| {
                node.begin(ctx, op)
            })
            .unwrap();
        let done = self
            .sim
            .run_until(Duration::from_secs(5), |sim| sim.observer().len() > before)
            .unwrap();
        assert!(done, "the controller operation completed");
        self.outputs_after(before).remove(0)
    }

    /// Joins group `gid` (all its servers).
    pub fn join(&mut self, gid: Gid) {
        let names = (0..3).map(|i| server_name(gid, i)).collect();
        self.ctrl(CtrlerOp::Join([(gid, names)].into()));
    }

    /// Makes group `gid` leave.
    pub fn leave(&mut self, gid: Gid) {
        self.ctrl(CtrlerOp::Leave(vec![gid]));
    }
}
