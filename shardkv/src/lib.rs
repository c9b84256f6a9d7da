//! # Lab 4B: the sharded key/value service (in construction)
//!
//! Replica groups, each a Raft group of key/value servers, serve the shards
//! the shard controller (Lab 4A) assigns them, and hand shards to each other
//! as configurations change. This crate holds the world such a service runs
//! in and the contracts of its server ([`ShardKvServer`]) and clerk
//! ([`ShardKvClerk`]): a server runs on its group's Raft, asks the
//! controller for configurations (`ctx.query`) and calls other groups'
//! servers by name (`ctx.call`); a clerk does the same to reach the group
//! that serves a key.
//!
//! The reference server and clerk, the 4B scenarios and the handout's
//! skeletons are the next steps of the lab's construction: nothing here is
//! graded yet.

mod context;
pub mod contract;
#[doc(hidden)]
pub mod node;

pub use context::{ShardClerkContext, ShardKvContext};
pub use contract::{Op, ShardKvClerk, ShardKvServer};
pub use shardctrler::{Config, Gid, NSHARDS, key2shard};

/// What a shardkv server and clerk use, in one line: `use shardkv::prelude::*;`.
pub mod prelude {
    pub use std::collections::BTreeMap;
    pub use std::time::Duration;

    pub use labrpc::rand::RngExt;
    pub use serde::{Deserialize, Serialize};

    pub use crate::{
        Config, Gid, NSHARDS, Op, ShardClerkContext, ShardKvClerk, ShardKvContext, ShardKvServer,
        key2shard,
    };
    pub use labrpc::{NodeId, ReplyTo, Time, TimerId, decode, encode};
    pub use raft::ApplyMsg;
}
