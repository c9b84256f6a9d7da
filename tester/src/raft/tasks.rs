//! Tester activities that run alongside the scenario's main line, as the Go tests'
//! goroutines do: `one()` offered concurrently, and the churn clients. Each is a
//! small state machine that the simulator wakes at the virtual times it asks for.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use labrpc::rand::RngExt;
use labrpc::{NodeId, SimError, Time};
use raft::Raft;
use raft::node::RaftNode;

use crate::raft::checker::{RaftSim, cmd, show, world};

/// Where a background activity leaves its result.
pub type Outcome<T> = Rc<RefCell<Option<Result<T, String>>>>;

/// Calls `start(command)` on server `i`; `None` if it is down or not the leader.
pub fn start<R: Raft>(
    sim: &mut RaftSim<R>,
    i: NodeId,
    command: Vec<u8>,
) -> Result<Option<(u64, u64)>, SimError> {
    let shown = show(&command);
    let offered = command.clone();
    let started = sim
        .invoke(i, |node: &mut RaftNode<R>, ctx| node.start(ctx, command))?
        .flatten();
    if let Some((index, term)) = started {
        if let Err(message) = sim.observer_mut().started(i, index, term, offered) {
            return Err(sim.fail(message));
        }
        sim.note(format!(
            "start({shown}) on server {i}: index {index}, term {term}"
        ));
    }
    Ok(started)
}

/// 6.824's `one(cmd, expected_servers, retry)` as a state machine.
pub struct OneTask {
    command: Vec<u8>,
    expected: usize,
    retry: bool,
    t0: Time,
    starts: usize,
    waiting: Option<(u64, Time)>,
    /// The index the last leader to take the command gave it.
    last_index: Option<u64>,
    result: Outcome<u64>,
}

impl OneTask {
    /// A `one()` that begins at `t0` and reports into `result`.
    pub fn new(
        command: Vec<u8>,
        expected: usize,
        retry: bool,
        t0: Time,
        result: Outcome<u64>,
    ) -> OneTask {
        OneTask {
            command,
            expected,
            retry,
            t0,
            starts: 0,
            waiting: None,
            last_index: None,
            result,
        }
    }

    fn fail(&self, message: String) -> Result<(), String> {
        *self.result.borrow_mut() = Some(Err(message.clone()));
        Err(message)
    }

    fn again<R: Raft>(self, sim: &mut RaftSim<R>, after: Duration) -> Result<(), String> {
        sim.schedule(after, "one(): poll", move |sim| self.step(sim));
        Ok(())
    }

    /// Does what can be done now, then finishes or asks to be woken later.
    pub fn step<R: Raft>(mut self, sim: &mut RaftSim<R>) -> Result<(), String> {
        loop {
            let now = sim.now();
            if let Some((index, t1)) = self.waiting {
                // Someone claimed to be leader and took the command: wait for it to
                // be applied at that index by enough servers.
                if now.saturating_since(t1) < Duration::from_secs(2) {
                    let (applied, command) = sim.observer().n_committed(index)?;
                    if applied > 0
                        && applied >= self.expected
                        && command.as_deref() == Some(&self.command[..])
                    {
                        *self.result.borrow_mut() = Some(Ok(index));
                        return Ok(());
                    }
                    return self.again(sim, Duration::from_millis(20));
                }
                if !self.retry {
                    return self.fail(format!(
                        "one({}) failed to reach agreement: index {index} was not applied by {} servers within 2 s. When it gave up: {}",
                        show(&self.command),
                        self.expected,
                        world(sim, Some(index))
                    ));
                }
                self.waiting = None;
            }
            if now.saturating_since(self.t0) >= Duration::from_secs(10) {
                let last = self.last_index.take();
                return self.fail(format!(
                    "one({}) failed to reach agreement within 10 s ({} server(s) had to apply it). When it gave up: {}",
                    show(&self.command),
                    self.expected,
                    world(sim, last)
                ));
            }
            // Offer the command to the connected servers in turn until one leads.
            let n = sim.node_count();
            let mut index = None;
            for _ in 0..n {
                self.starts = (self.starts + 1) % n;
                if sim.observer().connected[self.starts]
                    && let Some((i, _)) =
                        start(sim, self.starts, self.command.clone()).map_err(|e| e.to_string())?
                {
                    index = Some(i);
                    break;
                }
            }
            match index {
                Some(index) => {
                    self.waiting = Some((index, now));
                    self.last_index = Some(index);
                }
                None => return self.again(sim, Duration::from_millis(50)),
            }
        }
    }
}

/// The Go churn tests' client: offers random commands to every running server, and
/// remembers those it saw committed at the index it was given.
pub struct ChurnClient {
    me: usize,
    stop: Rc<Cell<bool>>,
    seen: Rc<Cell<u64>>,
    committed: Vec<Vec<u8>>,
    polling: Option<(u64, Vec<u8>, usize)>,
    result: Outcome<Vec<Vec<u8>>>,
}

const POLLS_MS: [u64; 5] = [10, 20, 50, 100, 200];

impl ChurnClient {
    /// Client `me`, running until `stop` is set, counting in `seen` (shared by
    /// the clients) the values it saw committed.
    pub fn new(
        me: usize,
        stop: Rc<Cell<bool>>,
        seen: Rc<Cell<u64>>,
        result: Outcome<Vec<Vec<u8>>>,
    ) -> ChurnClient {
        ChurnClient {
            me,
            stop,
            seen,
            committed: Vec::new(),
            polling: None,
            result,
        }
    }

    fn again<R: Raft>(self, sim: &mut RaftSim<R>, after_ms: u64) -> Result<(), String> {
        sim.schedule(
            Duration::from_millis(after_ms),
            "churn client",
            move |sim| self.step(sim),
        );
        Ok(())
    }

    /// Does what can be done now, then finishes or asks to be woken later.
    pub fn step<R: Raft>(mut self, sim: &mut RaftSim<R>) -> Result<(), String> {
        loop {
            if let Some((index, x, polls)) = self.polling.take()
                && polls < POLLS_MS.len()
            {
                let (applied, command) = sim.observer().n_committed(index)?;
                if applied == 0 {
                    self.polling = Some((index, x, polls + 1));
                    return self.again(sim, POLLS_MS[polls]);
                }
                if command.as_deref() == Some(&x[..]) {
                    self.committed.push(x);
                    self.seen.set(self.seen.get() + 1);
                }
            }
            if self.stop.get() {
                *self.result.borrow_mut() = Some(Ok(std::mem::take(&mut self.committed)));
                return Ok(());
            }
            let x = cmd(sim.tester_rng().random());
            let mut index = None;
            for i in 0..sim.node_count() {
                if let Some((at, _)) = start(sim, i, x.clone()).map_err(|e| e.to_string())? {
                    index = Some(at);
                }
            }
            match index {
                Some(index) => self.polling = Some((index, x, 0)),
                None => {
                    let idle = 79 + self.me as u64 * 17;
                    return self.again(sim, idle);
                }
            }
        }
    }
}
