//! The shardkv contract: the server of a replica group and the clerk you
//! implement, and what each is given.
//!
//! A server owns its group's Raft instance, as a kvraft server does, and
//! also reaches the world beyond its group: it asks the shard controller for
//! configurations with `ctx.query(num)` (the answer comes to
//! [`ShardKvServer::handle_config`]) and calls servers of other groups by the
//! names configurations list, with `ctx.call(name, request)` (the answer
//! comes to [`ShardKvServer::handle_reply`]). A clerk does the same to find
//! and reach the group that serves a key.

use labrpc::{Message, NodeId, ReplyTo};
use raft::{ApplyMsg, Raft};
use shardctrler::{Config, Gid};

use crate::context::{ShardClerkContext, ShardKvContext};

pub use kvraft::Op;

/// A server of a replica group: what you implement.
///
/// Define your own RPC types (`Request`, `Reply`) with
/// `#[derive(Debug, Clone, Serialize, Deserialize)]`: one pair for what
/// clerks send and what other groups' servers send (an enum), used by your
/// clerk too.
pub trait ShardKvServer: Sized + 'static {
    /// The Raft this server's group runs on.
    type Raft: Raft;
    /// What clerks and other groups' servers send.
    type Request: Message;
    /// What servers answer.
    type Reply: Message;
    /// Your timer tag.
    type Timer: std::fmt::Debug + Clone + 'static;

    /// Creates server `me` of the `servers` servers of group `gid`.
    /// `max_raft_state` and `snapshot` are as in kvraft: snapshot when the
    /// persisted Raft state nears `max_raft_state` (`None`: never), and
    /// restore from `snapshot` (empty if none).
    fn new(
        ctx: &mut ShardKvContext<'_, Self>,
        me: usize,
        servers: usize,
        gid: Gid,
        max_raft_state: Option<usize>,
        snapshot: Vec<u8>,
    ) -> Self;

    /// A request from a clerk or from another group's server. Answer now with
    /// `Some(reply)`, or return `None` and answer later with `ctx.reply`.
    fn handle_request(
        &mut self,
        ctx: &mut ShardKvContext<'_, Self>,
        from: NodeId,
        request: Self::Request,
        reply_to: ReplyTo,
    ) -> Option<Self::Reply>;

    /// Your call to the server named `to` finished: `Some(reply)`, or `None`
    /// if it failed (lost, or the server is down or cut off).
    fn handle_reply(
        &mut self,
        ctx: &mut ShardKvContext<'_, Self>,
        to: &str,
        request: Self::Request,
        reply: Option<Self::Reply>,
    );

    /// Your group's Raft applied `msg`.
    fn handle_apply(&mut self, ctx: &mut ShardKvContext<'_, Self>, msg: ApplyMsg);

    /// A timer you set has fired.
    fn handle_timer(&mut self, ctx: &mut ShardKvContext<'_, Self>, timer: Self::Timer);

    /// The answer to one of your `ctx.query(num)` calls, in the order you made
    /// them.
    fn handle_config(&mut self, ctx: &mut ShardKvContext<'_, Self>, config: Config);
}

/// A clerk of the sharded service: what you implement.
pub trait ShardKvClerk: Sized + 'static {
    /// The servers it talks to.
    type Server: ShardKvServer;

    /// Creates a clerk. It knows no configuration yet: query the controller.
    fn new(ctx: &mut ShardClerkContext<'_, Self>) -> Self;

    /// Starts `op`. Keep trying until it has taken effect exactly once, then
    /// call `ctx.complete(..)`. The tester gives a clerk one operation at a
    /// time.
    fn begin(&mut self, ctx: &mut ShardClerkContext<'_, Self>, op: Op);

    /// Your call to the server named `to` finished: `Some(reply)`, or `None`
    /// if it failed.
    fn handle_reply(
        &mut self,
        ctx: &mut ShardClerkContext<'_, Self>,
        to: &str,
        request: <Self::Server as ShardKvServer>::Request,
        reply: Option<<Self::Server as ShardKvServer>::Reply>,
    );

    /// A timer you set has fired.
    fn handle_timer(&mut self, ctx: &mut ShardClerkContext<'_, Self>, tag: u64);

    /// The answer to one of your `ctx.query(num)` calls, in the order you made
    /// them.
    fn handle_config(&mut self, ctx: &mut ShardClerkContext<'_, Self>, config: Config);
}
