//! The 4B tester's own state: the clerks' operations and history (as the kv
//! tester keeps them), the last operation the tester's controller clerk
//! completed, and the Raft roles it writes into the trace.

use std::any::Any;
use std::marker::PhantomData;

use kvraft::{KvOps, Op};
use labrpc::{Action, NodeId, Observer, Sim, Time};
use shardctrler::Config;
use shardkv::node::ShardOutput;
use shardkv::world::ShardWorld;

use crate::crash_check::catching;
use crate::kv::tester::{Clients, Driver};
use crate::peer_calls::PeerCalls;
use crate::status::Described;

/// The simulated world of a 4B scenario.
pub type ShardSim<W> = Sim<<W as ShardWorld>::Protocol, ShardTester<W>>;

/// What the 4B tester knows, shared with its scheduled activities.
pub struct ShardTester<W> {
    clients: Clients<KvOps>,
    /// What the tester's controller clerk completed last, not yet taken.
    pub ctrl_done: Option<Option<Config>>,
    described: Described,
    /// The checks on the servers' Raft calls, group by group.
    pub calls: PeerCalls,
    _world: PhantomData<fn() -> W>,
}

impl<W> Default for ShardTester<W> {
    fn default() -> Self {
        ShardTester {
            clients: Clients::default(),
            ctrl_done: None,
            described: Described::default(),
            calls: PeerCalls::default(),
            _world: PhantomData,
        }
    }
}

impl<W> std::ops::Deref for ShardTester<W> {
    type Target = Clients<KvOps>;
    fn deref(&self) -> &Clients<KvOps> {
        &self.clients
    }
}

impl<W> std::ops::DerefMut for ShardTester<W> {
    fn deref_mut(&mut self) -> &mut Clients<KvOps> {
        &mut self.clients
    }
}

/// Hands `op` to shardkv clerk `clerk`; with `record`, its completion joins
/// the history.
pub fn issue<W: ShardWorld>(
    sim: &mut ShardSim<W>,
    clerk: NodeId,
    op: Op,
    record: bool,
) -> Result<(), labrpc::SimError> {
    let now = sim.now();
    sim.observer_mut().handing(clerk, op.clone(), now, record);
    sim.invoke(clerk, |node: &mut W::Clerk, ctx| W::begin(node, ctx, op))?;
    Ok(())
}

/// Puts `driver` in charge of `clerk` and lets it choose the first operation.
pub fn drive<W: ShardWorld>(
    sim: &mut ShardSim<W>,
    clerk: NodeId,
    mut driver: Box<dyn Driver>,
) -> Result<(), String> {
    match driver.next(sim.tester_rng(), None)? {
        None => Ok(()),
        Some((op, record)) => {
            sim.observer_mut().set_driver(clerk, driver);
            issue(sim, clerk, op, record).map_err(|e| e.to_string())
        }
    }
}

impl<W: ShardWorld> Observer<W::Protocol> for ShardTester<W> {
    crate::peer_calls::peer_call_hooks!(clients);

    fn after_handler(&mut self, _now: Time, node: NodeId, state: &dyn Any) -> Result<(), String> {
        let state = if let Some(server) = state.downcast_ref::<W::Server>() {
            catching("state()", || W::server_raft(server).state())
        } else if let Some(ctrler) = state.downcast_ref::<W::Ctrler>() {
            catching("state()", || W::ctrler_raft(ctrler).state())
        } else {
            return Ok(());
        };
        let (term, leader) = state.map_err(|e| format!("server {node}'s {e}"))?;
        self.calls.handled(node, term, leader)
    }

    fn on_output(&mut self, now: Time, node: NodeId, output: ShardOutput) -> Result<(), String> {
        match output {
            ShardOutput::Kv(done) => self.clients.completed(now, node, done.value),
            ShardOutput::Ctrl(done) => {
                self.ctrl_done = Some(done.value);
                Ok(())
            }
        }
    }

    fn status(&mut self, node: NodeId, state: &dyn Any, out: &mut String) {
        if let Some(server) = state.downcast_ref::<W::Server>() {
            self.described
                .describe(node, || role_term(W::server_raft(server)), out);
        } else if let Some(ctrler) = state.downcast_ref::<W::Ctrler>() {
            self.described
                .describe(node, || role_term(W::ctrler_raft(ctrler)), out);
        }
    }

    fn follow_ups(&mut self) -> Vec<Action<W::Protocol, Self>> {
        self.clients
            .woken()
            .into_iter()
            .map(|clerk| -> Action<W::Protocol, Self> {
                Box::new(move |sim: &mut ShardSim<W>| {
                    let (mut driver, done) = sim.observer_mut().take_driver(clerk);
                    let Some((op, record)) = driver.next(sim.tester_rng(), done)? else {
                        return Ok(());
                    };
                    let pause = driver.pause();
                    sim.observer_mut().set_driver(clerk, driver);
                    if pause.is_zero() {
                        return issue(sim, clerk, op, record).map_err(|e| e.to_string());
                    }
                    sim.schedule(pause, "worker", move |sim: &mut ShardSim<W>| {
                        issue(sim, clerk, op, record).map_err(|e| e.to_string())
                    });
                    Ok(())
                })
            })
            .collect()
    }
}

/// A Raft's role and term, as the trace describes it.
fn role_term(status: raft::guest::RaftStatus) -> (raft::Role, u64) {
    (status.role, status.term)
}
