//! The plumbing between the kvraft contract and the simulator: the protocol of a
//! kvraft world, a kv server (with its Raft) and a clerk as simulated nodes. Used
//! by the tester; nothing here is for your server or clerk to call.

use std::collections::VecDeque;
use std::marker::PhantomData;

use labrpc::{Context, Embed, Node, NodeId, Protocol, ReplyTo};
use raft::node::{RaftNode, RaftProtocol};
use raft::{ApplyMsg, Raft};
use serde::{Deserialize, Serialize};

use crate::context::{ClerkContext, KvContext};
use crate::contract::{KvClerk, KvServer, Op};

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

    fn topic(request: &Self::Request) -> Option<&'static str> {
        match request {
            Wire::Raft(r) => RaftProtocol::<S::Raft>::topic(r),
            Wire::Kv(_) => Some("client"),
        }
    }
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
pub struct KvServerNode<S: KvServer> {
    raft: RaftHandle<S::Raft>,
    server: Option<S>,
    snapshots_installed: u64,
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
                node: raft,
                applied: applied.into(),
            },
            server: None,
            snapshots_installed: 0,
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
    fn deliver(&mut self, ctx: &mut Context<'_, KvProtocol<S>>) {
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
            let ((), applied) = ctx.scoped(|c| raft.node.on_reply(c, to, request, reply));
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
