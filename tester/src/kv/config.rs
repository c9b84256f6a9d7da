//! [`KvConfig`]: the kv tester's helpers, as in 6.824's kvraft `config.go`, over
//! virtual time: servers and clerks (each clerk with its own ends to the servers),
//! partitions, shutting down and restarting servers, and clerk operations.

use std::time::Duration;

use kvraft::world::KvWorld;
use kvraft::{KvOps, Op};
use labrpc::NodeId;
use labrpc::rand::RngExt;
use labrpc::rand::seq::SliceRandom;

use crate::crash_check::catching;
use crate::harness::Harness;
use crate::kv::tester::{KvSim, KvTester, Operation, Recorded, issue};
use crate::registry::RunSpec;
use crate::report::{Check, Failure, Report};

/// A kv service under test: `n` servers (nodes `0..n`) and the clerks made so far.
/// (`O`: another service on kvraft's machinery, such as Lab 4's controller.)
pub struct KvConfig<W: KvWorld<O>, O: Recorded = KvOps> {
    pub(crate) h: Harness<W::Protocol, KvTester<W, O>>,
    /// The number of servers.
    pub n: usize,
    max_raft_state: Option<usize>,
}

impl<W: KvWorld<O>, O: Recorded> KvConfig<W, O> {
    /// Runs `body` on a fresh service of `n` servers and reports the outcome.
    /// `max_raft_state`: when servers should snapshot (`None`: never).
    pub fn run(
        spec: &RunSpec,
        n: usize,
        unreliable: bool,
        max_raft_state: Option<usize>,
        body: impl FnOnce(&mut KvConfig<W, O>) -> Check<()>,
    ) -> Report {
        let mut cfg = KvConfig {
            h: Harness::new(spec, KvTester::default()),
            n,
            max_raft_state,
        };
        let result = cfg.make(unreliable, max_raft_state).and_then(|()| {
            cfg.h.begin(spec, n, true);
            body(&mut cfg)
        });
        let ops = cfg.h.sim.observer().ops;
        cfg.h.report(spec, result, ops, n)
    }

    fn make(&mut self, unreliable: bool, max_raft_state: Option<usize>) -> Check<()> {
        self.h.sim.set_reliable(!unreliable);
        let n = self.n;
        for i in 0..n {
            self.h
                .sim
                .add_node(move |ctx| W::server(ctx, i, n, max_raft_state))?;
            self.h.sim.observer_mut().calls.watch(i, 0);
        }
        Ok(())
    }

    /// Every server.
    pub fn all(&self) -> Vec<NodeId> {
        (0..self.n).collect()
    }

    /// A random number in `0..bound`.
    pub fn rand(&mut self, bound: u64) -> u64 {
        self.h.sim.tester_rng().random_range(0..bound)
    }

    /// Lets the service run for `d` of virtual time.
    pub fn sleep(&mut self, d: Duration) -> Check<()> {
        self.h.sleep(d)
    }

    /// A failed check at the current time.
    pub fn failure(&self, message: impl Into<String>) -> Failure {
        self.h.failure(message)
    }

    /// Notes a line in the trace.
    pub fn note(&mut self, text: impl Into<String>) {
        self.h.sim.note(text);
    }

    // ----- connectivity -----

    /// Connects server `i` with the servers in `to`, both ways.
    pub fn connect(&mut self, i: NodeId, to: &[NodeId]) {
        connect(&mut self.h.sim, i, to);
    }

    /// Cuts server `i` off from the servers in `from`, both ways.
    pub fn disconnect(&mut self, i: NodeId, from: &[NodeId]) {
        disconnect(&mut self.h.sim, i, from);
    }

    /// Splits the servers into two groups that cannot reach each other.
    pub fn partition(&mut self, p1: &[NodeId], p2: &[NodeId]) {
        partition(&mut self.h.sim, p1, p2);
    }

    /// Connects every server with every other.
    pub fn connect_all(&mut self) {
        let all = self.all();
        for i in 0..self.n {
            self.connect(i, &all);
        }
    }

    /// A majority group without the current leader and a minority group with it
    /// (6.824's `make_partition`).
    pub fn make_partition(&self) -> (Vec<NodeId>, Vec<NodeId>) {
        let leader = self.leader().unwrap_or(0);
        let mut others: Vec<NodeId> = (0..self.n).filter(|&i| i != leader).collect();
        let p2_len = self.n / 2;
        let p1: Vec<NodeId> = others.drain(..self.n / 2 + 1).collect();
        let mut p2 = others;
        p2.push(leader);
        debug_assert_eq!(p2.len(), p2_len);
        (p1, p2)
    }

    /// The first server whose Raft claims to lead, if any.
    pub fn leader(&self) -> Option<NodeId> {
        (0..self.n).find(|&i| leads(&self.h.sim, i))
    }

    // ----- clerks -----

    /// Makes a clerk labelled `client` in the history, able to reach only the
    /// servers in `to` (it is told about all of them, in a random order).
    pub fn make_client(&mut self, to: &[NodeId], client: usize) -> Check<NodeId> {
        let mut servers = self.all();
        servers.shuffle(self.h.sim.tester_rng());
        let clerk = self
            .h
            .sim
            .add_node(move |ctx| W::clerk(ctx, servers.clone()))?;
        self.h.sim.observer_mut().add_clerk(clerk, client);
        for j in 0..self.n {
            self.h.sim.set_end(clerk, j, to.contains(&j));
        }
        Ok(clerk)
    }

    /// Lets `clerk` reach the servers in `to`.
    pub fn connect_client(&mut self, clerk: NodeId, to: &[NodeId]) {
        for &j in to {
            self.h.sim.set_end(clerk, j, true);
        }
    }

    /// Retires a clerk whose client is done.
    pub fn delete_client(&mut self, clerk: NodeId) {
        self.h.sim.crash(clerk);
    }

    // ----- servers -----

    /// Shuts server `i` down: cut off from the other servers, its instance gone;
    /// clerks' calls to it fail. Its persister keeps what it saved.
    pub fn shutdown_server(&mut self, i: NodeId) {
        self.h.sim.note(format!("shutdown server {i}"));
        let all = self.all();
        self.disconnect(i, &all);
        self.h.sim.crash(i);
    }

    /// Starts server `i` again from its persister (still cut off from the other
    /// servers until connected; clerks reach it as before).
    pub fn start_server(&mut self, i: NodeId) -> Check<()> {
        self.h.sim.note(format!("start server {i}"));
        let (n, max) = (self.n, self.max_raft_state);
        Ok(self.h.restart(i, n, max, |sim| {
            sim.node::<W::Server>(i)
                .map(|s| catching("state()", || W::raft_status(s).state()))
        })?)
    }

    /// The largest persisted Raft state among the servers.
    pub fn log_size(&self) -> usize {
        (0..self.n)
            .map(|i| self.h.sim.persister(i).state_size())
            .max()
            .unwrap_or(0)
    }

    /// Snapshots server `i`'s current incarnation installed (0 if it is down).
    pub fn snapshots_installed(&self, i: NodeId) -> u64 {
        self.h
            .sim
            .node::<W::Server>(i)
            .map_or(0, W::snapshots_installed)
    }

    /// The premise of a scenario with clients side by side: recorded
    /// operations overlapped in time (`name` says whose).
    pub fn premise_overlapped(&mut self, name: &'static str) {
        let overlapping = self.h.sim.observer().overlapping();
        self.h.premise_overlapped(name, overlapping);
    }

    /// The premise of a scenario with a partitioner: `splits` of its
    /// partitions left servers on both sides.
    pub fn premise_splits(&mut self, splits: u64) {
        self.h.premise(
            "partitions split the servers",
            splits > 0,
            format!("{splits} partitions split them"),
        );
    }

    /// The premise of a snapshot scenario: servers persisted snapshots.
    pub fn premise_snapshots_taken(&mut self) {
        let with = self.h.servers_with_snapshot(self.n);
        self.h.premise(
            "servers took snapshots",
            with > 0,
            format!("{with} of {} servers persisted a snapshot", self.n),
        );
    }

    /// The largest persisted snapshot among the servers.
    pub fn snapshot_size(&self) -> usize {
        (0..self.n)
            .map(|i| self.h.sim.persister(i).snapshot_size())
            .max()
            .unwrap_or(0)
    }

    // ----- operations -----

    /// Hands `op` to `clerk` without waiting for it.
    pub fn start_op(&mut self, clerk: NodeId, op: O::Op, record: bool) -> Check<()> {
        Ok(issue(&mut self.h.sim, clerk, op, record)?)
    }

    /// Whether `clerk`'s last operation has finished.
    pub fn finished(&self, clerk: NodeId) -> bool {
        self.h.sim.observer().has_finished(clerk)
    }

    /// Runs `op` through `clerk` and waits for it.
    pub fn op(&mut self, clerk: NodeId, op: O::Op, record: bool) -> Check<Operation<O>> {
        self.start_op(clerk, op, record)?;
        self.h.run_until(|sim| sim.observer().has_finished(clerk))?;
        Ok(self
            .h
            .sim
            .observer_mut()
            .take_finished(clerk)
            .expect("finished"))
    }
}

impl<W: KvWorld> KvConfig<W> {
    /// `Get(key)` through `clerk`.
    pub fn get(&mut self, clerk: NodeId, key: &str, record: bool) -> Check<String> {
        Ok(self
            .op(
                clerk,
                Op::Get {
                    key: key.to_string(),
                },
                record,
            )?
            .value)
    }

    /// `Put(key, value)` through `clerk`.
    pub fn put(&mut self, clerk: NodeId, key: &str, value: &str, record: bool) -> Check<()> {
        self.op(
            clerk,
            Op::Put {
                key: key.to_string(),
                value: value.to_string(),
            },
            record,
        )
        .map(drop)
    }

    /// `Append(key, value)` through `clerk`.
    pub fn append(&mut self, clerk: NodeId, key: &str, value: &str, record: bool) -> Check<()> {
        self.op(
            clerk,
            Op::Append {
                key: key.to_string(),
                value: value.to_string(),
            },
            record,
        )
        .map(drop)
    }

    /// Checks that `Get(key)` through `clerk` reads `expected`.
    pub fn check(&mut self, clerk: NodeId, key: &str, expected: &str) -> Check<()> {
        let got = self.get(clerk, key, false)?;
        if got != expected {
            return Err(self.failure(format!(
                "Get({key}): expected:\n{expected}\nreceived:\n{got}"
            )));
        }
        Ok(())
    }
}

/// Whether server `i` is up and its Raft claims to lead.
pub fn leads<W: KvWorld<O>, O: Recorded>(sim: &KvSim<W, O>, i: NodeId) -> bool {
    sim.is_alive(i)
        && sim
            .observer()
            .calls
            .seen(i)
            .is_some_and(|(_, leader)| leader)
}

/// Connects server `i` with the servers in `to`, both ways.
pub fn connect<W: KvWorld<O>, O: Recorded>(sim: &mut KvSim<W, O>, i: NodeId, to: &[NodeId]) {
    for &j in to {
        sim.set_end(i, j, true);
        sim.set_end(j, i, true);
    }
}

/// Cuts server `i` off from the servers in `from`, both ways.
pub fn disconnect<W: KvWorld<O>, O: Recorded>(sim: &mut KvSim<W, O>, i: NodeId, from: &[NodeId]) {
    for &j in from {
        sim.set_end(i, j, false);
        sim.set_end(j, i, false);
    }
}

/// Splits the servers into two groups that cannot reach each other (clerks are
/// not affected).
pub fn partition<W: KvWorld<O>, O: Recorded>(sim: &mut KvSim<W, O>, p1: &[NodeId], p2: &[NodeId]) {
    sim.note(format!("partition {p1:?} | {p2:?}"));
    for &i in p1 {
        disconnect(sim, i, p2);
        connect(sim, i, p1);
    }
    for &i in p2 {
        disconnect(sim, i, p1);
        connect(sim, i, p2);
    }
}
