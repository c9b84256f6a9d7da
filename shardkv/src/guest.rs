//! A Lab 4B world's nodes inside a WebAssembly guest: a controller server, a
//! shardkv server (with its group's Raft and its controller clerk), a shardkv
//! clerk and the tester's controller clerk as nodes a guest serves
//! (`labrpc::guest::Hosted`), what each is made from and what each says of
//! itself after every handler. Clerks are asked one thing besides their
//! handlers: to begin an operation. Nothing here is for your server or clerk
//! to call.

use std::sync::Arc;

use kvraft::KvClerk;
use labrpc::guest::Hosted;
use labrpc::{Context, NodeId};
use raft::guest::RaftStatus;
use serde::{Deserialize, Serialize};
use shardctrler::{CtrlerOp, CtrlerOps};

use crate::contract::{Op, ShardKvClerk, ShardKvServer};
use crate::node::{
    CtrlerNode, Directory, GroupServerNode, GroupSpec, MckNode, ShardClerkNode, ShardProtocol,
};

/// The kind of node a controller server of a 4B world is in a guest module.
pub const CTRLER_KIND: &str = "shard-ctrler";
/// The kind of node a shardkv server is.
pub const SERVER_KIND: &str = "shard-server";
/// The kind of node a shardkv clerk is.
pub const CLERK_KIND: &str = "shard-clerk";
/// The kind of node the tester's controller clerk is.
pub const MCK_KIND: &str = "shard-mck";

/// How a shardkv server is made, besides its id and its persister.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServerSetup {
    /// Its group.
    pub group: GroupSpec,
    /// Its number within the group.
    pub me: u64,
    /// Where the world's servers are.
    pub directory: Directory,
}

/// How a shardkv clerk is made.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClerkSetup {
    /// The controllers' nodes.
    pub ctrlers: Vec<u64>,
    /// Where the world's servers are.
    pub directory: Directory,
}

fn nodes(ids: Vec<u64>) -> Vec<NodeId> {
    ids.into_iter()
        .map(|id| usize::try_from(id).expect("a node id fits a usize"))
        .collect()
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> Hosted for CtrlerNode<S, CC> {
    type Protocol = ShardProtocol<S, CC>;
    /// How many controllers there are (nodes `0..servers`).
    type Setup = u64;
    type Call = ();
    type Result = ();
    type Status = RaftStatus;

    fn kind() -> String {
        CTRLER_KIND.into()
    }

    fn create(ctx: &mut Context<'_, ShardProtocol<S, CC>>, me: NodeId, servers: u64) -> Self {
        let servers = usize::try_from(servers).expect("a number of servers fits a usize");
        CtrlerNode::create(ctx, me, servers)
    }

    fn invoke(&mut self, _: &mut Context<'_, ShardProtocol<S, CC>>, (): ()) {}

    fn status(&self) -> RaftStatus {
        RaftStatus::of(self.inner().raft())
    }
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> Hosted for MckNode<S, CC> {
    type Protocol = ShardProtocol<S, CC>;
    /// The controllers' nodes.
    type Setup = Vec<u64>;
    /// An operation to begin.
    type Call = CtrlerOp;
    type Result = ();
    type Status = ();

    fn kind() -> String {
        MCK_KIND.into()
    }

    fn create(ctx: &mut Context<'_, ShardProtocol<S, CC>>, _: NodeId, ctrlers: Vec<u64>) -> Self {
        MckNode::create(ctx, nodes(ctrlers))
    }

    fn invoke(&mut self, ctx: &mut Context<'_, ShardProtocol<S, CC>>, op: CtrlerOp) {
        self.begin(ctx, op);
    }

    fn status(&self) {}
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> Hosted for GroupServerNode<S, CC> {
    type Protocol = ShardProtocol<S, CC>;
    type Setup = ServerSetup;
    type Call = ();
    type Result = ();
    /// Its group's Raft's `state()` and `role()`.
    type Status = RaftStatus;

    fn kind() -> String {
        SERVER_KIND.into()
    }

    fn create(ctx: &mut Context<'_, ShardProtocol<S, CC>>, _: NodeId, setup: ServerSetup) -> Self {
        let me = usize::try_from(setup.me).expect("a server number fits a usize");
        GroupServerNode::create(ctx, &setup.group, me, Arc::new(setup.directory))
    }

    fn invoke(&mut self, _: &mut Context<'_, ShardProtocol<S, CC>>, (): ()) {}

    fn status(&self) -> RaftStatus {
        RaftStatus::of(self.raft())
    }
}

impl<C: ShardKvClerk, CC: KvClerk<CtrlerOps>> Hosted for ShardClerkNode<C, CC> {
    type Protocol = ShardProtocol<C::Server, CC>;
    type Setup = ClerkSetup;
    /// An operation to begin.
    type Call = Op;
    type Result = ();
    type Status = ();

    fn kind() -> String {
        CLERK_KIND.into()
    }

    fn create(
        ctx: &mut Context<'_, ShardProtocol<C::Server, CC>>,
        _: NodeId,
        setup: ClerkSetup,
    ) -> Self {
        ShardClerkNode::create(ctx, nodes(setup.ctrlers), Arc::new(setup.directory))
    }

    fn invoke(&mut self, ctx: &mut Context<'_, ShardProtocol<C::Server, CC>>, op: Op) {
        self.begin(ctx, op);
    }

    fn status(&self) {}
}
