// @solution-file
//! Leader election (Figure 2, section 5.2): the election timer, RequestVote on
//! both sides, and the moves between follower, candidate and leader.

use std::time::Duration;

use labrpc::rand::RngExt;

use super::rpc::{Request, RequestVoteArgs, RequestVoteReply};
use super::{ELECTION_TIMEOUT_MS, HEARTBEAT, Peer, Timer};
use crate::{RaftContext, Role};

impl Peer {
    /// Draws a new election timeout from now.
    pub(super) fn reset_election_deadline(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        let timeout = ctx.rng().random_range(ELECTION_TIMEOUT_MS);
        self.election_deadline = ctx.now() + Duration::from_millis(timeout);
    }

    /// The election timer fired: stand for election if the deadline passed, and
    /// keep the timer running for the next deadline.
    pub(super) fn on_election_timer(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        if self.role == Role::Leader {
            self.reset_election_deadline(ctx);
        } else if ctx.now() >= self.election_deadline {
            self.start_election(ctx);
        }
        let after = self.election_deadline.saturating_since(ctx.now());
        ctx.set_timer(after, Timer::Election);
    }

    /// Rules for all servers: a message with a higher term makes this server a
    /// follower of that term.
    pub(super) fn observe_term(&mut self, ctx: &mut RaftContext<'_, '_, Self>, term: u64) {
        if term > self.current_term {
            if self.role != Role::Follower {
                ctx.log(format_args!(
                    "[election] term {term} seen: {} of term {} becomes follower",
                    self.role.name(),
                    self.current_term
                ));
            }
            self.current_term = term;
            self.voted_for = None;
            self.role = Role::Follower;
            self.dirty = true;
        }
    }

    /// Becomes a candidate of the next term and asks every peer for its vote.
    fn start_election(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        self.current_term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(self.me);
        self.dirty = true;
        self.votes = vec![false; self.peers];
        self.votes[self.me] = true;
        self.reset_election_deadline(ctx);
        ctx.log(format_args!(
            "[election] term {}: election timeout, standing as candidate",
            self.current_term
        ));
        self.request_votes(ctx);
        self.count_votes(ctx);
    }

    /// Sends RequestVote of the current term to every peer whose vote is not
    /// yet granted, and asks again a heartbeat later. A reply can be lost or
    /// held back longer than an election timeout; a voter grants the same
    /// candidate again in the same term, so each request is another chance to
    /// win this election before the timeout starts the next one.
    fn request_votes(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        let args = RequestVoteArgs {
            term: self.current_term,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in (0..self.peers).filter(|&p| !self.votes[p]) {
            ctx.call(peer, Request::RequestVote(args.clone()));
        }
        if self.peers > 1 {
            ctx.set_timer(HEARTBEAT, Timer::Canvass(self.current_term));
        }
    }

    /// The canvass timer fired: ask again while still candidate of `term`.
    pub(super) fn on_canvass_timer(&mut self, ctx: &mut RaftContext<'_, '_, Self>, term: u64) {
        if self.role == Role::Candidate && term == self.current_term {
            self.request_votes(ctx);
        }
    }

    /// RequestVote receiver (Figure 2).
    pub(super) fn on_request_vote(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        candidate: usize,
        args: RequestVoteArgs,
    ) -> RequestVoteReply {
        self.observe_term(ctx, args.term);
        let up_to_date = (args.last_log_term, args.last_log_index)
            >= (self.log.last_term(), self.log.last_index());
        let vote_granted = args.term == self.current_term
            && self.voted_for.is_none_or(|v| v == candidate)
            && up_to_date;
        if vote_granted {
            if self.voted_for.is_none() {
                self.voted_for = Some(candidate);
                self.dirty = true;
            }
            self.reset_election_deadline(ctx);
            ctx.log(format_args!(
                "[vote] term {}: vote for {candidate}",
                self.current_term
            ));
        }
        RequestVoteReply {
            term: self.current_term,
            vote_granted,
        }
    }

    /// A peer answered this server's RequestVote.
    pub(super) fn on_vote_reply(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        voter: usize,
        args: RequestVoteArgs,
        reply: RequestVoteReply,
    ) {
        self.observe_term(ctx, reply.term);
        if self.role == Role::Candidate && args.term == self.current_term && reply.vote_granted {
            self.votes[voter] = true;
            self.count_votes(ctx);
        }
    }

    /// Becomes leader on a majority of votes.
    fn count_votes(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        let votes = self.votes.iter().filter(|&&v| v).count();
        if self.role == Role::Candidate && 2 * votes > self.peers {
            self.become_leader(ctx);
        }
    }

    /// Takes office: resets `next_index` and `match_index` and asserts leadership
    /// with heartbeats at once.
    fn become_leader(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        self.role = Role::Leader;
        ctx.log(format_args!(
            "[election] term {}: leader with votes {:?}, log ends at {}",
            self.current_term,
            (0..self.peers)
                .filter(|&p| self.votes[p])
                .collect::<Vec<_>>(),
            self.log.last_index()
        ));
        let next = self.log.last_index() + 1;
        self.next_index = vec![next; self.peers];
        self.match_index = vec![0; self.peers];
        self.match_index[self.me] = self.log.last_index();
        self.broadcast(ctx);
        ctx.set_timer(HEARTBEAT, Timer::Heartbeat(self.current_term));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use labrpc::Sim;

    use crate::node::{RaftNode, RaftProtocol};
    use crate::{Peer, Role};

    /// How long two servers of three, on a network that loses one message in
    /// ten and holds two replies in three back 200-2200 ms, take to elect a
    /// leader: `None` if they have none after `limit`.
    fn time_to_leader(seed: u64, limit: Duration) -> Option<Duration> {
        let mut sim: Sim<RaftProtocol<Peer>> = Sim::new(seed, ());
        for me in 0..3 {
            sim.add_node(move |ctx| RaftNode::<Peer>::create(ctx, me, 3))
                .unwrap();
        }
        sim.crash(2);
        sim.set_reliable(false);
        sim.set_long_reordering(true);
        let leader = |sim: &Sim<RaftProtocol<Peer>>| {
            (0..2).any(|i| {
                sim.node::<RaftNode<Peer>>(i)
                    .is_some_and(|n| n.raft().role == Role::Leader)
            })
        };
        let elected = sim.run_until(limit, leader).unwrap();
        elected.then(|| sim.now().since_start())
    }

    /// A candidate asks again for the votes it has not been granted, a
    /// heartbeat apart: with one server of three down and two replies in
    /// three held back longer than most election timeouts, the other two elect
    /// a leader within 4 s on each of 500 seeds. (A candidate that asks once
    /// per term takes longer than 4 s on some of them, and up to 8 s.)
    #[test]
    fn a_candidate_asks_again_for_votes_held_back() {
        let limit = Duration::from_secs(4);
        let slow: Vec<u64> = (1..=500)
            .filter(|&seed| time_to_leader(seed, limit).is_none())
            .collect();
        assert!(
            slow.is_empty(),
            "no leader within {limit:?} on seeds {slow:?}: does a candidate ask again for \
             the votes whose replies were lost or held back?"
        );
    }
}
