//! The plumbing between the kvraft contract and the simulator: the protocol of a
//! kvraft world, a kv server (with its Raft) and a clerk as simulated nodes. Used
//! by the tester; nothing here is for your server or clerk to call.

use std::collections::VecDeque;
use std::marker::PhantomData;

use labrpc::{Context, DecodeError, Embed, Message, Node, NodeId, Protocol, ReplyTo};
use raft::node::{RaftNode, RaftProtocol};
use raft::{ApplyMsg, Raft};
use serde::{Deserialize, Serialize};

use crate::context::{ClerkContext, KvContext};
use crate::contract::{KvClerk, KvOps, KvServer, Ops};

/// A message of a kvraft world: Raft's own between servers, or the service's
/// between clerks and servers.
#[derive(Clone, Debug)]
pub enum Wire<R, K> {
    /// Raft traffic between servers.
    Raft(R),
    /// Clerk-server traffic.
    Kv(K),
}

/// Crosses as postcard encodes such an enum: the variant, then the message.
impl<R: Message, K: Message> Message for Wire<R, K> {
    fn to_wire(&self) -> Vec<u8> {
        match self {
            Wire::Raft(m) => labrpc::tagged_to_wire(0, m),
            Wire::Kv(m) => labrpc::tagged_to_wire(1, m),
        }
    }

    fn from_wire(bytes: &[u8]) -> Result<Self, DecodeError> {
        match labrpc::split_tag(bytes)? {
            (0, rest) => R::from_wire(rest).map(Wire::Raft),
            (1, rest) => K::from_wire(rest).map(Wire::Kv),
            (tag, _) => Err(DecodeError::Malformed(format!("no variant {tag}"))),
        }
    }

    fn printed(&self) -> Option<String> {
        match self {
            Wire::Raft(m) => m.printed().map(|text| format!("Raft({text})")),
            Wire::Kv(m) => m.printed().map(|text| format!("Kv({text})")),
        }
    }
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

/// What a clerk reports when its operation is done: for kvraft, the value read
/// (for `Get`; empty for `Put` and `Append`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completed<V = String> {
    /// The value.
    pub value: V,
}

/// The protocol of a world of servers of type `S` and their clerks, whose
/// operations are `O`'s.
pub struct KvProtocol<S, O = KvOps>(PhantomData<(S, O)>);

type RaftOf<S, O> = <S as KvServer<O>>::Raft;

impl<S: KvServer<O>, O: Ops> Protocol for KvProtocol<S, O> {
    type Request = Wire<<RaftOf<S, O> as Raft>::Request, S::Request>;
    type Reply = Wire<<RaftOf<S, O> as Raft>::Reply, S::Reply>;
    type Timer = KvTimer<<RaftOf<S, O> as Raft>::Timer, S::Timer>;
    type Output = Completed<O::Value>;

    fn topic(request: &Self::Request) -> Option<&'static str> {
        match request {
            Wire::Raft(r) => RaftProtocol::<S::Raft>::topic(r),
            Wire::Kv(_) => Some("client"),
        }
    }
}

impl<S: KvServer<O>, O: Ops> Embed<RaftProtocol<S::Raft>> for KvProtocol<S, O> {
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
    pub(crate) node: RaftNode<R>,
    pub(crate) applied: VecDeque<ApplyMsg>,
}

impl<R: Raft> RaftHandle<R> {
    /// The Raft instance (the tester reads its `state()`).
    pub fn raft(&self) -> &R {
        self.node.raft()
    }
}

/// A kv server as a simulated node: it owns the server and its Raft, routes Raft's
/// traffic, and hands the server everything Raft applies, in order.
pub struct KvServerNode<S: KvServer<O>, O: Ops = KvOps> {
    raft: RaftHandle<S::Raft>,
    server: Option<S>,
    snapshots_installed: u64,
    ops: PhantomData<O>,
}

impl<S: KvServer<O>, O: Ops> KvServerNode<S, O> {
    /// Starts server `me` of `servers` from what its persister holds.
    pub fn create(
        ctx: &mut Context<'_, KvProtocol<S, O>>,
        me: usize,
        servers: usize,
        max_raft_state: Option<usize>,
    ) -> KvServerNode<S, O> {
        let snapshot = ctx.read_snapshot();
        let (raft, applied) = ctx.scoped(|c| RaftNode::<S::Raft>::create(c, me, servers));
        let mut node = KvServerNode {
            raft: RaftHandle {
                node: raft,
                applied: applied.into(),
            },
            server: None,
            snapshots_installed: 0,
            ops: PhantomData,
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

    /// How many snapshots this incarnation's Raft handed its server
    /// (`ApplyMsg::Snapshot`: installed from a leader's InstallSnapshot).
    pub fn snapshots_installed(&self) -> u64 {
        self.snapshots_installed
    }

    /// The server.
    pub fn server(&self) -> &S {
        self.server.as_ref().expect("constructed")
    }

    /// Hands the server what Raft applied, in order.
    fn deliver(&mut self, ctx: &mut Context<'_, KvProtocol<S, O>>) {
        let server = self.server.as_mut().expect("constructed");
        while let Some(msg) = self.raft.applied.pop_front() {
            if matches!(msg, ApplyMsg::Snapshot { .. }) {
                self.snapshots_installed += 1;
            }
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

impl<S: KvServer<O>, O: Ops> Node<KvProtocol<S, O>> for KvServerNode<S, O> {
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, KvProtocol<S, O>>,
        from: NodeId,
        request: <KvProtocol<S, O> as Protocol>::Request,
        reply_to: ReplyTo,
    ) -> Option<<KvProtocol<S, O> as Protocol>::Reply> {
        let reply = match request {
            Wire::Raft(request) => {
                let raft = &mut self.raft;
                let (reply, applied) =
                    ctx.scoped(|c| raft.node.on_request(c, from, request, reply_to));
                raft.applied.extend(applied);
                reply.map(Wire::Raft)
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
        ctx: &mut Context<'_, KvProtocol<S, O>>,
        to: NodeId,
        request: <KvProtocol<S, O> as Protocol>::Request,
        reply: Option<<KvProtocol<S, O> as Protocol>::Reply>,
    ) {
        // Servers call only each other's Raft; anything else has no handler.
        if let Wire::Raft(request) = request {
            let reply = reply.and_then(|r| match r {
                Wire::Raft(r) => Some(r),
                Wire::Kv(_) => None,
            });
            let raft = &mut self.raft;
            let ((), applied) = ctx.scoped(|c| raft.node.on_reply(c, to, request, reply));
            raft.applied.extend(applied);
            self.deliver(ctx);
        }
    }

    fn on_timer(
        &mut self,
        ctx: &mut Context<'_, KvProtocol<S, O>>,
        tag: <KvProtocol<S, O> as Protocol>::Timer,
    ) {
        match tag {
            KvTimer::Raft(tag) => {
                let raft = &mut self.raft;
                let ((), applied) = ctx.scoped(|c| raft.node.on_timer(c, tag));
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
pub struct ClerkNode<C: KvClerk<O>, O: Ops = KvOps> {
    clerk: C,
    ops: PhantomData<O>,
}

impl<C: KvClerk<O>, O: Ops> ClerkNode<C, O> {
    /// Creates a clerk for `servers`.
    pub fn create(
        ctx: &mut Context<'_, KvProtocol<C::Server, O>>,
        servers: Vec<NodeId>,
    ) -> ClerkNode<C, O> {
        ClerkNode {
            clerk: C::new(&mut ClerkContext { ctx }, servers),
            ops: PhantomData,
        }
    }

    /// Hands the clerk an operation (the tester calls this).
    pub fn begin(&mut self, ctx: &mut Context<'_, KvProtocol<C::Server, O>>, op: O::Op) {
        self.clerk.begin(&mut ClerkContext { ctx }, op);
    }
}

impl<C: KvClerk<O>, O: Ops> Node<KvProtocol<C::Server, O>> for ClerkNode<C, O> {
    fn on_request(
        &mut self,
        _: &mut Context<'_, KvProtocol<C::Server, O>>,
        _: NodeId,
        _: <KvProtocol<C::Server, O> as Protocol>::Request,
        _: ReplyTo,
    ) -> Option<<KvProtocol<C::Server, O> as Protocol>::Reply> {
        // Nobody calls a clerk; an unanswered call fails for its caller when the
        // clerk goes away, like any unanswered call.
        None
    }

    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, KvProtocol<C::Server, O>>,
        to: NodeId,
        request: <KvProtocol<C::Server, O> as Protocol>::Request,
        reply: Option<<KvProtocol<C::Server, O> as Protocol>::Reply>,
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
        ctx: &mut Context<'_, KvProtocol<C::Server, O>>,
        tag: <KvProtocol<C::Server, O> as Protocol>::Timer,
    ) {
        if let KvTimer::Clerk(tag) = tag {
            self.clerk.handle_timer(&mut ClerkContext { ctx }, tag);
        }
    }
}
