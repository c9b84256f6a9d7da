//! [`KvWorld`]: how the tester makes a kv world's servers and clerks, hands a
//! clerk an operation and reads a server, whether their code runs in this
//! process ([`Native`]) or in a WebAssembly guest (the harness's way; see the
//! `wasmhost` crate). Nothing here is for your server or clerk to call.

use std::marker::PhantomData;

use labrpc::{Context, Node, NodeId, Protocol};
use raft::guest::RaftStatus;

use crate::contract::{KvClerk, KvOps, Ops};
use crate::node::{ClerkNode, Completed, KvProtocol, KvServerNode};

/// The servers and clerks of a world of `O`'s service.
pub trait KvWorld<O: Ops = KvOps>: 'static {
    /// The protocol they speak.
    type Protocol: Protocol<Output = Completed<O::Value>>;
    /// A server (with its Raft) as a node.
    type Server: Node<Self::Protocol>;
    /// A clerk as a node.
    type Clerk: Node<Self::Protocol>;

    /// Starts server `me` of `servers` (nodes `0..servers`) from what its
    /// persister holds; `max_raft_state`: when it should snapshot.
    fn server(
        ctx: &mut Context<'_, Self::Protocol>,
        me: NodeId,
        servers: usize,
        max_raft_state: Option<usize>,
    ) -> Self::Server;

    /// Creates a clerk told of `servers`, in that order.
    fn clerk(ctx: &mut Context<'_, Self::Protocol>, servers: Vec<NodeId>) -> Self::Clerk;

    /// Hands `clerk` an operation.
    fn begin(clerk: &mut Self::Clerk, ctx: &mut Context<'_, Self::Protocol>, op: O::Op);

    /// What `server`'s Raft says of itself (native code may panic saying it).
    fn raft_status(server: &Self::Server) -> RaftStatus;

    /// How many snapshots `server`'s Raft handed it in this life.
    fn snapshots_installed(server: &Self::Server) -> u64;
}

/// A world of clerks `C` and their servers, run in this process.
pub struct Native<C>(PhantomData<C>);

impl<C: KvClerk<O>, O: Ops> KvWorld<O> for Native<C> {
    type Protocol = KvProtocol<C::Server, O>;
    type Server = KvServerNode<C::Server, O>;
    type Clerk = ClerkNode<C, O>;

    fn server(
        ctx: &mut Context<'_, Self::Protocol>,
        me: NodeId,
        servers: usize,
        max_raft_state: Option<usize>,
    ) -> Self::Server {
        KvServerNode::create(ctx, me, servers, max_raft_state)
    }

    fn clerk(ctx: &mut Context<'_, Self::Protocol>, servers: Vec<NodeId>) -> Self::Clerk {
        ClerkNode::create(ctx, servers)
    }

    fn begin(clerk: &mut Self::Clerk, ctx: &mut Context<'_, Self::Protocol>, op: O::Op) {
        clerk.begin(ctx, op);
    }

    fn raft_status(server: &Self::Server) -> RaftStatus {
        RaftStatus::of(server.raft())
    }

    fn snapshots_installed(server: &Self::Server) -> u64 {
        server.snapshots_installed()
    }
}
