//! 3B: the key/value service with snapshots (`max_raft_state` = 1000).

use kvraft::world::KvWorld;

use crate::harness::ELECTION_TIMEOUT;
use crate::kv::config::KvConfig;
use crate::kv::generic::{Generic, generic_test, speed_test};
use crate::registry::RunSpec;
use crate::report::Report;

/// The snapshot threshold of every 3B scenario.
pub const MAX_RAFT_STATE: usize = 1000;

/// The length of each value [`snapshot_rpc_3b`] puts: 50 of them come to more
/// than three times [`MAX_RAFT_STATE`].
pub const PADDED: usize = 64;

/// Value `i` of [`snapshot_rpc_3b`]: its number, padded to [`PADDED`] bytes.
fn padded(i: usize) -> String {
    format!("{i:-<PADDED$}")
}

fn snapshots(g: Generic) -> Generic {
    Generic {
        max_raft_state: Some(MAX_RAFT_STATE),
        ..g
    }
}

/// A server cut off while the majority snapshots must catch up by
/// InstallSnapshot when it is needed again; the majority trims its log.
///
/// Premises: the majority took snapshots while server 2 was cut off, and
/// server 2 caught up by installing one. 6.824's 50 puts of values like "7"
/// exceed `max_raft_state` only because Go's encoding is verbose; here each of
/// the 50 values is [`PADDED`] bytes long, so that the values alone (what any
/// encoding must keep) come to more than three times `max_raft_state`.
pub fn snapshot_rpc_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    KvConfig::<W>::run(spec, 3, false, Some(MAX_RAFT_STATE), |cfg| {
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;
        cfg.put(ck, "a", "A", false)?;
        cfg.check(ck, "a", "A")?;

        // Many puts in the majority, while server 2 is cut off and falls behind.
        cfg.partition(&[0, 1], &[2]);
        let ck1 = cfg.make_client(&[0, 1], 1)?;
        for i in 0..50 {
            cfg.put(ck1, &i.to_string(), &padded(i), false)?;
        }
        cfg.sleep(ELECTION_TIMEOUT)?;
        cfg.put(ck1, "b", "B", false)?;

        // The majority must have thrown most of its log away.
        let with = [0, 1]
            .iter()
            .filter(|&&i| cfg.h.sim.persister(i).snapshot_size() > 0)
            .count();
        cfg.h.premise(
            "the majority took snapshots while server 2 was cut off",
            with > 0,
            format!("{with} of servers 0 and 1 persisted a snapshot"),
        );
        let size = cfg.log_size();
        if size > 8 * MAX_RAFT_STATE {
            return Err(cfg.failure(format!(
                "logs were not trimmed ({size} > 8*{MAX_RAFT_STATE})"
            )));
        }

        // A group that needs the lagging server: it must catch up.
        cfg.partition(&[0, 2], &[1]);
        let ck2 = cfg.make_client(&[0, 2], 2)?;
        cfg.put(ck2, "c", "C", false)?;
        cfg.put(ck2, "d", "D", false)?;
        cfg.check(ck2, "a", "A")?;
        cfg.check(ck2, "b", "B")?;
        cfg.check(ck2, "1", &padded(1))?;
        cfg.check(ck2, "49", &padded(49))?;
        let installed = cfg.snapshots_installed(2);
        cfg.h.premise(
            "server 2 caught up by installing a snapshot",
            installed > 0,
            format!("it installed {installed}"),
        );

        // Everybody.
        cfg.partition(&[0, 1, 2], &[]);
        cfg.put(ck, "e", "E", false)?;
        cfg.check(ck, "c", "C")?;
        cfg.check(ck, "e", "E")?;
        cfg.check(ck, "1", &padded(1))?;
        Ok(())
    })
}

/// 400 alternating puts and gets: the log is trimmed and the snapshot stays small.
///
/// Premise: servers took snapshots (400 small operations stay below the
/// "not trimmed" bound of 8 × `max_raft_state` in our compact encoding, so
/// without it a server that never snapshots would pass).
pub fn snapshot_size_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    KvConfig::<W>::run(spec, 3, false, Some(MAX_RAFT_STATE), |cfg| {
        const MAX_SNAPSHOT: usize = 500;
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;
        for _ in 0..200 {
            cfg.put(ck, "x", "0", false)?;
            cfg.check(ck, "x", "0")?;
            cfg.put(ck, "x", "1", false)?;
            cfg.check(ck, "x", "1")?;
        }
        let size = cfg.log_size();
        if size > 8 * MAX_RAFT_STATE {
            return Err(cfg.failure(format!(
                "logs were not trimmed ({size} > 8*{MAX_RAFT_STATE})"
            )));
        }
        let snapshot = cfg.snapshot_size();
        if snapshot > MAX_SNAPSHOT {
            return Err(cfg.failure(format!("snapshot too large ({snapshot} > {MAX_SNAPSHOT})")));
        }
        cfg.premise_snapshots_taken();
        Ok(())
    })
}

/// 1000 appends from one clerk, fast enough, with snapshots.
///
/// Premises: those of [`speed_test`].
pub fn speed_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    speed_test::<W>(spec, Some(MAX_RAFT_STATE))
}

/// One client, restarts.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn snapshot_recover_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        snapshots(Generic {
            crash: true,
            ..Generic::clients(1)
        }),
    )
}

/// Twenty clients, restarts.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn snapshot_recover_many_clients_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        snapshots(Generic {
            crash: true,
            ..Generic::clients(20)
        }),
    )
}

/// Five clients, unreliable network.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn snapshot_unreliable_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        snapshots(Generic {
            unreliable: true,
            ..Generic::clients(5)
        }),
    )
}

/// Five clients, unreliable network, restarts.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn snapshot_unreliable_recover_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        snapshots(Generic {
            unreliable: true,
            crash: true,
            ..Generic::clients(5)
        }),
    )
}

/// Five clients, unreliable network, restarts, partitions.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn snapshot_unreliable_recover_concurrent_partition_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        snapshots(Generic {
            unreliable: true,
            crash: true,
            partitions: true,
            ..Generic::clients(5)
        }),
    )
}

/// Fifteen clients on random keys, seven servers, unreliable network, restarts,
/// partitions.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn snapshot_unreliable_recover_concurrent_partition_linearizable_3b<W: KvWorld>(
    spec: &RunSpec,
) -> Report {
    generic_test::<W>(
        spec,
        snapshots(Generic {
            servers: 7,
            unreliable: true,
            crash: true,
            partitions: true,
            random_keys: true,
            ..Generic::clients(15)
        }),
    )
}
