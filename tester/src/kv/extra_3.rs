//! raftlab's own kvraft scenarios: a network that delivers requests twice,
//! late, also to a server that has restarted since, while servers restart one
//! at a time under load. 6.824's network never duplicates, and its tests
//! restart servers only between rounds, when the clients have stopped.

use kvraft::world::KvWorld;

use crate::kv::generic::{Generic, generic_test};
use crate::registry::RunSpec;
use crate::report::Report;

/// Five clients append to their own keys for three rounds of 5 s, while the
/// network delivers one request in ten a second time, up to 2.2 s late, and a
/// random server is shut down and started again every 300-800 ms. Every
/// append must appear exactly once, in order, and the history must be
/// linearizable. Rule: a write takes effect once however often its request
/// arrives, and the duplicate table that ensures it is rebuilt when a server
/// restarts (the lab's duplicate detection; §8 of the Raft paper).
///
/// Premises: the network duplicated requests, clients overlapped, and
/// restarts found persisted state.
pub fn duplicated_requests_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            duplicating: true,
            rolling_restarts: true,
            ..Generic::clients(5)
        },
    )
}

/// As [`duplicated_requests_3a`], with snapshots (`maxraftstate` 1000) on an
/// unreliable network: a server restarted from a snapshot, or brought up to
/// date by one, must still know which writes it has applied. Rule: the
/// snapshot holds the duplicate table with the key/value data (the lab's
/// 3B text; Figure 13's InstallSnapshot replaces the whole state machine).
///
/// Premises: those of [`duplicated_requests_3a`], the network lost requests
/// and replies, servers took snapshots, and a restart found one.
pub fn duplicated_requests_snapshots_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            unreliable: true,
            duplicating: true,
            rolling_restarts: true,
            max_raft_state: Some(crate::kv::part_3b::MAX_RAFT_STATE),
            ..Generic::clients(5)
        },
    )
}
