//! The Lab 4B tester (in construction): 6.824's shardkv scenarios over a
//! world of controllers, replica groups and clerks, generic over any
//! shardkv clerk (and the server it talks to) and controller clerk.

pub mod config;
pub mod part_4b;
pub mod tester;

use kvraft::KvClerk;
use shardctrler::CtrlerOps;
use shardkv::ShardKvClerk;

use crate::registry::{Part, Scenario};

/// The 4B scenarios so far, run against shardkv clerk `C` (and its server)
/// with controller clerk `CC` (and its server).
pub fn scenarios<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>() -> Vec<Scenario> {
    let scenario = |name, run, title| Scenario {
        name,
        part: Part::B4,
        points: 10,
        title,
        suite: jobwire::Suite::Mit6824,
        run,
        rebuild: crate::crash_check::rebuild_shardkv::<C, CC>,
    };
    vec![
        scenario(
            "static_shards_4b",
            part_4b::static_shards_4b::<C, CC>,
            "Test: static shards ...",
        ),
        scenario(
            "join_leave_4b",
            part_4b::join_leave_4b::<C, CC>,
            "Test: join then leave ...",
        ),
        scenario(
            "snapshot_4b",
            part_4b::snapshot_4b::<C, CC>,
            "Test: snapshots, join, and leave ...",
        ),
        scenario(
            "miss_change_4b",
            part_4b::miss_change_4b::<C, CC>,
            "Test: servers miss configuration changes...",
        ),
    ]
}
