//! The Lab 4A tester: the shard controller's two scenarios of 6.824's
//! shardctrler tests, generic over any controller clerk (and the server it
//! talks to), on the service harness kvraft's tests use, with the checks
//! those tests make of the configurations returned.

pub mod checks;
pub mod config;
pub mod part_4a;

use kvraft::KvClerk;
use shardctrler::CtrlerOps;

use crate::registry::{Part, Scenario};

/// The two 4A scenarios, run against controller clerk `C` and its server.
pub fn scenarios<C: KvClerk<CtrlerOps>>() -> Vec<Scenario> {
    let scenario = |name, run, title| Scenario {
        name,
        part: Part::A4,
        points: 10,
        title,
        suite: jobwire::Suite::Mit6824,
        run,
        rebuild: crate::crash_check::rebuild_kv::<C::Server, CtrlerOps>,
    };
    vec![
        scenario(
            "basic_4a",
            part_4a::basic_4a::<C>,
            "Test: Basic leave/join, historical queries, move, concurrent leave/join, minimal transfers (4A)",
        ),
        scenario(
            "multi_4a",
            part_4a::multi_4a::<C>,
            "Test: Multi-group join/leave, concurrent multi leave/join, minimal transfers, same config on servers (4A)",
        ),
    ]
}
