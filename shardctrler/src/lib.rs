//! # Lab 4A: the shard controller (in construction)
//!
//! Lab 4 shards a key/value service over replica groups: the key space is cut
//! into [`NSHARDS`] shards ([`key2shard`]), and a replicated *shard
//! controller* keeps a numbered list of [`Config`]urations saying which group
//! serves each shard. Groups join and leave; after each change the controller
//! rebalances the shards evenly, moving as few as it can.
//!
//! | where | what |
//! |-------|------|
//! | `shardctrler/src/server/` | [`Server`], implementing [`kvraft::KvServer`]`<`[`CtrlerOps`]`>`: hand each operation to Raft, apply what Raft commits in order (a `Join`, `Leave` or `Move` makes one new configuration, rebalanced the same way on every replica), answer clerks, detect duplicates |
//! | `shardctrler/src/clerk/` | [`Clerk`], implementing [`kvraft::KvClerk`]`<CtrlerOps>`: try the servers in turn until one answers |
//!
//! The 4A tests are the next step of the lab's construction: nothing here is
//! graded yet, and a submission without these directories is built with their
//! skeletons.

mod clerk;
mod config;
mod contract;
mod server;

pub use clerk::Clerk;
pub use config::{Config, Gid, NSHARDS, key2shard};
pub use contract::{CtrlerClerkContext, CtrlerContext, CtrlerOp, CtrlerOps};
pub use server::Server;

/// What a controller server and clerk use, in one line.
pub mod prelude {
    pub use std::collections::BTreeMap;
    pub use std::time::Duration;

    pub use kvraft::{ApplyMsg, KvClerk, KvServer, NodeId, ReplyTo, Time, decode, encode};
    pub use labrpc::rand::RngExt;
    pub use serde::{Deserialize, Serialize};

    pub use crate::{Config, CtrlerClerkContext, CtrlerContext, CtrlerOp, CtrlerOps, Gid, NSHARDS};
}
