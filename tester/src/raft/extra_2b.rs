//! raftlab's own 2B scenarios: replication where replies of an earlier term
//! arrive again (a few, or a storm), a late AppendEntries that carries less
//! than the follower holds, and a deposed leader that alone can win the next
//! election.

use std::time::Duration;

use labrpc::NodeId;
use raft::Raft;

use crate::raft::checker::cmd;
use crate::raft::config::{Config, Net};
use crate::registry::RunSpec;
use crate::report::Report;

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

/// A late AppendEntries of the current term that carries fewer entries than
/// the follower holds must not cut its log.
///
/// Three servers agree on index 1. Follower Y is cut off; leader X commits
/// index 2 and then index 3 with follower F alone, and X's calls to F are
/// kept. X is cut off too, and the copies of its AppendEntries sent before
/// index 3 existed (their entries end at 2 or before) reach F late, in X's
/// term, which is still F's: they match F's log, and F must keep index 3,
/// which it acknowledged and X committed counting on it. F and Y then reach
/// each other: F, whose log is the longer, is elected and must put a new
/// command at index 4; at index 3 it would overwrite a committed entry. Rule:
/// if an existing entry conflicts with a new one (same index, different
/// terms), delete it and all that follow it; entries that match, and those
/// after the request's, stay (Figure 2, AppendEntries RPC, receiver
/// implementation 3; the Students' Guide: the "if" is crucial).
///
/// Premise: F acknowledged X's calls before index 3 existed.
pub fn late_shorter_append_2b<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(1), n, true)?;
        let x = cfg.check_one_leader()?;
        let (f, y) = ((x + 1) % n, (x + 2) % n);

        // X commits 2, then 3, with F alone; its calls to F are kept.
        cfg.disconnect(y);
        cfg.keep_copies(x, true);
        let before_second = cfg.now();
        let second = cfg.one(cmd(2), n - 1, true)?;
        let before_third = cfg.now();
        let third = cfg.one(cmd(3), n - 1, true)?;
        cfg.keep_copies(x, false);
        let late = {
            let copies = cfg.copies(Some(x), f, before_second, before_third);
            cfg.answered(&copies)
        };
        let (term_x, term_f, leads) = (cfg.term(x)?, cfg.term(f)?, cfg.is_leader(x)?);
        cfg.h.premise(
            "the follower acknowledged the leader's calls made before index 3 existed, in \
             the leader's current term",
            !late.is_empty() && leads && term_x == term_f,
            format!(
                "{} answered calls from {x} to {f}; {x} in term {term_x:?}, {f} in term \
                 {term_f:?}",
                late.len()
            ),
        );

        // X is cut off; its earlier AppendEntries reach F late.
        cfg.disconnect(x);
        for &copy in &late {
            cfg.echo_request(copy, false)?;
        }
        cfg.sleep(Duration::from_millis(10))?;

        // F and Y reach each other: the leader must keep index 3.
        cfg.connect(y);
        let leader = cfg.check_one_leader()?;
        let index = cfg.start_as_leader(leader, cmd(4))?;
        if index <= third {
            return Err(cfg.failure(format!(
                "server {leader} was elected and put a new command at index {index}, but index \
                 {third} was committed: server {x} applied it, counting on server {f}'s \
                 acknowledgement. Then AppendEntries of {x}'s term whose entries ended at index \
                 {second} or before, sent before index {third} existed, reached {f} late, and \
                 {f} cut its log. A follower deletes only an entry that conflicts with the \
                 request's (same index, different term) and those after it; entries that \
                 match, and entries past the request's, stay (Figure 2, AppendEntries RPC, \
                 receiver implementation 3; the Students' Guide: the \"if\" is crucial)"
            )));
        }
        cfg.one(cmd(5), n - 1, true)?;

        // Everyone back: the cluster agrees again.
        cfg.connect(x);
        cfg.one(cmd(6), n, true)?;
        Ok(())
    })
}

/// A leader that steps down keeps its election timer running: it may be the
/// only server that can win the next election.
///
/// Three servers agree on index 1 under leader L. Both followers are cut off,
/// each alone; L, alone, takes a command (index 2) that no other server holds,
/// while follower B stands for election again and again, its term rising past
/// L's. L and B then reach each other (the third stays cut off): B's higher
/// term, in a reply to L's heartbeat or in B's RequestVote, deposes L, and B
/// cannot win, as L's log is more up to date than B's (§5.4.1). Only L can:
/// when its election timeout elapses it must stand and win B's vote. A leader
/// that stopped its election timer while leading and did not start it again
/// on stepping down waits for ever. Rules: a server that learns a higher term
/// becomes a follower, and a follower whose election timeout elapses without
/// AppendEntries from the current leader or granting a vote becomes a
/// candidate (Figure 2, Rules for Servers).
///
/// Premises: B's term passed L's while they were apart, and L learnt B's term.
pub fn deposed_leader_stands_again_2b<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(1), n, true)?;
        let l = cfg.check_one_leader()?;
        let (b, c) = ((l + 1) % n, (l + 2) % n);
        let led = cfg.term(l)?.unwrap_or(0);

        // Each alone: L takes index 2; B campaigns past L's term.
        cfg.disconnect(b);
        cfg.disconnect(c);
        cfg.start_as_leader(l, cmd(2))?;
        let passed = cfg.wait_for_term(b, led + 1, Duration::from_secs(5))?;
        let term_b = cfg.term(b)?;
        cfg.h.premise(
            "the cut-off follower's term passed the leader's",
            passed,
            format!("server {b} in term {term_b:?}, leader {l} in term {led}"),
        );

        // L and B reach each other: B deposes L, and only L can win.
        cfg.connect(b);
        let deposed = cfg.wait_for_term(l, led + 1, Duration::from_secs(2))?;
        let term_l = cfg.term(l)?;
        cfg.h.premise(
            "the leader learnt the higher term",
            deposed,
            format!("server {l} in term {term_l:?}, led term {led}"),
        );
        cfg.check_leader_is(l).map_err(|failure| {
            failure.in_context(format_args!(
                "server {l}, leader of term {led}, learnt server {b}'s higher term and stepped \
                 down; {l} alone can win, as its log is more up to date than {b}'s, so it must \
                 stand for election when its timeout elapses: a follower whose election timeout \
                 elapses without AppendEntries from the current leader or granting a vote \
                 becomes a candidate, a deposed leader too (Figure 2, Rules for Servers)"
            ))
        })?;

        // Everyone back: the cluster agrees again.
        cfg.connect(c);
        cfg.one(cmd(3), n, true)?;
        Ok(())
    })
}
