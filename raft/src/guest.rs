//! A Raft server inside a WebAssembly guest: [`RaftNode`] as a node the guest
//! serves (`labrpc::guest::Hosted`), what else its host asks of it
//! ([`RaftCall`]: `start` and `snapshot`) and what it says of itself after every
//! handler ([`RaftStatus`]: `state()` and `role()`). Nothing here is for your
//! Raft to call.

use labrpc::guest::Hosted;
use labrpc::{Context, NodeId};
use serde::{Deserialize, Serialize};

use crate::contract::{Raft, Role};
use crate::node::{RaftNode, RaftProtocol};

/// The name of a Raft server's kind of node in a guest module.
pub const KIND: &str = "raft";

/// How a Raft server is made, besides its id and its persister.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftSetup {
    /// How many servers there are.
    pub peers: u64,
}

/// What the host asks of a Raft server besides its handlers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RaftCall {
    /// [`Raft::start`].
    Start(#[serde(with = "serde_bytes")] Vec<u8>),
    /// [`Raft::snapshot`].
    Snapshot {
        /// The snapshot's last index.
        index: u64,
        /// The snapshot.
        #[serde(with = "serde_bytes")]
        snapshot: Vec<u8>,
    },
}

/// What a Raft server says of itself after a handler: `state()` and `role()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftStatus {
    /// The current term.
    pub term: u64,
    /// Whether it believes it leads.
    pub leader: bool,
    /// Its role.
    pub role: Role,
}

impl RaftStatus {
    /// The status of `raft`.
    pub fn of<R: Raft>(raft: &R) -> RaftStatus {
        let (term, leader) = raft.state();
        RaftStatus {
            term,
            leader,
            role: raft.role(),
        }
    }

    /// `state()`: the term, and whether it believes it leads.
    pub fn state(&self) -> (u64, bool) {
        (self.term, self.leader)
    }
}

impl<R: Raft> Hosted for RaftNode<R> {
    type Protocol = RaftProtocol<R>;
    type Setup = RaftSetup;
    type Call = RaftCall;
    /// What `start` returned (`None` for `snapshot`).
    type Result = Option<(u64, u64)>;
    type Status = RaftStatus;

    fn kind() -> String {
        KIND.into()
    }

    fn create(ctx: &mut Context<'_, RaftProtocol<R>>, me: NodeId, setup: RaftSetup) -> Self {
        let peers = usize::try_from(setup.peers).expect("a number of servers fits a usize");
        RaftNode::create(ctx, me, peers)
    }

    fn invoke(&mut self, ctx: &mut Context<'_, RaftProtocol<R>>, call: RaftCall) -> Self::Result {
        match call {
            RaftCall::Start(command) => self.start(ctx, command),
            RaftCall::Snapshot { index, snapshot } => {
                self.snapshot(ctx, index, snapshot);
                None
            }
        }
    }

    fn status(&self) -> RaftStatus {
        RaftStatus::of(self.raft())
    }
}
