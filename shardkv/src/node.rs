//! The plumbing of a Lab 4B world: its protocol, and its four kinds of
//! simulated node. Controllers (nodes `0..3`) host a controller server; the
//! servers of a replica group (consecutive nodes) each host the group's
//! Raft, numbered from 0 within the group, a shardkv server, and a
//! controller clerk that answers the server's `query`; shardkv clerks host
//! the student's clerk and a controller clerk too; the tester's own
//! controller clerk (`mck`) hosts a controller clerk alone. Servers are
//! reached by name through the world's [`Directory`]. Used by the tester;
//! nothing here is for your server or clerk to call.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use kvraft::KvClerk;
use kvraft::node::{ClerkNode, Completed, KvProtocol, KvServerNode};
use labrpc::{
    CallId, Context, DecodeError, Embed, Message, Node, NodeId, Protocol, ReplyTo, SimRng, Time,
    TimerId,
};
use raft::node::{RaftNode, RaftProtocol};
use raft::{ApplyMsg, Raft};
use serde::{Deserialize, Serialize};
use shardctrler::{Config, CtrlerOp, CtrlerOps, Gid};

use crate::context::{ClerkHost, ServerHost, ShardClerkContext, ShardKvContext};
use crate::contract::{Op, ShardKvClerk, ShardKvServer};

/// The controller's own world, carried inside a 4B world.
pub type CtrlProtocol<CC> = KvProtocol<<CC as KvClerk<CtrlerOps>>::Server, CtrlerOps>;

/// A message of a 4B world.
#[derive(Clone, Debug)]
pub enum ShardWire<C, G, S> {
    /// The controller's traffic: its Raft's, and its clerks'.
    Ctrl(C),
    /// Raft traffic within a replica group.
    GroupRaft(G),
    /// Traffic to shardkv servers, from clerks and from other groups.
    Shard(S),
}

/// Crosses as postcard encodes such an enum: the variant, then the message.
impl<C: Message, G: Message, S: Message> Message for ShardWire<C, G, S> {
    fn to_wire(&self) -> Vec<u8> {
        match self {
            ShardWire::Ctrl(m) => labrpc::tagged_to_wire(0, m),
            ShardWire::GroupRaft(m) => labrpc::tagged_to_wire(1, m),
            ShardWire::Shard(m) => labrpc::tagged_to_wire(2, m),
        }
    }

    fn from_wire(bytes: &[u8]) -> Result<Self, DecodeError> {
        match labrpc::split_tag(bytes)? {
            (0, rest) => C::from_wire(rest).map(ShardWire::Ctrl),
            (1, rest) => G::from_wire(rest).map(ShardWire::GroupRaft),
            (2, rest) => S::from_wire(rest).map(ShardWire::Shard),
            (tag, _) => Err(DecodeError::Malformed(format!("no variant {tag}"))),
        }
    }

    fn printed(&self) -> Option<String> {
        match self {
            ShardWire::Ctrl(m) => m.printed().map(|text| format!("Ctrl({text})")),
            ShardWire::GroupRaft(m) => m.printed().map(|text| format!("GroupRaft({text})")),
            ShardWire::Shard(m) => m.printed().map(|text| format!("Shard({text})")),
        }
    }
}

impl<C, G, S> ShardWire<C, G, S> {
    /// The controller's message, if it is one.
    pub fn into_ctrl(self) -> Option<C> {
        match self {
            ShardWire::Ctrl(m) => Some(m),
            _ => None,
        }
    }

    /// The group Raft's message, if it is one.
    pub fn into_group_raft(self) -> Option<G> {
        match self {
            ShardWire::GroupRaft(m) => Some(m),
            _ => None,
        }
    }

    /// The shardkv message, if it is one.
    pub fn into_shard(self) -> Option<S> {
        match self {
            ShardWire::Shard(m) => Some(m),
            _ => None,
        }
    }
}

/// A timer of a 4B world.
#[derive(Clone, Debug)]
pub enum ShardTimer<C, G, S> {
    /// A timer of a controller server, of its Raft, or of a controller clerk.
    Ctrl(C),
    /// A timer of a group's Raft.
    GroupRaft(G),
    /// A timer of a shardkv server.
    Server(S),
    /// A timer of a shardkv clerk, with the clerk's tag.
    Clerk(u64),
}

/// What a clerk reports when its operation is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShardOutput {
    /// A shardkv clerk's operation: the value read (for `Get`).
    Kv(Completed<String>),
    /// The tester's controller clerk's operation: the configuration read
    /// (for `Query`).
    Ctrl(Completed<Option<Config>>),
}

/// The protocol of a world of shardkv servers `S` and controllers reached
/// through controller clerks `CC`.
pub struct ShardProtocol<S, CC>(PhantomData<(S, CC)>);

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> Protocol for ShardProtocol<S, CC> {
    type Request =
        ShardWire<<CtrlProtocol<CC> as Protocol>::Request, <S::Raft as Raft>::Request, S::Request>;
    type Reply =
        ShardWire<<CtrlProtocol<CC> as Protocol>::Reply, <S::Raft as Raft>::Reply, S::Reply>;
    type Timer =
        ShardTimer<<CtrlProtocol<CC> as Protocol>::Timer, <S::Raft as Raft>::Timer, S::Timer>;
    type Output = ShardOutput;

    fn topic(request: &Self::Request) -> Option<&'static str> {
        match request {
            ShardWire::Ctrl(r) => CtrlProtocol::<CC>::topic(r),
            ShardWire::GroupRaft(r) => RaftProtocol::<S::Raft>::topic(r),
            ShardWire::Shard(_) => Some("client"),
        }
    }
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> Embed<CtrlProtocol<CC>> for ShardProtocol<S, CC> {
    fn wrap_request(inner: <CtrlProtocol<CC> as Protocol>::Request) -> Self::Request {
        ShardWire::Ctrl(inner)
    }
    fn wrap_reply(inner: <CtrlProtocol<CC> as Protocol>::Reply) -> Self::Reply {
        ShardWire::Ctrl(inner)
    }
    fn wrap_timer(inner: <CtrlProtocol<CC> as Protocol>::Timer) -> Self::Timer {
        ShardTimer::Ctrl(inner)
    }
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> Embed<RaftProtocol<S::Raft>>
    for ShardProtocol<S, CC>
{
    fn wrap_request(inner: <S::Raft as Raft>::Request) -> Self::Request {
        ShardWire::GroupRaft(inner)
    }
    fn wrap_reply(inner: <S::Raft as Raft>::Reply) -> Self::Reply {
        ShardWire::GroupRaft(inner)
    }
    fn wrap_timer(inner: <S::Raft as Raft>::Timer) -> Self::Timer {
        ShardTimer::GroupRaft(inner)
    }
}

/// The names of a world's shardkv servers ("server-101-2") and their nodes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Directory {
    by_name: BTreeMap<String, NodeId>,
    by_node: BTreeMap<NodeId, String>,
}

impl Directory {
    /// Names `node`.
    pub fn insert(&mut self, name: String, node: NodeId) {
        self.by_node.insert(node, name.clone());
        self.by_name.insert(name, node);
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }

    /// Every named node.
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.by_node.keys().copied()
    }

    /// The name of `node` ("" if it has none).
    pub fn name(&self, node: NodeId) -> &str {
        self.by_node.get(&node).map_or("", String::as_str)
    }
}

/// 6.824's name for server `i` of group `gid`.
pub fn server_name(gid: Gid, i: usize) -> String {
    format!("server-{gid}-{i}")
}

type World<'w, S, CC> = Context<'w, ShardProtocol<S, CC>>;

/// A node of the controller's own world (a controller server, or the
/// tester's controller clerk) as a node of a 4B world: it carries the
/// controller's traffic, and its outputs (completed operations) are the
/// node's.
pub struct CtrlHost<S, CC, N> {
    inner: N,
    _world: PhantomData<(S, CC)>,
}

/// A controller server as a node of a 4B world.
pub type CtrlerNode<S, CC> =
    CtrlHost<S, CC, KvServerNode<<CC as KvClerk<CtrlerOps>>::Server, CtrlerOps>>;

/// The tester's controller clerk (6.824's `mck`) as a node of a 4B world.
pub type MckNode<S, CC> = CtrlHost<S, CC, ClerkNode<CC, CtrlerOps>>;

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> CtrlerNode<S, CC> {
    /// Starts controller `me` of `servers` (nodes `0..servers`) from its
    /// persister.
    pub fn create(ctx: &mut World<'_, S, CC>, me: usize, servers: usize) -> Self {
        let (inner, _) = ctx.scoped(|c| KvServerNode::create(c, me, servers, None));
        CtrlHost {
            inner,
            _world: PhantomData,
        }
    }
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> MckNode<S, CC> {
    /// Creates the controller clerk for `ctrlers`.
    pub fn create(ctx: &mut World<'_, S, CC>, ctrlers: Vec<NodeId>) -> Self {
        let (inner, _) = ctx.scoped(|c| ClerkNode::create(c, ctrlers));
        CtrlHost {
            inner,
            _world: PhantomData,
        }
    }

    /// Hands the clerk an operation (the tester calls this).
    pub fn begin(&mut self, ctx: &mut World<'_, S, CC>, op: CtrlerOp) {
        let inner = &mut self.inner;
        let ((), outputs) = ctx.scoped(|c| inner.begin(c, op));
        emit(ctx, outputs);
    }
}

impl<S, CC, N> CtrlHost<S, CC, N> {
    /// The hosted node (a controller server's, for its Raft's state).
    pub fn inner(&self) -> &N {
        &self.inner
    }
}

fn emit<S: ShardKvServer, CC: KvClerk<CtrlerOps>>(
    ctx: &mut World<'_, S, CC>,
    outputs: Vec<Completed<Option<Config>>>,
) {
    for out in outputs {
        ctx.emit(ShardOutput::Ctrl(out));
    }
}

impl<S, CC, N> Node<ShardProtocol<S, CC>> for CtrlHost<S, CC, N>
where
    S: ShardKvServer,
    CC: KvClerk<CtrlerOps>,
    N: Node<CtrlProtocol<CC>>,
{
    fn on_request(
        &mut self,
        ctx: &mut World<'_, S, CC>,
        from: NodeId,
        request: <ShardProtocol<S, CC> as Protocol>::Request,
        reply_to: ReplyTo,
    ) -> Option<<ShardProtocol<S, CC> as Protocol>::Reply> {
        let request = request.into_ctrl()?;
        let inner = &mut self.inner;
        let (reply, outputs) = ctx.scoped(|c| inner.on_request(c, from, request, reply_to));
        emit(ctx, outputs);
        reply.map(ShardWire::Ctrl)
    }

    fn on_reply(
        &mut self,
        ctx: &mut World<'_, S, CC>,
        to: NodeId,
        request: <ShardProtocol<S, CC> as Protocol>::Request,
        reply: Option<<ShardProtocol<S, CC> as Protocol>::Reply>,
    ) {
        if let Some(request) = request.into_ctrl() {
            let reply = reply.and_then(ShardWire::into_ctrl);
            let inner = &mut self.inner;
            let ((), outputs) = ctx.scoped(|c| inner.on_reply(c, to, request, reply));
            emit(ctx, outputs);
        }
    }

    fn on_timer(
        &mut self,
        ctx: &mut World<'_, S, CC>,
        tag: <ShardProtocol<S, CC> as Protocol>::Timer,
    ) {
        if let ShardTimer::Ctrl(tag) = tag {
            let inner = &mut self.inner;
            let ((), outputs) = ctx.scoped(|c| inner.on_timer(c, tag));
            emit(ctx, outputs);
        }
    }
}

/// A controller clerk hosted in a node, answering its host's queries one at
/// a time, in the order asked.
pub struct HostedCtrlClerk<CC: KvClerk<CtrlerOps>> {
    clerk: ClerkNode<CC, CtrlerOps>,
    asked: VecDeque<Option<u64>>,
    busy: bool,
}

impl<CC: KvClerk<CtrlerOps>> HostedCtrlClerk<CC> {
    fn create<P: Embed<CtrlProtocol<CC>>>(ctx: &mut Context<'_, P>, ctrlers: Vec<NodeId>) -> Self {
        let (clerk, _) = ctx.scoped(|c| ClerkNode::create(c, ctrlers));
        HostedCtrlClerk {
            clerk,
            asked: VecDeque::new(),
            busy: false,
        }
    }

    /// Begins the next query asked if none is under way; returns the
    /// configurations that completed meanwhile.
    fn pump<P: Embed<CtrlProtocol<CC>>>(&mut self, ctx: &mut Context<'_, P>) -> Vec<Config> {
        let mut done = Vec::new();
        while !self.busy
            && let Some(num) = self.asked.pop_front()
        {
            self.busy = true;
            let clerk = &mut self.clerk;
            let ((), outputs) = ctx.scoped(|c| clerk.begin(c, CtrlerOp::Query(num)));
            done.extend(self.completed(outputs));
        }
        done
    }

    fn completed(&mut self, outputs: Vec<Completed<Option<Config>>>) -> Vec<Config> {
        outputs
            .into_iter()
            .map(|out| {
                self.busy = false;
                out.value.unwrap_or_else(|| {
                    panic!(
                        "the controller clerk completed a Query without a configuration (a Query completes with Some(config))"
                    )
                })
            })
            .collect()
    }

    fn on_reply<P: Embed<CtrlProtocol<CC>>>(
        &mut self,
        ctx: &mut Context<'_, P>,
        to: NodeId,
        request: <CtrlProtocol<CC> as Protocol>::Request,
        reply: Option<<CtrlProtocol<CC> as Protocol>::Reply>,
    ) -> Vec<Config> {
        let clerk = &mut self.clerk;
        let ((), outputs) = ctx.scoped(|c| clerk.on_reply(c, to, request, reply));
        let mut done = self.completed(outputs);
        done.extend(self.pump(ctx));
        done
    }

    fn on_timer<P: Embed<CtrlProtocol<CC>>>(
        &mut self,
        ctx: &mut Context<'_, P>,
        tag: <CtrlProtocol<CC> as Protocol>::Timer,
    ) -> Vec<Config> {
        let clerk = &mut self.clerk;
        let ((), outputs) = ctx.scoped(|c| clerk.on_timer(c, tag));
        let mut done = self.completed(outputs);
        done.extend(self.pump(ctx));
        done
    }
}

/// A group's Raft on one of its servers, and what it applied that the server
/// has not yet been handed.
struct GroupRaft<R: Raft> {
    node: RaftNode<R>,
    /// The group's first node: the Raft's peer `i` is node `first + i`.
    first: NodeId,
    applied: VecDeque<ApplyMsg>,
}

/// A shardkv server as a node: its group's Raft, the server, and the
/// controller clerk its queries go through.
pub struct GroupServerNode<S: ShardKvServer, CC: KvClerk<CtrlerOps>> {
    raft: GroupRaft<S::Raft>,
    server: Option<S>,
    ctrl: HostedCtrlClerk<CC>,
    directory: Arc<Directory>,
    gid: Gid,
}

/// What a server's handler may do, over its node's parts.
struct ServerIo<'a, 'w, S: ShardKvServer, CC: KvClerk<CtrlerOps>> {
    ctx: &'a mut World<'w, S, CC>,
    raft: &'a mut GroupRaft<S::Raft>,
    asked: &'a mut VecDeque<Option<u64>>,
    directory: &'a Directory,
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> ServerHost<S> for ServerIo<'_, '_, S, CC> {
    fn now(&self) -> Time {
        self.ctx.now()
    }
    fn me(&self) -> NodeId {
        self.ctx.me()
    }
    fn rng(&mut self) -> &mut SimRng {
        self.ctx.rng()
    }
    fn reply(&mut self, reply_to: ReplyTo, reply: S::Reply) {
        self.ctx.reply(reply_to, ShardWire::Shard(reply));
    }
    fn call(&mut self, server: &str, request: S::Request) -> Option<CallId> {
        let to = self.directory.node(server)?;
        Some(self.ctx.call(to, ShardWire::Shard(request)))
    }
    fn set_timer(&mut self, after: Duration, tag: S::Timer) -> TimerId {
        self.ctx.set_timer(after, ShardTimer::Server(tag))
    }
    fn cancel_timer(&mut self, timer: TimerId) {
        self.ctx.cancel_timer(timer);
    }
    fn query(&mut self, num: Option<u64>) {
        self.asked.push_back(num);
    }
    fn start(&mut self, command: Vec<u8>) -> Option<(u64, u64)> {
        let raft = &mut self.raft;
        let (started, applied) = self
            .ctx
            .scoped_among(raft.first, |c| raft.node.start(c, command));
        raft.applied.extend(applied);
        started
    }
    fn raft_state(&self) -> (u64, bool) {
        self.raft.node.raft().state()
    }
    fn snapshot(&mut self, index: u64, snapshot: Vec<u8>) {
        let raft = &mut self.raft;
        let ((), applied) = self
            .ctx
            .scoped_among(raft.first, |c| raft.node.snapshot(c, index, snapshot));
        raft.applied.extend(applied);
    }
    fn raft_state_size(&self) -> usize {
        self.ctx.state_size()
    }
    fn log(&mut self, line: fmt::Arguments<'_>) {
        self.ctx.log(line);
    }
}

/// Where a group's servers are, and what they are given.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GroupSpec {
    /// The group's id.
    pub gid: Gid,
    /// Its first node: server `i` is node `first + i`.
    pub first: NodeId,
    /// How many servers it has.
    pub servers: usize,
    /// The controllers' nodes.
    pub ctrlers: Vec<NodeId>,
    /// When its servers should snapshot (`None`: never).
    pub max_raft_state: Option<usize>,
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> GroupServerNode<S, CC> {
    /// Starts server `me` of the group `group` from its persister.
    pub fn create(
        ctx: &mut World<'_, S, CC>,
        group: &GroupSpec,
        me: usize,
        directory: Arc<Directory>,
    ) -> Self {
        let snapshot = ctx.read_snapshot();
        let (raft, applied) = ctx.scoped_among(group.first, |c| {
            RaftNode::<S::Raft>::create(c, me, group.servers)
        });
        let mut node = GroupServerNode {
            raft: GroupRaft {
                node: raft,
                first: group.first,
                applied: applied.into(),
            },
            server: None,
            ctrl: HostedCtrlClerk::create(ctx, group.ctrlers.clone()),
            directory,
            gid: group.gid,
        };
        let server = {
            let mut io = ServerIo {
                ctx,
                raft: &mut node.raft,
                asked: &mut node.ctrl.asked,
                directory: &node.directory,
            };
            S::new(
                &mut ShardKvContext { host: &mut io },
                me,
                group.servers,
                group.gid,
                group.max_raft_state,
                snapshot,
            )
        };
        node.server = Some(server);
        node.settle(ctx, Vec::new());
        node
    }

    /// This server's group Raft.
    pub fn raft(&self) -> &S::Raft {
        self.raft.node.raft()
    }

    /// The group this server belongs to.
    pub fn gid(&self) -> Gid {
        self.gid
    }

    /// The server.
    pub fn server(&self) -> &S {
        self.server.as_ref().expect("constructed")
    }

    /// Runs `f` on the server with its context.
    fn with_server<T>(
        &mut self,
        ctx: &mut World<'_, S, CC>,
        f: impl FnOnce(&mut S, &mut ShardKvContext<'_, S>) -> T,
    ) -> T {
        let server = self.server.as_mut().expect("constructed");
        let mut io = ServerIo {
            ctx,
            raft: &mut self.raft,
            asked: &mut self.ctrl.asked,
            directory: &self.directory,
        };
        f(server, &mut ShardKvContext { host: &mut io })
    }

    /// Hands the server what Raft applied and the configurations that came
    /// back, until nothing is left: each handler may start more.
    fn settle(&mut self, ctx: &mut World<'_, S, CC>, mut configs: Vec<Config>) {
        loop {
            if let Some(msg) = self.raft.applied.pop_front() {
                self.with_server(ctx, |s, c| s.handle_apply(c, msg));
                continue;
            }
            configs.extend(self.ctrl.pump(ctx));
            if configs.is_empty() {
                return;
            }
            for config in std::mem::take(&mut configs) {
                self.with_server(ctx, |s, c| s.handle_config(c, config));
            }
        }
    }
}

impl<S: ShardKvServer, CC: KvClerk<CtrlerOps>> Node<ShardProtocol<S, CC>>
    for GroupServerNode<S, CC>
{
    fn on_request(
        &mut self,
        ctx: &mut World<'_, S, CC>,
        from: NodeId,
        request: <ShardProtocol<S, CC> as Protocol>::Request,
        reply_to: ReplyTo,
    ) -> Option<<ShardProtocol<S, CC> as Protocol>::Reply> {
        let reply = match request {
            ShardWire::GroupRaft(request) => {
                // Only the group's own servers speak its Raft.
                let peer = from.checked_sub(self.raft.first)?;
                let raft = &mut self.raft;
                let (reply, applied) = ctx.scoped_among(raft.first, |c| {
                    raft.node.on_request(c, peer, request, reply_to)
                });
                raft.applied.extend(applied);
                reply.map(ShardWire::GroupRaft)
            }
            ShardWire::Shard(request) => self
                .with_server(ctx, |s, c| s.handle_request(c, from, request, reply_to))
                .map(ShardWire::Shard),
            ShardWire::Ctrl(_) => None,
        };
        self.settle(ctx, Vec::new());
        reply
    }

    fn on_reply(
        &mut self,
        ctx: &mut World<'_, S, CC>,
        to: NodeId,
        request: <ShardProtocol<S, CC> as Protocol>::Request,
        reply: Option<<ShardProtocol<S, CC> as Protocol>::Reply>,
    ) {
        let mut configs = Vec::new();
        match (request, reply) {
            (ShardWire::GroupRaft(request), reply) => {
                let reply = reply.and_then(ShardWire::into_group_raft);
                let raft = &mut self.raft;
                let peer = to - raft.first;
                let ((), applied) =
                    ctx.scoped_among(raft.first, |c| raft.node.on_reply(c, peer, request, reply));
                raft.applied.extend(applied);
            }
            (ShardWire::Shard(request), reply) => {
                let reply = reply.and_then(ShardWire::into_shard);
                let directory = Arc::clone(&self.directory);
                let name = directory.name(to);
                self.with_server(ctx, |s, c| s.handle_reply(c, name, request, reply));
            }
            (ShardWire::Ctrl(request), reply) => {
                let reply = reply.and_then(ShardWire::into_ctrl);
                configs = self.ctrl.on_reply(ctx, to, request, reply);
            }
        }
        self.settle(ctx, configs);
    }

    fn on_timer(
        &mut self,
        ctx: &mut World<'_, S, CC>,
        tag: <ShardProtocol<S, CC> as Protocol>::Timer,
    ) {
        let mut configs = Vec::new();
        match tag {
            ShardTimer::GroupRaft(tag) => {
                let raft = &mut self.raft;
                let ((), applied) = ctx.scoped_among(raft.first, |c| raft.node.on_timer(c, tag));
                raft.applied.extend(applied);
            }
            ShardTimer::Server(tag) => self.with_server(ctx, |s, c| s.handle_timer(c, tag)),
            ShardTimer::Ctrl(tag) => configs = self.ctrl.on_timer(ctx, tag),
            ShardTimer::Clerk(_) => {}
        }
        self.settle(ctx, configs);
    }
}

/// A shardkv clerk as a node, with the controller clerk its queries go
/// through.
pub struct ShardClerkNode<C: ShardKvClerk, CC: KvClerk<CtrlerOps>> {
    clerk: Option<C>,
    ctrl: HostedCtrlClerk<CC>,
    directory: Arc<Directory>,
}

/// What a clerk's handler may do, over its node's parts.
struct ClerkIo<'a, 'w, C: ShardKvClerk, CC: KvClerk<CtrlerOps>> {
    ctx: &'a mut World<'w, C::Server, CC>,
    asked: &'a mut VecDeque<Option<u64>>,
    directory: &'a Directory,
}

impl<C: ShardKvClerk, CC: KvClerk<CtrlerOps>> ClerkHost<C> for ClerkIo<'_, '_, C, CC> {
    fn now(&self) -> Time {
        self.ctx.now()
    }
    fn me(&self) -> NodeId {
        self.ctx.me()
    }
    fn rng(&mut self) -> &mut SimRng {
        self.ctx.rng()
    }
    fn call(
        &mut self,
        server: &str,
        request: <C::Server as ShardKvServer>::Request,
    ) -> Option<CallId> {
        let to = self.directory.node(server)?;
        Some(self.ctx.call(to, ShardWire::Shard(request)))
    }
    fn set_timer(&mut self, after: Duration, tag: u64) -> TimerId {
        self.ctx.set_timer(after, ShardTimer::Clerk(tag))
    }
    fn cancel_timer(&mut self, timer: TimerId) {
        self.ctx.cancel_timer(timer);
    }
    fn query(&mut self, num: Option<u64>) {
        self.asked.push_back(num);
    }
    fn complete(&mut self, value: String) {
        self.ctx.emit(ShardOutput::Kv(Completed { value }));
    }
    fn log(&mut self, line: fmt::Arguments<'_>) {
        self.ctx.log(line);
    }
}

impl<C: ShardKvClerk, CC: KvClerk<CtrlerOps>> ShardClerkNode<C, CC> {
    /// Creates a clerk whose controller queries go to `ctrlers`.
    pub fn create(
        ctx: &mut World<'_, C::Server, CC>,
        ctrlers: Vec<NodeId>,
        directory: Arc<Directory>,
    ) -> Self {
        let mut node = ShardClerkNode {
            clerk: None,
            ctrl: HostedCtrlClerk::create(ctx, ctrlers),
            directory,
        };
        let clerk = {
            let mut io = ClerkIo {
                ctx,
                asked: &mut node.ctrl.asked,
                directory: &node.directory,
            };
            C::new(&mut ShardClerkContext { host: &mut io })
        };
        node.clerk = Some(clerk);
        node.settle(ctx, Vec::new());
        node
    }

    /// Hands the clerk an operation (the tester calls this).
    pub fn begin(&mut self, ctx: &mut World<'_, C::Server, CC>, op: Op) {
        self.with_clerk(ctx, |k, c| k.begin(c, op));
        self.settle(ctx, Vec::new());
    }

    fn with_clerk<T>(
        &mut self,
        ctx: &mut World<'_, C::Server, CC>,
        f: impl FnOnce(&mut C, &mut ShardClerkContext<'_, C>) -> T,
    ) -> T {
        let clerk = self.clerk.as_mut().expect("constructed");
        let mut io = ClerkIo {
            ctx,
            asked: &mut self.ctrl.asked,
            directory: &self.directory,
        };
        f(clerk, &mut ShardClerkContext { host: &mut io })
    }

    /// Hands the clerk the configurations that came back, until no query is
    /// left to begin.
    fn settle(&mut self, ctx: &mut World<'_, C::Server, CC>, mut configs: Vec<Config>) {
        loop {
            configs.extend(self.ctrl.pump(ctx));
            if configs.is_empty() {
                return;
            }
            for config in std::mem::take(&mut configs) {
                self.with_clerk(ctx, |k, c| k.handle_config(c, config));
            }
        }
    }
}

impl<C: ShardKvClerk, CC: KvClerk<CtrlerOps>> Node<ShardProtocol<C::Server, CC>>
    for ShardClerkNode<C, CC>
{
    fn on_request(
        &mut self,
        _: &mut World<'_, C::Server, CC>,
        _: NodeId,
        _: <ShardProtocol<C::Server, CC> as Protocol>::Request,
        _: ReplyTo,
    ) -> Option<<ShardProtocol<C::Server, CC> as Protocol>::Reply> {
        None
    }

    fn on_reply(
        &mut self,
        ctx: &mut World<'_, C::Server, CC>,
        to: NodeId,
        request: <ShardProtocol<C::Server, CC> as Protocol>::Request,
        reply: Option<<ShardProtocol<C::Server, CC> as Protocol>::Reply>,
    ) {
        let mut configs = Vec::new();
        match request {
            ShardWire::Shard(request) => {
                let reply = reply.and_then(ShardWire::into_shard);
                let directory = Arc::clone(&self.directory);
                let name = directory.name(to);
                self.with_clerk(ctx, |k, c| k.handle_reply(c, name, request, reply));
            }
            ShardWire::Ctrl(request) => {
                let reply = reply.and_then(ShardWire::into_ctrl);
                configs = self.ctrl.on_reply(ctx, to, request, reply);
            }
            ShardWire::GroupRaft(_) => {}
        }
        self.settle(ctx, configs);
    }

    fn on_timer(
        &mut self,
        ctx: &mut World<'_, C::Server, CC>,
        tag: <ShardProtocol<C::Server, CC> as Protocol>::Timer,
    ) {
        let mut configs = Vec::new();
        match tag {
            ShardTimer::Clerk(tag) => self.with_clerk(ctx, |k, c| k.handle_timer(c, tag)),
            ShardTimer::Ctrl(tag) => configs = self.ctrl.on_timer(ctx, tag),
            ShardTimer::GroupRaft(_) | ShardTimer::Server(_) => {}
        }
        self.settle(ctx, configs);
    }
}
