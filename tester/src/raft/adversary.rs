//! The tester's hand on the network beyond 6.824's: single ends switched one
//! way, kept copies of a server's calls delivered again (echoes: the
//! duplicates and late arrivals of a real network), and a service that does
//! not snapshot on one server. raftlab's own scenarios use them to put a
//! server exactly where a rule of Figure 2 or 13 decides.

use std::time::Duration;

use labrpc::{NodeId, Time};
use raft::Raft;

use crate::raft::checker::Tester;
use crate::raft::config::Config;
use crate::report::Check;

impl<R: Raft> Config<R> {
    /// Server `i`'s term, or `None` if it is down.
    pub fn term(&self, i: NodeId) -> Check<Option<u64>> {
        Ok(self.state(i)?.map(|(term, _)| term))
    }

    /// Runs until server `i` is in term `term` or a later one, for at most
    /// `limit` (checked every 10 ms): whether it got there.
    pub fn wait_for_term(&mut self, i: NodeId, term: u64, limit: Duration) -> Check<bool> {
        self.wait_for(limit, |cfg| Ok(cfg.term(i)?.is_some_and(|t| t >= term)))
    }

    /// Whether server `i` is up and claims to lead.
    pub fn is_leader(&self, i: NodeId) -> Check<bool> {
        Ok(matches!(self.state(i)?, Some((_, true))))
    }

    /// Calls `start(command)` on server `i`, which the scenario made leader:
    /// the index it got, or a failure if it refused.
    pub fn start_as_leader(&mut self, i: NodeId, command: Vec<u8>) -> Check<u64> {
        match self.start(i, command)? {
            Some((index, _)) => Ok(index),
            None => Err(self.failure(format!("server {i} refused start() while leader"))),
        }
    }

    /// Waits for one leader (as [`Config::check_one_leader`]) and fails unless
    /// it is `expected`, the only server whose log is up to date enough to win.
    pub fn check_leader_is(&mut self, expected: NodeId) -> Check<()> {
        let leader = self.check_one_leader()?;
        if leader != expected {
            return Err(self.failure(format!(
                "server {leader} was elected although server {expected}'s log is more up to \
                 date than those of the servers it reaches (§5.4.1: a vote goes only to a \
                 candidate whose log is at least as up-to-date as the voter's)"
            )));
        }
        Ok(())
    }

    /// Runs until `done` holds of what the tester has seen, checked after
    /// every event (not every 10 ms as [`Config::wait_for`]), for at most
    /// `limit`: whether it held.
    pub fn run_until_seen(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&Tester<R>) -> bool,
    ) -> Check<bool> {
        self.h.run_until_or(limit, |sim| done(sim.observer()))
    }

    /// The last index server `i` applied in its current life (2D).
    pub fn applied_through(&self, i: NodeId) -> u64 {
        self.h.sim.observer().last_applied(i)
    }

    /// The index of the last snapshot the tester's service handed server `i`
    /// (2D; 0 if none).
    pub fn snapshot_taken(&self, i: NodeId) -> u64 {
        self.h.sim.observer().snapshot_taken(i)
    }

    /// Whether the service on server `i` calls `snapshot` every 10 applied
    /// commands (2D; on by default). A service may snapshot when it likes:
    /// kvraft's does when its Raft state grows large, so its servers snapshot
    /// at different indexes.
    pub fn service_snapshots(&mut self, i: NodeId, on: bool) {
        let verb = if on { "resumes" } else { "stops" };
        self.h
            .sim
            .note(format!("the service on {i} {verb} taking snapshots"));
        self.h.sim.observer_mut().set_takes_snapshots(i, on);
    }

    /// Enables or disables only the end from `from` to `to`: `from`'s calls
    /// to `to` (and their replies) pass or fail; the other direction is
    /// another end.
    pub fn set_end(&mut self, from: NodeId, to: NodeId, on: bool) {
        let verb = if on { "enable" } else { "disable" };
        self.h.sim.note(format!("{verb} end {from}→{to}"));
        self.h.sim.set_end(from, to, on);
    }

    /// Starts (or stops) keeping a copy of every call server `i` makes.
    pub fn keep_copies(&mut self, i: NodeId, on: bool) {
        let verb = if on { "keep" } else { "stop keeping" };
        self.h.sim.note(format!("{verb} copies of {i}'s calls"));
        self.h.sim.keep_copies(i, on);
    }

    /// Starts (or stops) keeping a copy of every call any server makes.
    pub fn keep_all_copies(&mut self, on: bool) {
        for i in 0..self.n {
            self.keep_copies(i, on);
        }
    }

    /// The kept copies of calls from `caller` (any server if `None`) to
    /// `server` sent in `from..until`, oldest first, as indexes for the echo
    /// methods.
    pub fn copies(
        &self,
        caller: Option<NodeId>,
        server: NodeId,
        from: Time,
        until: Time,
    ) -> Vec<usize> {
        self.h
            .sim
            .copies()
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                caller.is_none_or(|caller| c.caller() == caller)
                    && c.server() == server
                    && (from..until).contains(&c.sent_at())
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Of `copies`, those whose reply came back to the caller.
    pub fn answered(&self, copies: &[usize]) -> Vec<usize> {
        let kept = self.h.sim.copies();
        copies
            .iter()
            .copied()
            .filter(|&i| kept[i].has_reply())
            .collect()
    }

    /// Delivers the request of copy `index` again to its server now; with
    /// `answer` its reply goes back to the caller.
    pub fn echo_request(&mut self, index: usize, answer: bool) -> Check<()> {
        self.h
            .sim
            .echo_request(index, answer)
            .map_err(|e| self.failure(format!("tester: {e}")))
    }

    /// Delivers the reply of copy `index` again to its caller now.
    pub fn echo_reply(&mut self, index: usize) -> Check<()> {
        self.h
            .sim
            .echo_reply(index)
            .map_err(|e| self.failure(format!("tester: {e}")))
    }
}
