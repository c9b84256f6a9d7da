//! kvraft's servers and clerks inside a WebAssembly guest: [`KvServerNode`]
//! (a server with its Raft) and [`ClerkNode`] as nodes a guest serves
//! (`labrpc::guest::Hosted`), what each is made from and what each says of
//! itself after every handler. A clerk is asked one thing besides its
//! handlers: to begin an operation. Nothing here is for your server or clerk
//! to call.

use labrpc::guest::Hosted;
use labrpc::{Context, NodeId};
use raft::guest::RaftStatus;
use serde::{Deserialize, Serialize};

use crate::contract::{KvClerk, KvServer, Ops};
use crate::node::{ClerkNode, KvProtocol, KvServerNode};

/// The name of the kind of node a server of `O`'s service is in a guest module.
pub fn server_kind<O: Ops>() -> String {
    format!("{}-server", O::SERVICE)
}

/// The name of the kind of node a clerk of `O`'s service is in a guest module.
pub fn clerk_kind<O: Ops>() -> String {
    format!("{}-clerk", O::SERVICE)
}

/// How a server is made, besides its id and its persister.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSetup {
    /// How many servers there are (nodes `0..servers`).
    pub servers: u64,
    /// When the server should snapshot (`None`: never).
    pub max_raft_state: Option<u64>,
}

/// What a server says of itself after a handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    /// Its Raft's `state()` and `role()`.
    pub raft: RaftStatus,
    /// How many snapshots its Raft handed it in this life.
    pub snapshots_installed: u64,
}

impl<S: KvServer<O>, O: Ops> Hosted for KvServerNode<S, O> {
    type Protocol = KvProtocol<S, O>;
    type Setup = ServerSetup;
    type Call = ();
    type Result = ();
    type Status = ServerStatus;

    fn kind() -> String {
        server_kind::<O>()
    }

    fn create(ctx: &mut Context<'_, KvProtocol<S, O>>, me: NodeId, setup: ServerSetup) -> Self {
        let servers = usize::try_from(setup.servers).expect("a number of servers fits a usize");
        let max_raft_state = setup
            .max_raft_state
            .map(|max| usize::try_from(max).unwrap_or(usize::MAX));
        KvServerNode::create(ctx, me, servers, max_raft_state)
    }

    fn invoke(&mut self, _: &mut Context<'_, KvProtocol<S, O>>, (): ()) {}

    fn status(&self) -> ServerStatus {
        ServerStatus {
            raft: RaftStatus::of(self.raft()),
            snapshots_installed: self.snapshots_installed(),
        }
    }
}

impl<C: KvClerk<O>, O: Ops> Hosted for ClerkNode<C, O> {
    type Protocol = KvProtocol<C::Server, O>;
    /// The servers, in the order the clerk is told them.
    type Setup = Vec<u64>;
    /// An operation to begin.
    type Call = O::Op;
    type Result = ();
    type Status = ();

    fn kind() -> String {
        clerk_kind::<O>()
    }

    fn create(
        ctx: &mut Context<'_, KvProtocol<C::Server, O>>,
        _: NodeId,
        servers: Vec<u64>,
    ) -> Self {
        let servers = servers
            .into_iter()
            .map(|s| usize::try_from(s).expect("a node id fits a usize"))
            .collect();
        ClerkNode::create(ctx, servers)
    }

    fn invoke(&mut self, ctx: &mut Context<'_, KvProtocol<C::Server, O>>, op: O::Op) {
        self.begin(ctx, op);
    }

    fn status(&self) {}
}
