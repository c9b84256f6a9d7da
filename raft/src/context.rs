//! [`RaftContext`]: everything a Raft server can do to the world, and nothing else.

use std::fmt;
use std::time::Duration;

use labrpc::{CallId, Context, SimRng, Time, TimerId};

use crate::contract::{ApplyMsg, Raft};
use crate::node::RaftProtocol;

/// Your server's handle on the simulated world during one of its handlers.
///
/// | to ...                         | call                                          |
/// |--------------------------------|-----------------------------------------------|
/// | read the (virtual) time        | [`ctx.now()`](Self::now)                      |
/// | draw a random number           | [`ctx.rng()`](Self::rng)`.random_range(..)` (the prelude brings `RngExt`) |
/// | send an RPC to peer `p`        | [`ctx.call(p, request)`](Self::call); the reply comes to [`Raft::handle_reply`] |
/// | be woken up later              | [`ctx.set_timer(after, tag)`](Self::set_timer); it fires [`Raft::handle_timer`] |
/// | cancel a timer                 | [`ctx.cancel_timer(id)`](Self::cancel_timer)  |
/// | save state before answering    | [`ctx.persist(state)`](Self::persist) or [`ctx.persist_with_snapshot(state, snapshot)`](Self::persist_with_snapshot) |
/// | deliver a committed command    | [`ctx.apply(msg)`](Self::apply)               |
/// | leave a note in the run's log  | [`ctx.log(format_args!(..))`](Self::log)      |
///
/// What you send, set and apply takes effect when your handler returns, in the
/// order you did it; what you persist is saved at once.
pub struct RaftContext<'c, 'w, R: Raft> {
    ctx: &'c mut Context<'w, RaftProtocol<R>>,
}

impl<'c, 'w, R: Raft> RaftContext<'c, 'w, R> {
    pub(crate) fn new(ctx: &'c mut Context<'w, RaftProtocol<R>>) -> Self {
        RaftContext { ctx }
    }

    /// The simulator's context underneath, for the harness's own servers (a
    /// server whose code runs in a WebAssembly guest).
    #[doc(hidden)]
    pub fn host(&mut self) -> &mut Context<'w, RaftProtocol<R>> {
        self.ctx
    }

    /// The current virtual time. Use it, never the wall clock.
    pub fn now(&self) -> Time {
        self.ctx.now()
    }

    /// This server's random stream, seeded from the run's seed, the server and its
    /// incarnation. Take every random number from it (election timeouts, say).
    pub fn rng(&mut self) -> &mut SimRng {
        self.ctx.rng()
    }

    /// Sends `request` to server `peer`. Exactly one [`Raft::handle_reply`] follows,
    /// with the reply or `None` for a failure, unless this server crashes first.
    ///
    /// In the scenarios raftlab adds to 6.824's (`grading --suite all`), the
    /// network may also duplicate a call, as real networks do: the same request
    /// may reach `peer` again later, and a reply come back again later, after a
    /// failure or another reply. Raft's rules make that harmless when every
    /// request and reply is judged by its term: ignore what is stale.
    pub fn call(&mut self, peer: usize, request: R::Request) -> CallId {
        self.ctx.call(peer, request)
    }

    /// Fires [`Raft::handle_timer`] with `tag` after `after` (at least 1 ms),
    /// unless cancelled or this server crashes first.
    pub fn set_timer(&mut self, after: Duration, tag: R::Timer) -> TimerId {
        self.ctx.set_timer(after, tag)
    }

    /// Cancels a timer; cancelling one that fired or was cancelled does nothing.
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.ctx.cancel_timer(timer);
    }

    /// Saves `state` (Figure 2's persistent state, encoded: see
    /// [`encode`](crate::encode)) in place of the state saved before, keeping
    /// the saved snapshot. Saved at once: a crash after this call keeps it, and
    /// a restarted server gets it back in
    /// [`Persisted::state`](crate::Persisted::state). Nothing else survives a crash.
    ///
    /// What it costs: like a disk, each call takes virtual time (100 µs plus
    /// its bytes at 5 MB/s), and what your handler sends or replies leaves once
    /// the write is done. Saving the whole log at every change is fine for the
    /// labs; if your runs grow slow, keep the log's encoding and append to it
    /// rather than encoding every entry again.
    pub fn persist(&mut self, state: Vec<u8>) {
        self.ctx.persist(state);
    }

    /// Saves `state` and `snapshot` together, atomically, in place of both
    /// saved before (a restarted server gets them back in
    /// [`Persisted`](crate::Persisted)).
    pub fn persist_with_snapshot(&mut self, state: Vec<u8>, snapshot: Vec<u8>) {
        self.ctx.persist_with_snapshot(state, snapshot);
    }

    /// Hands `msg` to the service. Commands must be applied in log order, each
    /// index exactly once, starting right after the last snapshot.
    pub fn apply(&mut self, msg: ApplyMsg) {
        self.ctx.emit(msg);
    }

    /// Writes a line into the run's log, under this server, at the current time:
    /// `ctx.log(format_args!("vote for {candidate} in term {term}"))`. Lines are
    /// kept (and formatted) only when the run is recorded, as on a replay with
    /// `--log`, so logging costs nothing in a normal test run.
    pub fn log(&mut self, line: fmt::Arguments<'_>) {
        self.ctx.log(line);
    }
}
