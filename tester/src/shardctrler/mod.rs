//! The Lab 4A tester: the shard controller's two scenarios of 6.824's
//! shardctrler tests, generic over any controller clerk (and the server it
//! talks to), on the service harness kvraft's tests use, with the checks
//! those tests make of the configurations returned.

pub mod checks;
pub mod config;
pub mod extra_4a;
pub mod part_4a;

use kvraft::world::KvWorld;
use shardctrler::CtrlerOps;

use crate::registry::{Part, Scenario};

/// The 4A scenarios (6.824's two, then raftlab's), run against controller
/// clerk `C` and its server.
pub fn scenarios<W: KvWorld<CtrlerOps>>() -> Vec<Scenario> {
    let scenario = |name, run, title: &'static str| Scenario {
        name,
        part: Part::A4,
        // 6.824's tests 10 points each, raftlab's 5.
        points: if title.starts_with("raftlab") { 5 } else { 10 },
        title,
        suite: if title.starts_with("raftlab") {
            jobwire::Suite::Raftlab
        } else {
            jobwire::Suite::Mit6824
        },
        run,
        rebuild: crate::crash_check::rebuild_kv::<W, CtrlerOps>,
    };
    vec![
        scenario(
            "basic_4a",
            part_4a::basic_4a::<W>,
            "Test: Basic leave/join, historical queries, move, concurrent leave/join, minimal transfers (4A)",
        ),
        scenario(
            "multi_4a",
            part_4a::multi_4a::<W>,
            "Test: Multi-group join/leave, concurrent multi leave/join, minimal transfers, same config on servers (4A)",
        ),
        scenario(
            "moves_4a",
            extra_4a::moves_4a::<W>,
            "raftlab (4A): moves that change a shard's group, then joins and leaves that move little",
        ),
        scenario(
            "unreliable_once_4a",
            extra_4a::unreliable_once_4a::<W>,
            "raftlab (4A): every operation takes effect once on an unreliable, partitioned network",
        ),
        scenario(
            "deposed_leader_query_4a",
            extra_4a::deposed_leader_query_4a::<W>,
            "raftlab (4A): a leader cut off from the others answers no query from stale state",
        ),
    ]
}
