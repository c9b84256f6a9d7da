//! The plumbing between the [`Raft`] contract and the simulator: the protocol of a
//! world of Raft servers, and a Raft implementation as a simulated node. Used by
//! the tester and by kvraft's servers; nothing here is for your Raft to call.

use std::marker::PhantomData;

use labrpc::{Context, Node, NodeId, Protocol, ReplyTo};

use crate::context::RaftContext;
use crate::contract::{ApplyMsg, Persisted, Raft, RpcKind};

/// The protocol of a world of Raft servers of type `R`: `R`'s own request, reply
/// and timer types, and [`ApplyMsg`] as output.
pub struct RaftProtocol<R>(PhantomData<R>);

impl<R: Raft> Protocol for RaftProtocol<R> {
    type Request = R::Request;
    type Reply = R::Reply;
    type Timer = R::Timer;
    type Output = ApplyMsg;

    fn topic(request: &R::Request) -> Option<&'static str> {
        R::rpc_kind(request).map(RpcKind::topic)
    }
}

/// A Raft implementation as a simulated server.
pub struct RaftNode<R>(R);

impl<R: Raft> RaftNode<R> {
    /// Creates server `me` of `peers` from what its persister holds.
    pub fn create(ctx: &mut Context<'_, RaftProtocol<R>>, me: usize, peers: usize) -> RaftNode<R> {
        let persisted = Persisted {
            state: ctx.read_state(),
            snapshot: ctx.read_snapshot(),
        };
        RaftNode(R::new(&mut RaftContext::new(ctx), me, peers, persisted))
    }

    /// The implementation (for `state()` and `role()`).
    pub fn raft(&self) -> &R {
        &self.0
    }

    /// Calls [`Raft::start`].
    pub fn start(
        &mut self,
        ctx: &mut Context<'_, RaftProtocol<R>>,
        command: Vec<u8>,
    ) -> Option<(u64, u64)> {
        self.0.start(&mut RaftContext::new(ctx), command)
    }

    /// Calls [`Raft::handle_request`].
    pub fn request(
        &mut self,
        ctx: &mut Context<'_, RaftProtocol<R>>,
        from: NodeId,
        request: R::Request,
    ) -> R::Reply {
        self.0
            .handle_request(&mut RaftContext::new(ctx), from, request)
    }

    /// Calls [`Raft::handle_reply`].
    pub fn reply(
        &mut self,
        ctx: &mut Context<'_, RaftProtocol<R>>,
        peer: NodeId,
        request: R::Request,
        reply: Option<R::Reply>,
    ) {
        self.0
            .handle_reply(&mut RaftContext::new(ctx), peer, request, reply);
    }

    /// Calls [`Raft::handle_timer`].
    pub fn timer(&mut self, ctx: &mut Context<'_, RaftProtocol<R>>, tag: R::Timer) {
        self.0.handle_timer(&mut RaftContext::new(ctx), tag);
    }

    /// Calls [`Raft::snapshot`].
    pub fn snapshot(
        &mut self,
        ctx: &mut Context<'_, RaftProtocol<R>>,
        index: u64,
        snapshot: Vec<u8>,
    ) {
        self.0.snapshot(&mut RaftContext::new(ctx), index, snapshot);
    }
}

impl<R: Raft> Node<RaftProtocol<R>> for RaftNode<R> {
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, RaftProtocol<R>>,
        from: NodeId,
        request: R::Request,
        _reply_to: ReplyTo,
    ) -> Option<R::Reply> {
        Some(self.request(ctx, from, request))
    }

    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, RaftProtocol<R>>,
        to: NodeId,
        request: R::Request,
        reply: Option<R::Reply>,
    ) {
        self.reply(ctx, to, request, reply);
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, RaftProtocol<R>>, tag: R::Timer) {
        self.timer(ctx, tag);
    }
}
