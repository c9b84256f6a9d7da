//! [`Detached`]: a node's handlers run away from any simulator, as a server runs
//! inside a WebAssembly guest. The handler gets the same [`Context`] as in the
//! simulator; what it did comes back as a list of [`Done`], which the host carries
//! out, in order, on the simulator's side.
//!
//! The detached side keeps what a node's context needs between handlers: its
//! random stream (a copy of the one the simulator would hand it), its own copy of
//! what it persisted, and its own numbering of calls and timers (the host
//! translates them).

use std::time::Duration;

use crate::context::{Context, Effect, Journal, Saved};
use crate::node::{CallId, NodeId, ReplyTo, TimerId};
use crate::persister::Persister;
use crate::protocol::Protocol;
use crate::seed::SimRng;
use crate::time::Time;

/// One thing a detached handler did, for the host to do on the simulator's side.
pub enum Done<P: Protocol> {
    /// Send `request` to `to`; `call` is this side's number for it.
    Call {
        /// This side's number for the call.
        call: CallId,
        /// The node called.
        to: NodeId,
        /// The request.
        request: P::Request,
    },
    /// Answer the deferred request `reply_to`.
    Reply {
        /// The request answered, as the host handed it in.
        reply_to: ReplyTo,
        /// The reply.
        reply: P::Reply,
    },
    /// Fire a timer with `tag` after `after`; `timer` is this side's number for it.
    Timer {
        /// This side's number for the timer.
        timer: TimerId,
        /// How long from now (at least [`MIN_TIMER`](crate::MIN_TIMER)).
        after: Duration,
        /// The tag.
        tag: P::Timer,
    },
    /// Cancel the timer this side numbered so.
    Cancel(TimerId),
    /// Save `state`, and `snapshot` with it if given (else keep the saved one).
    Persist {
        /// The state.
        state: Vec<u8>,
        /// The snapshot, if this save replaces it.
        snapshot: Option<Vec<u8>>,
    },
    /// Save what [`Detached::persister`] holds now (the handler's last save,
    /// left there rather than copied): its state, and its snapshot if
    /// `with_snapshot` (else keep the saved one).
    PersistHeld {
        /// Whether this save replaces the snapshot.
        with_snapshot: bool,
    },
    /// Hand `output` to the layer above.
    Output(P::Output),
    /// A line for the run's log.
    Log(String),
}

/// A node's context kept away from the simulator.
pub struct Detached {
    me: NodeId,
    incarnation: u32,
    rng: SimRng,
    persister: Persister,
    next_id: u64,
    unmetered: Option<fn(bool)>,
}

impl Detached {
    /// The context of node `me` in its `incarnation`-th life, drawing from `rng`
    /// and starting from what `persister` holds.
    pub fn new(me: NodeId, incarnation: u32, rng: SimRng, persister: Persister) -> Detached {
        Detached {
            me,
            incarnation,
            rng,
            persister,
            next_id: 0,
            unmetered: None,
        }
    }

    /// Has [`Detached::run`] call `hook(false)` as the handler begins and
    /// `hook(true)` as it returns: for a host that counts the instructions
    /// of the handler's own work alone (`hook(true)` stops its count,
    /// `hook(false)` resumes it), not of what runs the handler.
    pub fn set_unmetered(&mut self, hook: fn(bool)) {
        self.unmetered = Some(hook);
    }

    /// What this node has persisted, as its handlers saved it.
    pub fn persister(&self) -> &Persister {
        &self.persister
    }

    /// Runs one handler at virtual time `now`; `recording` as the simulator's
    /// trace is. Returns what the handler returned and what it did, in order.
    pub fn run<P: Protocol, T>(
        &mut self,
        now: Time,
        recording: bool,
        f: impl FnOnce(&mut Context<'_, P>) -> T,
    ) -> (T, Vec<Done<P>>) {
        let mut effects = Vec::new();
        let mut journal = Journal::new(&self.persister);
        if let Some(unmetered) = self.unmetered {
            unmetered(false);
        }
        let value = f(&mut Context {
            now,
            me: self.me,
            incarnation: self.incarnation,
            rng: &mut self.rng,
            persister: &mut self.persister,
            next_id: &mut self.next_id,
            effects: &mut effects,
            recording,
            journal: Some(&mut journal),
        });
        if let Some(unmetered) = self.unmetered {
            unmetered(true);
        }
        let with_snapshot = journal.latest_with_snapshot;
        let mut earlier = journal.earlier.into_iter();
        let done = effects
            .into_iter()
            .map(|effect| match effect {
                Effect::Call { call, to, request } => Done::Call { call, to, request },
                Effect::Reply { reply_to, reply } => Done::Reply { reply_to, reply },
                Effect::Timer { timer, after, tag } => Done::Timer { timer, after, tag },
                Effect::Cancel(timer) => Done::Cancel(timer),
                Effect::Persisted { .. } => match earlier.next() {
                    Some(Saved { state, snapshot }) => Done::Persist { state, snapshot },
                    None => Done::PersistHeld { with_snapshot },
                },
                Effect::Output(output) => Done::Output(output),
                Effect::Log(line) => Done::Log(line),
                Effect::Computed(_) => unreachable!("a detached handler is not its own host"),
            })
            .collect();
        (value, done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed;

    struct Ping;
    impl Protocol for Ping {
        type Request = String;
        type Reply = String;
        type Timer = u8;
        type Output = u32;
    }

    #[test]
    fn a_handler_run_detached_hands_back_what_it_did_in_order() {
        let mut d = Detached::new(2, 1, seed::derive(7, 9), Persister::new());
        let ((), done) = d.run::<Ping, _>(Time::ZERO, true, |ctx| {
            ctx.persist(vec![1]);
            let call = ctx.call(0, "hi".into());
            let timer = ctx.set_timer(Duration::ZERO, 3);
            ctx.cancel_timer(timer);
            ctx.persist_with_snapshot(vec![2], vec![3]);
            ctx.emit(5);
            ctx.log(format_args!("{call:?}"));
            assert_eq!(ctx.me(), 2);
        });
        let kinds: Vec<String> = done
            .iter()
            .map(|d| match d {
                Done::Call { call, to, request } => {
                    format!("call {} {to} {request}", call.number())
                }
                Done::Reply { .. } => "reply".into(),
                Done::Timer { timer, after, tag } => format!("timer {timer:?} {after:?} {tag}"),
                Done::Cancel(timer) => format!("cancel {timer:?}"),
                Done::Persist { state, snapshot } => format!("persist {state:?} {snapshot:?}"),
                Done::PersistHeld { with_snapshot } => format!("persist held {with_snapshot}"),
                Done::Output(o) => format!("output {o}"),
                Done::Log(l) => format!("log {l}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "persist [1] None",
                "call 1 0 hi",
                "timer TimerId(2) 1ms 3",
                "cancel TimerId(2)",
                "persist held true",
                "output 5",
                "log CallId(1)",
            ]
        );
        assert_eq!(d.persister().read_state(), vec![2]);
        assert_eq!(d.persister().read_snapshot(), vec![3]);
    }

    /// Every save of a handler reaches its host with the bytes it saved: the
    /// earlier ones moved out as later ones replace them, the last one held.
    #[test]
    fn each_save_of_a_handler_keeps_its_own_bytes() {
        let saves = |d: &mut Detached, f: &dyn Fn(&mut Context<'_, Ping>)| {
            let ((), done) = d.run::<Ping, _>(Time::ZERO, false, f);
            done.iter()
                .map(|d| match d {
                    Done::Persist { state, snapshot } => format!("{state:?} {snapshot:?}"),
                    Done::PersistHeld { with_snapshot } => format!("held {with_snapshot}"),
                    _ => "other".into(),
                })
                .collect::<Vec<_>>()
        };
        let mut d = Detached::new(0, 1, seed::derive(1, 1), Persister::new());
        let first = saves(&mut d, &|ctx| {
            ctx.persist_with_snapshot(vec![1], vec![10]);
            ctx.persist(vec![2]);
            ctx.persist_with_snapshot(vec![3], vec![30]);
            ctx.persist(vec![4]);
        });
        assert_eq!(
            first,
            ["[1] Some([10])", "[2] None", "[3] Some([30])", "held false"]
        );
        assert_eq!(d.persister().read_state(), vec![4]);
        assert_eq!(d.persister().read_snapshot(), vec![30]);
        // A later handler's first save replaces what the host has already.
        let second = saves(&mut d, &|ctx| ctx.persist(vec![5]));
        assert_eq!(second, ["held false"]);
        assert_eq!(d.persister().read_snapshot(), vec![30]);
    }
}
