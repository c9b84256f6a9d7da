//! The kvraft contract: the key/value server and the clerk you implement, and
//! what each is given.
//!
//! A server owns a Raft instance. It offers operations to Raft with
//! `ctx.start(command)`, learns what Raft committed through
//! [`KvServer::handle_apply`], and answers clerks (at once, or later with
//! `ctx.reply`). A clerk is an event-driven client: the tester hands it one
//! operation at a time with [`KvClerk::begin`]; it sends RPCs to servers and
//! calls `ctx.complete(value)` when the operation has taken effect.

use std::fmt::Debug;

use labrpc::{Message, NodeId, ReplyTo};
use raft::{ApplyMsg, Raft};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::context::{ClerkContext, KvContext};

/// An operation a clerk performs for the tester.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Read `key` (a missing key reads as "").
    Get {
        /// The key.
        key: String,
    },
    /// Replace `key`'s value with `value`.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: String,
    },
    /// Append `value` to `key`'s value (a missing key counts as "").
    Append {
        /// The key.
        key: String,
        /// What to append.
        value: String,
    },
}

impl Op {
    /// The key the operation is about.
    pub fn key(&self) -> &str {
        match self {
            Op::Get { key } | Op::Put { key, .. } | Op::Append { key, .. } => key,
        }
    }
}

/// What a service's clerks do for the tester: the operations they are handed
/// and the value each completes with. kvraft's are [`KvOps`], the default
/// everywhere below; another service on the same machinery (Lab 4's shard
/// controller) names its own. Operations and values cross to servers and
/// clerks running in a WebAssembly guest, so they are serde types.
pub trait Ops: 'static {
    /// An operation a clerk performs.
    type Op: Clone + Debug + Serialize + DeserializeOwned + 'static;
    /// What a clerk reports when an operation is done.
    type Value: Clone + Debug + PartialEq + Serialize + DeserializeOwned + 'static;
    /// The service's name, which names its kinds of node in a guest module
    /// (`"kv"`: `"kv-server"` and `"kv-clerk"`).
    const SERVICE: &'static str;
}

/// kvraft's operations: [`Op`], completed with the value read.
#[derive(Clone, Copy, Debug)]
pub struct KvOps;

impl Ops for KvOps {
    type Op = Op;
    type Value = String;
    const SERVICE: &'static str = "kv";
}

/// A key/value server: what you implement. (`O` is for the kit's other
/// services on the same machinery; a kvraft server uses the default.)
///
/// Define your own clerk-server RPC types (`Request`, `Reply`) with
/// `#[derive(Debug, Clone, Serialize, Deserialize)]`; the clerk uses the same ones.
pub trait KvServer<O: Ops = KvOps>: Sized + 'static {
    /// The Raft this server runs on.
    type Raft: Raft;
    /// What clerks send.
    type Request: Message;
    /// What servers answer.
    type Reply: Message;
    /// Your timer tag.
    type Timer: Debug + Clone + 'static;

    /// Creates server `me` of `servers`. `max_raft_state` is the size of persisted
    /// Raft state at which you should snapshot (`None`: never snapshot);
    /// `snapshot` is the snapshot this server (or its previous incarnation) last
    /// persisted, empty if none: restore your state from it.
    fn new(
        ctx: &mut KvContext<'_, '_, Self, O>,
        me: usize,
        servers: usize,
        max_raft_state: Option<usize>,
        snapshot: Vec<u8>,
    ) -> Self;

    /// A clerk's request. Answer now with `Some(reply)`, or return `None` and
    /// answer later with `ctx.reply(reply_to, ..)` (once the operation has been
    /// committed and applied, say). If this server crashes first, the clerk's
    /// call fails.
    fn handle_request(
        &mut self,
        ctx: &mut KvContext<'_, '_, Self, O>,
        from: NodeId,
        request: Self::Request,
        reply_to: ReplyTo,
    ) -> Option<Self::Reply>;

    /// Raft applied `msg`: a committed command (apply it to the key/value state,
    /// once, in order) or a snapshot to install.
    fn handle_apply(&mut self, ctx: &mut KvContext<'_, '_, Self, O>, msg: ApplyMsg);

    /// A timer you set has fired.
    fn handle_timer(&mut self, ctx: &mut KvContext<'_, '_, Self, O>, timer: Self::Timer);
}

/// A clerk: what you implement (with the default `O`, as for [`KvServer`]).
pub trait KvClerk<O: Ops = KvOps>: Sized + 'static {
    /// The servers it talks to.
    type Server: KvServer<O>;

    /// Creates a clerk that talks to `servers` (in no particular order).
    fn new(ctx: &mut ClerkContext<'_, '_, Self::Server, O>, servers: Vec<NodeId>) -> Self;

    /// Starts `op`. Keep trying until it has taken effect exactly once, then call
    /// `ctx.complete(..)`. The tester gives a clerk one operation at a time.
    fn begin(&mut self, ctx: &mut ClerkContext<'_, '_, Self::Server, O>, op: O::Op);

    /// The call to `server` with `request` finished: `Some(reply)` or `None` if it
    /// failed (lost, timed out, or the server is down or cut off).
    fn handle_reply(
        &mut self,
        ctx: &mut ClerkContext<'_, '_, Self::Server, O>,
        server: NodeId,
        request: <Self::Server as KvServer<O>>::Request,
        reply: Option<<Self::Server as KvServer<O>>::Reply>,
    );

    /// A timer you set has fired.
    fn handle_timer(&mut self, ctx: &mut ClerkContext<'_, '_, Self::Server, O>, tag: u64);
}
