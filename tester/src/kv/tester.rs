//! The kv tester's own state: each clerk's outstanding operation, the history of
//! completed operations (with virtual call and return times) for the
//! linearizability check, and the client activities waiting on clerks.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use std::any::Any;

use kvraft::node::Completed;
use kvraft::world::KvWorld;
use kvraft::{KvOps, Op, Ops};
use labrpc::{Action, Choices, NodeId, Observer, Sim, Time};

use crate::crash_check::catching;
use crate::peer_calls::PeerCalls;
use crate::status::Described;

/// The simulated world of a kv scenario (or of another service on kvraft's
/// machinery, with its operations `O`).
pub type KvSim<W, O = KvOps> = Sim<<W as KvWorld<O>>::Protocol, KvTester<W, O>>;

/// What the tester records of a service's completed operations.
pub trait Recorded: Ops + Clone + std::fmt::Debug {
    /// What goes into the history for `op` completed with `value`: the value
    /// for a read, and the operation's fixed value for a write (whatever the
    /// clerk reported).
    fn recorded(op: &Self::Op, value: Self::Value) -> Self::Value;
}

impl Recorded for KvOps {
    fn recorded(op: &Op, value: String) -> String {
        match op {
            Op::Get { .. } => value,
            Op::Put { .. } | Op::Append { .. } => String::new(),
        }
    }
}

/// One completed operation, as the linearizability checker sees it.
#[derive(Clone, Debug)]
pub struct Operation<O: Ops = KvOps> {
    /// The client (for the picture; the check does not depend on it).
    pub client: usize,
    /// What was asked.
    pub op: O::Op,
    /// What a read returned (for kvraft: a `Get`'s value, "" for `Put` and
    /// `Append`).
    pub value: O::Value,
    /// When it was handed to the clerk.
    pub call: Time,
    /// When the clerk reported it done.
    pub ret: Time,
}

/// A client activity: decides, each time its clerk finishes an operation, what
/// to do next (drawing from the tester's random stream).
pub trait Driver<O: Recorded = KvOps> {
    /// The clerk finished `done` (`None` the first time): return the next
    /// operation and whether to record it in the history, or `None` to stop.
    fn next(
        &mut self,
        rng: &mut Choices,
        done: Option<Operation<O>>,
    ) -> Result<Option<(O::Op, bool)>, String>;

    /// How long the clerk waits after finishing an operation before it is
    /// handed the next (none by default; Lab 4B's workers pause).
    fn pause(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

struct ClerkState<O: Ops> {
    client: usize,
    pending: Option<(O::Op, Time, bool)>,
    finished: Option<Operation<O>>,
    /// Servers' replies it has had, in all.
    replies: u64,
    /// `replies` when it was handed its outstanding operation.
    replies_at_hand: u64,
}

/// The clerks of a world as the tester sees them, whatever the world: each
/// one's outstanding operation, the history of completed operations, and
/// the activities driving clerks.
pub struct Clients<O: Recorded = KvOps> {
    clerks: BTreeMap<NodeId, ClerkState<O>>,
    drivers: BTreeMap<NodeId, Box<dyn Driver<O>>>,
    wake: Vec<NodeId>,
    /// Operations completed and recorded, in completion order.
    pub history: Vec<Operation<O>>,
    /// Operations completed (recorded or not): Go's "#Ops".
    pub ops: u64,
}

impl<O: Recorded> Default for Clients<O> {
    fn default() -> Self {
        Clients {
            clerks: BTreeMap::new(),
            drivers: BTreeMap::new(),
            wake: Vec::new(),
            history: Vec::new(),
            ops: 0,
        }
    }
}

impl<O: Recorded> Clients<O> {
    /// Registers a new clerk, labelled `client` in the history.
    pub fn add_clerk(&mut self, clerk: NodeId, client: usize) {
        self.clerks.insert(
            clerk,
            ClerkState {
                client,
                pending: None,
                finished: None,
                replies: 0,
                replies_at_hand: 0,
            },
        );
    }

    /// Whether `clerk` has an operation outstanding.
    pub fn is_busy(&self, clerk: NodeId) -> bool {
        self.clerks[&clerk].pending.is_some()
    }

    /// Takes the operation `clerk` finished last, if it has not been taken.
    pub fn take_finished(&mut self, clerk: NodeId) -> Option<Operation<O>> {
        self.clerks.get_mut(&clerk).and_then(|c| c.finished.take())
    }

    /// Whether `clerk` has finished an operation that has not been taken.
    pub fn has_finished(&self, clerk: NodeId) -> bool {
        self.clerks[&clerk].finished.is_some()
    }

    /// Notes that `clerk` is handed `op` at `now` (with `record`, its
    /// completion joins the history); the caller then hands it over.
    pub fn handing(&mut self, clerk: NodeId, op: O::Op, now: Time, record: bool) {
        let state = self.clerks.get_mut(&clerk).expect("a clerk");
        assert!(
            state.pending.is_none(),
            "tester bug: clerk {clerk} already has an operation"
        );
        state.finished = None;
        state.pending = Some((op, now, record));
        state.replies_at_hand = state.replies;
    }

    /// A call of node `caller` came back, with a server's reply if
    /// `from_server` (a clerk's evidence that the service answered it).
    pub fn returned(&mut self, caller: NodeId, from_server: bool) {
        if let Some(state) = self.clerks.get_mut(&caller) {
            state.replies += u64::from(from_server);
        }
    }

    /// Clerk `node` reported its operation done with `value` at `now`.
    pub fn completed(&mut self, now: Time, node: NodeId, value: O::Value) -> Result<(), String> {
        let Some(state) = self.clerks.get_mut(&node) else {
            return Err(format!(
                "node {node} reported a completed operation, but only clerks complete operations"
            ));
        };
        let Some((op, call, record)) = state.pending.take() else {
            return Err(format!(
                "clerk {node} completed an operation it was not given (complete() must be called exactly once per operation)"
            ));
        };
        if state.replies == state.replies_at_hand {
            return Err(format!(
                "clerk {node} completed {op:?} (handed to it at virtual time {call}) without a \
                 reply from any server since: an operation's result is the service's, and \
                 comes in a server's reply to the clerk's call, never from the clerk alone"
            ));
        }
        let value = O::recorded(&op, value);
        let done = Operation {
            client: state.client,
            op,
            value,
            call,
            ret: now,
        };
        if record {
            self.history.push(done.clone());
        }
        self.ops += 1;
        state.finished = Some(done);
        if self.drivers.contains_key(&node) {
            self.wake.push(node);
        }
        Ok(())
    }

    /// How many recorded operations overlapped another in time.
    pub fn overlapping(&self) -> usize {
        crate::premise::overlapping(
            self.history
                .iter()
                .map(|op| (op.call.as_micros(), op.ret.as_micros()))
                .collect(),
        )
    }

    /// Puts `driver` in charge of `clerk`.
    pub fn set_driver(&mut self, clerk: NodeId, driver: Box<dyn Driver<O>>) {
        self.drivers.insert(clerk, driver);
    }

    /// The driven clerks that finished an operation since the last call.
    pub fn woken(&mut self) -> Vec<NodeId> {
        std::mem::take(&mut self.wake)
    }

    /// Takes `clerk`'s driver and the operation it finished, for the driver
    /// to choose the next (put the driver back with [`Clients::set_driver`]
    /// if it goes on).
    pub fn take_driver(&mut self, clerk: NodeId) -> (Box<dyn Driver<O>>, Option<Operation<O>>) {
        let driver = self.drivers.remove(&clerk).expect("a driver");
        (driver, self.take_finished(clerk))
    }
}

/// What the kv tester knows, shared with its scheduled activities.
pub struct KvTester<W: KvWorld<O>, O: Recorded = KvOps> {
    clients: Clients<O>,
    /// Roles and terms last written to the trace.
    described: Described,
    /// The checks on the servers' Raft calls.
    pub calls: PeerCalls,
    _world: PhantomData<fn() -> W>,
}

impl<W: KvWorld<O>, O: Recorded> Default for KvTester<W, O> {
    fn default() -> Self {
        KvTester {
            clients: Clients::default(),
            described: Described::default(),
            calls: PeerCalls::default(),
            _world: PhantomData,
        }
    }
}

impl<W: KvWorld<O>, O: Recorded> std::ops::Deref for KvTester<W, O> {
    type Target = Clients<O>;
    fn deref(&self) -> &Clients<O> {
        &self.clients
    }
}

impl<W: KvWorld<O>, O: Recorded> std::ops::DerefMut for KvTester<W, O> {
    fn deref_mut(&mut self) -> &mut Clients<O> {
        &mut self.clients
    }
}

/// Hands `op` to `clerk`; with `record`, its completion joins the history.
pub fn issue<W: KvWorld<O>, O: Recorded>(
    sim: &mut KvSim<W, O>,
    clerk: NodeId,
    op: O::Op,
    record: bool,
) -> Result<(), labrpc::SimError> {
    let now = sim.now();
    sim.observer_mut().handing(clerk, op.clone(), now, record);
    sim.invoke(clerk, |node: &mut W::Clerk, ctx| W::begin(node, ctx, op))?;
    Ok(())
}

/// Puts `driver` in charge of `clerk` and lets it choose the first operation.
pub fn drive<W: KvWorld<O>, O: Recorded>(
    sim: &mut KvSim<W, O>,
    clerk: NodeId,
    mut driver: Box<dyn Driver<O>>,
) -> Result<(), String> {
    match driver.next(sim.tester_rng(), None)? {
        None => Ok(()),
        Some((op, record)) => {
            sim.observer_mut().set_driver(clerk, driver);
            issue(sim, clerk, op, record).map_err(|e| e.to_string())
        }
    }
}

impl<W: KvWorld<O>, O: Recorded> Observer<W::Protocol> for KvTester<W, O> {
    crate::peer_calls::peer_call_hooks!(clients);

    fn after_handler(&mut self, _now: Time, node: NodeId, state: &dyn Any) -> Result<(), String> {
        let Some(server) = state.downcast_ref::<W::Server>() else {
            return Ok(());
        };
        let (term, leader) = catching("state()", || W::raft_status(server).state())
            .map_err(|e| format!("server {node}'s {e}"))?;
        self.calls.handled(node, term, leader)
    }

    fn on_output(
        &mut self,
        now: Time,
        node: NodeId,
        output: Completed<O::Value>,
    ) -> Result<(), String> {
        self.clients.completed(now, node, output.value)
    }

    fn status(&mut self, node: NodeId, state: &dyn Any, out: &mut String) {
        if let Some(server) = state.downcast_ref::<W::Server>() {
            self.described
                .describe(node, || raft_role_term(W::raft_status(server)), out);
        }
    }

    fn follow_ups(&mut self) -> Vec<Action<W::Protocol, Self>> {
        self.clients
            .woken()
            .into_iter()
            .map(|clerk| -> Action<W::Protocol, Self> {
                Box::new(move |sim: &mut KvSim<W, O>| {
                    let (mut driver, done) = sim.observer_mut().take_driver(clerk);
                    if let Some((op, record)) = driver.next(sim.tester_rng(), done)? {
                        sim.observer_mut().set_driver(clerk, driver);
                        issue(sim, clerk, op, record).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect()
    }
}

/// A server's Raft's role and term, as the trace describes it.
fn raft_role_term(status: raft::guest::RaftStatus) -> (raft::Role, u64) {
    (status.role, status.term)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get() -> Op {
        Op::Get { key: "k".into() }
    }

    #[test]
    fn a_clerk_completing_without_a_servers_reply_fails_naming_the_rule() {
        let mut clients: Clients = Clients::default();
        clients.add_clerk(7, 0);
        clients.handing(7, get(), Time::ZERO, true);
        // A reply that came before, and a failed call since, are no evidence.
        clients.returned(7, false);
        let err = clients.completed(Time::ZERO, 7, "v".into()).unwrap_err();
        assert!(
            err.contains("clerk 7 completed Get")
                && err.contains("without a reply from any server"),
            "{err}"
        );
    }

    #[test]
    fn a_clerk_completing_on_a_servers_reply_passes() {
        let mut clients: Clients = Clients::default();
        clients.add_clerk(7, 0);
        clients.returned(7, true);
        clients.handing(7, get(), Time::ZERO, true);
        clients.returned(7, true);
        clients.completed(Time::ZERO, 7, "v".into()).unwrap();
        assert_eq!(clients.history.len(), 1);
    }
}
