//! The [`Context`]: everything a node's handler may do to the world.
//!
//! A handler reads the virtual clock, draws random numbers from its own seeded
//! stream, sends RPCs, answers deferred requests, sets and cancels timers, persists
//! its state, emits outputs to the layer above, and writes log lines into the trace.
//! Effects other than persisting are collected and applied, in the order the handler
//! made them, when the handler returns.

use std::fmt;
use std::time::Duration;

use xxhash_rust::xxh3::xxh3_64;

use crate::node::{CallId, NodeId, ReplyTo, TimerId};
use crate::persister::Persister;
use crate::protocol::{Embed, Protocol};
use crate::seed::SimRng;
use crate::time::Time;

/// The shortest timer: shorter requests are rounded up to this.
pub const MIN_TIMER: Duration = Duration::from_millis(1);

/// One thing a handler did, applied after it returns.
pub(crate) enum Effect<P: Protocol> {
    Call {
        call: CallId,
        to: NodeId,
        request: P::Request,
    },
    Reply {
        reply_to: ReplyTo,
        reply: P::Reply,
    },
    Timer {
        timer: TimerId,
        after: Duration,
        tag: P::Timer,
    },
    Cancel(TimerId),
    Persisted {
        state_bytes: usize,
        snapshot_bytes: usize,
        /// Bytes this save wrote (the state, and the snapshot if it was saved).
        written: usize,
        digest: u64,
    },
    Output(P::Output),
    Log(String),
    /// The handler ran this many instructions (counted by its host).
    Computed(u64),
}

/// The bytes of one save, as a detached context keeps them.
pub(crate) struct Saved {
    pub(crate) state: Vec<u8>,
    /// `None` when the save kept the snapshot saved before.
    pub(crate) snapshot: Option<Vec<u8>>,
}

/// The saves of one handler run detached, whose host must save them again
/// on the simulator's side. The last save's bytes stay in the persister (the
/// host reads them there, never copied on this side); a save that replaces
/// an earlier one of the same handler moves the earlier one's bytes here.
pub(crate) struct Journal {
    /// The persister's count of saves when the handler began.
    pub(crate) began: u64,
    /// Whether the handler's latest save replaced the snapshot.
    pub(crate) latest_with_snapshot: bool,
    /// The bytes of the handler's saves before its latest, in order.
    pub(crate) earlier: Vec<Saved>,
}

impl Journal {
    /// The journal of a handler beginning with `persister` as it is.
    pub(crate) fn new(persister: &Persister) -> Journal {
        Journal {
            began: persister.saves(),
            latest_with_snapshot: false,
            earlier: Vec::new(),
        }
    }

    /// Before a save replaces what `persister` holds (the snapshot too if
    /// `snapshot`): keeps the bytes of the save it replaces if this handler
    /// made it.
    fn replacing(&mut self, persister: &mut Persister, snapshot: bool) {
        if persister.saves() > self.began {
            let state = persister.take_state();
            let kept = self.latest_with_snapshot.then(|| {
                if snapshot {
                    persister.take_snapshot()
                } else {
                    persister.snapshot().to_vec()
                }
            });
            self.earlier.push(Saved {
                state,
                snapshot: kept,
            });
        }
        self.latest_with_snapshot = snapshot;
    }
}

/// A node's handle on the simulated world during one handler call.
pub struct Context<'a, P: Protocol> {
    pub(crate) now: Time,
    pub(crate) me: NodeId,
    pub(crate) incarnation: u32,
    pub(crate) rng: &'a mut SimRng,
    pub(crate) persister: &'a mut Persister,
    pub(crate) next_id: &'a mut u64,
    pub(crate) effects: &'a mut Vec<Effect<P>>,
    pub(crate) recording: bool,
    /// The handler's saves, when this context runs away from the simulator
    /// ([`crate::Detached`]).
    pub(crate) journal: Option<&'a mut Journal>,
}

impl<P: Protocol> Context<'_, P> {
    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// This node's id.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// Which life of this node is running: 1 for the first start, 2 after the
    /// first restart, and so on.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// This node's random stream, seeded from the run's seed, the node and its
    /// incarnation. Use it for every random choice (election timeouts, say).
    pub fn rng(&mut self) -> &mut SimRng {
        self.rng
    }

    fn next_id(&mut self) -> u64 {
        *self.next_id += 1;
        *self.next_id
    }

    /// Sends `request` to node `to`. Exactly one [`Node::on_reply`](crate::Node::on_reply)
    /// follows, with the reply or a failure, unless this node crashes first, or
    /// the tester has the network duplicate the call (see [`Sim::keep_copies`]):
    /// then its request may reach `to` again, and a reply come back again, later.
    ///
    /// [`Sim::keep_copies`]: crate::Sim::keep_copies
    pub fn call(&mut self, to: NodeId, request: P::Request) -> CallId {
        let call = CallId(self.next_id());
        self.effects.push(Effect::Call { call, to, request });
        call
    }

    /// Answers a request whose handler returned `None`. If the call has already
    /// failed (the caller's end was disabled, say) the reply is discarded.
    pub fn reply(&mut self, reply_to: ReplyTo, reply: P::Reply) {
        self.effects.push(Effect::Reply { reply_to, reply });
    }

    /// Fires [`Node::on_timer`](crate::Node::on_timer) with `tag` after `after`
    /// (at least [`MIN_TIMER`]), unless cancelled or this node crashes first.
    pub fn set_timer(&mut self, after: Duration, tag: P::Timer) -> TimerId {
        let timer = TimerId(self.next_id());
        self.effects.push(Effect::Timer {
            timer,
            after: after.max(MIN_TIMER),
            tag,
        });
        timer
    }

    /// Cancels a timer; cancelling one that fired or was cancelled does nothing.
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.effects.push(Effect::Cancel(timer));
    }

    /// Saves `state`, keeping the saved snapshot. Takes effect at once: a crash
    /// after this handler returns keeps it.
    pub fn persist(&mut self, state: Vec<u8>) {
        let written = state.len();
        // A detached context's host hashes what it saves on its side.
        let digest = match &mut self.journal {
            Some(journal) => {
                journal.replacing(self.persister, false);
                0
            }
            None => xxh3_64(&state),
        };
        self.persister.save_state(state);
        self.note_persist(written, digest);
    }

    /// Saves `state` and `snapshot` together, atomically.
    pub fn persist_with_snapshot(&mut self, state: Vec<u8>, snapshot: Vec<u8>) {
        let written = state.len() + snapshot.len();
        let digest = match &mut self.journal {
            Some(journal) => {
                journal.replacing(self.persister, true);
                0
            }
            None => xxh3_64(&state) ^ xxh3_64(&snapshot).rotate_left(1),
        };
        self.persister.save(state, snapshot);
        self.note_persist(written, digest);
    }

    fn note_persist(&mut self, written: usize, digest: u64) {
        self.effects.push(Effect::Persisted {
            state_bytes: self.persister.state_size(),
            snapshot_bytes: self.persister.snapshot_size(),
            written,
            digest,
        });
    }

    /// A copy of the state this node (or its previous incarnation) last saved.
    pub fn read_state(&self) -> Vec<u8> {
        self.persister.read_state()
    }

    /// A copy of the snapshot this node (or its previous incarnation) last saved.
    pub fn read_snapshot(&self) -> Vec<u8> {
        self.persister.read_snapshot()
    }

    /// Size in bytes of the saved state.
    pub fn state_size(&self) -> usize {
        self.persister.state_size()
    }

    /// Size in bytes of the saved snapshot.
    pub fn snapshot_size(&self) -> usize {
        self.persister.snapshot_size()
    }

    /// Hands `output` to the layer above (the tester, or the node hosting this one).
    pub fn emit(&mut self, output: P::Output) {
        self.effects.push(Effect::Output(output));
    }

    /// Charges the handler for running `instructions` (see
    /// [`Costs`](crate::Costs)): for a host that counts what its guest ran.
    pub fn compute(&mut self, instructions: u64) {
        self.effects.push(Effect::Computed(instructions));
    }

    /// Whether the trace is recording full records (and so keeps log lines).
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Writes a line into the trace, under this node, at the current time:
    /// `ctx.log(format_args!("term {} vote for {}", term, peer))`. Lines are kept
    /// only when the trace records full records (as it does on a replay), and are
    /// formatted only then.
    pub fn log(&mut self, line: fmt::Arguments<'_>) {
        if self.recording {
            let line = line.to_string();
            let line = if line.len() > crate::sim::MAX_TEXT {
                crate::sim::bounded_text(&line)
            } else {
                line
            };
            self.effects.push(Effect::Log(line));
        }
    }

    /// Runs `f` with a context for an inner protocol `Q` carried by this one, for a
    /// node that hosts another node's logic. The inner node's calls, replies and
    /// timers are wrapped into this protocol (so they come back to the host's
    /// handlers, which unwrap them); its persists, logs and random draws are this
    /// node's; its outputs are returned to the host.
    pub fn scoped<Q: Protocol, T>(
        &mut self,
        f: impl FnOnce(&mut Context<'_, Q>) -> T,
    ) -> (T, Vec<Q::Output>)
    where
        P: Embed<Q>,
    {
        self.scoped_among(0, f)
    }

    /// [`Context::scoped`] for inner logic that numbers its peers from 0, as a
    /// Raft does, when they are the nodes numbered from `first` (a replica
    /// group of a sharded service): the inner context's `me()` is this node's
    /// id less `first`, and an inner call to `i` goes to node `first + i`. The
    /// host hands the inner logic ids the same way (`from - first`).
    pub fn scoped_among<Q: Protocol, T>(
        &mut self,
        first: NodeId,
        f: impl FnOnce(&mut Context<'_, Q>) -> T,
    ) -> (T, Vec<Q::Output>)
    where
        P: Embed<Q>,
    {
        let mut inner_effects: Vec<Effect<Q>> = Vec::new();
        let result = f(&mut Context {
            now: self.now,
            me: self
                .me
                .checked_sub(first)
                .expect("a node hosts logic among nodes numbered from at most its own id"),
            incarnation: self.incarnation,
            rng: &mut *self.rng,
            persister: &mut *self.persister,
            next_id: &mut *self.next_id,
            effects: &mut inner_effects,
            recording: self.recording,
            journal: self.journal.as_deref_mut(),
        });
        let mut outputs = Vec::new();
        for effect in inner_effects {
            self.effects.push(match effect {
                Effect::Call { call, to, request } => Effect::Call {
                    call,
                    to: first + to,
                    request: P::wrap_request(request),
                },
                Effect::Reply { reply_to, reply } => Effect::Reply {
                    reply_to,
                    reply: P::wrap_reply(reply),
                },
                Effect::Timer { timer, after, tag } => Effect::Timer {
                    timer,
                    after,
                    tag: P::wrap_timer(tag),
                },
                Effect::Cancel(timer) => Effect::Cancel(timer),
                Effect::Persisted {
                    state_bytes,
                    snapshot_bytes,
                    written,
                    digest,
                } => Effect::Persisted {
                    state_bytes,
                    snapshot_bytes,
                    written,
                    digest,
                },
                Effect::Log(line) => Effect::Log(line),
                Effect::Computed(n) => Effect::Computed(n),
                Effect::Output(output) => {
                    outputs.push(output);
                    continue;
                }
            });
        }
        (result, outputs)
    }
}
