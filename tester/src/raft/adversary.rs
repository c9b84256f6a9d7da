//! The tester's hand on the network beyond 6.824's: single ends switched one
//! way, and kept copies of a server's calls delivered again (echoes: the
//! duplicates and late arrivals of a real network). raftlab's own scenarios
//! use them to put a server exactly where a rule of Figure 2 decides.

use labrpc::{NodeId, Time};
use raft::Raft;

use crate::raft::config::Config;
use crate::report::Check;

impl<R: Raft> Config<R> {
    /// Server `i`'s term, or `None` if it is down.
    pub fn term(&self, i: NodeId) -> Check<Option<u64>> {
        Ok(self.state(i)?.map(|(term, _)| term))
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
