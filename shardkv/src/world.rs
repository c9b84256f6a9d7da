//! [`ShardWorld`]: how the 4B tester makes a world's controllers, shardkv
//! servers and clerks and its own controller clerk, hands a clerk an
//! operation and reads a server's Raft, whether their code runs in this
//! process ([`Native`]) or in WebAssembly guests (the harness's way; see the
//! `wasmhost` crate). Nothing here is for your server or clerk to call.

use std::marker::PhantomData;
use std::sync::Arc;

use kvraft::KvClerk;
use labrpc::{Context, Node, NodeId, Protocol};
use raft::guest::RaftStatus;
use shardctrler::{CtrlerOp, CtrlerOps};

use crate::contract::{Op, ShardKvClerk};
use crate::node::{
    CtrlerNode, Directory, GroupServerNode, GroupSpec, MckNode, ShardClerkNode, ShardOutput,
    ShardProtocol,
};

/// The nodes of a 4B world.
pub trait ShardWorld: 'static {
    /// The protocol they speak.
    type Protocol: Protocol<Output = ShardOutput>;
    /// A controller server (with its Raft).
    type Ctrler: Node<Self::Protocol>;
    /// A shardkv server (with its group's Raft and its controller clerk).
    type Server: Node<Self::Protocol>;
    /// A shardkv clerk (with its controller clerk).
    type Clerk: Node<Self::Protocol>;
    /// The tester's controller clerk (6.824's `mck`).
    type Mck: Node<Self::Protocol>;

    /// Starts controller `me` of `servers` (nodes `0..servers`).
    fn ctrler(ctx: &mut Context<'_, Self::Protocol>, me: NodeId, servers: usize) -> Self::Ctrler;

    /// Starts server `me` of `group`, which reaches others through `directory`.
    fn server(
        ctx: &mut Context<'_, Self::Protocol>,
        group: &GroupSpec,
        me: usize,
        directory: &Arc<Directory>,
    ) -> Self::Server;

    /// Creates a shardkv clerk whose queries go to `ctrlers`.
    fn clerk(
        ctx: &mut Context<'_, Self::Protocol>,
        ctrlers: Vec<NodeId>,
        directory: &Arc<Directory>,
    ) -> Self::Clerk;

    /// Creates the tester's controller clerk for `ctrlers`.
    fn mck(ctx: &mut Context<'_, Self::Protocol>, ctrlers: Vec<NodeId>) -> Self::Mck;

    /// Hands shardkv clerk `clerk` an operation.
    fn begin(clerk: &mut Self::Clerk, ctx: &mut Context<'_, Self::Protocol>, op: Op);

    /// Hands the tester's controller clerk an operation.
    fn begin_mck(mck: &mut Self::Mck, ctx: &mut Context<'_, Self::Protocol>, op: CtrlerOp);

    /// What a shardkv server's group Raft says of itself (native code may
    /// panic saying it).
    fn server_raft(server: &Self::Server) -> RaftStatus;

    /// What a controller's Raft says of itself.
    fn ctrler_raft(ctrler: &Self::Ctrler) -> RaftStatus;
}

/// A world of shardkv clerks `C` (and their servers) and controller clerks
/// `CC` (and theirs), run in this process.
pub struct Native<C, CC>(PhantomData<(C, CC)>);

impl<C: ShardKvClerk, CC: KvClerk<CtrlerOps>> ShardWorld for Native<C, CC> {
    type Protocol = ShardProtocol<C::Server, CC>;
    type Ctrler = CtrlerNode<C::Server, CC>;
    type Server = GroupServerNode<C::Server, CC>;
    type Clerk = ShardClerkNode<C, CC>;
    type Mck = MckNode<C::Server, CC>;

    fn ctrler(ctx: &mut Context<'_, Self::Protocol>, me: NodeId, servers: usize) -> Self::Ctrler {
        CtrlerNode::create(ctx, me, servers)
    }

    fn server(
        ctx: &mut Context<'_, Self::Protocol>,
        group: &GroupSpec,
        me: usize,
        directory: &Arc<Directory>,
    ) -> Self::Server {
        GroupServerNode::create(ctx, group, me, Arc::clone(directory))
    }

    fn clerk(
        ctx: &mut Context<'_, Self::Protocol>,
        ctrlers: Vec<NodeId>,
        directory: &Arc<Directory>,
    ) -> Self::Clerk {
        ShardClerkNode::create(ctx, ctrlers, Arc::clone(directory))
    }

    fn mck(ctx: &mut Context<'_, Self::Protocol>, ctrlers: Vec<NodeId>) -> Self::Mck {
        MckNode::create(ctx, ctrlers)
    }

    fn begin(clerk: &mut Self::Clerk, ctx: &mut Context<'_, Self::Protocol>, op: Op) {
        clerk.begin(ctx, op);
    }

    fn begin_mck(mck: &mut Self::Mck, ctx: &mut Context<'_, Self::Protocol>, op: CtrlerOp) {
        mck.begin(ctx, op);
    }

    fn server_raft(server: &Self::Server) -> RaftStatus {
        RaftStatus::of(server.raft())
    }

    fn ctrler_raft(ctrler: &Self::Ctrler) -> RaftStatus {
        RaftStatus::of(ctrler.inner().raft())
    }
}
