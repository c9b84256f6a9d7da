//! The kvraft tester (parts 3A and 3B): servers and clerks over the simulated
//! network, client activities, the 23 scenarios of 6.824's kvraft tests and
//! raftlab's own (`extra_3`, `constructed`), generic over any [`kvraft::KvClerk`] (and the
//! server it talks to). Every
//! scenario's history is recorded with virtual call and return times and checked
//! for linearizability.

pub mod clients;
pub mod config;
pub mod constructed;
pub mod extra_3;
pub mod generic;
pub mod linearizability;
pub mod part_3a;
pub mod part_3b;
pub mod tester;

use kvraft::world::KvWorld;

use crate::registry::{Part, Scenario};

macro_rules! scenario {
    ($module:ident :: $name:ident, $part:ident, $points:expr, $title:expr) => {
        scenario!($module::$name, $part, $points, $title, Mit6824)
    };
    ($module:ident :: $name:ident, $part:ident, $points:expr, $title:expr, $suite:ident) => {
        Scenario {
            name: stringify!($name),
            part: Part::$part,
            points: $points,
            title: $title,
            suite: jobwire::Suite::$suite,
            run: $module::$name::<W>,
            rebuild: crate::crash_check::rebuild_kv::<W, kvraft::KvOps>,
        }
    };
}

/// The kvraft scenarios, run against clerk `C` and its server: 6.824's 23,
/// each part's followed by raftlab's own.
pub fn scenarios<W: KvWorld>() -> Vec<Scenario> {
    vec![
        scenario!(part_3a::basic_3a, A3, 5, "Test: one client (3A)"),
        scenario!(
            part_3a::speed_3a,
            A3,
            5,
            "Test: ops complete fast enough (3A)"
        ),
        scenario!(part_3a::concurrent_3a, A3, 5, "Test: many clients (3A)"),
        scenario!(
            part_3a::unreliable_3a,
            A3,
            5,
            "Test: unreliable net, many clients (3A)"
        ),
        scenario!(
            part_3a::unreliable_one_key_3a,
            A3,
            5,
            "Test: concurrent append to same key, unreliable (3A)"
        ),
        scenario!(
            part_3a::one_partition_3a,
            A3,
            5,
            "Test: progress in majority, none in minority, completion after heal (3A)"
        ),
        scenario!(
            part_3a::many_partitions_one_client_3a,
            A3,
            5,
            "Test: partitions, one client (3A)"
        ),
        scenario!(
            part_3a::many_partitions_many_clients_3a,
            A3,
            5,
            "Test: partitions, many clients (3A)"
        ),
        scenario!(
            part_3a::persist_one_client_3a,
            A3,
            5,
            "Test: restarts, one client (3A)"
        ),
        scenario!(
            part_3a::persist_concurrent_3a,
            A3,
            5,
            "Test: restarts, many clients (3A)"
        ),
        scenario!(
            part_3a::persist_concurrent_unreliable_3a,
            A3,
            5,
            "Test: unreliable net, restarts, many clients (3A)"
        ),
        scenario!(
            part_3a::persist_partition_3a,
            A3,
            5,
            "Test: restarts, partitions, many clients (3A)"
        ),
        scenario!(
            part_3a::persist_partition_unreliable_3a,
            A3,
            10,
            "Test: unreliable net, restarts, partitions, many clients (3A)"
        ),
        scenario!(
            part_3a::persist_partition_unreliable_linearizable_3a,
            A3,
            10,
            "Test: unreliable net, restarts, partitions, random keys, many clients (3A)"
        ),
        scenario!(
            extra_3::duplicated_requests_3a,
            A3,
            5,
            "raftlab (3A): requests arrive twice, servers restart under load",
            Raftlab
        ),
        scenario!(
            constructed::overwritten_request_answered_3a,
            A3,
            5,
            "raftlab (3A): a request whose index another leader took is answered",
            Raftlab
        ),
        scenario!(
            part_3b::snapshot_rpc_3b,
            B3,
            5,
            "Test: InstallSnapshot RPC (3B)"
        ),
        scenario!(
            part_3b::snapshot_size_3b,
            B3,
            5,
            "Test: snapshot size is reasonable (3B)"
        ),
        scenario!(
            part_3b::speed_3b,
            B3,
            5,
            "Test: ops complete fast enough (3B)"
        ),
        scenario!(
            part_3b::snapshot_recover_3b,
            B3,
            5,
            "Test: restarts, snapshots, one client (3B)"
        ),
        scenario!(
            part_3b::snapshot_recover_many_clients_3b,
            B3,
            5,
            "Test: restarts, snapshots, many clients (3B)"
        ),
        scenario!(
            part_3b::snapshot_unreliable_3b,
            B3,
            5,
            "Test: unreliable net, snapshots, many clients (3B)"
        ),
        scenario!(
            part_3b::snapshot_unreliable_recover_3b,
            B3,
            5,
            "Test: unreliable net, restarts, snapshots, many clients (3B)"
        ),
        scenario!(
            part_3b::snapshot_unreliable_recover_concurrent_partition_3b,
            B3,
            10,
            "Test: unreliable net, restarts, partitions, snapshots, many clients (3B)"
        ),
        scenario!(
            part_3b::snapshot_unreliable_recover_concurrent_partition_linearizable_3b,
            B3,
            10,
            "Test: unreliable net, restarts, partitions, snapshots, random keys, many clients (3B)"
        ),
        scenario!(
            extra_3::duplicated_requests_snapshots_3b,
            B3,
            5,
            "raftlab (3B): requests arrive twice, servers restart under load, snapshots",
            Raftlab
        ),
        scenario!(
            constructed::retried_write_after_snapshot_restart_3b,
            B3,
            5,
            "raftlab (3B): a write delivered again after a restart from snapshots",
            Raftlab
        ),
    ]
}
