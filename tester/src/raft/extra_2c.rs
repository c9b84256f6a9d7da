//! raftlab's own 2C scenarios: a crash at the moment persistence decides.

use std::time::Duration;

use labrpc::NodeId;
use raft::Raft;

use crate::raft::config::{Config, Net};
use crate::raft::extra_2a::{settled_term, wait_for};
use crate::registry::RunSpec;
use crate::report::Report;

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
            let term = settled_term(cfg)?;
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
            wait_for(cfg, Duration::from_secs(5), |cfg| {
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
            let a_leads = wait_for(cfg, Duration::from_millis(50), |cfg| cfg.is_leader(a))?;
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
        cfg.one(crate::raft::checker::cmd(1), cfg.n, true)?;
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
