//! The 4B tester's own state: the clerks' operations and history (as the kv
//! tester keeps them), the last operation the tester's controller clerk
//! completed, and the Raft roles it writes into the trace.

use raft::Raft;
use std::any::Any;
use std::marker::PhantomData;

use kvraft::{KvClerk, KvOps, Op};
use labrpc::{Action, NodeId, Observer, Sim, Time};
use shardctrler::{Config, CtrlerOps};
use shardkv::ShardKvClerk;
use shardkv::node::{CtrlerNode, GroupServerNode, ShardClerkNode, ShardOutput, ShardProtocol};

use crate::crash_check::catching;
use crate::kv::tester::{Clients, Driver};
use crate::peer_calls::PeerCalls;
use crate::status::Described;

/// The protocol of a 4B world with clerks `C` and controller clerks `CC`.
pub type ShardWorld<C, CC> = ShardProtocol<<C as ShardKvClerk>::Server, CC>;

/// The simulated world of a 4B scenario.
pub type ShardSim<C, CC> = Sim<ShardWorld<C, CC>, ShardTester<C, CC>>;

/// What the 4B tester knows, shared with its scheduled activities.
pub struct ShardTester<C, CC> {
    clients: Clients<KvOps>,
    /// What the tester's controller clerk completed last, not yet taken.
    pub ctrl_done: Option<Option<Config>>,
    described: Described,
    /// The checks on the servers' Raft calls, group by group.
    pub calls: PeerCalls,
    _clerks: PhantomData<fn() -> (C, CC)>,
}

impl<C, CC> Default for ShardTester<C, CC> {
    fn default() -> Self {
        ShardTester {
            clients: Clients::default(),
            ctrl_done: None,
            described: Described::default(),
            calls: PeerCalls::default(),
            _clerks: PhantomData,
        }
    }
}

impl<C, CC> std::ops::Deref for ShardTester<C, CC> {
    type Target = Clients<KvOps>;
    fn deref(&self) -> &Clients<KvOps> {
        &self.clients
    }
}

impl<C, CC> std::ops::DerefMut for ShardTester<C, CC> {
    fn deref_mut(&mut self) -> &mut Clients<KvOps> {
        &mut self.clients
    }
}

/// Hands `op` to shardkv clerk `clerk`; with `record`, its completion joins
/// the history.
pub fn issue<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(
    sim: &mut ShardSim<C, CC>,
    clerk: NodeId,
    op: Op,
    record: bool,
) -> Result<(), labrpc::SimError> {
    let now = sim.now();
    sim.observer_mut().handing(clerk, op.clone(), now, record);
    sim.invoke(clerk, |node: &mut ShardClerkNode<C, CC>, ctx| {
        node.begin(ctx, op)
    })?;
    Ok(())
}

/// Puts `driver` in charge of `clerk` and lets it choose the first operation.
pub fn drive<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(
    sim: &mut ShardSim<C, CC>,
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

impl<C: ShardKvClerk, CC: KvClerk<CtrlerOps>> Observer<ShardWorld<C, CC>> for ShardTester<C, CC> {
    crate::peer_calls::peer_call_hooks!(clients);

    fn after_handler(&mut self, _now: Time, node: NodeId, state: &dyn Any) -> Result<(), String> {
        let state = if let Some(server) = state.downcast_ref::<GroupServerNode<C::Server, CC>>() {
            catching("state()", || raft::Raft::state(server.raft()))
        } else if let Some(ctrler) = state.downcast_ref::<CtrlerNode<C::Server, CC>>() {
            catching("state()", || raft::Raft::state(ctrler.inner().raft()))
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
        if let Some(server) = state.downcast_ref::<GroupServerNode<C::Server, CC>>() {
            self.described.describe(
                node,
                || (server.raft().role(), server.raft().state().0),
                out,
            );
        } else if let Some(ctrler) = state.downcast_ref::<CtrlerNode<C::Server, CC>>() {
            let raft = ctrler.inner().raft();
            self.described
                .describe(node, || (raft.role(), raft.state().0), out);
        }
    }

    fn follow_ups(&mut self) -> Vec<Action<ShardWorld<C, CC>, Self>> {
        self.clients
            .woken()
            .into_iter()
            .map(|clerk| -> Action<ShardWorld<C, CC>, Self> {
                Box::new(move |sim: &mut ShardSim<C, CC>| {
                    let (mut driver, done) = sim.observer_mut().take_driver(clerk);
                    let Some((op, record)) = driver.next(sim.tester_rng(), done)? else {
                        return Ok(());
                    };
                    let pause = driver.pause();
                    sim.observer_mut().set_driver(clerk, driver);
                    if pause.is_zero() {
                        return issue(sim, clerk, op, record).map_err(|e| e.to_string());
                    }
                    sim.schedule(pause, "worker", move |sim: &mut ShardSim<C, CC>| {
                        issue(sim, clerk, op, record).map_err(|e| e.to_string())
                    });
                    Ok(())
                })
            })
            .collect()
    }
}
