//! # Lab 3: a fault-tolerant key/value service on Raft
//!
//! You will build a key/value store replicated with your Raft: servers that agree,
//! through Raft's log, on the order of every `Put`, `Append` and `Get`, and clerks
//! that clients use to reach them. The service must be *linearizable*: every
//! operation appears to take effect at one instant between its call and its
//! return, in an order consistent with what every client observed, even when
//! servers crash, the network partitions, and messages are lost, delayed or
//! duplicated by retries.
//!
//! ## What you implement
//!
//! | where | what |
//! |-------|------|
//! | `kvraft/src/server/` | [`Server`], implementing [`KvServer`]: submit operations to Raft with `ctx.start`, apply what Raft commits in [`KvServer::handle_apply`], answer clerks when their operation is applied at the index it was given (and fail them if leadership was lost or another operation landed there), detect duplicates by client id and sequence number |
//! | `kvraft/src/clerk/` | [`Clerk`], implementing [`KvClerk`]: remember the last leader, retry on failure or wrong leader, tag operations with a client id and a sequence number |
//!
//! Part 3A runs without snapshots. In part 3B the server is given `max_raft_state`:
//! when the persisted Raft state approaches it, take a snapshot of the key/value
//! state (with the duplicate-detection table) and hand it to Raft with
//! `ctx.snapshot(index, bytes)`; restore from the snapshot in `new` and when Raft
//! delivers an [`raft::ApplyMsg::Snapshot`].
//!
//! A crash loses everything a server did not persist: the restarted server gets
//! only its snapshot (in [`KvServer::new`]) and its Raft's persisted state. Keep
//! no state in a `static`, a `thread_local!` or a file. `use crate::prelude::*;`
//! (at the top of your `server/` and `clerk/` files) brings in the contexts, the
//! traits, [`encode`] and [`decode`] for your snapshots, and the rest of what you
//! use.
//!
//! Your server (with your Raft inside it) and your clerk run in WebAssembly,
//! each life of each in a fresh instance, as your Raft does in Lab 2: see
//! `raft`'s lab text for what that changes from a native program (32-bit
//! `usize`, `println!` into the log, virtual time, no files or threads, work
//! charged in instructions).
//!
//! ## What the tester checks
//!
//! Clients append to and read their keys through clerks, while the tester crashes
//! servers, partitions the network and makes it unreliable. Every client's appends
//! must appear exactly once and in order; every `Get` must return what the
//! client's own appends predict; the persisted Raft state must stay below
//! 8 × `max_raft_state` (3B) and no snapshot may be saved without it (3A); and the
//! whole history of operations, with their virtual call and return times, must be
//! linearizable. A history that is not gets an HTML page showing the longest
//! linearizable prefix and the operation that could not be placed.
//!
//! After 6.824's tests, each part runs two of raftlab's own (titles beginning
//! "raftlab"). In `duplicated_requests_3a` and `duplicated_requests_snapshots_3b`
//! the network delivers one request in ten a second time, up to 2.2 s late,
//! also to a server that has restarted since, while servers are shut down and
//! started again one at a time as the clients work (3B adds snapshots and an
//! unreliable network). A write must take effect once however often its
//! request arrives: detect duplicates in the applied operations, by client id
//! and sequence number, and keep the table in your snapshot
//! (`retried_write_after_snapshot_restart_3b` delivers a write again after
//! every server has restarted from a snapshot that covers it). In
//! `overwritten_request_answered_3a` a leader cut off alone takes a Put at an
//! index where, when it rejoins, the new leader's entry replaces it: answer
//! every request you take, and when another command is applied at the index
//! `start` gave you, tell the clerk to try another server.

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
pub use context::{ClerkContext, KvContext};
pub use contract::{KvClerk, KvOps, KvServer, Op, Ops};
pub use labrpc::{CallId, Message, NodeId, ReplyTo, SimRng, Time, TimerId, decode, encode};
pub use raft::ApplyMsg;
#[cfg(any(target_arch = "wasm32", feature = "native"))]
pub use server::Server;

/// What a kv server and a clerk use, in one line: `use kvraft::prelude::*;`.
pub mod prelude {
    pub use std::time::Duration;

    pub use labrpc::rand::RngExt;
    pub use serde::{Deserialize, Serialize};

    pub use crate::{
        ApplyMsg, ClerkContext, KvClerk, KvContext, KvServer, NodeId, Op, ReplyTo, Time, TimerId,
        decode, encode,
    };
}
