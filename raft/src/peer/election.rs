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
        let args = RequestVoteArgs {
            term: self.current_term,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in (0..self.peers).filter(|&p| p != self.me) {
            ctx.call(peer, Request::RequestVote(args.clone()));
        }
        self.count_votes(ctx);
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
