//! 2D: snapshots. The tester calls `snapshot` on each server every 10 applied
//! commands, checks every snapshot a server delivers, and bounds the persisted
//! Raft state.

use labrpc::rand::RngExt;

use crate::raft::checker::{SNAPSHOT_INTERVAL, cmd};
use crate::raft::config::{Config, Net};
use crate::registry::RunSpec;
use crate::report::{Check, Report};

/// The persisted Raft state must stay below this many bytes.
pub const MAX_LOG_SIZE: usize = 2000;

/// How a victim is taken away in [`snap_common`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Victim {
    /// No victim: every server stays.
    Kept,
    /// The victim is cut off, then reconnected.
    Disconnected,
    /// The victim is crashed, then restarted.
    Crashed,
}

/// Thirty rounds: take a victim away (every third round the leader, otherwise a
/// follower), commit enough to snapshot without it, check the state size, bring
/// the victim back and commit with everyone; a lagging victim must catch up by
/// InstallSnapshot.
///
/// Premises: every server persisted a snapshot; with a victim, lagging servers
/// installed snapshots (`ApplyMsg::Snapshot`); with crashes, restarts found a
/// snapshot; on an unreliable network, requests and replies were lost.
pub(crate) fn snap_common<R: raft::Raft>(spec: &RunSpec, victim_fate: Victim, net: Net) -> Report {
    Config::<R>::run(spec, 3, net, true, |cfg| {
        let n = cfg.n;
        one_random(cfg, n)?;
        let mut leader1 = cfg.check_one_leader()?;

        for i in 0..30 {
            let (mut victim, mut sender) = ((leader1 + 1) % n, leader1);
            if i % 3 == 1 {
                (victim, sender) = (leader1, (leader1 + 1) % n);
            }
            match victim_fate {
                Victim::Disconnected => {
                    cfg.disconnect(victim);
                    one_random(cfg, n - 1)?;
                }
                Victim::Crashed => {
                    cfg.crash1(victim);
                    one_random(cfg, n - 1)?;
                }
                Victim::Kept => {}
            }

            // Enough entries for a snapshot.
            for _ in 0..=SNAPSHOT_INTERVAL {
                let x = cfg.rng().random();
                cfg.start(sender, cmd(x))?;
            }
            // Let the appliers catch up with those.
            one_random(cfg, n - 1)?;

            let size = cfg.log_size();
            if size >= MAX_LOG_SIZE {
                return Err(cfg.failure(format!(
                    "Log size too large: a server persists {size} bytes of Raft state (limit {MAX_LOG_SIZE}); \
                     snapshot() must discard the log entries the snapshot covers"
                )));
            }

            match victim_fate {
                Victim::Disconnected => {
                    // The victim may be far behind: it must get a snapshot.
                    cfg.connect(victim);
                    one_random(cfg, n)?;
                    leader1 = cfg.check_one_leader()?;
                }
                Victim::Crashed => {
                    cfg.start1(victim)?;
                    cfg.connect(victim);
                    one_random(cfg, n)?;
                    leader1 = cfg.check_one_leader()?;
                }
                Victim::Kept => {}
            }
        }
        let with_snapshot = cfg.h.servers_with_snapshot(n);
        cfg.h.premise(
            "every server persisted a snapshot",
            with_snapshot == n,
            format!("{with_snapshot} of {n} did"),
        );
        if victim_fate != Victim::Kept {
            let installed = cfg.h.sim.observer().snapshots_installed;
            cfg.h.premise(
                "lagging servers installed snapshots",
                installed > 0,
                format!("{installed} snapshots installed"),
            );
        }
        if victim_fate == Victim::Crashed {
            cfg.h.premise_restarts_with_snapshot(1);
        }
        cfg.premise_net(net);
        Ok(())
    })
}

/// `one` of a random command on `expected` servers, with retries.
fn one_random<R: raft::Raft>(cfg: &mut Config<R>, expected: usize) -> Check<u64> {
    let x = cfg.rng().random();
    cfg.one(cmd(x), expected, true)
}

/// Snapshots with no faults.
///
/// Premise: every server persisted a snapshot.
pub fn snapshot_basic_2d<R: raft::Raft>(spec: &RunSpec) -> Report {
    snap_common::<R>(spec, Victim::Kept, Net::Reliable)
}

/// A disconnected server catches up by InstallSnapshot.
///
/// Premises: every server persisted a snapshot; lagging servers installed
/// snapshots.
pub fn snapshot_install_2d<R: raft::Raft>(spec: &RunSpec) -> Report {
    snap_common::<R>(spec, Victim::Disconnected, Net::Reliable)
}

/// The same on an unreliable network.
///
/// Premises: those of `snapshot_install_2d`, and the network lost requests and
/// replies.
pub fn snapshot_install_unreliable_2d<R: raft::Raft>(spec: &RunSpec) -> Report {
    snap_common::<R>(spec, Victim::Disconnected, Net::Unreliable)
}

/// A crashed server restarts from its snapshot and catches up.
///
/// Premises: every server persisted a snapshot; lagging servers installed
/// snapshots; restarts found a snapshot.
pub fn snapshot_install_crash_2d<R: raft::Raft>(spec: &RunSpec) -> Report {
    snap_common::<R>(spec, Victim::Crashed, Net::Reliable)
}

/// The same on an unreliable network.
///
/// Premises: those of `snapshot_install_crash_2d`, and the network lost
/// requests and replies.
pub fn snapshot_install_uncrash_2d<R: raft::Raft>(spec: &RunSpec) -> Report {
    snap_common::<R>(spec, Victim::Crashed, Net::Unreliable)
}

/// Crash and restart every server, five times: they come back from their
/// snapshots and the log keeps growing.
///
/// Premise: restarts found a snapshot.
pub fn snapshot_all_crash_2d<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, true, |cfg| {
        let n = cfg.n;
        one_random(cfg, n)?;
        for _ in 0..5 {
            // Perhaps enough for a snapshot.
            let count = SNAPSHOT_INTERVAL / 2 + cfg.rand(SNAPSHOT_INTERVAL);
            for _ in 0..count {
                one_random(cfg, n)?;
            }
            let index1 = one_random(cfg, n)?;

            for i in 0..n {
                cfg.crash1(i);
            }
            for i in 0..n {
                cfg.start1(i)?;
                cfg.connect(i);
            }

            let index2 = one_random(cfg, n)?;
            if index2 < index1 + 1 {
                return Err(cfg.failure(format!("index decreased from {index1} to {index2}")));
            }
        }
        cfg.h.premise_restarts_with_snapshot(1);
        Ok(())
    })
}

/// Restart everyone twice, with one command in between: a restarted server must
/// initialise from its snapshot (and not re-apply what it covers).
///
/// Premise: all 6 restarts found a snapshot.
pub fn snapshot_init_2d<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, true, |cfg| {
        let n = cfg.n;
        one_random(cfg, n)?;
        // Enough for a snapshot.
        for _ in 0..=SNAPSHOT_INTERVAL {
            one_random(cfg, n)?;
        }
        restart_all(cfg)?;
        // One command, so that something is written back after the restart.
        one_random(cfg, n)?;
        restart_all(cfg)?;
        // Another, to trigger a server that restored its snapshot wrongly.
        one_random(cfg, n)?;
        cfg.h.premise_restarts_with_snapshot(6);
        Ok(())
    })
}

fn restart_all<R: raft::Raft>(cfg: &mut Config<R>) -> Check<()> {
    for i in 0..cfg.n {
        cfg.crash1(i);
    }
    for i in 0..cfg.n {
        cfg.start1(i)?;
        cfg.connect(i);
    }
    Ok(())
}
