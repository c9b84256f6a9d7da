//! [`GuestKv`]: a kv world (kvraft's, or another service's on its machinery,
//! such as the shard controller) whose servers and clerks run in guests, for
//! the tester's kv suites. A server, with its Raft inside, is one guest; a
//! clerk is another, asked to begin each operation.

use std::marker::PhantomData;

use kvraft::guest::{ServerSetup, ServerStatus, clerk_kind, server_kind};
use kvraft::node::Completed;
use kvraft::world::KvWorld;
use kvraft::{KvOps, Ops};
use labrpc::{Context, NodeId};
use raft::guest::RaftStatus;

use crate::backend::Backend;
use crate::node::{GuestNode, InGuests};

/// The protocol of a kv world whose nodes run in guests.
pub type GuestKvProtocol<O> = InGuests<Completed<<O as Ops>::Value>>;

/// A world of `O`'s servers and clerks, each running in a guest behind
/// backend `B`.
pub struct GuestKv<B, O = KvOps>(PhantomData<(B, O)>);

impl<B: Backend, O: Ops> KvWorld<O> for GuestKv<B, O> {
    type Protocol = GuestKvProtocol<O>;
    type Server = GuestNode<B, GuestKvProtocol<O>, ServerStatus>;
    type Clerk = GuestNode<B, GuestKvProtocol<O>, ()>;

    fn server(
        ctx: &mut Context<'_, Self::Protocol>,
        me: NodeId,
        servers: usize,
        max_raft_state: Option<usize>,
    ) -> Self::Server {
        let setup = ServerSetup {
            servers: servers as u64,
            max_raft_state: max_raft_state.map(|max| max as u64),
        };
        let name = format!("{} server {me}", O::SERVICE);
        GuestNode::create(ctx, &server_kind::<O>(), &setup, name, servers)
    }

    fn clerk(ctx: &mut Context<'_, Self::Protocol>, servers: Vec<NodeId>) -> Self::Clerk {
        let reach = servers.iter().max().map_or(0, |&most| most + 1);
        let setup: Vec<u64> = servers.iter().map(|&s| s as u64).collect();
        let name = format!("{} clerk {}", O::SERVICE, ctx.me());
        GuestNode::create(ctx, &clerk_kind::<O>(), &setup, name, reach)
    }

    fn begin(clerk: &mut Self::Clerk, ctx: &mut Context<'_, Self::Protocol>, op: O::Op) {
        clerk.invoke::<()>(ctx, &op, "beginning an operation");
    }

    fn raft_status(server: &Self::Server) -> RaftStatus {
        server.status().raft
    }

    fn snapshots_installed(server: &Self::Server) -> u64 {
        server.status().snapshots_installed
    }
}
