//! raftlab's own 2D scenarios: an InstallSnapshot that arrives late, at a
//! follower that already holds (and may have applied) entries past the
//! snapshot, and one that reaches a follower one entry past its commit index.

use std::time::Duration;

use labrpc::NodeId;
use raft::Raft;

use crate::raft::checker::{SNAPSHOT_INTERVAL, cmd};
use crate::raft::config::{Config, Net};
use crate::registry::RunSpec;
use crate::report::{Check, Report};

/// The leader's snapshot covers indexes 1 through this (the tester's service
/// snapshots at indexes 9, 19, 29, ...).
const SNAPSHOT: u64 = 29;
/// The leader's log ends here: past the snapshot, before the next one.
const LAST: u64 = 35;
/// The first index the tester's service snapshots at.
const FIRST_SNAPSHOT: u64 = SNAPSHOT_INTERVAL - 1;

/// A snapshot older than what a follower has applied must not be installed.
///
/// Three servers agree on indexes 1-3; the service on follower F does not
/// snapshot. F and the third server S crash; leader L takes 4-35, commits
/// and snapshots through 29 with S (which gets 4-29 late, then crashes
/// again), and its calls are kept. F restarts, cut off, and an earlier
/// heartbeat of L reaches it late: F refuses it (its log ends at 3) and L
/// answers with InstallSnapshot through 29, which the network holds back.
/// L's AppendEntries of 4-35 reach F late, F acknowledges them, rejoins, and
/// applies through 35. Then the InstallSnapshot reaches it: F must refuse it,
/// as a snapshot older than its commitIndex brings nothing; installing it
/// takes its state machine back to index 29. Rule: a snapshot whose last included
/// index is not past the follower's commitIndex (what it has applied) is
/// refused, whatever the follower's own snapshot (§7; the 2D hints).
pub fn snapshot_older_than_commit_2d<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, true, |cfg| {
        let late = late_snapshot(cfg, Ending::Applied)?;
        let (l, f) = (late.leader, late.follower);
        let applied = cfg.applied_through(f);
        cfg.h.premise(
            "the leader's snapshot reached a follower that had applied entries past it",
            applied >= LAST,
            format!(
                "server {f} had applied through {applied}; {l}'s snapshot was through {SNAPSHOT}"
            ),
        );
        echo(cfg, late.snapshot.as_slice(), false)?;
        cfg.sleep(Duration::from_millis(100))?;
        // Everyone back.
        cfg.start1(late.third)?;
        cfg.connect(late.third);
        cfg.one(cmd(LAST + 1), cfg.n, true)?;
        Ok(())
    })
}

/// Installing a snapshot keeps the entries after it that match.
///
/// Three servers agree on indexes 1-3. Followers F and S crash; leader L
/// takes commands 4-29 and then 30-35, and its calls are kept. S restarts and
/// late AppendEntries of 4-29 reach it: with S, L commits through 29 and
/// snapshots through 29, and S crashes again. F restarts, cut off; L's last
/// heartbeat reaches it late, F refuses it, and L answers with InstallSnapshot
/// through 29, which the network holds back. Late AppendEntries of 4-35 reach
/// F: with F, L commits through 35 (S lacks 30-35). Then the InstallSnapshot
/// reaches F, which has not yet learnt that anything past 3 is committed: F installs it (or refuses
/// it, as it holds those entries), and must keep its entries 30-35, which L
/// counted on it to commit. L crashes; F and S elect a leader, which must put
/// a new command at index 36: a leader at index 30 would overwrite committed
/// entries. Rule: if an existing log entry has the same index and term as the
/// snapshot's last included entry, retain the log entries following it
/// (Figure 13, InstallSnapshot receiver, step 6).
pub fn snapshot_keeps_following_entries_2d<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, true, |cfg| {
        let late = late_snapshot(cfg, Ending::Acknowledged)?;
        let (l, f, s) = (late.leader, late.follower, late.third);
        let (applied_l, applied_f) = (cfg.applied_through(l), cfg.applied_through(f));
        let built = applied_l >= LAST && applied_f < SNAPSHOT;
        cfg.h.premise(
            "the leader committed entries past its snapshot with a follower that had not \
             learnt the snapshot's index was committed",
            built,
            format!(
                "server {l} had applied through {applied_l}, server {f} through {applied_f}; \
                 the snapshot was through {SNAPSHOT}"
            ),
        );
        if !built {
            return Ok(());
        }
        echo(cfg, late.snapshot.as_slice(), false)?;
        cfg.sleep(Duration::from_millis(10))?;

        // L goes; F and S elect a leader, which must hold 30-35.
        cfg.crash1(l);
        cfg.start1(s)?;
        cfg.connect(f);
        cfg.connect(s);
        let leader = cfg.check_one_leader()?;
        let index = cfg.start_as_leader(leader, cmd(LAST + 1))?;
        if index != LAST + 1 {
            return Err(cfg.failure(format!(
                "server {leader} was elected and put a new command at index {index}, but \
                 indexes {}-{LAST} were committed: server {l} applied them, counting on server \
                 {f}, which acknowledged them and then received a snapshot through {SNAPSHOT}. \
                 {f} lost the entries after the snapshot (Figure 13, InstallSnapshot receiver, \
                 step 6: if an existing log entry has the same index and term as the \
                 snapshot's last included entry, retain the log entries following it)",
                SNAPSHOT + 1
            )));
        }
        cfg.one(cmd(LAST + 2), 2, true)?;
        // Everyone back.
        cfg.start1(l)?;
        cfg.connect(l);
        cfg.one(cmd(LAST + 3), cfg.n, true)?;
        Ok(())
    })
}

/// What the follower has when the late snapshot is ready to reach it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// F acknowledged 4-35 and rejoined: it has applied through 35.
    Applied,
    /// F acknowledged 4-35 (committed with it alone) and stays cut off: it
    /// has applied only 1-3.
    Acknowledged,
}

/// The servers of a late snapshot, and the kept calls that carry it.
struct Late {
    leader: NodeId,
    follower: NodeId,
    third: NodeId,
    /// The leader's last call to the follower, made after its snapshot: an
    /// InstallSnapshot (the leader's log starts after 29, and the follower's
    /// ends at 3).
    snapshot: Option<usize>,
}

/// Builds the state both scenarios start from. Followers F and S crash;
/// leader L takes 4-29, then 30-35; S restarts and late AppendEntries of 4-29
/// reach it, so L commits and snapshots through 29, and S crashes again. F
/// restarts, cut off; L's last heartbeat before its snapshot reaches F late
/// and F refuses it (its log ends at 3), so L sends it InstallSnapshot (kept,
/// not delivered). L's AppendEntries of 4-35 reach F late: with F, L commits
/// through 35. With [`Ending::Applied`], F's service does not snapshot and F
/// rejoins and applies through 35.
fn late_snapshot<R: Raft>(cfg: &mut Config<R>, ending: Ending) -> Check<Late> {
    for k in 1..=3 {
        cfg.one(cmd(k), cfg.n, true)?;
    }
    let l = cfg.check_one_leader()?;
    let (f, s) = ((l + 1) % cfg.n, (l + 2) % cfg.n);
    if ending == Ending::Applied {
        cfg.service_snapshots(f, false);
    }
    cfg.keep_copies(l, true);
    cfg.crash1(f);
    cfg.crash1(s);
    let t0 = cfg.now();
    for k in 4..=SNAPSHOT {
        cfg.start_as_leader(l, cmd(k))?;
    }
    cfg.sleep(Duration::from_millis(150))?;
    let t1 = cfg.now();
    for k in SNAPSHOT + 1..=LAST {
        cfg.start_as_leader(l, cmd(k))?;
    }
    cfg.sleep(Duration::from_millis(150))?;

    // S restarts and L's AppendEntries of 4-29 reach it late: L commits and
    // snapshots through 29.
    cfg.start1(s)?;
    let to_s = cfg.copies(Some(l), s, t0, t1);
    echo(cfg, &to_s, true)?;
    let snapshotted =
        cfg.run_until_seen(Duration::from_secs(2), |t| t.snapshot_taken(l) >= SNAPSHOT)?;
    if !snapshotted {
        return Err(cfg.failure(format!(
            "server {l}, leader with a majority storing indexes 1-{SNAPSHOT}, did not apply \
             index {SNAPSHOT} within 2 s"
        )));
    }
    let t_snap = cfg.now();
    cfg.crash1(s);
    cfg.sleep(Duration::from_millis(150))?;

    // F restarts, cut off. L's last heartbeat before its snapshot reaches it
    // late: F refuses it, and L sends its snapshot (which the network holds).
    cfg.start1(f)?;
    let before = cfg.copies(Some(l), f, t0, t_snap);
    echo(cfg, &before[before.len().saturating_sub(1)..], true)?;
    cfg.sleep(Duration::from_millis(10))?;
    let snapshot = cfg
        .copies(Some(l), f, t_snap + Duration::from_micros(1), cfg.now())
        .last()
        .copied();
    // L's AppendEntries of 4-35 reach F late: F acknowledges them.
    echo(cfg, &before, true)?;
    cfg.sleep(Duration::from_millis(10))?;
    cfg.keep_copies(l, false);
    if ending == Ending::Applied {
        cfg.connect(f);
        cfg.wait_for(Duration::from_secs(2), |cfg| {
            Ok(cfg.applied_through(f) >= LAST)
        })?;
    }
    cfg.h.premise(
        "the leader sent its snapshot to a follower back from a crash, and the network \
         held it",
        !before.is_empty() && snapshot.is_some(),
        format!(
            "{} calls from {l} to {f} before {l}'s snapshot through {SNAPSHOT}, {} after it",
            before.len(),
            if snapshot.is_some() { "a call" } else { "none" }
        ),
    );
    Ok(Late {
        leader: l,
        follower: f,
        third: s,
        snapshot,
    })
}

/// Delivers the kept `copies` again, in order; with `answer` their replies
/// reach the caller, otherwise the network loses them.
fn echo<R: Raft>(cfg: &mut Config<R>, copies: &[usize], answer: bool) -> Check<()> {
    for &copy in copies {
        cfg.echo_request(copy, answer)?;
    }
    Ok(())
}

/// Thirty rounds of snapshots with a crashed victim (as
/// `snapshot_install_uncrash_2d`) on a hostile network: replies held back,
/// and one request in ten delivered a second time up to 2.2 s late, so old
/// InstallSnapshots and AppendEntries arrive after newer ones, also at a
/// server restarted since. Rule: a snapshot older than what the receiver has
/// committed is refused, one that covers only part of its log keeps the
/// entries after it (Figure 13, InstallSnapshot receiver 6), and an
/// AppendEntries of entries the log already holds truncates nothing.
///
/// Premises: those of `snapshot_install_uncrash_2d`, and the network held
/// replies back and duplicated requests.
pub fn hostile_snapshots_2d<R: Raft>(spec: &RunSpec) -> Report {
    crate::raft::part_2d::snap_common::<R>(
        spec,
        crate::raft::part_2d::Victim::Crashed,
        Net::Hostile,
    )
}

/// A snapshot one entry past a follower's commit index is installed.
///
/// Three servers agree on indexes 1-8, so follower F's log ends at its commit
/// index, 8. F is cut off; leader L commits index 9 with the third server S,
/// and the services of both snapshot through 9: no server's log holds index
/// 9 any more. F rejoins, and L must send it InstallSnapshot through 9, one
/// past F's commit index: F must install it, and its service receive the
/// snapshot within 5 s (time enough for an election, should F's campaign
/// while it was cut off have deposed L). A follower that takes a snapshot
/// through commit index + 1 for one it already has, and acknowledges it,
/// never gets index 9: every AppendEntries after it is refused. Rule: a
/// snapshot whose last included index is past the receiver's commitIndex
/// brings what it lacks and is installed (Figure 13, InstallSnapshot
/// receiver; §7). Then S is cut off, and L must commit with F.
///
/// Premise: the leader's log no longer held index 9 when F rejoined.
pub fn snapshot_one_past_commit_2d<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, true, |cfg| {
        let n = cfg.n;
        let mut committed = 0;
        let mut k = 1;
        while committed + 1 < FIRST_SNAPSHOT {
            committed = cfg.one(cmd(k), n, true)?;
            k += 1;
        }
        let l = cfg.check_one_leader()?;
        let (f, s) = ((l + 1) % n, (l + 2) % n);
        let commit_f = cfg.applied_through(f);

        // F cut off; L commits 9 with S, and both snapshot through 9.
        cfg.disconnect(f);
        let index = cfg.one(cmd(k), n - 1, true)?;
        let snapshotted = cfg.run_until_seen(Duration::from_secs(2), |t| {
            t.snapshot_taken(l) >= FIRST_SNAPSHOT && t.snapshot_taken(s) >= FIRST_SNAPSHOT
        })?;
        cfg.h.premise(
            "the leader's log no longer held the index one past the cut-off follower's \
             commit index",
            commit_f + 1 == FIRST_SNAPSHOT && index == FIRST_SNAPSHOT && snapshotted,
            format!(
                "server {f} had applied through {commit_f}; index {index} committed; the \
                 services of {l} and {s} snapshotted through {} and {}",
                cfg.snapshot_taken(l),
                cfg.snapshot_taken(s)
            ),
        );

        // F rejoins: it must install the snapshot through 9.
        cfg.connect(f);
        let installed = cfg.run_until_seen(Duration::from_secs(5), |t| {
            t.last_applied(f) >= FIRST_SNAPSHOT
        })?;
        if !installed {
            return Err(cfg.failure(format!(
                "server {f}, whose log ended at its commit index {commit_f}, rejoined a \
                 leader whose log starts after its snapshot through {FIRST_SNAPSHOT}, and \
                 5 s later it had still applied only through {}: a follower installs a \
                 snapshot whose last included index is past its commitIndex, one past it \
                 too, and the leader then sends what follows (Figure 13, InstallSnapshot \
                 receiver; §7)",
                cfg.applied_through(f)
            )));
        }

        // L must commit with F alone; then everyone is back.
        cfg.disconnect(s);
        cfg.one(cmd(k + 1), n - 1, true)?;
        cfg.connect(s);
        cfg.one(cmd(k + 2), n, true)?;
        Ok(())
    })
}
