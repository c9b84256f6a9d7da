//! The crash check: a crash must lose everything that was not persisted.
//!
//! Each life of a server is a fresh WebAssembly instance, so a `static`, a
//! thread-local or anything else that outlives a server's incarnation dies
//! with it; this check stands behind that, in depth, trusting neither the
//! instance nor the source check. During a run the [`Sampler`] keeps a bounded, unpredictable
//! sample of the restarts: what the persister held and the `state()` the
//! restarted server reported. After the run, each sampled server is built again
//! from those bytes alone, in a fresh process ([`rebuild_raft`],
//! [`rebuild_kv`]), and must report the same state; the comparison is
//! [`jobwire::restart::Restart::compare`].

use shardkv::world::ShardWorld;
use std::panic::{self, AssertUnwindSafe};

use jobwire::restart::Restart;
use kvraft::Ops;
use kvraft::world::KvWorld;
use labrpc::rand::RngExt;
use labrpc::{Persister, Sim, SimRng, Time};
use raft::Raft;
use raft::node::RaftNode;

/// How many restarts a run keeps for the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sample {
    /// None: the run is not checked (timelines, determinism, benches).
    None,
    /// At most `keep`, chosen uniformly among all restarts with randomness
    /// from `seed` (the grader derives it from the job's secret key, so
    /// student code cannot know which restarts are checked).
    Some {
        /// How many.
        keep: usize,
        /// Seed of the choice.
        seed: u64,
    },
    /// Every restart (a replay).
    All,
}

/// How many restarts a graded job or a test checks.
pub const KEEP: usize = 3;

/// A reservoir of restarts (Vitter's algorithm R): each of the `n` restarts
/// seen is kept with probability `keep / n`, in bounded memory.
pub struct Sampler {
    keep: usize,
    seen: u64,
    rng: Option<SimRng>,
    kept: Vec<Restart>,
}

impl Sampler {
    /// A sampler for `sample`.
    pub fn new(sample: Sample) -> Sampler {
        let (keep, rng) = match sample {
            Sample::None => (0, None),
            Sample::Some { keep, seed } => (keep, Some(labrpc::seed::derive(seed, 0))),
            Sample::All => (usize::MAX, None),
        };
        Sampler {
            keep,
            seen: 0,
            rng,
            kept: Vec::new(),
        }
    }

    /// Whether to keep the next restart; `Some(slot)` says where.
    pub fn admit(&mut self) -> Option<usize> {
        if self.keep == 0 {
            return None;
        }
        self.seen += 1;
        if self.kept.len() < self.keep {
            return Some(self.kept.len());
        }
        let rng = self.rng.as_mut()?;
        let j = rng.random_range(0..self.seen);
        (j < self.keep as u64).then_some(j as usize)
    }

    /// Keeps `restart` in `slot` (from [`Sampler::admit`]).
    pub fn put(&mut self, slot: usize, restart: Restart) {
        if slot == self.kept.len() {
            self.kept.push(restart);
        } else {
            self.kept[slot] = restart;
        }
    }

    /// The kept restarts, in the order they happened.
    pub fn into_restarts(self) -> Vec<Restart> {
        let mut kept = self.kept;
        kept.sort_by_key(|r| (r.at_us, r.server));
        kept
    }
}

/// What a persister held, for a restart record.
pub fn persisted(persister: &Persister) -> (Vec<u8>, Vec<u8>) {
    (persister.read_state(), persister.read_snapshot())
}

/// `f()`, with a panic reported as text.
pub fn catching<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f))
        .map_err(|payload| format!("{what} panicked: {}", labrpc::panic_message(&*payload)))
}

/// Builds server `restart.server` of a Raft world again, from the persisted
/// bytes alone, and returns its `state()`. The servers before it in the
/// world start empty (ids are positions); none of them runs.
pub fn rebuild_raft<R: Raft>(restart: &Restart) -> Result<(u64, bool), String> {
    let n = restart.servers;
    let mut sim: Sim<raft::node::RaftProtocol<R>, ()> = Sim::new(restart.seed, ());
    start_alone(&mut sim, restart, |sim| {
        for i in 0..=restart.server {
            sim.add_node(move |ctx| RaftNode::<R>::create(ctx, i, n))?;
        }
        Ok(())
    })?;
    let node = sim
        .node::<RaftNode<R>>(restart.server)
        .ok_or("the server is not running after its restart")?;
    catching("state()", || node.raft().state())
}

/// The same for a kv server: its Raft's `state()`.
pub fn rebuild_kv<W: KvWorld<O>, O: Ops>(restart: &Restart) -> Result<(u64, bool), String> {
    let n = restart.servers;
    let max = restart.max_raft_state;
    let mut sim: Sim<W::Protocol, ()> = Sim::new(restart.seed, ());
    start_alone(&mut sim, restart, |sim| {
        for i in 0..=restart.server {
            sim.add_node(move |ctx| W::server(ctx, i, n, max))?;
        }
        Ok(())
    })?;
    let node = sim
        .node::<W::Server>(restart.server)
        .ok_or("the server is not running after its restart")?;
    catching("state()", || W::raft_status(node).state())
}

/// The same for a server of a 4B world, laid out as the 4B tester lays it
/// out (see [`crate::shardkv::config`]): controllers at nodes 0-2, then the
/// groups of `restart.servers` servers each, gids 100, 101, ...
pub fn rebuild_shardkv<W: ShardWorld>(restart: &Restart) -> Result<(u64, bool), String> {
    use crate::shardkv::config::{CTRLERS, group_spec};
    use shardkv::node::Directory;
    let n = restart.servers;
    let max = restart.max_raft_state;
    let mut sim: Sim<W::Protocol, ()> = Sim::new(restart.seed, ());
    let directory = std::sync::Arc::new(Directory::default());
    start_alone(&mut sim, restart, |sim| {
        for i in 0..=restart.server {
            if i < CTRLERS {
                sim.add_node(move |ctx| W::ctrler(ctx, i, CTRLERS))?;
            } else {
                let spec = group_spec((i - CTRLERS) / n, n, max);
                let dir = std::sync::Arc::clone(&directory);
                sim.add_node(move |ctx| W::server(ctx, &spec, (i - CTRLERS) % n, &dir))?;
            }
        }
        Ok(())
    })?;
    let node = sim
        .node::<W::Server>(restart.server)
        .ok_or("the server is not running after its restart")?;
    catching("state()", || W::server_raft(node).state())
}

fn start_alone<P: labrpc::Protocol>(
    sim: &mut Sim<P, ()>,
    restart: &Restart,
    add: impl FnOnce(&mut Sim<P, ()>) -> Result<(), labrpc::SimError>,
) -> Result<(), String> {
    sim.run_until_time(Time::ZERO + std::time::Duration::from_micros(restart.at_us))
        .map_err(|e| e.to_string())?;
    add(sim).map_err(|e| format!("starting the servers: {e}"))?;
    sim.crash(restart.server);
    let mut persister = Persister::new();
    persister.save(restart.state.clone(), restart.snapshot.clone());
    sim.set_persister(restart.server, persister);
    sim.restart(restart.server)
        .map_err(|e| format!("restarting it: {e}"))
}
