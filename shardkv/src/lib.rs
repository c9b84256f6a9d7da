//! # Lab 4B: the sharded key/value service
//!
//! Replica groups, each a Raft group of key/value servers, serve the shards
//! the shard controller (Lab 4A) assigns them, and hand shards to each other
//! as configurations change. A server runs on its group's Raft, asks the
//! controller for configurations (`ctx.query`) and calls other groups'
//! servers by name (`ctx.call`); a clerk does the same to reach the group
//! that serves a key.
//!
//! ## What you implement
//!
//! | where | what |
//! |-------|------|
//! | `shardkv/src/server/` | [`Server`], implementing [`ShardKvServer`]: poll the controller; move to each next configuration through your group's Raft log, one at a time and only once the shards of the last one have arrived; pull the shards a configuration gives your group from the group that had them (their data and duplicate tables, through your log); serve a key only while your group has its shard (otherwise answer "wrong group"); tell the old group to delete what you received; snapshot under `max_raft_state` |
//! | `shardkv/src/clerk/` | [`Clerk`], implementing [`ShardKvClerk`]: ask the controller for the latest configuration, send each operation to the servers of the group serving its key, ask again on "wrong group", tag operations with a client id and a sequence number |
//!
//! Your servers and clerks (and the controller clerks and the Raft inside
//! them) run in WebAssembly, as in Labs 2 and 3.
//!
//! ## What the tester checks
//!
//! `cargo test --release 4b` runs 6.824's shardkv scenarios against your
//! server and clerk, with your Lab 4A controller: three controllers, three
//! groups of three servers (gids 100, 101, 102, servers named
//! `"server-<gid>-<i>"`), groups joining and leaving, servers and whole
//! groups shut down and restarted from what they persisted, unreliable
//! networks, and background clerks appending while shards move. Every key
//! must end with exactly the appends that completed; the persisted Raft state
//! must stay within 8 × `max_raft_state` (and no snapshot may be saved
//! without it); `unreliable3_4b`'s history must be linearizable.
//!
//! After them comes one of raftlab's own, `idle_group_restart_4b`: a group
//! that has logged a shard hand-off after its last snapshot is restarted
//! whole, with no client to serve, and must still apply what it had
//! committed and follow the next configuration. Raft tells a new leader
//! what is committed only once it commits an entry of its own term (§5.4.2),
//! so when your server becomes leader with nothing else to start, start a
//! no-op.
//!
//! The two challenges are their own part, "4B-challenge": deleting the
//! shards a group gave away (`challenge1_delete_4b` bounds what the servers
//! persist in all), and serving the shards a reconfiguration does not
//! touch, and those already received, while others are still missing
//! (`challenge2_unaffected_4b`, `challenge2_partial_4b`).
//!
//! A submission without these directories is built with their skeletons.

// The student's code is compiled for WebAssembly alone, where the harness
// runs it: the harness's own build never compiles it, so an edit recompiles
// the guest module only. The `native` feature compiles it natively as well,
// for the tests that compare the two (the `crosscheck` crate).
#[cfg(any(target_arch = "wasm32", feature = "native"))]
mod clerk;
mod context;
pub mod contract;
#[doc(hidden)]
pub mod guest;
#[doc(hidden)]
pub mod node;
#[cfg(any(target_arch = "wasm32", feature = "native"))]
mod server;
#[doc(hidden)]
pub mod world;

#[cfg(any(target_arch = "wasm32", feature = "native"))]
pub use clerk::Clerk;
pub use context::{ShardClerkContext, ShardKvContext};
pub use contract::{Op, ShardKvClerk, ShardKvServer};
#[cfg(any(target_arch = "wasm32", feature = "native"))]
pub use server::Server;
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
