//! What a kv server and a clerk can do to the world: [`KvContext`] and
//! [`ClerkContext`], and nothing else.

use std::fmt;
use std::time::Duration;

use labrpc::{CallId, Context, NodeId, ReplyTo, SimRng, Time, TimerId};
use raft::Raft;

use crate::contract::{KvOps, KvServer, Ops};
use crate::node::{Completed, KvProtocol, KvTimer, RaftHandle, Wire};

/// A kv server's handle on the world during one of its handlers.
pub struct KvContext<'c, 'w, S: KvServer<O>, O: Ops = KvOps> {
    pub(crate) ctx: &'c mut Context<'w, KvProtocol<S, O>>,
    pub(crate) raft: &'c mut RaftHandle<S::Raft>,
}

impl<S: KvServer<O>, O: Ops> KvContext<'_, '_, S, O> {
    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.ctx.now()
    }

    /// This server's id (its index among the servers).
    pub fn me(&self) -> NodeId {
        self.ctx.me()
    }

    /// This server's random stream.
    pub fn rng(&mut self) -> &mut SimRng {
        self.ctx.rng()
    }

    /// Answers a clerk's request whose handler returned `None`.
    pub fn reply(&mut self, reply_to: ReplyTo, reply: S::Reply) {
        self.ctx.reply(reply_to, Wire::Kv(reply));
    }

    /// Fires [`KvServer::handle_timer`] with `tag` after `after`.
    pub fn set_timer(&mut self, after: Duration, tag: S::Timer) -> TimerId {
        self.ctx.set_timer(after, KvTimer::Server(tag))
    }

    /// Cancels a timer.
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.ctx.cancel_timer(timer);
    }

    /// Offers `command` to Raft (Go's `kv.rf.Start`): `None` if this server's Raft
    /// is not the leader, else the index and term it will have if committed.
    pub fn start(&mut self, command: Vec<u8>) -> Option<(u64, u64)> {
        let raft = &mut self.raft;
        let (started, applied) = self.ctx.scoped(|c| raft.node.start(c, command));
        raft.applied.extend(applied);
        started
    }

    /// This server's Raft's `(current_term, is_leader)`.
    pub fn raft_state(&self) -> (u64, bool) {
        self.raft.node.raft().state()
    }

    /// Tells Raft that the service's state up to `index` is in `snapshot`, so
    /// that it can discard those log entries and persist the snapshot.
    pub fn snapshot(&mut self, index: u64, snapshot: Vec<u8>) {
        let raft = &mut self.raft;
        let ((), applied) = self.ctx.scoped(|c| raft.node.snapshot(c, index, snapshot));
        raft.applied.extend(applied);
    }

    /// Size in bytes of the Raft state this server has persisted (compare it with
    /// `max_raft_state` to decide when to snapshot).
    pub fn raft_state_size(&self) -> usize {
        self.ctx.state_size()
    }

    /// Writes a line into the run's log, under this server.
    pub fn log(&mut self, line: fmt::Arguments<'_>) {
        self.ctx.log(line);
    }
}

/// A clerk's handle on the world during one of its handlers.
pub struct ClerkContext<'c, 'w, S: KvServer<O>, O: Ops = KvOps> {
    pub(crate) ctx: &'c mut Context<'w, KvProtocol<S, O>>,
}

impl<S: KvServer<O>, O: Ops> ClerkContext<'_, '_, S, O> {
    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.ctx.now()
    }

    /// This clerk's id (distinct from every server's).
    pub fn me(&self) -> NodeId {
        self.ctx.me()
    }

    /// This clerk's random stream.
    pub fn rng(&mut self) -> &mut SimRng {
        self.ctx.rng()
    }

    /// Sends `request` to `server`; [`KvClerk::handle_reply`](crate::KvClerk::handle_reply) gets the reply or
    /// the failure.
    pub fn call(&mut self, server: NodeId, request: S::Request) -> CallId {
        self.ctx.call(server, Wire::Kv(request))
    }

    /// Fires [`KvClerk::handle_timer`](crate::KvClerk::handle_timer) with `tag` after `after`.
    pub fn set_timer(&mut self, after: Duration, tag: u64) -> TimerId {
        self.ctx.set_timer(after, KvTimer::Clerk(tag))
    }

    /// Cancels a timer.
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.ctx.cancel_timer(timer);
    }

    /// Reports the current operation done: `value` is what a `Get` read (use ""
    /// for `Put` and `Append`). Call it exactly once per operation, when a
    /// server's reply has told you the result: the tests fail a clerk that
    /// completes an operation without any server's reply since it was given.
    pub fn complete(&mut self, value: O::Value) {
        self.ctx.emit(Completed { value });
    }

    /// Writes a line into the run's log, under this clerk.
    pub fn log(&mut self, line: fmt::Arguments<'_>) {
        self.ctx.log(line);
    }
}
