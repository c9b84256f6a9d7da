//! The [`Sim`]: one simulated world, its clock, its nodes and the API a tester
//! drives it with.
//!
//! A tester builds a world (nodes, network settings), then advances virtual time
//! with [`Sim::run_for`], [`Sim::run_until`] or [`Sim::step`], acts on it between
//! steps (crash a server, disconnect it, call into a node with [`Sim::invoke`]) or
//! schedules such actions ahead with [`Sim::schedule`]. Everything that happens is
//! a deterministic function of the seed.

use std::any::Any;
use std::collections::{BTreeMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use crate::budget::Budgets;
use crate::context::{Context, Effect};
use crate::costs::Costs;
use crate::error::SimError;
use crate::network::Network;
use crate::node::{CallId, Node, NodeId, TimerId};
use crate::observer::Observer;
use crate::persister::Persister;
use crate::progress::{Handling, Progress};
use crate::protocol::Protocol;
use crate::queue::Queue;
use crate::seed::{self, SimRng};
use crate::time::Time;
use crate::trace::{self, NetChange, Trace, TraceEvent, kind};

/// How many events may run at one virtual instant before the run is declared a
/// livelock.
pub const DEFAULT_LIVELOCK_LIMIT: u64 = 100_000;

/// A tester action scheduled for later; an `Err` fails the run.
pub type Action<P, O> = Box<dyn FnOnce(&mut Sim<P, O>) -> Result<(), String>>;

type Factory<P> = Box<dyn FnMut(&mut Context<'_, P>) -> Box<dyn Node<P>>>;

/// A node's randomness and storage, which its handlers borrow through the context.
pub(crate) struct NodeIo {
    pub rng: SimRng,
    pub persister: Persister,
}

/// A node's running instance and how to make a new one.
pub(crate) struct NodeHandle<P: Protocol> {
    pub node: Option<Box<dyn Node<P>>>,
    pub factory: Factory<P>,
}

pub(crate) struct Slot<P: Protocol> {
    pub io: NodeIo,
    pub handle: NodeHandle<P>,
    pub incarnation: u32,
    /// Until when its stable storage is busy with the persists of its last
    /// handler (see [`Costs`]): it handles nothing before.
    pub busy_until: Time,
    /// Virtual time its stable storage has spent persisting, over all lives.
    pub persisting: std::time::Duration,
}

/// A call on its way: who sent it where, in which lives, and the caller's own copy
/// of the request (handed back with the reply).
pub(crate) struct Flight<P: Protocol> {
    pub call: CallId,
    pub from: NodeId,
    pub from_incarnation: u32,
    pub to: NodeId,
    pub to_incarnation: u32,
    pub request: P::Request,
    /// A copy the tester delivers again ([`crate::echo`]): it passes disabled ends.
    pub echoed: bool,
    /// Its reply is lost and its caller told nothing (an unanswered echo).
    pub mute: bool,
}

pub(crate) enum Event<P: Protocol, O: Observer<P>> {
    /// A request reaches its server (or is found lost on arrival).
    Deliver {
        flight: Flight<P>,
        bytes: Vec<u8>,
        lost: bool,
    },
    /// A copy the network made of a request arrives at its server, in
    /// whatever life the server runs then (its reply is lost).
    Duplicate {
        flight: Flight<P>,
        bytes: Vec<u8>,
        of: CallId,
    },
    /// A call finishes at its caller, with the encoded reply or a failure.
    Return {
        flight: Flight<P>,
        reply: Option<Vec<u8>>,
    },
    /// A timer fires.
    Timer {
        node: NodeId,
        incarnation: u32,
        timer: TimerId,
        tag: P::Timer,
    },
    /// A tester action runs.
    Action { label: String, action: Action<P, O> },
}

/// A simulated world of nodes speaking protocol `P`, watched by observer `O`.
pub struct Sim<P: Protocol, O: Observer<P> = ()> {
    pub(crate) seed: u64,
    pub(crate) now: Time,
    pub(crate) queue: Queue<Event<P, O>>,
    pub(crate) slots: Vec<Slot<P>>,
    pub(crate) net: Network,
    pub(crate) tester_rng: crate::Choices,
    pub(crate) trace: Trace,
    pub(crate) observer: O,
    pub(crate) next_id: u64,
    pub(crate) armed: HashSet<TimerId>,
    pub(crate) deferred: BTreeMap<CallId, Flight<P>>,
    pub(crate) effects: Vec<Effect<P>>,
    pub(crate) failure: Option<SimError>,
    /// No event at or after this time runs (see [`Sim::set_stop_at`]).
    stop_at: Option<Time>,
    pub(crate) instant_events: u64,
    pub(crate) livelock_limit: u64,
    pub(crate) events: u64,
    pub(crate) statuses: Vec<Option<String>>,
    pub(crate) status_buffer: String,
    pub(crate) costs: Costs,
    pub(crate) budgets: Budgets,
    pub(crate) progress: Option<std::sync::Arc<Progress>>,
    /// When the effects of the handler that ran last take effect.
    pub(crate) completion: Time,
    /// The copies kept of calls, to echo.
    pub(crate) echoes: crate::echo::Echoes,
}

impl<P: Protocol, O: Observer<P>> Sim<P, O> {
    /// An empty world at time zero: reliable network, no long delays, no long
    /// reordering, full records off (the digest is always on).
    pub fn new(seed: u64, observer: O) -> Self {
        Sim {
            seed,
            now: Time::ZERO,
            queue: Queue::new(),
            slots: Vec::new(),
            net: Network::new(seed::derive(seed, seed::NETWORK_STREAM)),
            tester_rng: crate::Choices::new(
                seed::derive(seed, seed::TESTER_STREAM),
                crate::ChoiceEdits::none(),
            ),
            trace: Trace::new(seed),
            observer,
            next_id: 0,
            armed: HashSet::new(),
            deferred: BTreeMap::new(),
            effects: Vec::new(),
            failure: None,
            stop_at: None,
            instant_events: 0,
            livelock_limit: DEFAULT_LIVELOCK_LIMIT,
            events: 0,
            statuses: Vec::new(),
            status_buffer: String::new(),
            costs: Costs::FREE,
            budgets: Budgets::NONE,
            progress: None,
            completion: Time::ZERO,
            echoes: crate::echo::Echoes::default(),
        }
    }

    /// Sets what work costs in virtual time (default [`Costs::FREE`]).
    pub fn set_costs(&mut self, costs: Costs) {
        self.costs = costs;
    }

    /// What work costs in virtual time.
    pub fn costs(&self) -> Costs {
        self.costs
    }

    /// Publishes where the run is to `progress` at every event, for a watchdog
    /// on another thread.
    pub fn set_progress(&mut self, progress: std::sync::Arc<Progress>) {
        self.progress = Some(progress);
    }

    /// Sets what a node may send per virtual second (default: no limit); a
    /// node over budget stops the run with [`SimError::OverBudget`].
    pub fn set_budgets(&mut self, budgets: Budgets) {
        self.budgets = budgets;
    }

    // ----- the world -----

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// How many events have run.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// How many events are waiting in the queue.
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    /// The tester's own random stream (independent of the network's and the
    /// nodes'), with the edits [`Sim::set_choices`] made to it.
    pub fn tester_rng(&mut self) -> &mut crate::Choices {
        &mut self.tester_rng
    }

    /// How many words of the seed's stream the tester's choices have read so
    /// far (see [`Choices`](crate::Choices)).
    pub fn choices_read(&self) -> u64 {
        self.tester_rng.words_read()
    }

    /// The observer.
    pub fn observer(&self) -> &O {
        &self.observer
    }

    /// The observer, to update the tester's own state.
    pub fn observer_mut(&mut self) -> &mut O {
        &mut self.observer
    }

    /// The trace: digest and (if recording) records.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The trace, to take its records.
    pub fn trace_mut(&mut self) -> &mut Trace {
        &mut self.trace
    }

    /// The digest of everything that happened so far.
    pub fn digest(&self) -> u64 {
        self.trace.digest()
    }

    /// Hands every trace record to `sink` as it is made (and keeps them, as
    /// with recording on): a view can show a run as it goes.
    pub fn set_trace_sink(&mut self, sink: crate::trace::TraceSink) {
        self.trace.set_sink(sink);
    }

    /// Switches full trace records on or off (the digest is unaffected).
    pub fn set_recording(&mut self, on: bool) {
        self.trace.set_recording(on);
    }

    /// Sets how many events may run at one instant before the run stops as a
    /// livelock (default [`DEFAULT_LIVELOCK_LIMIT`]).
    pub fn set_livelock_limit(&mut self, events: u64) {
        self.livelock_limit = events;
    }

    /// The error that stopped this run, if any.
    pub fn failure(&self) -> Option<&SimError> {
        self.failure.as_ref()
    }

    /// Stops the run with [`SimError::Stopped`] before the first event at or
    /// after `at`: a run cut where another run of the same seed was when it
    /// was stopped (a job killed for wall-clock time), to see everything up
    /// to that point.
    pub fn set_stop_at(&mut self, at: Time) {
        self.stop_at = Some(at);
    }

    pub(crate) fn check_running(&self) -> Result<(), SimError> {
        self.failure.clone().map_or(Ok(()), Err)
    }

    /// Stops the run with a failed check, as if an observer had failed it.
    pub fn fail(&mut self, message: impl Into<String>) -> SimError {
        let err = SimError::CheckFailed {
            seed: self.seed,
            time: self.now,
            message: message.into(),
        };
        self.failure.get_or_insert(err).clone()
    }

    // ----- nodes -----

    /// Adds a node and starts its first incarnation with `factory`, which is kept to
    /// start later incarnations ([`Sim::restart`]). The factory gets the node's
    /// context: it can read what the node persisted, set timers and send calls.
    pub fn add_node<N: Node<P>>(
        &mut self,
        mut factory: impl FnMut(&mut Context<'_, P>) -> N + 'static,
    ) -> Result<NodeId, SimError> {
        self.check_running()?;
        let id = self.slots.len();
        self.net.add_node();
        self.statuses.push(None);
        self.slots.push(Slot {
            io: NodeIo {
                rng: seed::derive(self.seed, seed::node_stream(id, 0)),
                persister: Persister::new(),
            },
            handle: NodeHandle {
                node: None,
                factory: Box::new(move |ctx| Box::new(factory(ctx))),
            },
            incarnation: 0,
            busy_until: Time::ZERO,
            persisting: std::time::Duration::ZERO,
        });
        self.start(id)?;
        Ok(id)
    }

    /// How many nodes this world has (running or not).
    pub fn node_count(&self) -> usize {
        self.slots.len()
    }

    /// Whether node `id` is running.
    pub fn is_alive(&self, id: NodeId) -> bool {
        self.slots.get(id).is_some_and(|s| s.handle.node.is_some())
    }

    /// Node `id`'s current (or last) incarnation; 1 for its first life.
    pub fn incarnation(&self, id: NodeId) -> u32 {
        self.slots[id].incarnation
    }

    /// Virtual time node `id`'s stable storage has spent persisting so far,
    /// over all its lives (see [`crate::Costs`]).
    pub fn persisting(&self, id: NodeId) -> std::time::Duration {
        self.slots[id].persisting
    }

    /// Node `id`'s stable storage.
    pub fn persister(&self, id: NodeId) -> &Persister {
        &self.slots[id].io.persister
    }

    /// Replaces node `id`'s stable storage while it is down, so that its next
    /// start sees `persister`: how a tester builds a server from saved bytes
    /// alone. Panics if the node is running.
    pub fn set_persister(&mut self, id: NodeId, persister: Persister) {
        let slot = &mut self.slots[id];
        assert!(
            slot.handle.node.is_none(),
            "set_persister: node {id} is running"
        );
        slot.io.persister = persister;
    }

    /// Node `id`'s running instance as its concrete type, or `None` if it is down.
    /// Panics if the node is not an `N`.
    pub fn node<N: Node<P>>(&self, id: NodeId) -> Option<&N> {
        let node: &dyn Any = self.slots[id].handle.node.as_deref()?;
        Some(
            node.downcast_ref::<N>()
                .unwrap_or_else(|| wrong_type::<N>(id)),
        )
    }

    /// Calls into node `id` from outside (the tester starting a command, say): `f`
    /// gets the node and its context, exactly as a handler would. Returns `None` if
    /// the node is down. Panics in `f` stop the run like a handler's.
    pub fn invoke<N: Node<P>, T>(
        &mut self,
        id: NodeId,
        f: impl FnOnce(&mut N, &mut Context<'_, P>) -> T,
    ) -> Result<Option<T>, SimError> {
        self.check_running()?;
        let Some(node) = self.slots[id].handle.node.as_deref() else {
            return Ok(None);
        };
        if !(node as &dyn Any).is::<N>() {
            wrong_type::<N>(id);
        }
        let inc = self.slots[id].incarnation;
        self.trace
            .mix(kind::INVOKE, self.now, [id as u64, u64::from(inc), 0, 0]);
        let result = self.with_context(
            id,
            || "a call from the tester".to_string(),
            |handle, ctx| {
                let node: &mut dyn Any = handle.node.as_deref_mut().expect("checked alive");
                f(node.downcast_mut::<N>().expect("checked type"), ctx)
            },
        )?;
        Ok(Some(result))
    }

    /// Crashes node `id`: its instance is dropped and never called again, its timers
    /// and in-flight calls die with it, deferred requests it was holding fail for
    /// their callers. Its persister keeps exactly what it last saved. Crashing a
    /// node that is down does nothing.
    pub fn crash(&mut self, id: NodeId) {
        let slot = &mut self.slots[id];
        let Some(node) = slot.handle.node.take() else {
            return;
        };
        drop(node);
        let inc = slot.incarnation;
        self.trace
            .mix(kind::CRASH, self.now, [id as u64, u64::from(inc), 0, 0]);
        self.trace
            .record(self.now, Some((id, inc)), || TraceEvent::Crash);
        self.fail_deferred(|f| f.to == id);
    }

    /// Starts a new incarnation of node `id` from what it persisted, crashing the
    /// running one first if there is one.
    pub fn restart(&mut self, id: NodeId) -> Result<(), SimError> {
        self.check_running()?;
        self.crash(id);
        self.start(id)
    }

    fn start(&mut self, id: NodeId) -> Result<(), SimError> {
        let slot = &mut self.slots[id];
        slot.incarnation += 1;
        slot.busy_until = self.now;
        let inc = slot.incarnation;
        slot.io.rng = seed::derive(self.seed, seed::node_stream(id, inc));
        self.trace
            .mix(kind::START, self.now, [id as u64, u64::from(inc), 0, 0]);
        self.trace
            .record(self.now, Some((id, inc)), || TraceEvent::Start);
        self.observer.on_start(self.now, id);
        self.with_context(
            id,
            || "its constructor".to_string(),
            |handle, ctx| {
                let node = (handle.factory)(ctx);
                handle.node = Some(node);
            },
        )
    }

    /// Runs `f` with node `id`'s handle and a context for it, catching panics, then
    /// applies the effects and lets the observer look.
    pub(crate) fn with_context<T>(
        &mut self,
        id: NodeId,
        during: impl FnOnce() -> String,
        f: impl FnOnce(&mut NodeHandle<P>, &mut Context<'_, P>) -> T,
    ) -> Result<T, SimError> {
        let slot = &mut self.slots[id];
        let incarnation = slot.incarnation;
        let mut ctx = Context {
            now: self.now,
            me: id,
            incarnation,
            rng: &mut slot.io.rng,
            persister: &mut slot.io.persister,
            next_id: &mut self.next_id,
            effects: &mut self.effects,
            recording: self.trace.is_recording(),
            journal: None,
        };
        let handle = &mut slot.handle;
        match panic::catch_unwind(AssertUnwindSafe(|| f(handle, &mut ctx))) {
            Ok(value) => {
                self.apply_effects(id, incarnation)?;
                let node: &dyn Any = self.slots[id]
                    .handle
                    .node
                    .as_deref()
                    .expect("node just ran");
                if let Err(message) = self.observer.after_handler(self.now, id, node) {
                    return Err(self.fail(message));
                }
                if self.trace.is_recording() {
                    let mut text = std::mem::take(&mut self.status_buffer);
                    text.clear();
                    self.observer.status(id, node, &mut text);
                    if !text.is_empty() && self.statuses[id].as_deref() != Some(text.as_str()) {
                        self.statuses[id] = Some(text.clone());
                        self.trace.record(self.now, Some((id, incarnation)), || {
                            TraceEvent::Status { text: text.clone() }
                        });
                    }
                    self.status_buffer = text;
                }
                for action in self.observer.follow_ups() {
                    self.queue.push(
                        self.now,
                        Event::Action {
                            label: "follow-up".to_string(),
                            action,
                        },
                    );
                }
                Ok(value)
            }
            Err(payload) => {
                self.effects.clear();
                self.slots[id].handle.node = None;
                let err = SimError::Panicked {
                    seed: self.seed,
                    time: self.now,
                    node: id,
                    incarnation,
                    during: during(),
                    message: panic_message(payload.as_ref()),
                };
                self.failure = Some(err.clone());
                Err(err)
            }
        }
    }

    // ----- the network -----

    /// The network: settings and counters.
    pub fn net(&self) -> &Network {
        &self.net
    }

    /// Enables or disables the end from `from` to `to`. Disabling fails the calls
    /// from `from` that `to` is holding for a deferred reply.
    pub fn set_end(&mut self, from: NodeId, to: NodeId, enabled: bool) {
        if self.net.is_enabled(from, to) == enabled {
            return;
        }
        self.net.set_enabled(from, to, enabled);
        self.note_net(
            NetChange::End { from, to, enabled },
            [from as u64, to as u64, u64::from(enabled)],
        );
        if !enabled {
            self.fail_deferred(|f| f.from == from && f.to == to);
        }
    }

    /// Makes the network reliable or unreliable.
    pub fn set_reliable(&mut self, on: bool) {
        self.net.set_reliable(on);
        self.note_net(NetChange::Reliable { on }, [100, u64::from(on), 0]);
    }

    /// Switches long reordering of replies on or off.
    pub fn set_long_reordering(&mut self, on: bool) {
        self.net.set_long_reordering(on);
        self.note_net(NetChange::LongReordering { on }, [101, u64::from(on), 0]);
    }

    /// Switches long delays (up to 7 s rather than 100 ms before a call to an
    /// unreachable server fails) on or off.
    pub fn set_long_delays(&mut self, on: bool) {
        self.net.set_long_delays(on);
        self.note_net(NetChange::LongDelays { on }, [102, u64::from(on), 0]);
    }

    /// Switches duplication on or off: while on, the network delivers one
    /// request in ten a second time, 0-2200 ms later, to the server that runs
    /// then (also a restarted one), and loses that copy's reply. Real networks
    /// duplicate and delay; 6.824's labrpc never does, so only raftlab's own
    /// scenarios switch it on.
    pub fn set_duplicating(&mut self, on: bool) {
        self.net.set_duplicating(on);
        self.note_net(NetChange::Duplicating { on }, [103, u64::from(on), 0]);
    }

    /// Which of the faults the network draws it injects (default: all, the
    /// run the seed alone gives); the others are spared (see [`FaultSet`](crate::FaultSet)).
    /// Set before the run begins.
    pub fn set_kept_faults(&mut self, kept: crate::FaultSet) {
        self.net.set_kept_faults(kept);
    }

    /// Makes `edits` to the tester's random stream (default: none, the
    /// seed's own choices; see [`ChoiceEdits`](crate::ChoiceEdits)). Set
    /// before the tester draws anything: it panics otherwise.
    pub fn set_choices(&mut self, edits: crate::ChoiceEdits) {
        assert_eq!(
            self.tester_rng.words_read(),
            0,
            "the tester's choices are edited before it makes any"
        );
        self.tester_rng = crate::Choices::new(seed::derive(self.seed, seed::TESTER_STREAM), edits);
    }

    /// Sets the per-hop latency range of a reliable network (default 10-1000 µs).
    pub fn set_latency(&mut self, min: Duration, max: Duration) {
        self.net.set_latency(min, max);
    }

    fn note_net(&mut self, change: NetChange, words: [u64; 3]) {
        self.trace
            .mix(kind::NETWORK, self.now, [words[0], words[1], words[2], 0]);
        self.trace
            .record(self.now, None, || TraceEvent::Network { change });
    }

    // ----- the tester -----

    /// Writes a tester line into the trace (and its digest).
    pub fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.trace
            .mix(kind::TESTER, self.now, [trace::hash_str(&text), 0, 0, 0]);
        self.trace
            .record(self.now, None, || TraceEvent::Tester { text });
    }

    /// Runs `action` at `now + after`, in order with the nodes' events. An `Err`
    /// from it stops the run as a failed check.
    pub fn schedule(
        &mut self,
        after: Duration,
        label: impl Into<String>,
        action: impl FnOnce(&mut Sim<P, O>) -> Result<(), String> + 'static,
    ) {
        let label = label.into();
        self.queue.push(
            self.now + after,
            Event::Action {
                label,
                action: Box::new(action),
            },
        );
    }

    // ----- driving -----

    /// Runs the next event, moving the clock to its time. Returns `false` if there
    /// was none.
    pub fn step(&mut self) -> Result<bool, SimError> {
        self.check_running()?;
        if let Some(at) = self.stop_at
            && self.queue.peek_time().is_some_and(|t| t >= at)
        {
            let err = SimError::Stopped {
                seed: self.seed,
                time: at,
            };
            self.failure = Some(err.clone());
            return Err(err);
        }
        let Some((time, event)) = self.queue.pop() else {
            return Ok(false);
        };
        if time == self.now {
            self.instant_events += 1;
            if self.instant_events > self.livelock_limit {
                let err = SimError::Livelock {
                    seed: self.seed,
                    time,
                    events: self.instant_events,
                    last: self.describe(&event),
                };
                self.failure = Some(err.clone());
                return Err(err);
            }
        } else {
            self.instant_events = 1;
            self.now = time;
        }
        self.events += 1;
        if let Some(progress) = &self.progress {
            let (node, what) = match &event {
                Event::Deliver { flight, .. } => (Some(flight.to), Handling::Request),
                Event::Duplicate { flight, .. } => (Some(flight.to), Handling::Request),
                Event::Return { flight, .. } => (Some(flight.from), Handling::Reply),
                Event::Timer { node, .. } => (Some(*node), Handling::Timer),
                Event::Action { .. } => (None, Handling::Tester),
            };
            progress.event(time.as_micros(), self.events, node, what);
        }
        let result = self.dispatch(event);
        if let Some(progress) = &self.progress {
            progress.done();
        }
        result?;
        Ok(true)
    }

    /// Runs every event up to and including `deadline`, then sets the clock to it.
    pub fn run_until_time(&mut self, deadline: Time) -> Result<(), SimError> {
        self.check_running()?;
        while self.queue.peek_time().is_some_and(|t| t <= deadline) {
            self.step()?;
        }
        if deadline > self.now {
            self.now = deadline;
            self.instant_events = 0;
        }
        Ok(())
    }

    /// Runs the world for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) -> Result<(), SimError> {
        self.run_until_time(self.now + d)
    }

    /// Runs until `done` holds (checked before the first event and after each one)
    /// or `limit` of virtual time passes. Returns whether `done` held; on `false`
    /// the clock stands at the limit.
    pub fn run_until(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&Self) -> bool,
    ) -> Result<bool, SimError> {
        self.check_running()?;
        let deadline = self.now + limit;
        if done(self) {
            return Ok(true);
        }
        while self.queue.peek_time().is_some_and(|t| t <= deadline) {
            self.step()?;
            if done(self) {
                return Ok(true);
            }
        }
        self.run_until_time(deadline)?;
        Ok(false)
    }
}

fn wrong_type<N>(id: NodeId) -> ! {
    panic!("labrpc: node {id} is not a {}", std::any::type_name::<N>())
}

/// Most bytes of a panic's message, or of one log line, a run keeps: what a
/// node says is the node's to say, but not without bound.
pub const MAX_TEXT: usize = 16 << 10;

/// The text of a panic payload (as `catch_unwind` hands it over), cut at
/// 16 KiB.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        bounded_text(s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        bounded_text(s)
    } else {
        "a panic with a non-string payload".to_string()
    }
}

/// `text`, cut at 16 KiB (at a character's start) with a marker saying how
/// much was cut.
pub fn bounded_text(text: &str) -> String {
    if text.len() <= MAX_TEXT {
        return text.to_string();
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} [… cut: {} more bytes]", &text[..end], text.len() - end)
}
