// @solution-file
//! Log replication (Figure 2, section 5.3): the leader's AppendEntries to each
//! follower with fast backtracking on a mismatch, the follower's side, the
//! commit index, and applying committed entries in order.

use super::Peer;
use super::rpc::{AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs, Request};
use crate::{ApplyMsg, RaftContext, Role};

impl Peer {
    /// Sends every follower what it lacks (a heartbeat if nothing).
    pub(super) fn broadcast(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        let me = self.me;
        for peer in (0..self.peers).filter(|&p| p != me) {
            self.send_to(ctx, peer);
        }
    }

    /// Sends the commands started since the last send to every follower that
    /// has not been sent them.
    pub(super) fn replicate_new(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        let me = self.me;
        for peer in (0..self.peers).filter(|&p| p != me) {
            if self.next_index[peer] <= self.log.last_index() {
                self.send_to(ctx, peer);
            }
        }
    }

    /// Sends `peer` the entries from its `next_index` on (or the snapshot, if the
    /// log no longer holds them), and assumes they arrive: `next_index` moves past
    /// them, and moves back if the follower turns out to lack them.
    pub(super) fn send_to(&mut self, ctx: &mut RaftContext<'_, '_, Self>, peer: usize) {
        let next = self.next_index[peer];
        if next <= self.log.snapshot_index() {
            ctx.call(
                peer,
                Request::InstallSnapshot(InstallSnapshotArgs {
                    term: self.current_term,
                    last_included_index: self.log.snapshot_index(),
                    last_included_term: self.log.snapshot_term(),
                    data: self.snapshot.clone(),
                }),
            );
            return;
        }
        let prev_log_index = next - 1;
        let prev_log_term = self
            .log
            .term_at(prev_log_index)
            .expect("next_index is within the log");
        let entries = self.log.entries_from(next);
        self.next_index[peer] = self.log.last_index() + 1;
        ctx.call(
            peer,
            Request::AppendEntries(AppendEntriesArgs {
                term: self.current_term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit: self.commit_index,
            }),
        );
    }

    /// AppendEntries receiver (Figure 2).
    pub(super) fn on_append_entries(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        leader: usize,
        mut args: AppendEntriesArgs,
    ) -> AppendEntriesReply {
        self.observe_term(ctx, args.term);
        let mut reply = AppendEntriesReply {
            term: self.current_term,
            success: false,
            conflict_term: None,
            conflict_index: 0,
        };
        if args.term < self.current_term {
            return reply;
        }
        if self.role == Role::Candidate {
            ctx.log(format_args!(
                "[election] term {}: {leader} is leader, candidate becomes follower",
                self.current_term
            ));
        }
        self.role = Role::Follower;
        self.reset_election_deadline(ctx);

        // Entries the snapshot already covers are committed, so they match.
        let snapshot_index = self.log.snapshot_index();
        if args.prev_log_index < snapshot_index {
            let skip = (snapshot_index - args.prev_log_index) as usize;
            let covered = args.entries.len().min(skip);
            args.entries.drain(..covered);
            if covered < skip {
                reply.success = true;
                return reply;
            }
            args.prev_log_index = snapshot_index;
            args.prev_log_term = self.log.snapshot_term();
        }

        match self.log.term_at(args.prev_log_index) {
            None => {
                reply.conflict_index = self.log.last_index() + 1;
                ctx.log(format_args!(
                    "[append] reject: no entry at {}, log ends at {}",
                    args.prev_log_index,
                    self.log.last_index()
                ));
                return reply;
            }
            Some(term) if term != args.prev_log_term => {
                reply.conflict_term = Some(term);
                reply.conflict_index = self.log.first_index_of_term(args.prev_log_index, term);
                ctx.log(format_args!(
                    "[append] reject: entry {} has term {term}, leader's has {}",
                    args.prev_log_index, args.prev_log_term
                ));
                return reply;
            }
            Some(_) => {}
        }

        let last_new = args.prev_log_index + args.entries.len() as u64;
        for (index, entry) in (args.prev_log_index + 1..).zip(args.entries) {
            match self.log.term_at(index) {
                Some(term) if term == entry.term => continue,
                Some(_) => {
                    ctx.log(format_args!(
                        "[append] conflict at {index}: dropping entries {index}..={}",
                        self.log.last_index()
                    ));
                    self.log.truncate_from(index);
                }
                None => {}
            }
            self.log.append(entry);
            self.dirty = true;
        }
        if args.leader_commit > self.commit_index {
            self.set_commit_index(ctx, args.leader_commit.min(last_new));
        }
        reply.success = true;
        reply
    }

    /// A follower answered (or failed to answer) this server's AppendEntries.
    pub(super) fn on_append_reply(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        peer: usize,
        args: AppendEntriesArgs,
        reply: Option<AppendEntriesReply>,
    ) {
        if let Some(reply) = &reply {
            self.observe_term(ctx, reply.term);
        }
        if self.role != Role::Leader || args.term != self.current_term {
            return;
        }
        let sent_through = args.prev_log_index + args.entries.len() as u64;
        let Some(reply) = reply else {
            // Lost: send these entries again with the next heartbeat.
            if self.match_index[peer] < sent_through {
                self.next_index[peer] = self.next_index[peer].min(args.prev_log_index + 1);
            }
            return;
        };
        if reply.success {
            if sent_through > self.match_index[peer] {
                self.match_index[peer] = sent_through;
                self.advance_commit(ctx);
            }
            self.next_index[peer] = self.next_index[peer].max(self.match_index[peer] + 1);
            return;
        }
        // Fast backtracking: skip the follower's whole conflicting term, or to the
        // end of its log.
        let hint = match reply.conflict_term {
            Some(term) => self
                .log
                .last_index_of_term(term)
                .map_or(reply.conflict_index, |last| last + 1),
            None => reply.conflict_index,
        };
        let next = hint.max(self.match_index[peer] + 1).max(1);
        if next < self.next_index[peer] {
            ctx.log(format_args!(
                "[append] {peer} rejected at {}: next_index {} -> {next}",
                args.prev_log_index, self.next_index[peer]
            ));
            self.next_index[peer] = next;
            self.send_to(ctx, peer);
        }
    }

    /// Leaders: commits the highest index of the current term stored on a
    /// majority (entries of earlier terms commit with it, section 5.4.2).
    pub(super) fn advance_commit(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        self.match_index[self.me] = self.log.last_index();
        let mut matched = self.match_index.clone();
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let majority = matched[self.peers / 2];
        if majority > self.commit_index && self.log.term_at(majority) == Some(self.current_term) {
            self.set_commit_index(ctx, majority);
        }
    }

    /// Raises `commit_index` and applies every newly committed entry, in order.
    pub(super) fn set_commit_index(&mut self, ctx: &mut RaftContext<'_, '_, Self>, index: u64) {
        if index <= self.commit_index {
            return;
        }
        ctx.log(format_args!(
            "[commit] commit_index {} -> {index}",
            self.commit_index
        ));
        self.commit_index = index;
        while self.last_applied < self.commit_index {
            let index = self.last_applied + 1;
            let entry = self
                .log
                .entry(index)
                .expect("committed entries are in the log");
            ctx.apply(ApplyMsg::Command {
                index,
                command: entry.command.clone(),
            });
            self.last_applied = index;
        }
    }
}
