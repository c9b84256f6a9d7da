//! What a shardkv server and clerk can do to the world: [`ShardKvContext`]
//! and [`ShardClerkContext`], and nothing else. (Behind each is the node
//! hosting the server or clerk; see `node`.)

use std::fmt;
use std::time::Duration;

use labrpc::{CallId, NodeId, ReplyTo, SimRng, Time, TimerId};

use crate::contract::{ShardKvClerk, ShardKvServer};

/// What the node hosting a server does for it.
pub(crate) trait ServerHost<S: ShardKvServer> {
    fn now(&self) -> Time;
    fn me(&self) -> NodeId;
    fn rng(&mut self) -> &mut SimRng;
    fn reply(&mut self, reply_to: ReplyTo, reply: S::Reply);
    fn call(&mut self, server: &str, request: S::Request) -> Option<CallId>;
    fn set_timer(&mut self, after: Duration, tag: S::Timer) -> TimerId;
    fn cancel_timer(&mut self, timer: TimerId);
    fn query(&mut self, num: Option<u64>);
    fn start(&mut self, command: Vec<u8>) -> Option<(u64, u64)>;
    fn raft_state(&self) -> (u64, bool);
    fn snapshot(&mut self, index: u64, snapshot: Vec<u8>);
    fn raft_state_size(&self) -> usize;
    fn log(&mut self, line: fmt::Arguments<'_>);
}

/// What the node hosting a clerk does for it.
pub(crate) trait ClerkHost<C: ShardKvClerk> {
    fn now(&self) -> Time;
    fn me(&self) -> NodeId;
    fn rng(&mut self) -> &mut SimRng;
    fn call(
        &mut self,
        server: &str,
        request: <C::Server as ShardKvServer>::Request,
    ) -> Option<CallId>;
    fn set_timer(&mut self, after: Duration, tag: u64) -> TimerId;
    fn cancel_timer(&mut self, timer: TimerId);
    fn query(&mut self, num: Option<u64>);
    fn complete(&mut self, value: String);
    fn log(&mut self, line: fmt::Arguments<'_>);
}

/// A shardkv server's handle on the world during one of its handlers.
pub struct ShardKvContext<'h, S: ShardKvServer> {
    pub(crate) host: &'h mut dyn ServerHost<S>,
}

impl<S: ShardKvServer> ShardKvContext<'_, S> {
    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.host.now()
    }

    /// This server's node id.
    pub fn me(&self) -> NodeId {
        self.host.me()
    }

    /// This server's random stream.
    pub fn rng(&mut self) -> &mut SimRng {
        self.host.rng()
    }

    /// Answers a request whose handler returned `None`.
    pub fn reply(&mut self, reply_to: ReplyTo, reply: S::Reply) {
        self.host.reply(reply_to, reply);
    }

    /// Sends `request` to the server named `server` (a name a configuration
    /// lists, such as `"server-101-2"`): [`ShardKvServer::handle_reply`] gets
    /// the answer. `None` (and no call) if no server has that name.
    pub fn call(&mut self, server: &str, request: S::Request) -> Option<CallId> {
        self.host.call(server, request)
    }

    /// Fires [`ShardKvServer::handle_timer`] with `tag` after `after`.
    pub fn set_timer(&mut self, after: Duration, tag: S::Timer) -> TimerId {
        self.host.set_timer(after, tag)
    }

    /// Cancels a timer.
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.host.cancel_timer(timer);
    }

    /// Asks the shard controller for configuration `num` (`None`: the
    /// latest), through a controller clerk this server owns (your Lab 4A
    /// clerk, which retries until a controller answers).
    /// [`ShardKvServer::handle_config`] gets each answer, in the order asked.
    pub fn query(&mut self, num: Option<u64>) {
        self.host.query(num);
    }

    /// Offers `command` to your group's Raft: `None` if it does not lead,
    /// else the index and term the command will have if committed.
    pub fn start(&mut self, command: Vec<u8>) -> Option<(u64, u64)> {
        self.host.start(command)
    }

    /// Your group's Raft's `(current_term, is_leader)` on this server.
    pub fn raft_state(&self) -> (u64, bool) {
        self.host.raft_state()
    }

    /// Tells Raft that your state up to `index` is in `snapshot`.
    pub fn snapshot(&mut self, index: u64, snapshot: Vec<u8>) {
        self.host.snapshot(index, snapshot);
    }

    /// Size in bytes of the Raft state this server has persisted.
    pub fn raft_state_size(&self) -> usize {
        self.host.raft_state_size()
    }

    /// Writes a line into the run's log, under this server.
    pub fn log(&mut self, line: fmt::Arguments<'_>) {
        self.host.log(line);
    }
}

/// A shardkv clerk's handle on the world during one of its handlers.
pub struct ShardClerkContext<'h, C: ShardKvClerk> {
    pub(crate) host: &'h mut dyn ClerkHost<C>,
}

impl<C: ShardKvClerk> ShardClerkContext<'_, C> {
    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.host.now()
    }

    /// This clerk's node id.
    pub fn me(&self) -> NodeId {
        self.host.me()
    }

    /// This clerk's random stream.
    pub fn rng(&mut self) -> &mut SimRng {
        self.host.rng()
    }

    /// Sends `request` to the server named `server`:
    /// [`ShardKvClerk::handle_reply`] gets the answer. `None` (and no call)
    /// if no server has that name.
    pub fn call(
        &mut self,
        server: &str,
        request: <C::Server as ShardKvServer>::Request,
    ) -> Option<CallId> {
        self.host.call(server, request)
    }

    /// Fires [`ShardKvClerk::handle_timer`] with `tag` after `after`.
    pub fn set_timer(&mut self, after: Duration, tag: u64) -> TimerId {
        self.host.set_timer(after, tag)
    }

    /// Cancels a timer.
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.host.cancel_timer(timer);
    }

    /// Asks the shard controller for configuration `num` (`None`: the
    /// latest); [`ShardKvClerk::handle_config`] gets each answer, in the
    /// order asked.
    pub fn query(&mut self, num: Option<u64>) {
        self.host.query(num);
    }

    /// Reports the current operation done: `value` is what a `Get` read (""
    /// for `Put` and `Append`). Call it exactly once per operation.
    pub fn complete(&mut self, value: String) {
        self.host.complete(value);
    }

    /// Writes a line into the run's log, under this clerk.
    pub fn log(&mut self, line: fmt::Arguments<'_>) {
        self.host.log(line);
    }
}
