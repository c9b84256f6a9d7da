//! # Lab 4A: the shard controller
//!
//! Lab 4 shards a key/value service over replica groups: the key space is cut
//! into [`NSHARDS`] shards ([`key2shard`]), and a replicated *shard
//! controller* keeps a numbered list of [`Config`]urations saying which group
//! serves each shard. Groups join and leave; after each change the controller
//! rebalances the shards evenly, moving as few as it can. In 4A you build the
//! controller: servers on your Raft, like your kvraft servers, and a clerk.
//!
//! ## What you implement
//!
//! | where | what |
//! |-------|------|
//! | `shardctrler/src/server/` | [`Server`], implementing [`kvraft::KvServer`]`<`[`CtrlerOps`]`>`: hand each operation to Raft, apply what Raft commits in order (a `Join`, `Leave` or `Move` makes one new configuration, rebalanced the same way on every replica), answer clerks, detect duplicates |
//! | `shardctrler/src/clerk/` | [`Clerk`], implementing [`kvraft::KvClerk`]`<CtrlerOps>`: try the servers in turn until one answers |
//!
//!
//! Configuration 0 has no groups and every shard on gid 0. A `Join` or `Leave`
//! makes one new configuration (number + 1) and rebalances it: every shard
//! goes to one of its groups, shard counts differ by at most one between
//! groups, and as few shards as possible move (a join moves shards only onto
//! the new groups, a leave only the departed groups' shards). Every replica
//! must compute the same result: iterate groups in gid order (a `BTreeMap`),
//! never a `HashMap`. A `Move` makes one new configuration in which that shard
//! alone changes group. A `Query(None)`, or of a number past the latest, reads
//! the latest configuration. Each write takes effect once, however often a
//! clerk retries it. The controller takes no `max_raft_state` and need not
//! snapshot. Your servers and clerks run in WebAssembly, as in Labs 2 and 3.
//!
//! ## What the tester checks
//!
//! `cargo test --release 4a` runs `basic_4a` and `multi_4a` (6.824's two
//! shardctrler tests, with three controllers) and raftlab's three
//! (`moves_4a`, `unreliable_once_4a`, `deposed_leader_query_4a`: Moves that
//! change a shard's group, operations retried while leaders lose office, a
//! Query sent to a cut-off leader): joins, leaves and moves by one
//! clerk and by ten side by side, every configuration checked (its groups,
//! every shard served, counts within one); old configurations queried by
//! number with each server shut down in turn; the shards each join or leave
//! moves (stricter than 6.824, whose form of this check cannot fail); and the
//! latest configuration read again after the leader is shut down. A crash
//! loses what a server did not persist, as in Lab 3.
//!
//! A submission without these two directories is built with the handout's
//! skeletons here (and scores 0 in 4A).

// The student's code is compiled for WebAssembly alone, where the harness
// runs it: the harness's own build never compiles it, so an edit recompiles
// the guest module only. The `native` feature compiles it natively as well,
// for the tests that compare the two (the `crosscheck` crate).
#[cfg(any(target_arch = "wasm32", feature = "native"))]
mod clerk;
mod config;
mod contract;
#[cfg(any(target_arch = "wasm32", feature = "native"))]
mod server;

#[cfg(any(target_arch = "wasm32", feature = "native"))]
pub use clerk::Clerk;
pub use config::{Config, Gid, NSHARDS, key2shard};
pub use contract::{CtrlerClerkContext, CtrlerContext, CtrlerOp, CtrlerOps};
#[cfg(any(target_arch = "wasm32", feature = "native"))]
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
