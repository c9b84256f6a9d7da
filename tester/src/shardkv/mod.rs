//! The Lab 4B tester: 6.824's shardkv scenarios and its two challenges
//! over a world of controllers, replica groups and clerks, generic over any
//! shardkv clerk (and the server it talks to) and controller clerk, and
//! raftlab's own (`constructed`).

pub mod challenges;
pub mod config;
pub mod constructed;
pub mod part_4b;
pub mod tester;
pub mod workers;

use shardkv::world::ShardWorld;

use crate::registry::{Part, Scenario};

/// The 4B scenarios and the challenges, run against shardkv clerk `C` (and
/// its server) with controller clerk `CC` (and its server).
pub fn scenarios<W: ShardWorld>() -> Vec<Scenario> {
    let scenario = |name, part, run, title| Scenario {
        name,
        part,
        points: 10,
        title,
        suite: jobwire::Suite::Mit6824,
        run,
        rebuild: crate::crash_check::rebuild_shardkv::<W>,
    };
    use Part::{B4, C4};
    vec![
        scenario(
            "static_shards_4b",
            B4,
            part_4b::static_shards_4b::<W>,
            "Test: static shards ...",
        ),
        scenario(
            "join_leave_4b",
            B4,
            part_4b::join_leave_4b::<W>,
            "Test: join then leave ...",
        ),
        scenario(
            "snapshot_4b",
            B4,
            part_4b::snapshot_4b::<W>,
            "Test: snapshots, join, and leave ...",
        ),
        scenario(
            "miss_change_4b",
            B4,
            part_4b::miss_change_4b::<W>,
            "Test: servers miss configuration changes...",
        ),
        scenario(
            "concurrent1_4b",
            B4,
            part_4b::concurrent1_4b::<W>,
            "Test: concurrent puts and configuration changes...",
        ),
        scenario(
            "concurrent2_4b",
            B4,
            part_4b::concurrent2_4b::<W>,
            "Test: more concurrent puts and configuration changes...",
        ),
        scenario(
            "concurrent3_4b",
            B4,
            part_4b::concurrent3_4b::<W>,
            "Test: concurrent configuration change and restart...",
        ),
        scenario(
            "unreliable1_4b",
            B4,
            part_4b::unreliable1_4b::<W>,
            "Test: unreliable 1...",
        ),
        scenario(
            "unreliable2_4b",
            B4,
            part_4b::unreliable2_4b::<W>,
            "Test: unreliable 2...",
        ),
        scenario(
            "unreliable3_4b",
            B4,
            part_4b::unreliable3_4b::<W>,
            "Test: unreliable 3...",
        ),
        Scenario {
            suite: jobwire::Suite::Raftlab,
            ..scenario(
                "idle_group_restart_4b",
                B4,
                constructed::idle_group_restart_4b::<W>,
                "raftlab (4B): a group restarted with nothing to serve applies what it committed",
            )
        },
        scenario(
            "challenge1_delete_4b",
            C4,
            challenges::challenge1_delete_4b::<W>,
            "Test: shard deletion (challenge 1) ...",
        ),
        scenario(
            "challenge2_unaffected_4b",
            C4,
            challenges::challenge2_unaffected_4b::<W>,
            "Test: unaffected shard access (challenge 2) ...",
        ),
        scenario(
            "challenge2_partial_4b",
            C4,
            challenges::challenge2_partial_4b::<W>,
            "Test: partial migration shard access (challenge 2) ...",
        ),
    ]
}
