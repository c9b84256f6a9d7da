//! # Lab 2: Raft
//!
//! You will implement Raft, the replicated state machine protocol of Ongaro and
//! Ousterhout's paper *In Search of an Understandable Consensus Algorithm
//! (Extended Version)*. Keep its Figure 2 beside you: names in this lab
//! (`current_term`, `voted_for`, `log`, `commit_index`, `last_applied`,
//! `next_index`, `match_index`) are the paper's.
//!
//! ## What you implement
//!
//! The [`Raft`] trait, for the struct [`Peer`] in `raft/src/peer/`. That directory
//! is yours: add fields, files and modules as you like. Nothing outside it is part
//! of your submission.
//!
//! | part | what | tests |
//! |------|------|-------|
//! | 2A | leader election and heartbeats: `new`, `state`, RequestVote, empty AppendEntries, timers | `cargo test 2a` |
//! | 2B | log replication: `start`, AppendEntries with entries, `commit_index`, applying with `ctx.apply`; the election restriction (a vote only for a candidate whose log is at least as up to date, §5.4.1) | `cargo test 2b` |
//! | 2C | persistence: save `current_term`, `voted_for` and the log with `ctx.persist` before any reply or send that depends on them, and restore them in `new`; fast log backtracking | `cargo test 2c` |
//! | 2D | log compaction: `snapshot`, InstallSnapshot, [`ApplyMsg::Snapshot`] | `cargo test 2d` |
//!
//! ## How your server runs
//!
//! Your Raft is an event-driven state machine. The simulator calls one method at a
//! time; each returns quickly. There are no threads, locks, channels or sleeps:
//! to wait, set a timer; to talk to a peer, `ctx.call` it and handle the reply in
//! [`Raft::handle_reply`], which also tells you when a call failed.
//! [`RaftContext`] lists everything your server can do to the world, and
//! `use crate::prelude::*;` (already at the top of `peer/mod.rs`) brings it and
//! the rest of what you need into scope.
//!
//! Your code is compiled to WebAssembly (`wasm32-wasip1`, which
//! `rust-toolchain.toml` installs) and each life of each server is a fresh
//! instance of it: `cargo test` and the grader run the same module the same
//! way. What that changes from a native program:
//!
//! - Your files are compiled for WebAssembly alone, incrementally: an edit
//!   recompiles your code, not the harness (`cargo check` of the native build
//!   does not read them; `cargo check -p guest --target wasm32-wasip1` does).
//! - `usize` is 32 bits: keep indices and terms in `u64`, as the contract does.
//! - `println!` and `eprintln!` write into your server's column of the run's
//!   log (`grading run --log`), as `ctx.log` does.
//! - Time is virtual: `ctx.now()` is the clock (`std::time::Instant::now()`
//!   reads the same one), and `HashMap`'s random keys come from the run's seed.
//! - There are no files, sockets, threads, processes or sleeping: a handler
//!   that tries fails, naming what it used.
//! - A crash ends the instance: nothing but what you persisted survives, not
//!   even a `static` (which the source check refuses anyway).
//! - Work costs time: each handler is charged the WebAssembly instructions it
//!   ran, at 100 million a second of virtual time, and may run at most 2×10⁹
//!   (an endless loop fails the test at once, naming the handler). A server
//!   may have 256 MiB of memory.
//! - A panic shows its message, file and line, and the WebAssembly backtrace.
//!
//! ## What every test checks
//!
//! Besides its own checks, every test watches your servers after every event
//! and fails at the first break of a rule of Figure 2 it can see from outside:
//! two leaders in one term; a term that goes down; servers applying different
//! commands at one index, or out of order; a leader giving one index of its
//! term to two commands; a server that handles a reply its peer sent in a
//! higher term and keeps its own term (record the reply's term first, then
//! drop the reply if it is stale); a server that says it leads a term
//! (`state()`) without having heard, in that term, from enough peers to make a
//! majority (the votes that elected it); a server that sends a peer the same request
//! again as soon as the last one was answered, more than 50 times in a second
//! (heartbeat about every 100 ms). The failure names the rule, the servers,
//! the term and the index.
//!
//! ## Persisting (2C): a crash loses everything else
//!
//! A crash drops your `Peer` and everything it owns; the restarted server is built
//! by [`Raft::new`] from [`Persisted`] alone, the bytes you last gave
//! `ctx.persist` (and `ctx.persist_with_snapshot`). Keep nothing anywhere else
//! that could outlive a crash: no `static`, no `thread_local!`, no files. As a
//! real server's memory is gone after a crash, each life of your server runs in
//! a fresh instance of your compiled code (WebAssembly): a `static` starts
//! again from its initial value, and the source check refuses one before
//! anything runs. The tests of part 2C are there to check that your persisted
//! state alone is enough.
//!
//! Encode what you persist with [`encode`] and read it back with [`decode`]:
//!
//! ```
//! use raft::prelude::*;
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Saved {
//!     current_term: u64,
//!     voted_for: Option<usize>,
//!     log: Vec<(u64, Vec<u8>)>, // (term, command); index 0 unused
//! }
//!
//! let saved = Saved { current_term: 3, voted_for: Some(1), log: vec![(0, vec![])] };
//! let bytes = encode(&saved); // ctx.persist(bytes) in your server
//! // In `new`: empty `persisted.state` means a first start.
//! let restored: Saved = decode(&bytes).expect("state this server persisted");
//! assert_eq!(restored, saved);
//! ```
//!
//! Time is virtual: `ctx.now()` is the simulated clock, and the network is a
//! simulation of an unreliable one (requests and replies lost, delayed, reordered;
//! servers partitioned, crashed and restarted). A whole test suite runs in seconds.
//!
//! Persisting takes virtual time, as writing to a disk does: 100 µs plus the
//! bytes at 5 MB/s (a 50 KB state takes 10 ms). While it lasts your server
//! handles nothing else, and what the handler sent or answered leaves when it
//! is done. Persist once per handler, at its end, not after every change.
//!
//! ## Beyond 6.824: duplicated and late messages
//!
//! Each part runs 6.824's tests and, after them, a few of raftlab's own (their
//! titles begin "raftlab", and `grading --suite 6.824` leaves them out). These
//! put your servers exactly where one rule of Figure 2 (or 13) decides, using what a
//! real network does and 6.824's does not: it delivers a message again, long
//! after it was sent (a request to its server, or a reply to its caller), and a
//! link can work one way only. Judge every request and reply by its term and you
//! pass them:
//!
//! - `stale_heartbeats_echoed_2a`, `stale_vote_requests_echoed_2a`: requests of
//!   earlier terms (a deposed leader's AppendEntries, an old candidate's
//!   RequestVotes) arrive again and again; restart your election timer only on
//!   AppendEntries from the current leader or when you grant a vote.
//! - `stale_vote_replies_echoed_2a`: votes granted in an earlier election reach
//!   a candidate again; count only replies to requests of your current term.
//! - `term_from_replies_2a`: a candidate hears the higher terms of others only in
//!   the replies to its RequestVotes; adopt a higher term from any request or
//!   reply.
//! - `deposed_by_replies_2a`: a leader, cut off while the others moved on to
//!   later terms, hears of them only in the replies to its heartbeats; it must
//!   step down.
//! - `stale_storm_elections_2a`: leaders are cut off one after another while
//!   calls of terms their callers have left are delivered again every 20 ms
//!   (requests to their servers, replies to their callers); refuse old
//!   requests without restarting your election timer, and count no vote of an
//!   earlier election.
//! - `stale_storm_many_elections_2a`: `many_elections_2a` (seven servers,
//!   three cut off at random, nine times) in the same storm.
//! - `stale_append_replies_echoed_2b`: a leader's AppendEntries replies from
//!   its earlier term reach it again when it leads once more; set `match_index`
//!   only from replies to requests of your current term.
//! - `stale_storm_backup_2b`: the conflicting logs of `backup_2b` in the same
//!   storm of stale calls; move `match_index` and `next_index` only on
//!   replies to requests of your current term.
//! - `late_shorter_append_2b`: AppendEntries of the current term sent before
//!   the leader's last entry existed reach a follower late, after it
//!   acknowledged that entry; delete entries only from the first that
//!   conflicts with the request's (same index, different term), never ones
//!   that match or that come after the request's.
//! - `deposed_leader_stands_again_2b`: a leader is deposed by a higher term
//!   from a server whose log is behind its own, so it is the only server that
//!   can win; keep your election timer running when you step down, and stand
//!   when it elapses.
//! - `vote_survives_restart_2c`, `candidate_vote_survives_restart_2c`: a server
//!   votes (for another candidate, or for itself), crashes, restarts and is
//!   asked by another candidate of the same term; persist `voted_for`.
//! - `figure8_exact_2c`: the sequence of the paper's Figure 8, step by step; a
//!   leader commits an entry of an earlier term only by committing one of its
//!   own term after it, never by counting the servers that store it.
//! - `far_behind_unreliable_2c`: a follower 1,000 entries behind is the only
//!   server a new leader can commit with, on an unreliable network; when a
//!   follower refuses an AppendEntries, skip everything its reply shows it
//!   cannot match (the length of its log, or its whole conflicting term), not
//!   one entry per round trip (2C's fast backtracking).
//! - `snapshot_older_than_commit_2d`: an InstallSnapshot arrives late, after
//!   you have applied entries past it (your service has not snapshotted them);
//!   refuse a snapshot whose last included index is not past your
//!   `commit_index`, whatever your own snapshot.
//! - `snapshot_keeps_following_entries_2d`: an InstallSnapshot arrives late,
//!   while you store entries after it that your leader counted on you to
//!   commit; keep the entries following the snapshot's last included one when
//!   that entry matches (Figure 13, InstallSnapshot step 6).
//! - `snapshot_one_past_commit_2d`: a follower whose log ends at its
//!   `commit_index` rejoins a leader that has snapshotted the next entry;
//!   install a snapshot whose last included index is past your
//!   `commit_index`, one past it too.
//! - `hostile_churn_2c`, `hostile_figure8_2c`, `hostile_snapshots_2d`: the
//!   churn of `unreliable_churn_2c`, the Figure 8 runs of
//!   `figure8_unreliable_2c` and the crashed snapshot victims of
//!   `snapshot_install_uncrash_2d`, on a network that also holds replies back
//!   up to 2.2 s from the start and delivers one request in ten a second time,
//!   up to 2.2 s late (also to a server restarted since). Refuse requests of
//!   older terms, keep entries that already match, ignore replies to requests
//!   of an earlier term, and refuse a snapshot that is not past your
//!   `commit_index`. With two replies in three held back longer than an
//!   election timeout, a candidate that asks each peer once per term can go
//!   many terms without winning: ask again, a heartbeat apart, for the votes
//!   not yet granted.
//! - `stale_storm_figure8_2c`: the Figure 8 runs of `figure8_unreliable_2c`
//!   while, every 20 ms, calls of terms their callers have left are delivered
//!   again: requests to their servers (answered) and replies to their callers.
//!   Requests of older terms must change nothing, and replies to requests of an
//!   earlier term must be ignored: no old vote or acknowledgement counts.
//!
//! ## Determinism: one seed, one run
//!
//! Every test run is a pure function of (your code, the test, the seed). For that
//! to hold, your code must take every random number from `ctx.rng()` and every
//! time from `ctx.now()`, and must not iterate a `HashMap` or `HashSet` where the
//! order could change what you send (use `Vec`, `BTreeMap` or `BTreeSet`). A failure
//! then prints the one command that replays it exactly, with the same messages at
//! the same virtual times, as often as you like.
//!
//! The tester can check this for you: the determinism check runs a test twice
//! with the same seed and compares the digests of the two runs; if they differ it
//! names your implementation as non-deterministic and shows the first event where
//! the runs diverged.
//!
//! ## Solution regions (for instructors)
//!
//! This crate holds the reference solution. Code only the reference has is marked,
//! and the student handout is generated by replacing each marked region with its
//! skeleton:
//!
//! ```text
//! // @solution 2A
//! ...reference code...
//! // @skeleton
//! // todo!("2A: count votes and become leader on a majority")
//! // @end
//! ```
//!
//! Lines between `// @skeleton` and `// @end` are the skeleton, commented out in the
//! reference; the handout removes the region's reference code and uncomments the
//! skeleton (stripping the `// ` after the indentation). A region without
//! `// @skeleton` disappears from the handout entirely. A file whose first line is
//! `// @solution-file` is left out of the handout (its `mod` line must itself be in
//! a region). Regions do not nest. The handout must compile, and its tests must
//! fail with "not implemented" messages that name the part.

mod context;
pub mod contract;
#[doc(hidden)]
pub mod guest;
#[doc(hidden)]
pub mod node;
// The student's code is compiled for WebAssembly alone, where the harness
// runs it: the harness's own build never compiles it, so an edit recompiles
// the guest module only. The `native` feature compiles it natively as well,
// for the tests that compare the two (the `crosscheck` crate).
#[cfg(any(target_arch = "wasm32", feature = "native"))]
mod peer;

pub use context::RaftContext;
pub use contract::{ApplyMsg, Persisted, Raft, Role, RpcKind};
pub use labrpc::{CallId, Message, SimRng, Time, TimerId, decode, encode};
#[cfg(any(target_arch = "wasm32", feature = "native"))]
pub use peer::Peer;

/// What a Raft implementation uses, in one line: `use raft::prelude::*;`.
pub mod prelude {
    pub use std::time::Duration;

    pub use labrpc::rand::RngExt;
    pub use serde::{Deserialize, Serialize};

    pub use crate::{
        ApplyMsg, Persisted, Raft, RaftContext, Role, RpcKind, Time, TimerId, decode, encode,
    };
}
