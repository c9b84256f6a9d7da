//! The kvraft contract: the key/value server and the clerk you implement, and
//! what each is given.
//!
//! A server owns a Raft instance. It offers operations to Raft with
//! `ctx.start(command)`, learns what Raft committed through
//! [`KvServer::handle_apply`], and answers clerks (at once, or later with
//! `ctx.reply`). A clerk is an event-driven client: the tester hands it one
//! operation at a time with [`KvClerk::begin`]; it sends RPCs to servers and
//! calls `ctx.complete(value)` when the operation has taken effect.

use std::collections::VecDeque;
use std::fmt::{self, Debug};
use std::marker::PhantomData;
use std::time::Duration;

use labrpc::{
    CallId, Context, Embed, Message, Node, NodeId, Protocol, ReplyTo, SimRng, Time, TimerId,
};
use raft::{ApplyMsg, Raft, RaftNode, RaftProtocol};
use serde::{Deserialize, Serialize};

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

/// A message of a kvraft world: Raft's own between servers, or the service's
/// between clerks and servers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Wire<R, K> {
    /// Raft traffic between servers.
    Raft(R),
    /// Clerk-server traffic.
    Kv(K),
}

/// A timer of a kvraft world.
#[derive(Clone, Debug)]
pub enum KvTimer<R, S> {
    /// A timer of a server's Raft.
    Raft(R),
    /// A timer of a server.
    Server(S),
    /// A timer of a clerk, with the clerk's tag.
    Clerk(u64),
}

/// What a clerk reports when its operation is done: the value read (for `Get`;
/// empty for `Put` and `Append`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed {
    /// The value.
    pub value: String,
}

/// The protocol of a world of kv servers of type `S` and their clerks.
pub struct KvProtocol<S>(PhantomData<S>);

type RaftOf<S> = <S as KvServer>::Raft;

impl<S: KvServer> Protocol for KvProtocol<S> {
    type Request = Wire<<RaftOf<S> as Raft>::Request, S::Request>;
    type Reply = Wire<<RaftOf<S> as Raft>::Reply, S::Reply>;
    type Timer = KvTimer<<RaftOf<S> as Raft>::Timer, S::Timer>;
    type Output = Completed;
}

impl<S: KvServer> Embed<RaftProtocol<S::Raft>> for KvProtocol<S> {
    fn wrap_request(inner: <S::Raft as Raft>::Request) -> Self::Request {
        Wire::Raft(inner)
    }
    fn wrap_reply(inner: <S::Raft as Raft>::Reply) -> Self::Reply {
        Wire::Raft(inner)
    }
    fn wrap_timer(inner: <S::Raft as Raft>::Timer) -> Self::Timer {
        KvTimer::Raft(inner)
    }
}

/// A server's Raft instance, and what it has applied but the server has not yet
/// been handed.
pub struct RaftHandle<R: Raft> {
    raft: R,
    applied: VecDeque<ApplyMsg>,
}

impl<R: Raft> RaftHandle<R> {
    /// The Raft instance (the tester reads its `state()`).
    pub fn raft(&self) -> &R {
        &self.raft
    }
}

/// A kv server's handle on the world during one of its handlers.
pub struct KvContext<'c, 'w, S: KvServer> {
    ctx: &'c mut Context<'w, KvProtocol<S>>,
    raft: &'c mut RaftHandle<S::Raft>,
}

impl<S: KvServer> KvContext<'_, '_, S> {
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
        let (started, applied) = self.ctx.scoped(|c| raft.raft.start(c, command));
        raft.applied.extend(applied);
        started
    }

    /// This server's Raft's `(current_term, is_leader)`.
    pub fn raft_state(&self) -> (u64, bool) {
        self.raft.raft.state()
    }

    /// Tells Raft that the service's state up to `index` is in `snapshot`, so
    /// that it can discard those log entries and persist the snapshot.
    pub fn snapshot(&mut self, index: u64, snapshot: Vec<u8>) {
        let raft = &mut self.raft;
        let ((), applied) = self.ctx.scoped(|c| raft.raft.snapshot(c, index, snapshot));
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

/// A key/value server: what you implement.
///
/// Define your own clerk-server RPC types (`Request`, `Reply`) with
/// `#[derive(Debug, Clone, Serialize, Deserialize)]`; the clerk uses the same ones.
pub trait KvServer: Sized + 'static {
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
        ctx: &mut KvContext<'_, '_, Self>,
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
        ctx: &mut KvContext<'_, '_, Self>,
        from: NodeId,
        request: Self::Request,
        reply_to: ReplyTo,
    ) -> Option<Self::Reply>;

    /// Raft applied `msg`: a committed command (apply it to the key/value state,
    /// once, in order) or a snapshot to install.
    fn handle_apply(&mut self, ctx: &mut KvContext<'_, '_, Self>, msg: ApplyMsg);

    /// A timer you set has fired.
    fn handle_timer(&mut self, ctx: &mut KvContext<'_, '_, Self>, timer: Self::Timer);
}

/// A clerk's handle on the world during one of its handlers.
pub struct ClerkContext<'c, 'w, S: KvServer> {
    ctx: &'c mut Context<'w, KvProtocol<S>>,
}

impl<S: KvServer> ClerkContext<'_, '_, S> {
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

    /// Sends `request` to `server`; [`KvClerk::handle_reply`] gets the reply or
    /// the failure.
    pub fn call(&mut self, server: NodeId, request: S::Request) -> CallId {
        self.ctx.call(server, Wire::Kv(request))
    }

    /// Fires [`KvClerk::handle_timer`] with `tag` after `after`.
    pub fn set_timer(&mut self, after: Duration, tag: u64) -> TimerId {
        self.ctx.set_timer(after, KvTimer::Clerk(tag))
    }

    /// Cancels a timer.
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.ctx.cancel_timer(timer);
    }

    /// Reports the current operation done: `value` is what a `Get` read (use ""
    /// for `Put` and `Append`). Call it exactly once per operation.
    pub fn complete(&mut self, value: String) {
        self.ctx.emit(Completed { value });
    }

    /// Writes a line into the run's log, under this clerk.
    pub fn log(&mut self, line: fmt::Arguments<'_>) {
        self.ctx.log(line);
    }
}

/// A clerk: what you implement.
pub trait KvClerk: Sized + 'static {
    /// The servers it talks to.
    type Server: KvServer;

    /// Creates a clerk that talks to `servers` (in no particular order).
    fn new(ctx: &mut ClerkContext<'_, '_, Self::Server>, servers: Vec<NodeId>) -> Self;

    /// Starts `op`. Keep trying until it has taken effect exactly once, then call
    /// `ctx.complete(..)`. The tester gives a clerk one operation at a time.
    fn begin(&mut self, ctx: &mut ClerkContext<'_, '_, Self::Server>, op: Op);

    /// The call to `server` with `request` finished: `Some(reply)` or `None` if it
    /// failed (lost, timed out, or the server is down or cut off).
    fn handle_reply(
        &mut self,
        ctx: &mut ClerkContext<'_, '_, Self::Server>,
        server: NodeId,
        request: <Self::Server as KvServer>::Request,
        reply: Option<<Self::Server as KvServer>::Reply>,
    );

    /// A timer you set has fired.
    fn handle_timer(&mut self, ctx: &mut ClerkContext<'_, '_, Self::Server>, tag: u64);
}

/// A kv server as a simulated node: it owns the server and its Raft, routes Raft's
/// traffic, and hands the server everything Raft applies, in order.
pub struct KvServerNode<S: KvServer> {
    raft: RaftHandle<S::Raft>,
    server: Option<S>,
}

impl<S: KvServer> KvServerNode<S> {
    /// Starts server `me` of `servers` from what its persister holds.
    pub fn create(
        ctx: &mut Context<'_, KvProtocol<S>>,
        me: usize,
        servers: usize,
        max_raft_state: Option<usize>,
    ) -> KvServerNode<S> {
        let snapshot = ctx.read_snapshot();
        let (raft, applied) = ctx.scoped(|c| RaftNode::<S::Raft>::create(c, me, servers));
        let mut node = KvServerNode {
            raft: RaftHandle {
                raft: raft.0,
                applied: applied.into(),
            },
            server: None,
        };
        let server = S::new(
            &mut KvContext {
                ctx,
                raft: &mut node.raft,
            },
            me,
            servers,
            max_raft_state,
            snapshot,
        );
        node.server = Some(server);
        node.deliver(ctx);
        node
    }

    /// This server's Raft.
    pub fn raft(&self) -> &S::Raft {
        self.raft.raft()
    }

    /// The server.
    pub fn server(&self) -> &S {
        self.server.as_ref().expect("constructed")
    }

    /// Hands the server what Raft applied, in order.
    fn deliver(&mut self, ctx: &mut Context<'_, KvProtocol<S>>) {
        let server = self.server.as_mut().expect("constructed");
        while let Some(msg) = self.raft.applied.pop_front() {
            server.handle_apply(
                &mut KvContext {
                    ctx,
                    raft: &mut self.raft,
                },
                msg,
            );
        }
    }
}

impl<S: KvServer> Node<KvProtocol<S>> for KvServerNode<S> {
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, KvProtocol<S>>,
        from: NodeId,
        request: <KvProtocol<S> as Protocol>::Request,
        reply_to: ReplyTo,
    ) -> Option<<KvProtocol<S> as Protocol>::Reply> {
        let reply = match request {
            Wire::Raft(request) => {
                let raft = &mut self.raft;
                let (reply, applied) = ctx.scoped(|c| raft.raft.handle_request(c, from, request));
                raft.applied.extend(applied);
                Some(Wire::Raft(reply))
            }
            Wire::Kv(request) => {
                let server = self.server.as_mut().expect("constructed");
                let reply = server.handle_request(
                    &mut KvContext {
                        ctx,
                        raft: &mut self.raft,
                    },
                    from,
                    request,
                    reply_to,
                );
                reply.map(Wire::Kv)
            }
        };
        self.deliver(ctx);
        reply
    }

    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, KvProtocol<S>>,
        to: NodeId,
        request: <KvProtocol<S> as Protocol>::Request,
        reply: Option<<KvProtocol<S> as Protocol>::Reply>,
    ) {
        // Servers call only each other's Raft; anything else has no handler.
        if let Wire::Raft(request) = request {
            let reply = reply.and_then(|r| match r {
                Wire::Raft(r) => Some(r),
                Wire::Kv(_) => None,
            });
            let raft = &mut self.raft;
            let ((), applied) = ctx.scoped(|c| raft.raft.handle_reply(c, to, request, reply));
            raft.applied.extend(applied);
            self.deliver(ctx);
        }
    }

    fn on_timer(
        &mut self,
        ctx: &mut Context<'_, KvProtocol<S>>,
        tag: <KvProtocol<S> as Protocol>::Timer,
    ) {
        match tag {
            KvTimer::Raft(tag) => {
                let raft = &mut self.raft;
                let ((), applied) = ctx.scoped(|c| raft.raft.handle_timer(c, tag));
                raft.applied.extend(applied);
            }
            KvTimer::Server(tag) => {
                let server = self.server.as_mut().expect("constructed");
                server.handle_timer(
                    &mut KvContext {
                        ctx,
                        raft: &mut self.raft,
                    },
                    tag,
                );
            }
            KvTimer::Clerk(_) => {}
        }
        self.deliver(ctx);
    }
}

/// A clerk as a simulated node.
pub struct ClerkNode<C: KvClerk> {
    clerk: C,
}

impl<C: KvClerk> ClerkNode<C> {
    /// Creates a clerk for `servers`.
    pub fn create(
        ctx: &mut Context<'_, KvProtocol<C::Server>>,
        servers: Vec<NodeId>,
    ) -> ClerkNode<C> {
        ClerkNode {
            clerk: C::new(&mut ClerkContext { ctx }, servers),
        }
    }

    /// Hands the clerk an operation (the tester calls this).
    pub fn begin(&mut self, ctx: &mut Context<'_, KvProtocol<C::Server>>, op: Op) {
        self.clerk.begin(&mut ClerkContext { ctx }, op);
    }
}

impl<C: KvClerk> Node<KvProtocol<C::Server>> for ClerkNode<C> {
    fn on_request(
        &mut self,
        _: &mut Context<'_, KvProtocol<C::Server>>,
        _: NodeId,
        _: <KvProtocol<C::Server> as Protocol>::Request,
        _: ReplyTo,
    ) -> Option<<KvProtocol<C::Server> as Protocol>::Reply> {
        // Nobody calls a clerk; an unanswered call fails for its caller when the
        // clerk goes away, like any unanswered call.
        None
    }

    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, KvProtocol<C::Server>>,
        to: NodeId,
        request: <KvProtocol<C::Server> as Protocol>::Request,
        reply: Option<<KvProtocol<C::Server> as Protocol>::Reply>,
    ) {
        if let Wire::Kv(request) = request {
            let reply = reply.and_then(|r| match r {
                Wire::Kv(r) => Some(r),
                Wire::Raft(_) => None,
            });
            self.clerk
                .handle_reply(&mut ClerkContext { ctx }, to, request, reply);
        }
    }

    fn on_timer(
        &mut self,
        ctx: &mut Context<'_, KvProtocol<C::Server>>,
        tag: <KvProtocol<C::Server> as Protocol>::Timer,
    ) {
        if let KvTimer::Clerk(tag) = tag {
            self.clerk.handle_timer(&mut ClerkContext { ctx }, tag);
        }
    }
}
