//! raftlab's own 2C scenarios: a crash at the moment persistence decides,
//! the Figure 8 sequence built step by step, and a follower far behind on an
//! unreliable network (the fast backtracking the lab asks for in 2C).

use std::time::Duration;

use labrpc::NodeId;
use raft::Raft;

use crate::raft::checker::cmd;
use crate::raft::config::{Config, Net};
use crate::registry::RunSpec;
use crate::report::{Failure, Report};

/// How many times the construction is tried before its premise fails.
const ATTEMPTS: usize = 8;

/// A server that voted, crashed and restarted must not vote again, for another
/// candidate, in the same term.
///
/// Of three servers, the leader V crashes and the other two, A and B, are cut
/// off from each other: each stands as candidate of the next term, and their
/// RequestVotes to V are kept. When both are candidates of that same term, V
/// restarts and A's RequestVote reaches it: V grants it and A leads. V crashes
/// and restarts at once, and B's RequestVote of the same term reaches it. V
/// must refuse: two leaders in one term would follow. Tried up to 8 times, as
/// A and B are not always candidates of one term at once. Rule: currentTerm,
/// votedFor and the log are persistent state, updated on stable storage before
/// responding to RPCs (Figure 2, State).
pub fn vote_survives_restart_2c<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        two_candidates(cfg, Restarts::Voter)
    })
}

/// A candidate that won, crashed and restarted must not vote for another
/// candidate in the term it stood in: it voted for itself.
///
/// As `vote_survives_restart_2c`, but once A leads (on V's vote), A itself
/// crashes and restarts, and B's RequestVote of that term reaches A. A must
/// refuse: two leaders in one term would follow. Rule: a candidate votes for
/// itself, and votedFor is persistent state, updated on stable storage before
/// responding to RPCs (Figure 2, State and Rules for Servers, Candidates).
pub fn candidate_vote_survives_restart_2c<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        two_candidates(cfg, Restarts::Candidate)
    })
}

/// Which server crashes and restarts once A leads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Restarts {
    /// V, who voted for A.
    Voter,
    /// A, who voted for itself.
    Candidate,
}

/// Two candidates A and B of one term, V's vote to A, a restart, and B's
/// RequestVote to the restarted server.
fn two_candidates<R: Raft>(cfg: &mut Config<R>, restarts: Restarts) -> crate::report::Check<()> {
    {
        let mut tried = 0;
        let mut attempts = Vec::new();
        for _ in 0..ATTEMPTS {
            let v = cfg.check_one_leader()?;
            let term = cfg.settled_term()?;
            let [a, b]: [NodeId; 2] = {
                let others: Vec<NodeId> = (0..cfg.n).filter(|&i| i != v).collect();
                [others[0], others[1]]
            };
            cfg.crash1(v);
            cfg.disconnect(a);
            cfg.disconnect(b);
            let from = cfg.now();
            cfg.keep_copies(a, true);
            cfg.keep_copies(b, true);
            let next = term + 1;
            cfg.wait_for(Duration::from_secs(5), |cfg| {
                let (ta, tb) = (cfg.term(a)?.unwrap_or(0), cfg.term(b)?.unwrap_or(0));
                Ok((ta == next && tb == next) || ta > next || tb > next)
            })?;
            cfg.keep_copies(a, false);
            cfg.keep_copies(b, false);
            let (ta, tb) = (cfg.term(a)?.unwrap_or(0), cfg.term(b)?.unwrap_or(0));
            let until = cfg.now() + Duration::from_micros(1);
            let first_a = cfg.copies(Some(a), v, from, until).first().copied();
            let first_b = cfg.copies(Some(b), v, from, until).first().copied();
            let (Some(ask_a), Some(ask_b), true) = (first_a, first_b, ta == next && tb == next)
            else {
                attempts.push(format!("terms {ta} and {tb}"));
                restore(cfg, v)?;
                continue;
            };
            // V restarts and grants A its vote.
            cfg.start1(v)?;
            cfg.echo_request(ask_a, true)?;
            let a_leads = cfg.wait_for(Duration::from_millis(50), |cfg| cfg.is_leader(a))?;
            if !a_leads || cfg.term(a)? != Some(next) {
                attempts.push(format!("server {a} did not lead term {next} on {v}'s vote"));
                restore(cfg, v)?;
                continue;
            }
            // V (or A) crashes and restarts; B asks it in the same term.
            tried += 1;
            let ask = match restarts {
                Restarts::Voter => {
                    cfg.start1(v)?;
                    ask_b
                }
                Restarts::Candidate => {
                    let Some(&ask) = cfg.copies(Some(b), a, from, until).first() else {
                        attempts.push(format!("server {b} never called {a}"));
                        tried -= 1;
                        restore(cfg, v)?;
                        continue;
                    };
                    cfg.start1(a)?;
                    ask
                }
            };
            cfg.echo_request(ask, true)?;
            cfg.sleep(Duration::from_millis(50))?;
            if cfg.is_leader(b)? && cfg.term(b)? == Some(next) {
                let story = match restarts {
                    Restarts::Voter => format!(
                        "server {v} voted for {a}, crashed, restarted, and voted for {b} in \
                         the same term"
                    ),
                    Restarts::Candidate => format!(
                        "server {a} stood in term {next} (voting for itself), won, crashed, \
                         restarted, and voted for {b} in the same term"
                    ),
                };
                return Err(cfg.failure(format!(
                    "servers {a} and {b} both lead term {next}: {story}. currentTerm, \
                     votedFor and the log are persistent state, updated on stable storage \
                     before responding to RPCs (Figure 2, State)"
                )));
            }
            restore(cfg, v)?;
            break;
        }
        cfg.h.premise(
            "a server voted, restarted, and was asked again by another candidate of that term",
            tried > 0,
            format!(
                "{} attempts: {}",
                attempts.len(),
                if attempts.is_empty() {
                    "none".to_string()
                } else {
                    attempts.join("; ")
                }
            ),
        );
        // Everyone back: the cluster agrees on a command.
        cfg.check_one_leader()?;
        cfg.one(cmd(1), cfg.n, true)?;
        Ok(())
    }
}

/// Brings the crashed server `v` back and connects everyone.
fn restore<R: Raft>(cfg: &mut Config<R>, v: NodeId) -> crate::report::Check<()> {
    cfg.start1(v)?;
    for i in 0..cfg.n {
        cfg.connect(i);
    }
    Ok(())
}

/// The sequence of Figure 8 of the Raft paper, step by step: an entry of an
/// earlier term stored on a majority can still be overwritten, so a leader
/// commits only entries of its own term by counting replicas.
///
/// Five servers agree on index 1. (a) Leader S1 stores index 2 on itself and
/// S2 only. (b) S1 crashes; S5 is elected by three others and stores its own
/// index 2, of a later term, on itself only, then crashes. (c) S1 restarts and
/// is elected (S2 cut off, so no one else can win); it copies its index 2 to
/// the two servers it reaches: a majority now stores it, but it is of an
/// earlier term, and S1 must not commit it. (d) S1 crashes; S5 restarts and,
/// with the most up-to-date log (S2 cut off, so no one else can win), is
/// elected and overwrites index 2 everywhere.
/// If S1 applied its index 2 in (c), two servers apply different commands
/// there. Rule: a leader commits an entry of an earlier term only by
/// committing one of its current term after it; never by counting replicas
/// (§5.4.2, Figure 2, Rules for Servers, Leaders).
pub fn figure8_exact_2c<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(1), n, true)?;
        // (a) S1 stores index 2 on S2 alone.
        let s1 = cfg.check_one_leader()?;
        let s2 = (s1 + 1) % n;
        let rest: Vec<NodeId> = (0..n).filter(|&i| i != s1 && i != s2).collect();
        for &i in &rest {
            cfg.disconnect(i);
        }
        expect_index(cfg, s1, cmd(2), 2)?;
        cfg.sleep(Duration::from_millis(300))?;
        // (b) S1 crashes; S5, elected by the rest, stores its own index 2 alone.
        cfg.crash1(s1);
        cfg.disconnect(s2);
        for &i in &rest {
            cfg.connect(i);
        }
        let s5 = cfg.check_one_leader()?;
        cfg.disconnect(s5);
        expect_index(cfg, s5, cmd(5), 2)?;
        cfg.sleep(Duration::from_millis(100))?;
        cfg.crash1(s5);
        let others: Vec<NodeId> = rest.iter().copied().filter(|&i| i != s5).collect();
        // (c) S1 restarts; with S2 cut off only S1 can win; it copies index 2.
        cfg.start1(s1)?;
        cfg.connect(s1);
        cfg.check_leader_is(s1)?;
        cfg.sleep(Duration::from_millis(500))?;
        let copies = others.len() + 2; // S1, S2 and the servers S1 reaches
        // (d) S1 crashes; S5 restarts and, S2 cut off, only it can win.
        cfg.crash1(s1);
        cfg.start1(s5)?;
        cfg.connect(s5);
        cfg.check_leader_is(s5)?;
        cfg.connect(s2);
        // S5 commits its index 2 with an entry of its own term; if S1 applied
        // its own index 2 in (c), the tester sees two commands at index 2.
        cfg.one(cmd(6), n - 1, true)?;
        let (_, at2) = cfg.n_committed(2)?;
        cfg.h.premise(
            "the entry of the earlier term was stored on a majority and then overwritten",
            at2 == Some(cmd(5)),
            format!(
                "{copies} of {n} servers held server {s1}'s index 2; index 2 ended as {:?}",
                at2.as_deref().map(Config::<R>::show)
            ),
        );
        // Everyone back.
        cfg.start1(s1)?;
        cfg.connect(s1);
        cfg.one(cmd(7), n, true)?;
        Ok(())
    })
}

/// Has `leader` start `command` and checks that it got `index`.
fn expect_index<R: Raft>(
    cfg: &mut Config<R>,
    leader: NodeId,
    command: Vec<u8>,
    index: u64,
) -> crate::report::Check<()> {
    let got = cfg.start_as_leader(leader, command)?;
    if got != index {
        return Err(cfg.failure(format!(
            "tester: server {leader} put the command at index {got}, not {index}: does its \
             log hold entries nobody started?"
        )));
    }
    Ok(())
}

/// Churn (as `unreliable_churn_2c`: three clients keep offering commands while
/// servers are cut off, crashed and restarted at random) on a hostile network:
/// besides losing messages, it holds replies back up to 2.2 s and delivers one
/// request in ten a second time, up to 2.2 s late, also to a server restarted
/// since. Every value a client saw committed must be in the final log. Rule:
/// a request or reply of an earlier term, or one that arrives twice, changes
/// nothing it should not: receivers refuse older terms and keep entries that
/// already match (AppendEntries receiver 1 and 3), and senders ignore replies
/// to requests of an earlier term (the Students' Guide, "term confusion").
///
/// Premises: those of `unreliable_churn_2c`, and the network held replies back
/// and duplicated requests.
pub fn hostile_churn_2c<R: Raft>(spec: &RunSpec) -> Report {
    crate::raft::part_2c::churn::<R>(spec, Net::Hostile)
}

/// Figure 8 (as `figure8_unreliable_2c`: leaders cut off right after
/// accepting an entry, a thousand times) on a hostile network from the start:
/// replies held back, requests delivered twice and late. Rule: as
/// [`hostile_churn_2c`], and a leader commits only entries of its own term by
/// counting replicas (§5.4.2).
///
/// Premises: those of `figure8_unreliable_2c`, and the network duplicated
/// requests.
pub fn hostile_figure8_2c<R: Raft>(spec: &RunSpec) -> Report {
    crate::raft::part_2c::figure8_on::<R>(spec, Net::Hostile, false)
}

/// Figure 8 (as `figure8_unreliable_2c`: leaders cut off right after
/// accepting an entry, a thousand times, on an unreliable network) in a storm
/// of stale calls (see [`crate::raft::storm`]): every 20 ms up to three kept
/// calls whose caller has since moved to a later term, and whose server has
/// reached the request's term, are delivered again (answered), and one such
/// answered call's reply reaches its caller again.
/// Rule: requests of older terms are refused and change nothing; replies to
/// requests of an earlier term are ignored, so neither old votes nor old
/// acknowledgements count (`match_index` and commitment come only from
/// replies of the current term).
///
/// Premises: those of `figure8_unreliable_2c`, and stale requests and
/// replies were delivered again.
pub fn stale_storm_figure8_2c<R: Raft>(spec: &RunSpec) -> Report {
    crate::raft::part_2c::figure8_on::<R>(spec, Net::Unreliable, true)
}

/// How many committed entries the rejoining follower of
/// [`far_behind_unreliable_2c`] lacks.
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
/// 6.824 lab's fast log backtracking, which its tests time, and which its
/// lab text asks for in 2C). Last, L rejoins and all three agree.
///
/// Premise: F had applied none of the 1,000 entries when it rejoined.
pub fn far_behind_unreliable_2c<R: Raft>(spec: &RunSpec) -> Report {
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

/// A failed check of [`far_behind_unreliable_2c`]'s agreement with the
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
