// @solution-file
//! Log compaction (section 7): the service's snapshots, and InstallSnapshot on
//! both sides.

use super::Peer;
use super::rpc::{InstallSnapshotArgs, InstallSnapshotReply};
use crate::{ApplyMsg, RaftContext, Role};

impl Peer {
    /// The service snapshotted through `index`: drop the log up to it.
    pub(super) fn take_snapshot(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        index: u64,
        snapshot: Vec<u8>,
    ) {
        if index <= self.log.snapshot_index() || index > self.last_applied {
            return;
        }
        let term = self
            .log
            .term_at(index)
            .expect("applied entries are in the log");
        self.log.compact_to(index, term);
        self.snapshot = snapshot;
        self.dirty = true;
        self.snapshot_dirty = true;
        ctx.log(format_args!(
            "[snapshot] service snapshot through {index}; log now {}..={}",
            index + 1,
            self.log.last_index()
        ));
    }

    /// InstallSnapshot receiver.
    pub(super) fn on_install_snapshot(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        leader: usize,
        args: InstallSnapshotArgs,
    ) -> InstallSnapshotReply {
        self.observe_term(ctx, args.term);
        let reply = InstallSnapshotReply {
            term: self.current_term,
        };
        if args.term < self.current_term {
            return reply;
        }
        self.role = Role::Follower;
        self.reset_election_deadline(ctx);
        // Everything through commit_index is already applied: nothing to learn.
        if args.last_included_index <= self.commit_index {
            return reply;
        }
        ctx.log(format_args!(
            "[snapshot] installing {leader}'s snapshot through {} (term {})",
            args.last_included_index, args.last_included_term
        ));
        self.log
            .compact_to(args.last_included_index, args.last_included_term);
        self.snapshot = args.data.clone();
        self.dirty = true;
        self.snapshot_dirty = true;
        self.commit_index = args.last_included_index;
        self.last_applied = args.last_included_index;
        ctx.apply(ApplyMsg::Snapshot {
            index: args.last_included_index,
            term: args.last_included_term,
            snapshot: args.data,
        });
        reply
    }

    /// A follower answered this server's InstallSnapshot.
    pub(super) fn on_snapshot_reply(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        peer: usize,
        args: InstallSnapshotArgs,
        reply: InstallSnapshotReply,
    ) {
        self.observe_term(ctx, reply.term);
        if self.role != Role::Leader || args.term != self.current_term {
            return;
        }
        if args.last_included_index > self.match_index[peer] {
            self.match_index[peer] = args.last_included_index;
            self.advance_commit(ctx);
        }
        let next = self.match_index[peer] + 1;
        if next > self.next_index[peer] {
            self.next_index[peer] = next;
        }
        if self.next_index[peer] <= self.log.last_index() {
            self.send_to(ctx, peer);
        }
    }
}
