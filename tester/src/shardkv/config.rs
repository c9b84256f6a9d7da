//! [`ShardConfig`]: the 4B tester's helpers, as in 6.824's shardkv
//! `config.go`, over virtual time: three controllers (nodes 0-2), three
//! replica groups of `n` servers (gids 100, 101, 102, group `gi` at nodes
//! `3 + gi·n ..`), the tester's controller clerk, and shardkv clerks; joins
//! and leaves of groups, shutting servers and groups down and starting them
//! again, clerk operations, and the size checks of persisted state.

use shardkv::world::ShardWorld;
use std::sync::Arc;

use kvraft::Op;
use labrpc::NodeId;
use shardctrler::{Config, CtrlerOp, Gid};
use shardkv::node::{Directory, GroupSpec, server_name};

use crate::crash_check::catching;
use crate::harness::Harness;
use crate::kv::tester::Operation;
use crate::registry::RunSpec;
use crate::report::{Check, Report};
use crate::shardkv::tester::{ShardTester, issue};

/// How many controllers a 4B world has (nodes `0..CTRLERS`).
pub const CTRLERS: usize = 3;
/// How many replica groups.
pub const GROUPS: usize = 3;

/// Where group `gi` of `n` servers is, and what its servers are given.
pub fn group_spec(gi: usize, n: usize, max_raft_state: Option<usize>) -> GroupSpec {
    GroupSpec {
        gid: 100 + gi as Gid,
        first: CTRLERS + gi * n,
        servers: n,
        ctrlers: (0..CTRLERS).collect(),
        max_raft_state,
    }
}

/// A sharded service under test.
pub struct ShardConfig<W: ShardWorld> {
    pub(crate) h: Harness<W::Protocol, ShardTester<W>>,
    /// Servers per group.
    pub n: usize,
    groups: Vec<GroupSpec>,
    directory: Arc<Directory>,
    mck: NodeId,
    max_raft_state: Option<usize>,
    clerks: usize,
}

impl<W: ShardWorld> ShardConfig<W> {
    /// Runs `body` on a fresh service with groups of `n` servers and reports
    /// the outcome. `max_raft_state`: when servers should snapshot (`None`:
    /// never).
    pub fn run(
        spec: &RunSpec,
        n: usize,
        unreliable: bool,
        max_raft_state: Option<usize>,
        body: impl FnOnce(&mut ShardConfig<W>) -> Check<()>,
    ) -> Report {
        let groups: Vec<GroupSpec> = (0..GROUPS)
            .map(|gi| group_spec(gi, n, max_raft_state))
            .collect();
        let mut directory = Directory::default();
        for g in &groups {
            for i in 0..n {
                directory.insert(server_name(g.gid, i), g.first + i);
            }
        }
        let mut cfg = ShardConfig {
            h: Harness::new(spec, ShardTester::default()),
            n,
            groups,
            directory: Arc::new(directory),
            mck: 0,
            max_raft_state,
            clerks: 0,
        };
        cfg.h.names = (0..CTRLERS)
            .map(|i| format!("ctrler {i}"))
            .chain(
                cfg.groups
                    .iter()
                    .flat_map(|g| (0..n).map(move |i| format!("g{} · {i}", g.gid))),
            )
            .collect();
        let result = cfg.make(unreliable).and_then(|()| {
            cfg.h.begin(spec, CTRLERS + GROUPS * n, true);
            body(&mut cfg)
        });
        let ops = cfg.h.sim.observer().ops;
        cfg.h.report(spec, result, ops, CTRLERS + GROUPS * n)
    }

    fn make(&mut self, unreliable: bool) -> Check<()> {
        for i in 0..CTRLERS {
            let node = self.h.sim.add_node(move |ctx| W::ctrler(ctx, i, CTRLERS))?;
            self.h.sim.observer_mut().calls.watch(node, 0);
        }
        for (k, g) in self.groups.clone().into_iter().enumerate() {
            for i in 0..self.n {
                let (spec, dir) = (g.clone(), Arc::clone(&self.directory));
                let node = self
                    .h
                    .sim
                    .add_node(move |ctx| W::server(ctx, &spec, i, &dir))?;
                // Each group is a Raft group of its own (the controllers are 0).
                self.h.sim.observer_mut().calls.watch(node, k + 1);
            }
        }
        self.mck = self
            .h
            .sim
            .add_node(|ctx| W::mck(ctx, (0..CTRLERS).collect()))?;
        self.h.sim.set_reliable(!unreliable);
        Ok(())
    }

    /// Group `gi`'s id.
    pub fn gid(&self, gi: usize) -> Gid {
        self.groups[gi].gid
    }

    /// Notes a line in the trace.
    pub fn note(&mut self, text: impl Into<String>) {
        self.h.sim.note(text);
    }

    /// A failed check at the current time.
    pub fn failure(&self, message: impl Into<String>) -> crate::report::Failure {
        self.h.failure(message)
    }

    /// Lets the service run for `d` of virtual time.
    pub fn sleep(&mut self, d: std::time::Duration) -> Check<()> {
        self.h.sleep(d)
    }

    // ----- the controller -----

    /// Runs `op` through the tester's controller clerk and waits for it.
    fn ctrl(&mut self, op: CtrlerOp) -> Check<()> {
        self.h.sim.observer_mut().ctrl_done = None;
        self.h.sim.invoke(self.mck, |node: &mut W::Mck, ctx| {
            W::begin_mck(node, ctx, op)
        })?;
        self.h.run_until(|sim| sim.observer().ctrl_done.is_some())
    }

    /// One join of groups `gis` (each with its servers' names, in order).
    pub fn joinm(&mut self, gis: &[usize]) -> Check<()> {
        let groups = gis
            .iter()
            .map(|&gi| {
                let gid = self.gid(gi);
                (gid, (0..self.n).map(|i| server_name(gid, i)).collect())
            })
            .collect();
        self.note(format!("join groups {gis:?}"));
        self.ctrl(CtrlerOp::Join(groups))
    }

    /// One leave of groups `gis`.
    pub fn leavem(&mut self, gis: &[usize]) -> Check<()> {
        let gids = gis.iter().map(|&gi| self.gid(gi)).collect();
        self.note(format!("leave groups {gis:?}"));
        self.ctrl(CtrlerOp::Leave(gids))
    }

    /// Group `gi` joins.
    pub fn join(&mut self, gi: usize) -> Check<()> {
        self.joinm(&[gi])
    }

    /// Group `gi` leaves.
    pub fn leave(&mut self, gi: usize) -> Check<()> {
        self.leavem(&[gi])
    }

    // ----- servers -----

    fn node(&self, gi: usize, i: usize) -> NodeId {
        self.groups[gi].first + i
    }

    /// Shuts server `i` of group `gi` down: its instance is gone and calls
    /// to it fail; its persister keeps what it saved.
    pub fn shutdown_server(&mut self, gi: usize, i: usize) {
        let node = self.node(gi, i);
        self.h
            .sim
            .note(format!("shutdown server {i} of group {gi}"));
        self.h.sim.crash(node);
    }

    /// Starts server `i` of group `gi` again from its persister.
    pub fn start_server(&mut self, gi: usize, i: usize) -> Check<()> {
        let node = self.node(gi, i);
        self.h.sim.note(format!("start server {i} of group {gi}"));
        let (n, max) = (self.n, self.max_raft_state);
        Ok(self.h.restart(node, n, max, |sim| {
            sim.node::<W::Server>(node)
                .map(|s| catching("state()", || W::server_raft(s).state()))
        })?)
    }

    /// Shuts every server of group `gi` down.
    pub fn shutdown_group(&mut self, gi: usize) {
        for i in 0..self.n {
            self.shutdown_server(gi, i);
        }
    }

    /// Starts every server of group `gi` again.
    pub fn start_group(&mut self, gi: usize) -> Check<()> {
        for i in 0..self.n {
            self.start_server(gi, i)?;
        }
        Ok(())
    }

    /// What server `i` of group `gi` has persisted: its Raft state's size
    /// and its snapshot.
    pub fn persisted(&self, gi: usize, i: usize) -> (usize, Vec<u8>) {
        let p = self.h.sim.persister(self.node(gi, i));
        (p.state_size(), p.read_snapshot())
    }

    /// Every group server's node.
    fn servers(&self) -> Vec<NodeId> {
        (0..GROUPS)
            .flat_map(|gi| (0..self.n).map(move |i| (gi, i)))
            .map(|(gi, i)| self.node(gi, i))
            .collect()
    }

    /// 6.824's `checklogs`: with `max_raft_state`, no server's persisted Raft
    /// state exceeds 8 × it; without, no server saved a snapshot.
    pub fn checklogs(&self) -> Check<()> {
        for node in self.servers() {
            let p = self.h.sim.persister(node);
            match self.max_raft_state {
                Some(max) if p.state_size() > 8 * max => {
                    return Err(self.failure(format!(
                        "server {node}'s persisted Raft state is {} bytes, more than 8 × max_raft_state ({max}): snapshot so that the log is trimmed",
                        p.state_size()
                    )));
                }
                None if p.snapshot_size() > 0 => {
                    return Err(self.failure(format!(
                        "server {node} saved a snapshot of {} bytes, but max_raft_state is unset (-1): never snapshot then",
                        p.snapshot_size()
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The premise of a scenario with clerks side by side: recorded
    /// operations overlapped in time (`name` says whose).
    pub fn premise_overlapped(&mut self, name: &'static str) {
        let overlapping = self.h.sim.observer().overlapping();
        self.h.premise_overlapped(name, overlapping);
    }

    /// The premise of a snapshot scenario: servers persisted snapshots.
    pub fn premise_snapshots_taken(&mut self) {
        let all = CTRLERS + GROUPS * self.n;
        let with = self.h.servers_with_snapshot(all);
        self.h.premise(
            "servers took snapshots",
            with > 0,
            format!(
                "{with} of {} group servers persisted a snapshot",
                GROUPS * self.n
            ),
        );
    }

    /// Persisted Raft state and snapshot bytes over every group server.
    pub fn total_size(&self) -> usize {
        self.servers()
            .into_iter()
            .map(|node| {
                let p = self.h.sim.persister(node);
                p.state_size() + p.snapshot_size()
            })
            .sum()
    }

    // ----- clerks -----

    /// A fresh shardkv clerk, labelled with the next client number.
    pub fn make_client(&mut self) -> Check<NodeId> {
        let dir = Arc::clone(&self.directory);
        let clerk = self
            .h
            .sim
            .add_node(move |ctx| W::clerk(ctx, (0..CTRLERS).collect(), &dir))?;
        self.h.sim.observer_mut().add_clerk(clerk, self.clerks);
        self.clerks += 1;
        Ok(clerk)
    }

    /// Hands `op` to `clerk` without waiting for it.
    pub fn start_op(&mut self, clerk: NodeId, op: Op, record: bool) -> Check<()> {
        Ok(issue(&mut self.h.sim, clerk, op, record)?)
    }

    /// Runs `op` through `clerk` for at most `limit`: its outcome, or `None`
    /// if it has not finished by then (it goes on).
    pub fn op_within(
        &mut self,
        clerk: NodeId,
        op: Op,
        limit: std::time::Duration,
    ) -> Check<Option<Operation>> {
        self.start_op(clerk, op, false)?;
        if !self
            .h
            .run_until_or(limit, |sim| sim.observer().has_finished(clerk))?
        {
            return Ok(None);
        }
        Ok(self.h.sim.observer_mut().take_finished(clerk))
    }

    /// Runs `op` through `clerk` and waits for it.
    pub fn op(&mut self, clerk: NodeId, op: Op, record: bool) -> Check<Operation> {
        self.start_op(clerk, op, record)?;
        self.h.run_until(|sim| sim.observer().has_finished(clerk))?;
        Ok(self
            .h
            .sim
            .observer_mut()
            .take_finished(clerk)
            .expect("finished"))
    }

    /// `Put(key, value)` through `clerk`.
    pub fn put(&mut self, clerk: NodeId, key: &str, value: &str) -> Check<()> {
        let op = Op::Put {
            key: key.to_string(),
            value: value.to_string(),
        };
        self.op(clerk, op, false).map(drop)
    }

    /// `Append(key, value)` through `clerk`.
    pub fn append(&mut self, clerk: NodeId, key: &str, value: &str) -> Check<()> {
        let op = Op::Append {
            key: key.to_string(),
            value: value.to_string(),
        };
        self.op(clerk, op, false).map(drop)
    }

    /// 6.824's `check`: `Get(key)` through `clerk` reads `expected`.
    pub fn check(&mut self, clerk: NodeId, key: &str, expected: &str) -> Check<()> {
        let op = Op::Get {
            key: key.to_string(),
        };
        let got = self.op(clerk, op, false)?.value;
        if got != expected {
            return Err(self.failure(format!(
                "Get({key}): expected:\n{expected}\nreceived:\n{got}"
            )));
        }
        Ok(())
    }

    /// A random string of `n` characters (6.824's `randstring`).
    pub fn randstring(&mut self, n: usize) -> String {
        randstring(self.h.sim.tester_rng(), n)
    }

    /// The latest configuration, read through the tester's controller clerk.
    pub fn query(&mut self) -> Check<Config> {
        self.ctrl(CtrlerOp::Query(None))?;
        let done = self.h.sim.observer_mut().ctrl_done.take().flatten();
        done.ok_or_else(|| {
            self.failure("the controller clerk completed a Query without a configuration")
        })
    }

    /// Makes the network reliable (or not).
    pub fn set_reliable(&mut self, reliable: bool) {
        self.h.sim.set_reliable(reliable);
    }
}

/// `n` random characters of URL-safe base64's alphabet, from `rng`.
pub fn randstring(rng: &mut labrpc::Choices, n: usize) -> String {
    use labrpc::rand::RngExt;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..n)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
