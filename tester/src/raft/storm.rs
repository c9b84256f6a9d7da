//! A storm of stale calls: the tester keeps a copy of every call and, every
//! 20 ms, delivers up to three of them again whose caller has since moved on
//! to a later term, whose server has reached the request's term and can be
//! reached from the caller now (picked among distinct requests, so that a
//! heartbeat sent a hundred times is no likelier than a RequestVote sent
//! once): the request to its server (whose reply goes back to the caller);
//! and one reply of such a call that was answered, to its caller again. Each
//! such reply reaches its caller in a later term than its request's, where
//! Figure 2 has it ignored; each request is one a real network could deliver
//! late. Where the echo scenarios of `extra_2a` build one such moment, a
//! storm keeps making them while a 6.824 workload runs.
//!
//! It also holds the wording of the rules a storm tests, which failures in a
//! storm (and the echo scenarios) add to their messages.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::rc::Rc;
use std::time::Duration;

use labrpc::rand::RngExt;
use raft::Raft;

use crate::raft::checker::RaftSim;
use crate::raft::config::Config;
use crate::report::Failure;

/// How often the storm delivers stale calls again.
const EVERY: Duration = Duration::from_millis(20);
/// How many it delivers each time, at most.
const PER_TICK: usize = 3;

/// What servers refuse as stale must not restart their election timers.
pub(crate) const TIMER_RULE: &str = "a follower restarts its election timer only on AppendEntries from \
     the current leader, on granting a vote, or on standing for election; a request of an \
     older term is refused and changes nothing (Figure 2, Rules for Servers, Followers, and \
     AppendEntries and RequestVote receiver 1; the Students' Guide)";

/// A failed check of `check_one_leader` in round `round` of a storm, with
/// the rules a storm tests.
pub(crate) fn in_storm(failure: Failure, round: usize) -> Failure {
    failure.in_context(format_args!(
        "round {round}, in a storm of stale calls: {TIMER_RULE}; and a reply to a request of an \
         earlier term is ignored, so no vote of an earlier election counts (§5.2; the \
         Students' Guide, term confusion)"
    ))
}

/// What a storm has done, and whether it should stop.
#[derive(Default)]
pub struct Storm {
    stop: bool,
    /// For each kept copy, a term its request's is at most: its caller's at
    /// the first tick after it was sent (`u64::MAX` if the caller was down).
    bound: Vec<u64>,
    /// The kept copies of each caller's distinct calls, oldest first (their
    /// bounds never decrease: a term never does, across restarts too).
    by_caller: Vec<Vec<usize>>,
    /// Each distinct call's caller, server and request hash.
    distinct: BTreeSet<(usize, usize, u64)>,
    /// Requests delivered again.
    pub requests: u64,
    /// Replies delivered again.
    pub replies: u64,
}

impl<R: Raft> Config<R> {
    /// Starts a storm of stale calls (see the module's text).
    pub fn start_storm(&mut self) -> Rc<RefCell<Storm>> {
        self.keep_all_copies(true);
        self.h.sim.note("a storm of stale calls begins");
        let storm = Rc::new(RefCell::new(Storm::default()));
        let handle = Rc::clone(&storm);
        self.h
            .sim
            .schedule(EVERY, "storm", move |sim| tick(sim, handle));
        storm
    }

    /// Stops the storm, and its premise: stale requests and replies were
    /// delivered again.
    pub fn stop_storm(&mut self, storm: &Rc<RefCell<Storm>>) {
        storm.borrow_mut().stop = true;
        self.keep_all_copies(false);
        let (requests, replies) = {
            let s = storm.borrow();
            (s.requests, s.replies)
        };
        self.h.premise(
            "calls of earlier terms reached their servers and callers again",
            requests > 0 && replies > 0,
            format!("{requests} requests and {replies} replies delivered again"),
        );
    }
}

fn tick<R: Raft>(sim: &mut RaftSim<R>, storm: Rc<RefCell<Storm>>) -> Result<(), String> {
    if storm.borrow().stop {
        return Ok(());
    }
    let n = sim.node_count();
    let terms: Vec<Option<u64>> = (0..n)
        .map(|i| {
            sim.is_alive(i)
                .then(|| sim.observer().seen(i))
                .flatten()
                .map(|(term, _)| term)
        })
        .collect();
    // The stale copies of each caller: a prefix of its list.
    let stale: Vec<Vec<usize>> = {
        let mut s = storm.borrow_mut();
        let s = &mut *s;
        s.by_caller.resize(n, Vec::new());
        let kept = sim.copies();
        for (i, copy) in kept.iter().enumerate().skip(s.bound.len()) {
            let caller = copy.caller();
            let bound = terms[caller].unwrap_or(u64::MAX);
            s.bound.push(bound);
            // A request sent again as it was (a heartbeat, say) is one
            // stale call, not many: the storm picks among distinct ones.
            let mut hasher = DefaultHasher::new();
            copy.request().hash(&mut hasher);
            if s.distinct.insert((caller, copy.server(), hasher.finish())) {
                s.by_caller[caller].push(i);
            }
        }
        (0..n)
            .map(|c| match terms[c] {
                Some(t) => {
                    let k = s.by_caller[c].partition_point(|&i| s.bound[i] < t);
                    s.by_caller[c][..k].to_vec()
                }
                None => Vec::new(),
            })
            .collect()
    };
    // Only requests no newer than their server's term: a request of a term
    // its server has not reached would be news to it, not stale (a cut-off
    // candidate's, say, which would depose a healthy leader). And only
    // between servers that can reach each other now: a late message crosses
    // no partition (a cut-off candidate's high term would come back in its
    // replies and depose a healthy leader).
    let all: Vec<usize> = {
        let s = storm.borrow();
        let kept = sim.copies();
        stale
            .into_iter()
            .flatten()
            .filter(|&i| {
                let (caller, server) = (kept[i].caller(), kept[i].server());
                terms[server].is_some_and(|t| t >= s.bound[i])
                    && sim.net().is_enabled(caller, server)
            })
            .collect()
    };
    let answered: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| sim.copies()[i].has_reply())
        .collect();
    for _ in 0..PER_TICK.min(all.len()) {
        let i = all[sim.tester_rng().random_range(0..all.len())];
        sim.echo_request(i, true).map_err(|e| e.to_string())?;
        storm.borrow_mut().requests += 1;
    }
    if !answered.is_empty() {
        let i = answered[sim.tester_rng().random_range(0..answered.len())];
        sim.echo_reply(i).map_err(|e| e.to_string())?;
        storm.borrow_mut().replies += 1;
    }
    sim.schedule(EVERY, "storm", move |sim| tick(sim, storm));
    Ok(())
}
