//! # The graded scenarios
//!
//! Every scenario of 6.824's Raft, kvraft, shard controller and shardkv tests
//! (and raftlab's own), written once, generic over the implementation, and
//! registered with its part and points ([`registry`](mod@registry)). The
//! harness binary ([`runner`], built as the `scenarios` test target) runs them against the implementations in this tree:
//! `cargo test` sees one test per scenario, named after it, so `cargo test 2b`
//! runs part 2B; the grader runs it once per job.
//!
//! ## Seeds
//!
//! Each run is a pure function of (implementation, scenario, seed).
//! `RAFTLAB_SEED=<n>` fixes the seed (default 1); `RAFTLAB_SEEDS=<k>` runs k
//! consecutive seeds from it. A failure prints the rule that broke, the servers,
//! index and term involved, the seed, and the one command that replays the run.
//!
//! ## What the tester checks, on every event
//!
//! - *Election safety*: at most one leader per term, checked after every handler
//!   of every server (not only when a test polls).
//! - *State machine safety*: every server applies the same command at each index;
//!   each server applies indices in order.
//! - In 2D, every snapshot a server delivers decodes to the tester's own image and
//!   agrees with what the other servers applied, and the persisted Raft state stays
//!   below 2000 bytes.
//!
//! - *Premises*: each scenario checks at its end that what it exists to
//!   exercise happened (snapshots installed, restarts from persisted state,
//!   messages lost, operations overlapping; see [`premise`]); a run that passed
//!   without it fails as vacuous.
//! - *Crash check*: a sample of the restarted servers is built again from their
//!   persisted bytes in a fresh process and must start in the same term (see
//!   [`crash_check`]).
//!
//! - *Budgets*: a server that makes more than 100,000 calls or sends more
//!   than 400 MB in one virtual second stops the run ([`harness::BUDGETS`]).
//!
//! Work costs virtual time (`labrpc::Costs::LAB`: persists and message bytes).
//! Each scenario is limited to 120 s of virtual time, and, under `cargo test`,
//! to 60 s of wall-clock time per seed (`RAFTLAB_TIMEOUT`), after which the
//! watchdog says where the run was.

pub mod crash_check;
pub mod determinism;
pub mod guest;
pub mod harness;
pub mod kv;
pub mod leader_quorum;
pub mod live_log;
pub mod peer_calls;
pub mod premise;
pub mod raft;
pub mod registry;
pub mod repeats;
pub mod reply_terms;
pub mod report;
pub mod runner;
pub mod seeds;
pub mod shardctrler;
pub mod shardkv;
pub mod shrink;
pub mod status;
pub mod waste;

pub use registry::{Part, RunSpec, Scenario, find, registry};
pub use report::{Check, Failure, FailureKind, Outcome, Report, run_name};
