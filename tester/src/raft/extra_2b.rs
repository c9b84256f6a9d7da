//! raftlab's own 2B scenarios: replication where replies of an earlier term
//! arrive again (a few, or a storm), and a follower far behind on an
//! unreliable network.

use std::time::Duration;

use labrpc::NodeId;
use raft::Raft;

use crate::raft::checker::cmd;
use crate::raft::config::{Config, Net};
use crate::registry::RunSpec;
use crate::report::{Failure, Report};

/// Replies to a leader's AppendEntries of an earlier term, delivered to it
/// again when it leads once more, must not count towards a commit.
///
/// Five servers. Leader X sends five entries to F alone, which stores and
/// acknowledges them; the replies are kept. X and F are cut off; the other
/// three elect a leader L, commit their own entry at index 2, and bring F and X
/// into line (their five entries are gone). L gives one more entry (index 3)
/// to X and one other server Z, then is cut off; X, the only candidate with
/// that entry among the servers it reaches, is elected. X, now reaching only
/// Z, takes three commands (indexes 4-6): two of five servers hold them, so
/// they cannot commit. F's old acknowledgements (of indexes up to 6, in X's
/// first term) reach X again: X must not commit anything. Rules: a leader sets
/// matchIndex only from replies to AppendEntries of its current term; it
/// commits an index once a majority stores it (Figure 2, Rules for Servers,
/// Leaders; the Students' Guide, term confusion).
pub fn stale_append_replies_echoed_2b<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(101), n, true)?;
        let x = cfg.check_one_leader()?;
        let f = (x + 1) % n;
        let others: Vec<NodeId> = (0..n).filter(|&i| i != x && i != f).collect();

        // X gives indexes 2-6 to F alone; F's acknowledgements are kept.
        for &i in &others {
            cfg.disconnect(i);
        }
        cfg.keep_copies(x, true);
        let from = cfg.now();
        for k in 0..5 {
            cfg.start_as_leader(x, cmd(102 + k))?;
        }
        cfg.sleep(Duration::from_millis(500))?;
        cfg.keep_copies(x, false);
        let acks = {
            let copies = cfg.copies(Some(x), f, from, cfg.now());
            cfg.answered(&copies)
        };
        cfg.h.premise(
            "the follower acknowledged the leader's entries",
            !acks.is_empty(),
            format!("{} answered calls from {x} to {f}", acks.len()),
        );

        // The other three elect L and commit their own index 2; F and X follow.
        cfg.disconnect(x);
        cfg.disconnect(f);
        for &i in &others {
            cfg.connect(i);
        }
        let l = cfg.check_one_leader()?;
        cfg.one(cmd(201), others.len(), true)?;
        cfg.connect(f);
        cfg.connect(x);
        cfg.one(cmd(202), n, true)?;
        let third = cfg.n_committed(3)?.1;
        if third != Some(cmd(202)) {
            return Err(cfg.failure(format!(
                "tester: expected index 3 to hold {}, found {:?}",
                Config::<R>::show(&cmd(202)),
                third.as_deref().map(Config::<R>::show)
            )));
        }

        // L gives index 4 to X and Z only, then is cut off.
        let z = *others.iter().find(|&&i| i != l).expect("three others");
        let q: Vec<NodeId> = others
            .iter()
            .copied()
            .filter(|&i| i != l && i != z)
            .collect();
        for &i in q.iter().chain([&f]) {
            cfg.disconnect(i);
        }
        cfg.one(cmd(203), 3, true)?;
        cfg.disconnect(l);
        cfg.disconnect(z);
        for &i in q.iter().chain([&f]) {
            cfg.connect(i);
        }
        // X, F and the rest of the others: only X has index 4.
        cfg.check_leader_is(x)?;
        cfg.settled_term()?;

        // X, with Z alone, takes indexes 5-7; F's old acknowledgements arrive.
        for &i in q.iter().chain([&f]) {
            cfg.disconnect(i);
        }
        cfg.connect(z);
        let mut given = Vec::new();
        for k in 0..3 {
            given.push(cfg.start_as_leader(x, cmd(301 + k))?);
        }
        cfg.sleep(Duration::from_millis(200))?;
        let cut_at = cfg.now();
        for &a in &acks {
            cfg.echo_reply(a)?;
        }
        cfg.sleep(Duration::from_millis(500))?;
        for &index in &given {
            let (count, _) = cfg.n_committed(index)?;
            if count > 0 {
                return Err(cfg.failure(format!(
                    "index {index}, given by leader {x} while it reached only server {z} \
                     (two of five servers), was applied after server {f}'s replies to \
                     AppendEntries of {x}'s earlier term reached it again ({cut_at}): a \
                     leader sets matchIndex only from replies to AppendEntries of its \
                     current term, and commits an index once a majority stores it (Figure \
                     2, Rules for Servers, Leaders; the Students' Guide, term confusion)"
                )));
            }
        }

        // Everyone back: the cluster agrees again.
        for i in 0..n {
            cfg.connect(i);
        }
        cfg.one(cmd(401), n, true)?;
        Ok(())
    })
}

/// Backing up over long runs of conflicting entries (as `backup_2b`: two
/// cut-off leaders each take 50 entries that cannot commit, and the others
/// overwrite them) in a storm of stale calls (see [`crate::raft::storm`]):
/// every 20 ms up to three kept calls whose caller has since moved on to a
/// later term reach their servers again, and one answered call's reply
/// reaches its caller again, often a leader of a later term whose follower's
/// log has changed since it acknowledged. Rule: a reply to a request of an
/// earlier term is ignored (`match_index` and `next_index` move only on
/// replies of the current term), and a request of an older term is refused
/// and changes nothing (Figure 2; the Students' Guide, term confusion).
///
/// Premises: those of `backup_2b`, and stale requests and replies were
/// delivered again.
pub fn stale_storm_backup_2b<R: Raft>(spec: &RunSpec) -> Report {
    crate::raft::part_2b::backup::<R>(spec, true)
}

/// How many committed entries the rejoining follower of
/// [`far_behind_unreliable_2b`] lacks.
const FAR_BEHIND: u64 = 1000;

/// A follower far behind catches up in a few round trips, not one per entry.
///
/// Three servers agree on one entry. Follower F is cut off; leader L takes
/// 1,000 commands and commits them with the third server, S. Then L is cut
/// off, the network becomes unreliable (6.824's: each request delayed up to
/// 26 ms, one request and one reply in ten lost), and F rejoins: S, the only
/// server whose log is up to date, becomes leader, and can commit only with
/// F, which lacks all 1,000 entries. A new command must commit within `one`'s
/// 10 s. A leader that backs `next_index` up by one entry per rejected
/// AppendEntries needs a thousand round trips for it; one that uses the
/// follower's answer (the length of its log, or the first index of the
/// conflicting term) needs one or two. Rule: after a rejection, skip
/// everything the follower's reply shows it cannot match (§5.3, end; the
/// 6.824 lab's fast log backtracking, which its tests time). Last, L rejoins
/// and all three agree.
///
/// Premise: F had applied none of the 1,000 entries when it rejoined.
pub fn far_behind_unreliable_2b<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(1), n, true)?;
        let l = cfg.check_one_leader()?;
        let f = (l + 1) % n;
        cfg.disconnect(f);
        for k in 0..FAR_BEHIND {
            cfg.start_as_leader(l, cmd(1000 + k))?;
        }
        let last = cfg.one(cmd(2), n - 1, true)?;
        let (applied, _) = cfg.n_committed(2)?;
        cfg.h.premise(
            "the cut-off follower lacked the 1,000 committed entries",
            last > FAR_BEHIND && applied == n - 1,
            format!("index {last} committed; {applied} servers applied index 2"),
        );

        cfg.disconnect(l);
        cfg.set_unreliable(true);
        cfg.connect(f);
        cfg.one(cmd(3), n - 1, true)
            .map_err(|failure| far_behind(failure, f, last))?;

        cfg.connect(l);
        cfg.one(cmd(4), n, true)?;
        Ok(())
    })
}

/// A failed check of [`far_behind_unreliable_2b`]'s agreement with the
/// follower far behind, with the rule it tests.
fn far_behind(failure: Failure, f: NodeId, last: u64) -> Failure {
    failure.in_context(format_args!(
        "server {f} rejoined lacking indexes 2-{last}, the only server the new leader could \
         commit with, on an unreliable network: a leader whose AppendEntries is refused must \
         skip everything the follower's reply shows it cannot match, the length of the \
         follower's log or the whole conflicting term, not back next_index up by one entry \
         per round trip (§5.3, end; the 6.824 lab's fast log backtracking)"
    ))
}
