//! 2B: log replication.

use std::time::Duration;

use labrpc::rand::RngExt;

use crate::raft::checker::{cmd, show};
use crate::raft::config::{Config, ELECTION_TIMEOUT, Net};
use crate::registry::RunSpec;
use crate::report::{Check, Report};

/// Nothing commits before `start`; three commands commit at indices 1, 2, 3.
///
/// Premises: none beyond its own steps, which require each command on every server.
pub fn basic_agree_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        for index in 1..=3u64 {
            let (applied, _) = cfg.n_committed(index)?;
            if applied > 0 {
                return Err(cfg.failure(format!(
                    "{applied} servers applied index {index} before start()"
                )));
            }
            let got = cfg.one(cmd(index * 100), n, false)?;
            if got != index {
                return Err(cfg.failure(format!("got index {got} but expected {index}")));
            }
        }
        Ok(())
    })
}

/// Each command is sent to each follower once: total bytes stay near the commands'.
///
/// Premises: none beyond its own steps, which require ten 5000-byte commands
/// committed on every server.
pub fn rpc_bytes_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n as u64;
        cfg.one(cmd(99), cfg.n, false)?;
        let bytes0 = cfg.bytes_total();
        let mut sent = 0;
        for index in 2..12u64 {
            let command: Vec<u8> = (0..5000).map(|_| cfg.rng().random()).collect();
            sent += command.len() as u64;
            let got = cfg.one(command, cfg.n, false)?;
            if got != index {
                return Err(cfg.failure(format!("got index {got} but expected {index}")));
            }
        }
        let got = cfg.bytes_total() - bytes0;
        let expected = n * sent;
        if got > expected + 50_000 {
            return Err(cfg.failure(format!(
                "too many RPC bytes; got {got}, expected at most {expected} + 50000 \
                 (each command should be sent to each peer once)"
            )));
        }
        Ok(())
    })
}

/// Agreement survives one lost follower; with both lost, nothing commits.
///
/// Premises: none beyond its own steps, which require agreement without the lost
/// follower and an accepted `start` that does not commit.
pub fn follower_failure_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(101), n, false)?;

        // One follower is cut off: the other two still agree.
        let leader1 = cfg.check_one_leader()?;
        cfg.disconnect((leader1 + 1) % n);
        cfg.one(cmd(102), n - 1, false)?;
        cfg.sleep(ELECTION_TIMEOUT)?;
        cfg.one(cmd(103), n - 1, false)?;

        // The other follower goes too: the leader accepts a command but cannot commit it.
        let leader2 = cfg.check_one_leader()?;
        cfg.disconnect((leader2 + 1) % n);
        cfg.disconnect((leader2 + 2) % n);
        expect_not_committed(cfg, leader2, 104, 4)
    })
}

/// `start` on `leader` must be accepted at `index`, and must not commit in 2 election timeouts.
fn expect_not_committed<R: raft::Raft>(
    cfg: &mut Config<R>,
    leader: usize,
    x: u64,
    index: u64,
) -> Check<()> {
    let Some((got, _)) = cfg.start(leader, cmd(x))? else {
        return Err(cfg.failure(format!("leader {leader} rejected start()")));
    };
    if got != index {
        return Err(cfg.failure(format!("expected index {index}, got {got}")));
    }
    cfg.sleep(2 * ELECTION_TIMEOUT)?;
    let (applied, _) = cfg.n_committed(index)?;
    if applied > 0 {
        return Err(cfg.failure(format!(
            "{applied} committed index {index} but there is no majority"
        )));
    }
    Ok(())
}

/// Agreement survives losing the leader twice; one server alone commits nothing.
///
/// Premises: none beyond its own steps, which require agreement after each loss.
pub fn leader_failure_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(101), n, false)?;

        // The leader is cut off: the other two elect a leader and agree.
        let leader1 = cfg.check_one_leader()?;
        cfg.disconnect(leader1);
        cfg.one(cmd(102), n - 1, false)?;
        cfg.sleep(ELECTION_TIMEOUT)?;
        cfg.one(cmd(103), n - 1, false)?;

        // The new leader is cut off too: every server is alone.
        let leader2 = cfg.check_one_leader()?;
        cfg.disconnect(leader2);
        for i in 0..n {
            cfg.start(i, cmd(104))?;
        }
        cfg.sleep(2 * ELECTION_TIMEOUT)?;
        let (applied, _) = cfg.n_committed(4)?;
        if applied > 0 {
            return Err(cfg.failure(format!(
                "{applied} committed index 4 but there is no majority"
            )));
        }
        Ok(())
    })
}

/// A follower that was cut off catches up when it returns.
///
/// Premises: none beyond its own steps, which require later commands on all three
/// servers, so the returning follower must have caught up.
pub fn fail_agree_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(101), n, false)?;

        let leader = cfg.check_one_leader()?;
        cfg.disconnect((leader + 1) % n);

        // The leader and the remaining follower agree without it.
        cfg.one(cmd(102), n - 1, false)?;
        cfg.one(cmd(103), n - 1, false)?;
        cfg.sleep(ELECTION_TIMEOUT)?;
        cfg.one(cmd(104), n - 1, false)?;
        cfg.one(cmd(105), n - 1, false)?;

        // Back together: the old agreements stand and new ones include everyone.
        cfg.connect((leader + 1) % n);
        cfg.one(cmd(106), n, true)?;
        cfg.sleep(ELECTION_TIMEOUT)?;
        cfg.one(cmd(107), n, true)?;
        Ok(())
    })
}

/// With three of five followers cut off nothing commits; after they return, the
/// cluster agrees again.
///
/// Premises: none beyond its own steps, which require an accepted `start` that does
/// not commit, then agreement on all five.
pub fn fail_no_agree_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(10), n, false)?;

        let leader = cfg.check_one_leader()?;
        for k in 1..=3 {
            cfg.disconnect((leader + k) % n);
        }
        expect_not_committed(cfg, leader, 20, 2)?;

        // Repair. The majority that was cut off may have elected one of its own
        // and forgotten index 2.
        for k in 1..=3 {
            cfg.connect((leader + k) % n);
        }
        let leader2 = cfg.check_one_leader()?;
        let Some((index2, _)) = cfg.start(leader2, cmd(30))? else {
            return Err(cfg.failure(format!("leader2 {leader2} rejected start()")));
        };
        if !(2..=3).contains(&index2) {
            return Err(cfg.failure(format!("unexpected index {index2} (expected 2 or 3)")));
        }
        cfg.one(cmd(1000), n, true)?;
        Ok(())
    })
}

/// Five `start`s issued at the same moment all commit.
///
/// Premises: none beyond its own steps, which require all five committed in the term
/// they were started in.
pub fn concurrent_starts_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        'attempt: for attempt in 0..5 {
            if attempt > 0 {
                // Let the cluster settle before trying again.
                cfg.sleep(Duration::from_secs(3))?;
            }
            let leader = cfg.check_one_leader()?;
            let Some((_, term)) = cfg.start(leader, cmd(1))? else {
                continue; // the leader moved on already
            };
            let mut indices = Vec::new();
            for i in 0..5 {
                if let Some((index, term1)) = cfg.start(leader, cmd(100 + i))?
                    && term1 == term
                {
                    indices.push(index);
                }
            }
            for j in 0..n {
                if cfg.state(j)?.is_some_and(|(t, _)| t != term) {
                    continue 'attempt; // the term changed: start over
                }
            }
            let mut committed = Vec::new();
            for index in indices {
                match cfg.wait(index, n, Some(term))? {
                    None => continue 'attempt, // peers moved to a later term
                    Some(command) => committed.push(command),
                }
            }
            for i in 0..5 {
                if !committed.contains(&cmd(100 + i)) {
                    let shown: Vec<String> = committed.iter().map(|c| show(c)).collect();
                    return Err(cfg.failure(format!("cmd {} missing in {shown:?}", 100 + i)));
                }
            }
            return Ok(());
        }
        Err(cfg.failure("term changed too often"))
    })
}

/// A partitioned leader with entries no one else has rejoins and is overruled.
///
/// Premise: the cut-off leader accepted entries (its `start` returned an index)
/// that the others never saw.
pub fn rejoin_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(101), n, true)?;

        // The leader is cut off and takes entries nobody else will see.
        let leader1 = cfg.check_one_leader()?;
        cfg.disconnect(leader1);
        let mut stale = 0;
        for x in [102, 103, 104] {
            stale += usize::from(cfg.start(leader1, cmd(x))?.is_some());
        }
        cfg.h.premise(
            "the cut-off leader accepted entries the others never saw",
            stale > 0,
            format!("it accepted {stale} of 3"),
        );

        // The new leader commits, also at index 2.
        cfg.one(cmd(103), 2, true)?;

        // The new leader is cut off, and the old one returns.
        let leader2 = cfg.check_one_leader()?;
        cfg.disconnect(leader2);
        cfg.connect(leader1);
        cfg.one(cmd(104), 2, true)?;

        // Everyone together.
        cfg.connect(leader2);
        cfg.one(cmd(105), n, true)?;
        Ok(())
    })
}

/// A leader backs up quickly over long runs of conflicting follower entries.
///
/// Premise: both cut-off leaders accepted their 50 entries that cannot commit,
/// so the logs really do conflict over long runs.
pub fn backup_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    backup::<R>(spec, false)
}

/// [`backup_2b`]; with `storm`, in a storm of stale calls (see
/// [`crate::raft::storm`]) from the first agreement to the last.
pub(crate) fn backup<R: raft::Raft>(spec: &RunSpec, storm: bool) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        let x = cfg.rng().random();
        cfg.one(cmd(x), n, true)?;
        let storm = storm.then(|| cfg.start_storm());

        // The leader and one follower are partitioned off, and take 50 entries
        // that cannot commit.
        let leader1 = cfg.check_one_leader()?;
        for k in 2..=4 {
            cfg.disconnect((leader1 + k) % n);
        }
        let mut stale = 0;
        for _ in 0..50 {
            let x = cfg.rng().random();
            stale += usize::from(cfg.start(leader1, cmd(x))?.is_some());
        }
        cfg.sleep(ELECTION_TIMEOUT / 2)?;
        cfg.disconnect(leader1);
        cfg.disconnect((leader1 + 1) % n);

        // The other three recover and commit 50 entries of their own.
        for k in 2..=4 {
            cfg.connect((leader1 + k) % n);
        }
        for _ in 0..50 {
            let x = cfg.rng().random();
            cfg.one(cmd(x), 3, true)?;
        }

        // Their leader and one follower are partitioned off in turn, with 50 more
        // entries that cannot commit.
        let leader2 = cfg.check_one_leader()?;
        let mut other = (leader1 + 2) % n;
        if leader2 == other {
            other = (leader2 + 1) % n;
        }
        cfg.disconnect(other);
        for _ in 0..50 {
            let x = cfg.rng().random();
            stale += usize::from(cfg.start(leader2, cmd(x))?.is_some());
        }
        cfg.h.premise(
            "the cut-off leaders accepted 50 conflicting entries each",
            stale == 100,
            format!("they accepted {stale} of 100"),
        );
        cfg.sleep(ELECTION_TIMEOUT / 2)?;

        // The original leader's pair returns with `other`: they must overwrite
        // the stale entries and commit 50 more.
        for i in 0..n {
            cfg.disconnect(i);
        }
        cfg.connect(leader1);
        cfg.connect((leader1 + 1) % n);
        cfg.connect(other);
        for _ in 0..50 {
            let x = cfg.rng().random();
            cfg.one(cmd(x), 3, true)?;
        }

        // Everyone.
        for i in 0..n {
            cfg.connect(i);
        }
        let x = cfg.rng().random();
        cfg.one(cmd(x), n, true)?;
        if let Some(storm) = &storm {
            cfg.stop_storm(storm);
        }
        Ok(())
    })
}

/// RPC counts stay low: for an election, for agreement, and when idle.
///
/// Premises: none beyond its own steps, which require an election and ten
/// agreements in one term.
pub fn count_2b<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        let rpcs = |cfg: &Config<R>| (0..n).map(|j| cfg.rpc_count(j)).sum::<u64>();

        cfg.check_one_leader()?;
        let total1 = rpcs(cfg);
        if !(1..=30).contains(&total1) {
            return Err(cfg.failure(format!(
                "too many or few RPCs ({total1}) to elect initial leader (expected 1 to 30)"
            )));
        }

        let mut total2 = 0;
        let mut success = false;
        'attempt: for attempt in 0..5 {
            if attempt > 0 {
                cfg.sleep(Duration::from_secs(3))?;
            }
            let leader = cfg.check_one_leader()?;
            let total1 = rpcs(cfg);
            let iters = 10u64;
            let Some((start_index, term)) = cfg.start(leader, cmd(1))? else {
                continue;
            };
            let mut cmds = Vec::new();
            for i in 1..iters + 2 {
                let x = cfg.rng().random_range(0..1u64 << 31);
                cmds.push(x);
                match cfg.start(leader, cmd(x))? {
                    Some((index, term1)) if term1 == term => {
                        if index != start_index + i {
                            return Err(cfg.failure(format!(
                                "start() returned index {index}, expected {}",
                                start_index + i
                            )));
                        }
                    }
                    _ => continue 'attempt, // the term changed while starting
                }
            }
            for i in 1..iters + 1 {
                match cfg.wait(start_index + i, n, Some(term))? {
                    None => continue 'attempt, // the term changed: try again
                    Some(command) if command != cmd(cmds[i as usize - 1]) => {
                        return Err(cfg.failure(format!(
                            "wrong value {} committed for index {}; expected {}",
                            show(&command),
                            start_index + i,
                            cmds[i as usize - 1]
                        )));
                    }
                    Some(_) => {}
                }
            }
            let mut term_changed = false;
            for j in 0..n {
                if cfg.state(j)?.is_some_and(|(t, _)| t != term) {
                    term_changed = true;
                }
            }
            total2 = rpcs(cfg);
            if term_changed {
                continue;
            }
            if total2 - total1 > (iters + 1 + 3) * 3 {
                return Err(cfg.failure(format!(
                    "too many RPCs ({}) for {iters} entries (at most {}: about three per \
                     entry, as each follower should get each entry once)",
                    total2 - total1,
                    (iters + 1 + 3) * 3
                )));
            }
            success = true;
            break;
        }
        if !success {
            return Err(cfg.failure("term changed too often"));
        }

        cfg.sleep(ELECTION_TIMEOUT)?;
        let total3 = rpcs(cfg);
        if total3 - total2 > 3 * 20 {
            return Err(cfg.failure(format!(
                "too many RPCs ({}) for 1 second of idleness (at most 60, 6.824's limit; a \
                 leader heartbeating ten times a second to two followers sends 20)",
                total3 - total2
            )));
        }
        Ok(())
    })
}
