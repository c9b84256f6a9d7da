//! [`Config`]: the Raft tester's helpers, as in 6.824's `config.go`, over virtual
//! time: make a cluster, crash and restart servers, partition them, ask for
//! agreement (`one`), and check leaders and terms.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use labrpc::rand::RngExt;
use labrpc::{Choices, NodeId, Time};
use raft::Raft;
use raft::node::{RaftNode, RaftProtocol};

use crate::harness::Harness;
pub use crate::harness::{ELECTION_TIMEOUT, TIME_LIMIT};
use crate::raft::checker::{RaftSim, Tester, show, state_of};
use crate::raft::tasks::{self, OneTask};
use crate::registry::RunSpec;
use crate::report::{Check, Failure, FailureKind, Report};

/// Whether a cluster runs on a reliable network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Net {
    /// No drops, small delays.
    Reliable,
    /// Drops and delays as 6.824's unreliable network.
    Unreliable,
    /// Unreliable, with replies held back (long reordering) from the start
    /// and one request in ten delivered again up to 2.2 s late: the stale and
    /// repeated messages a real network makes (raftlab's own scenarios only).
    /// Elections can take seconds on it (vote replies held back outlive the
    /// candidates' terms): a scenario that wants a leader within
    /// `check_one_leader`'s 5 s after every cut is unfair on it
    /// (`many_elections_2a` on it failed the reference on 887 of 1,000 seeds).
    Hostile,
}

/// A Raft cluster under test.
pub struct Config<R: Raft> {
    pub(crate) h: Harness<RaftProtocol<R>, Tester<R>>,
    /// The number of servers.
    pub n: usize,
    max_index0: u64,
}

impl<R: Raft> Config<R> {
    /// Runs `body` on a fresh cluster of `n` servers and reports the outcome. With
    /// `snapshots`, the tester calls `snapshot` every 10 applied commands and checks
    /// snapshot applies (2D).
    pub fn run(
        spec: &RunSpec,
        n: usize,
        net: Net,
        snapshots: bool,
        body: impl FnOnce(&mut Config<R>) -> Check<()>,
    ) -> Report {
        let mut cfg = Config {
            h: Harness::new(spec, Tester::new(n, snapshots)),
            n,
            max_index0: 0,
        };
        let result = cfg.make(net).and_then(|()| {
            cfg.h.begin(spec, n, false);
            cfg.max_index0 = cfg.h.sim.observer().max_index;
            body(&mut cfg)
        });
        let commands = cfg.h.sim.observer().max_index - cfg.max_index0;
        cfg.h.report(spec, result, commands, n)
    }

    fn make(&mut self, net: Net) -> Check<()> {
        self.h.sim.set_reliable(net == Net::Reliable);
        self.h.sim.set_long_delays(true);
        if net == Net::Hostile {
            self.h.sim.set_long_reordering(true);
            self.h.sim.set_duplicating(true);
        }
        let n = self.n;
        for i in 0..n {
            self.h
                .sim
                .add_node(move |ctx| RaftNode::<R>::create(ctx, i, n))?;
        }
        Ok(())
    }

    /// Records a non-fatal remark.
    pub fn warn(&mut self, text: impl Into<String>) {
        self.h.warn(text.into());
    }

    /// The tester's random stream.
    pub fn rng(&mut self) -> &mut Choices {
        self.h.sim.tester_rng()
    }

    /// A random number in `0..bound`.
    pub fn rand(&mut self, bound: u64) -> u64 {
        self.h.sim.tester_rng().random_range(0..bound)
    }

    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.h.sim.now()
    }

    /// Lets the cluster run for `d` of virtual time.
    pub fn sleep(&mut self, d: Duration) -> Check<()> {
        self.h.sleep(d)
    }

    /// Runs until `done` holds, within the time limit.
    pub(crate) fn run_until(&mut self, done: impl FnMut(&RaftSim<R>) -> bool) -> Check<()> {
        self.h.run_until(done)
    }

    // ----- servers -----

    /// Whether server `i` is running.
    pub fn is_up(&self, i: NodeId) -> bool {
        self.h.sim.is_alive(i)
    }

    /// Whether server `i` is connected.
    pub fn is_connected(&self, i: NodeId) -> bool {
        self.h.sim.observer().connected[i]
    }

    /// Server `i`'s `(term, is_leader)` as its `state()` said after its last
    /// handler, or `None` if it is down.
    pub fn state(&self, i: NodeId) -> Check<Option<(u64, bool)>> {
        Ok(self
            .h
            .sim
            .is_alive(i)
            .then(|| self.h.sim.observer().seen(i))
            .flatten())
    }

    /// Calls `start(command)` on server `i`: `None` if it is down or not the leader.
    pub fn start(&mut self, i: NodeId, command: Vec<u8>) -> Check<Option<(u64, u64)>> {
        Ok(tasks::start(&mut self.h.sim, i, command)?)
    }

    /// Connects server `i` to every connected server (6.824's `connect`).
    pub fn connect(&mut self, i: NodeId) {
        self.h.sim.note(format!("connect({i})"));
        self.h.sim.observer_mut().connected[i] = true;
        for j in 0..self.n {
            if self.h.sim.observer().connected[j] {
                self.h.sim.set_end(i, j, true);
                self.h.sim.set_end(j, i, true);
            }
        }
    }

    /// Cuts server `i` off from every server (6.824's `disconnect`).
    pub fn disconnect(&mut self, i: NodeId) {
        self.h.sim.note(format!("disconnect({i})"));
        self.h.sim.observer_mut().connected[i] = false;
        for j in 0..self.n {
            self.h.sim.set_end(i, j, false);
            self.h.sim.set_end(j, i, false);
        }
    }

    /// Crashes server `i`: disconnects it and kills its instance; its persister
    /// keeps what it last saved (6.824's `crash1`).
    pub fn crash1(&mut self, i: NodeId) {
        self.disconnect(i);
        self.h.sim.note(format!("crash1({i})"));
        self.h.sim.crash(i);
    }

    /// Starts a fresh instance of server `i` from its persister, crashing the old
    /// one first; it stays disconnected until `connect(i)` (6.824's `start1`).
    pub fn start1(&mut self, i: NodeId) -> Check<()> {
        self.crash1(i);
        self.h.sim.note(format!("start1({i})"));
        let snapshot = self.h.sim.persister(i).read_snapshot();
        let now = self.h.sim.now();
        self.h
            .sim
            .observer_mut()
            .restarted(i, &snapshot)
            .map_err(|message| Failure {
                kind: FailureKind::Check,
                message,
                time: Some(now),
            })?;
        let n = self.n;
        Ok(self
            .h
            .restart(i, n, None, |sim| sim.node::<RaftNode<R>>(i).map(state_of))?)
    }

    /// Makes the network unreliable or reliable.
    pub fn set_unreliable(&mut self, unreliable: bool) {
        self.h.sim.set_reliable(!unreliable);
    }

    /// Heals the network: reliable, and no long reordering; a hostile
    /// network keeps duplicating.
    pub fn heal_net(&mut self) {
        self.h.sim.set_reliable(true);
        if self.h.sim.net().is_long_reordering() {
            self.h.sim.set_long_reordering(false);
        }
    }

    /// The premises of a network that misbehaves: what it lost, held back
    /// and duplicated.
    pub fn premise_net(&mut self, net: Net) {
        if net != Net::Reliable {
            self.h.premise_unreliable();
        }
        if net == Net::Hostile {
            self.h.premise_reordered();
            self.h.premise_duplicated();
        }
    }

    /// Switches long reordering of replies on or off.
    pub fn set_long_reordering(&mut self, on: bool) {
        self.h.sim.set_long_reordering(on);
    }

    /// RPCs sent so far.
    pub fn rpc_total(&self) -> u64 {
        self.h.sim.net().rpc_total()
    }

    /// RPCs delivered to server `i` so far.
    pub fn rpc_count(&self, i: NodeId) -> u64 {
        self.h.sim.net().rpc_count(i)
    }

    /// Bytes sent so far.
    pub fn bytes_total(&self) -> u64 {
        self.h.sim.net().bytes_total()
    }

    /// The largest persisted Raft state among the servers.
    pub fn log_size(&self) -> usize {
        (0..self.n)
            .map(|i| self.h.sim.persister(i).state_size())
            .max()
            .unwrap_or(0)
    }

    // ----- checks -----

    /// Waits for exactly one leader among the connected servers and returns it (the
    /// leader of the highest term): up to 10 rounds of 450-550 ms.
    pub fn check_one_leader(&mut self) -> Check<NodeId> {
        for _ in 0..10 {
            let ms = 450 + self.rand(100);
            self.sleep(Duration::from_millis(ms))?;
            let mut leaders: std::collections::BTreeMap<u64, Vec<NodeId>> = Default::default();
            for i in 0..self.n {
                if self.is_connected(i)
                    && let Some((term, true)) = self.state(i)?
                {
                    leaders.entry(term).or_default().push(i);
                }
            }
            for (term, ids) in &leaders {
                if ids.len() > 1 {
                    return Err(Failure::check(format!(
                        "term {term} has {} (>1) leaders: servers {ids:?}",
                        ids.len()
                    )));
                }
            }
            if let Some((_, ids)) = leaders.last_key_value() {
                return Ok(ids[0]);
            }
        }
        // Name every server: which were connected, up, and in what term.
        let mut servers = Vec::new();
        for i in 0..self.n {
            let state = match self.state(i)? {
                None => "down".to_string(),
                Some((term, _)) if self.is_connected(i) => format!("term {term}"),
                Some((term, _)) => format!("term {term}, cut off"),
            };
            servers.push(format!("server {i}: {state}"));
        }
        Err(self.failure(format!(
            "expected one leader, got none after 10 rounds of about 500 ms ({})",
            servers.join("; ")
        )))
    }

    /// Waits (up to 2 s) until every connected server is in the same term, and
    /// returns it: the leader's followers have heard of it.
    pub fn settled_term(&mut self) -> Check<u64> {
        self.wait_for(Duration::from_secs(2), |cfg| {
            let mut terms = std::collections::BTreeSet::new();
            for i in 0..cfg.n {
                if cfg.is_connected(i)
                    && let Some(t) = cfg.term(i)?
                {
                    terms.insert(t);
                }
            }
            Ok(terms.len() == 1)
        })?;
        self.check_terms()
    }

    /// Runs until `done` holds, checking every 10 ms, for at most `limit`:
    /// whether it held.
    pub fn wait_for(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&mut Config<R>) -> Check<bool>,
    ) -> Check<bool> {
        let deadline = self.now() + limit;
        loop {
            if done(self)? {
                return Ok(true);
            }
            if self.now() >= deadline {
                return Ok(false);
            }
            self.sleep(Duration::from_millis(10))?;
        }
    }

    /// Checks that every connected server reports the same term, and returns it.
    pub fn check_terms(&mut self) -> Check<u64> {
        let mut seen: Option<(NodeId, u64)> = None;
        for i in 0..self.n {
            if !self.is_connected(i) {
                continue;
            }
            let Some((term, _)) = self.state(i)? else {
                continue;
            };
            match seen {
                None => seen = Some((i, term)),
                Some((j, t)) if t != term => {
                    return Err(self.failure(format!("servers disagree on term: server {j} is in term {t}, server {i} in term {term}")));
                }
                Some(_) => {}
            }
        }
        Ok(seen.map_or(0, |(_, t)| t))
    }

    /// Checks that no connected server claims to be leader.
    pub fn check_no_leader(&mut self) -> Check<()> {
        for i in 0..self.n {
            if self.is_connected(i)
                && let Some((term, true)) = self.state(i)?
            {
                return Err(self.failure(format!(
                    "expected no leader among connected servers, but {i} claims to be leader (term {term})"
                )));
            }
        }
        Ok(())
    }

    /// How many servers applied `index`, and what.
    pub fn n_committed(&self, index: u64) -> Check<(usize, Option<Vec<u8>>)> {
        self.h
            .sim
            .observer()
            .n_committed(index)
            .map_err(Failure::check)
    }

    /// Waits (10 ms doubling to 1 s, 30 polls) until `n` servers applied `index`
    /// and returns the command; `None` if some server's term moved past
    /// `start_term` meanwhile.
    pub fn wait(
        &mut self,
        index: u64,
        n: usize,
        start_term: Option<u64>,
    ) -> Check<Option<Vec<u8>>> {
        let mut to = Duration::from_millis(10);
        for _ in 0..30 {
            if self.n_committed(index)?.0 >= n {
                break;
            }
            self.sleep(to)?;
            if to < Duration::from_secs(1) {
                to *= 2;
            }
            if let Some(start_term) = start_term {
                for i in 0..self.n {
                    if let Some((term, _)) = self.state(i)?
                        && term > start_term
                    {
                        return Ok(None);
                    }
                }
            }
        }
        let (nd, command) = self.n_committed(index)?;
        if nd < n {
            return Err(self.failure(format!("only {nd} decided for index {index}; wanted {n}")));
        }
        Ok(command)
    }

    /// Offers `command` to the connected servers until one accepts it as leader,
    /// then waits up to 2 s for `expected` servers to apply it at the index it got;
    /// with `retry`, tries again (for up to 10 s in all). Returns the index.
    pub fn one(&mut self, command: Vec<u8>, expected: usize, retry: bool) -> Check<u64> {
        let result = self.spawn_one(command, expected, retry)?;
        self.run_until(|_| result.borrow().is_some())?;
        let value = result.borrow_mut().take().expect("finished");
        value.map_err(Failure::check)
    }

    /// Starts `one` as a background activity (like a goroutine in the Go tests);
    /// its result appears in the returned cell.
    pub fn spawn_one(
        &mut self,
        command: Vec<u8>,
        expected: usize,
        retry: bool,
    ) -> Check<tasks::Outcome<u64>> {
        let result = Rc::new(RefCell::new(None));
        let task = OneTask::new(
            command,
            expected,
            retry,
            self.h.sim.now(),
            Rc::clone(&result),
        );
        task.step(&mut self.h.sim)
            .map_err(|message| self.failure(message))?;
        Ok(result)
    }

    /// A failed check at the current time.
    pub fn failure(&self, message: impl Into<String>) -> Failure {
        Failure {
            kind: FailureKind::Check,
            message: message.into(),
            time: Some(self.h.sim.now()),
        }
    }

    /// Shows a command for a message.
    pub fn show(command: &[u8]) -> String {
        show(command)
    }
}
