//! [`GuestRaft`]: a [`Raft`] whose code runs in a guest, so that the tester's
//! Raft suites drive it as they drive any Raft. It is a [`GuestNode`] of a
//! world of Raft servers, asked `start` and `snapshot` as its host's calls.

use labrpc::Encoded;
use raft::guest::{RaftCall, RaftSetup, RaftStatus};
use raft::node::RaftProtocol;
use raft::{Persisted, Raft, RaftContext, Role, RpcKind};

use crate::backend::Backend;
use crate::node::{GuestNode, GuestTimer};

/// A Raft server whose code runs in a guest behind backend `B`.
pub struct GuestRaft<B: Backend> {
    node: GuestNode<B, RaftProtocol<GuestRaft<B>>, RaftStatus>,
}

impl<B: Backend> Raft for GuestRaft<B> {
    type Request = Encoded;
    type Reply = Encoded;
    type Timer = GuestTimer;

    fn new(ctx: &mut RaftContext<'_, '_, Self>, me: usize, peers: usize, _: Persisted) -> Self {
        let setup = RaftSetup {
            peers: peers as u64,
        };
        let name = format!("server {me}'s Raft");
        GuestRaft {
            node: GuestNode::create(ctx.host(), raft::guest::KIND, &setup, name, peers),
        }
    }

    fn start(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        command: Vec<u8>,
    ) -> Option<(u64, u64)> {
        self.node
            .invoke(ctx.host(), &RaftCall::Start(command), "in start")
    }

    fn state(&self) -> (u64, bool) {
        let status = self.node.status();
        (status.term, status.leader)
    }

    fn role(&self) -> Role {
        self.node.status().role
    }

    fn rpc_kind(request: &Encoded) -> Option<RpcKind> {
        match request.topic()? {
            "vote" => Some(RpcKind::RequestVote),
            "append" => Some(RpcKind::AppendEntries),
            "snapshot" => Some(RpcKind::InstallSnapshot),
            _ => None,
        }
    }

    fn snapshot(&mut self, ctx: &mut RaftContext<'_, '_, Self>, index: u64, snapshot: Vec<u8>) {
        let call = RaftCall::Snapshot { index, snapshot };
        let _: Option<(u64, u64)> = self.node.invoke(ctx.host(), &call, "in snapshot");
    }

    fn handle_request(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        from: usize,
        request: Encoded,
    ) -> Encoded {
        // A Raft answers every request at once: no handle to answer later.
        self.node
            .request(ctx.host(), from, request, None)
            .expect("a node given no reply handle answers at once")
    }

    fn handle_reply(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        peer: usize,
        request: Encoded,
        reply: Option<Encoded>,
    ) {
        self.node.reply(ctx.host(), peer, request, reply);
    }

    fn handle_timer(&mut self, ctx: &mut RaftContext<'_, '_, Self>, timer: GuestTimer) {
        self.node.timer(ctx.host(), timer);
    }
}
