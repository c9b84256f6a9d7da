//! [`GuestShard`]: a Lab 4B world whose controllers, shardkv servers and
//! clerks, and the tester's controller clerk, run in guests, for the tester's
//! 4B suites. Each node is one guest, with everything it hosts inside (a
//! server's group Raft and controller clerk, a clerk's controller clerk).

use std::marker::PhantomData;
use std::sync::Arc;

use labrpc::{Context, NodeId};
use raft::guest::RaftStatus;
use shardctrler::CtrlerOp;
use shardkv::Op;
use shardkv::guest::{CLERK_KIND, CTRLER_KIND, ClerkSetup, MCK_KIND, SERVER_KIND, ServerSetup};
use shardkv::node::{Directory, GroupSpec, ShardOutput};
use shardkv::world::ShardWorld;

use crate::backend::Backend;
use crate::node::{GuestNode, InGuests};

/// The protocol of a 4B world whose nodes run in guests.
pub type GuestShardProtocol = InGuests<ShardOutput>;

/// A 4B world whose nodes each run in a guest behind backend `B`.
pub struct GuestShard<B>(PhantomData<B>);

type Guest<B, S> = GuestNode<B, GuestShardProtocol, S>;

/// The nodes a node of a world laid out by `directory` and `ctrlers` may
/// call: every server and controller.
fn reach(directory: &Directory, ctrlers: &[NodeId]) -> usize {
    let servers = directory.nodes().max().map_or(0, |most| most + 1);
    let ctrlers = ctrlers.iter().max().map_or(0, |&most| most + 1);
    servers.max(ctrlers)
}

impl<B: Backend> ShardWorld for GuestShard<B> {
    type Protocol = GuestShardProtocol;
    type Ctrler = Guest<B, RaftStatus>;
    type Server = Guest<B, RaftStatus>;
    type Clerk = Guest<B, ()>;
    type Mck = Guest<B, ()>;

    fn ctrler(ctx: &mut Context<'_, Self::Protocol>, me: NodeId, servers: usize) -> Self::Ctrler {
        let name = format!("controller {me}");
        GuestNode::create(ctx, CTRLER_KIND, &(servers as u64), name, servers)
    }

    fn server(
        ctx: &mut Context<'_, Self::Protocol>,
        group: &GroupSpec,
        me: usize,
        directory: &Arc<Directory>,
    ) -> Self::Server {
        let setup = ServerSetup {
            group: group.clone(),
            me: me as u64,
            directory: Directory::clone(directory),
        };
        let name = format!("server {me} of group {}", group.gid);
        let reach = reach(directory, &group.ctrlers).max(group.first + group.servers);
        GuestNode::create(ctx, SERVER_KIND, &setup, name, reach)
    }

    fn clerk(
        ctx: &mut Context<'_, Self::Protocol>,
        ctrlers: Vec<NodeId>,
        directory: &Arc<Directory>,
    ) -> Self::Clerk {
        let reach = reach(directory, &ctrlers);
        let setup = ClerkSetup {
            ctrlers: ctrlers.iter().map(|&c| c as u64).collect(),
            directory: Directory::clone(directory),
        };
        let name = format!("clerk {}", ctx.me());
        GuestNode::create(ctx, CLERK_KIND, &setup, name, reach)
    }

    fn mck(ctx: &mut Context<'_, Self::Protocol>, ctrlers: Vec<NodeId>) -> Self::Mck {
        let reach = ctrlers.iter().max().map_or(0, |&most| most + 1);
        let setup: Vec<u64> = ctrlers.iter().map(|&c| c as u64).collect();
        let name = "the tester's controller clerk".to_owned();
        GuestNode::create(ctx, MCK_KIND, &setup, name, reach)
    }

    fn begin(clerk: &mut Self::Clerk, ctx: &mut Context<'_, Self::Protocol>, op: Op) {
        clerk.invoke::<()>(ctx, &op, "beginning an operation");
    }

    fn begin_mck(mck: &mut Self::Mck, ctx: &mut Context<'_, Self::Protocol>, op: CtrlerOp) {
        mck.invoke::<()>(ctx, &op, "beginning an operation");
    }

    fn server_raft(server: &Self::Server) -> RaftStatus {
        *server.status()
    }

    fn ctrler_raft(ctrler: &Self::Ctrler) -> RaftStatus {
        *ctrler.status()
    }
}
