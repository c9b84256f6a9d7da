//! Your Raft server: the struct [`Peer`] and its [`Raft`] implementation.
//!
//! This directory is yours. Keep Figure 2 of the Raft paper beside you; the
//! names below are its names. Split your code into files as you like (one for
//! elections, one for replication, one for snapshots works well).

// @solution 2A
mod election;
mod log;
mod persist;
mod replication;
mod rpc;
mod snapshot;

pub use log::Entry;
pub use rpc::{Reply, Request};
// @end

use crate::prelude::*;

// @solution 2A
/// Time between heartbeats: the tester allows at most ten per second per peer.
pub(crate) const HEARTBEAT: Duration = Duration::from_millis(100);
/// Election timeouts are drawn from this range (in milliseconds).
pub(crate) const ELECTION_TIMEOUT_MS: std::ops::Range<u64> = 300..600;
/// How long a leader gathers new commands before sending them: commands started
/// within this window travel in one AppendEntries per follower and are saved
/// together, at the cost of this much latency.
pub(crate) const BATCH: Duration = Duration::from_millis(5);

/// The timers a server sets.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Check whether the election timeout has passed without word from a leader.
    Election,
    /// Send heartbeats, if still leader of this term.
    Heartbeat(u64),
    /// Send newly started commands, if still leader of this term.
    Replicate(u64),
    /// Ask again for the votes not yet granted, if still candidate of this term.
    Canvass(u64),
}

/// A Raft server (the reference solution).
pub struct Peer {
    /// This server's index.
    pub(crate) me: usize,
    /// Number of servers.
    pub(crate) peers: usize,

    // Persistent state on all servers (Figure 2).
    /// The latest term this server has seen.
    pub(crate) current_term: u64,
    /// The candidate that received this server's vote in `current_term`.
    pub(crate) voted_for: Option<usize>,
    /// The log, after the snapshot.
    pub(crate) log: log::Log,
    /// The service's latest snapshot (through `log.snapshot_index()`).
    pub(crate) snapshot: Vec<u8>,

    // Volatile state on all servers.
    /// Highest index known to be committed.
    pub(crate) commit_index: u64,
    /// Highest index applied.
    pub(crate) last_applied: u64,
    /// Follower, candidate or leader.
    pub(crate) role: Role,
    /// When to stand for election unless a leader or candidate is heard from.
    pub(crate) election_deadline: Time,
    /// Votes received in the current election (candidates).
    pub(crate) votes: Vec<bool>,

    // Volatile state on leaders.
    /// For each server, the index of the next entry to send it.
    pub(crate) next_index: Vec<u64>,
    /// For each server, the highest index known to be replicated on it.
    pub(crate) match_index: Vec<u64>,
    /// A Replicate timer is set.
    pub(crate) replicate_pending: bool,

    /// State changed since it was last persisted.
    pub(crate) dirty: bool,
    /// The snapshot changed since it was last persisted.
    pub(crate) snapshot_dirty: bool,
}

impl Peer {
    /// Persists the state if a handler changed it. Called at the end of every
    /// handler: the simulator sends replies and requests only after the handler
    /// returns, so they never leave before the state they depend on is saved.
    fn persist(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        if !self.dirty && !self.snapshot_dirty {
            return;
        }
        let header = persist::Header {
            current_term: self.current_term,
            voted_for: self.voted_for.map(|v| v as u64),
            snapshot_index: self.log.snapshot_index(),
            snapshot_term: self.log.snapshot_term(),
        };
        let state = persist::encode(&header, &self.log);
        if self.snapshot_dirty {
            ctx.persist_with_snapshot(state, self.snapshot.clone());
        } else {
            ctx.persist(state);
        }
        self.dirty = false;
        self.snapshot_dirty = false;
    }
}
// @skeleton
// /// Your RPC requests: for example an enum of RequestVote, AppendEntries and
// /// InstallSnapshot arguments (structs you define with the fields of Figure 2).
// #[derive(Debug, Clone, Serialize, Deserialize)]
// pub enum Request {}
//
// /// Your RPC replies, one kind per kind of request.
// #[derive(Debug, Clone, Serialize, Deserialize)]
// pub enum Reply {}
//
// /// Your timers: for example an election timeout and a heartbeat tick.
// #[derive(Debug, Clone)]
// pub enum Timer {}
//
// /// A Raft server. Add the state of Figure 2 (`current_term`, `voted_for`,
// /// `log`, `commit_index`, `last_applied`, `next_index`, `match_index`) and
// /// whatever else you need.
// pub struct Peer {}
// @end

impl Raft for Peer {
    type Request = Request;
    type Reply = Reply;
    type Timer = Timer;

    fn new(
        ctx: &mut RaftContext<'_, '_, Self>,
        me: usize,
        peers: usize,
        persisted: Persisted,
    ) -> Self {
        // @solution 2A
        let (header, log) = persist::decode(&persisted.state)
            .unwrap_or_else(|e| panic!("server {me}: cannot read its persisted state: {e}"));
        let snapshot_index = log.snapshot_index();
        let mut peer = Peer {
            me,
            peers,
            current_term: header.current_term,
            voted_for: header.voted_for.map(|v| v as usize),
            log,
            snapshot: persisted.snapshot,
            commit_index: snapshot_index,
            last_applied: snapshot_index,
            role: Role::Follower,
            election_deadline: Time::ZERO,
            votes: vec![false; peers],
            next_index: vec![0; peers],
            match_index: vec![0; peers],
            replicate_pending: false,
            dirty: false,
            snapshot_dirty: false,
        };
        peer.reset_election_deadline(ctx);
        let after = peer.election_deadline.saturating_since(ctx.now());
        ctx.set_timer(after, Timer::Election);
        ctx.log(format_args!(
            "[persist] restored term {} voted_for {:?}, log {}..={} after snapshot {}",
            peer.current_term,
            peer.voted_for,
            snapshot_index + 1,
            peer.log.last_index(),
            snapshot_index
        ));
        peer
        // @skeleton
        // let _ = (ctx, me, peers, persisted);
        // todo!("2A: create a Raft server, restore what it persisted (2C), and set its first timers")
        // @end
    }

    fn start(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        command: Vec<u8>,
    ) -> Option<(u64, u64)> {
        // @solution 2B
        if self.role != Role::Leader {
            return None;
        }
        self.log.append(Entry {
            term: self.current_term,
            command,
        });
        self.dirty = true;
        let index = self.log.last_index();
        self.match_index[self.me] = index;
        if !self.replicate_pending {
            self.replicate_pending = true;
            ctx.set_timer(BATCH, Timer::Replicate(self.current_term));
        }
        if self.peers == 1 {
            self.persist(ctx);
            self.advance_commit(ctx);
        }
        // The new entry is persisted by the next handler that ends (the Replicate
        // timer at the latest), before anything carrying it is sent: commands
        // started together share one save.
        Some((index, self.current_term))
        // @skeleton
        // let _ = (ctx, command);
        // todo!("2B: start agreement on a command if this server is the leader")
        // @end
    }

    fn state(&self) -> (u64, bool) {
        // @solution 2A
        (self.current_term, self.role == Role::Leader)
        // @skeleton
        // todo!("2A: report the current term and whether this server is the leader")
        // @end
    }

    // @solution 2A
    fn role(&self) -> Role {
        self.role
    }

    fn rpc_kind(request: &Request) -> Option<RpcKind> {
        Some(match request {
            Request::RequestVote(_) => RpcKind::RequestVote,
            Request::AppendEntries(_) => RpcKind::AppendEntries,
            Request::InstallSnapshot(_) => RpcKind::InstallSnapshot,
        })
    }

    // @end
    fn snapshot(&mut self, ctx: &mut RaftContext<'_, '_, Self>, index: u64, snapshot: Vec<u8>) {
        // @solution 2D
        self.take_snapshot(ctx, index, snapshot);
        self.persist(ctx);
        // @skeleton
        // let _ = (ctx, index, snapshot);
        // todo!("2D: discard the log through index and persist the snapshot with the state")
        // @end
    }

    fn handle_request(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        from: usize,
        request: Request,
    ) -> Reply {
        // @solution 2A
        let reply = match request {
            Request::RequestVote(args) => Reply::RequestVote(self.on_request_vote(ctx, from, args)),
            Request::AppendEntries(args) => {
                Reply::AppendEntries(self.on_append_entries(ctx, from, args))
            }
            Request::InstallSnapshot(args) => {
                Reply::InstallSnapshot(self.on_install_snapshot(ctx, from, args))
            }
        };
        self.persist(ctx);
        reply
        // @skeleton
        // let _ = (ctx, from);
        // match request {}
        // @end
    }

    fn handle_reply(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        peer: usize,
        request: Request,
        reply: Option<Reply>,
    ) {
        // @solution 2A
        match (request, reply) {
            (Request::RequestVote(args), Some(Reply::RequestVote(reply))) => {
                self.on_vote_reply(ctx, peer, args, reply)
            }
            (Request::AppendEntries(args), reply) => {
                let reply = match reply {
                    Some(Reply::AppendEntries(r)) => Some(r),
                    _ => None,
                };
                self.on_append_reply(ctx, peer, args, reply)
            }
            (Request::InstallSnapshot(args), Some(Reply::InstallSnapshot(reply))) => {
                self.on_snapshot_reply(ctx, peer, args, reply)
            }
            // A lost vote request or snapshot: the next election or heartbeat
            // tries again.
            _ => {}
        }
        self.persist(ctx);
        // @skeleton
        // let _ = (ctx, peer, reply);
        // match request {}
        // @end
    }

    fn handle_timer(&mut self, ctx: &mut RaftContext<'_, '_, Self>, timer: Timer) {
        // @solution 2A
        match timer {
            Timer::Election => self.on_election_timer(ctx),
            Timer::Heartbeat(term) => {
                if self.role == Role::Leader && term == self.current_term {
                    self.broadcast(ctx);
                    ctx.set_timer(HEARTBEAT, Timer::Heartbeat(term));
                }
            }
            Timer::Replicate(term) => {
                self.replicate_pending = false;
                if self.role == Role::Leader && term == self.current_term {
                    self.replicate_new(ctx);
                }
            }
            Timer::Canvass(term) => self.on_canvass_timer(ctx, term),
        }
        self.persist(ctx);
        // @skeleton
        // let _ = ctx;
        // match timer {}
        // @end
    }
}
