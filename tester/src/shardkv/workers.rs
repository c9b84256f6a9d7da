//! The 4B tests' background clerks (Go's worker goroutines), as drivers the
//! tester wakes: one per key appending to it until told to stop, or making
//! random operations for the linearizability check; and starting, stopping
//! and waiting for a set of them.

use shardkv::world::ShardWorld;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use kvraft::Op;
use labrpc::Choices;
use labrpc::rand::RngExt;

use crate::kv::tester::{Driver, Operation};
use crate::report::Check;
use crate::shardkv::config::{ShardConfig, randstring};
use crate::shardkv::part_4b::Keys;
use crate::shardkv::tester::drive;

/// Appends random strings of `len` characters to one key, pausing `pause`
/// after each, until told to stop; keeps what the key must hold.
struct Appender {
    key: String,
    len: usize,
    pause: Duration,
    stop: Rc<Cell<bool>>,
    /// The key's value, as the appends that completed make it.
    value: Rc<RefCell<String>>,
    /// The append under way.
    sent: String,
    done: Rc<Cell<bool>>,
}

impl Driver for Appender {
    fn next(
        &mut self,
        rng: &mut Choices,
        done: Option<Operation>,
    ) -> Result<Option<(Op, bool)>, String> {
        if done.is_some() {
            self.value.borrow_mut().push_str(&self.sent);
        }
        if self.stop.get() {
            self.done.set(true);
            return Ok(None);
        }
        self.sent = randstring(rng, self.len);
        let op = Op::Append {
            key: self.key.clone(),
            value: self.sent.clone(),
        };
        Ok(Some((op, false)))
    }

    fn pause(&self) -> Duration {
        self.pause
    }
}

/// Random operations on random keys of `keys`, recorded: half appends, 5%
/// puts, the rest gets (6.824's `unreliable3` workers).
struct Random {
    keys: usize,
    stop: Rc<Cell<bool>>,
    done: Rc<Cell<bool>>,
}

impl Driver for Random {
    fn next(
        &mut self,
        rng: &mut Choices,
        _done: Option<Operation>,
    ) -> Result<Option<(Op, bool)>, String> {
        if self.stop.get() {
            self.done.set(true);
            return Ok(None);
        }
        let key = rng.random_range(0..self.keys).to_string();
        let value = randstring(rng, 5);
        let op = if rng.random_range(0..1000) < 500 {
            Op::Append { key, value }
        } else if rng.random_range(0..1000) < 100 {
            Op::Put { key, value }
        } else {
            Op::Get { key }
        };
        Ok(Some((op, true)))
    }
}

/// A set of workers, one fresh clerk each.
pub struct Workers {
    stop: Rc<Cell<bool>>,
    done: Vec<Rc<Cell<bool>>>,
    /// For appenders, each key's value as it must be.
    pub values: Vec<Rc<RefCell<String>>>,
}

impl Workers {
    /// One appender per key in `values` (their current values), appending
    /// `len` characters with `pause` between appends.
    pub fn appenders<W: ShardWorld>(
        cfg: &mut ShardConfig<W>,
        values: &[String],
        len: usize,
        pause: Duration,
    ) -> Check<Workers> {
        let mut workers = Workers {
            stop: Rc::new(Cell::new(false)),
            done: Vec::new(),
            values: Vec::new(),
        };
        for (i, value) in values.iter().enumerate() {
            let clerk = cfg.make_client()?;
            let done = Rc::new(Cell::new(false));
            let value = Rc::new(RefCell::new(value.clone()));
            let worker = Appender {
                key: i.to_string(),
                len,
                pause,
                stop: Rc::clone(&workers.stop),
                value: Rc::clone(&value),
                sent: String::new(),
                done: Rc::clone(&done),
            };
            drive(&mut cfg.h.sim, clerk, Box::new(worker)).map_err(|m| cfg.failure(m))?;
            workers.done.push(done);
            workers.values.push(value);
        }
        Ok(workers)
    }

    /// `count` workers making random, recorded operations on keys
    /// `0..keys`.
    pub fn random<W: ShardWorld>(
        cfg: &mut ShardConfig<W>,
        count: usize,
        keys: usize,
    ) -> Check<Workers> {
        let mut workers = Workers {
            stop: Rc::new(Cell::new(false)),
            done: Vec::new(),
            values: Vec::new(),
        };
        for _ in 0..count {
            let clerk = cfg.make_client()?;
            let done = Rc::new(Cell::new(false));
            let worker = Random {
                keys,
                stop: Rc::clone(&workers.stop),
                done: Rc::clone(&done),
            };
            drive(&mut cfg.h.sim, clerk, Box::new(worker)).map_err(|m| cfg.failure(m))?;
            workers.done.push(done);
        }
        Ok(workers)
    }

    /// Tells every worker to stop after its current operation.
    pub fn stop(&self) {
        self.stop.set(true);
    }

    /// Waits until every worker's last operation has returned.
    pub fn wait<W: ShardWorld>(&self, cfg: &mut ShardConfig<W>) -> Check<()> {
        cfg.h.run_until(|_| self.done.iter().all(|d| d.get()))
    }

    /// Stops the appenders, waits for their last appends, and checks every
    /// key of `keys` through `ck` against what the appends that completed
    /// make it.
    pub(crate) fn finish<W: ShardWorld>(
        &self,
        cfg: &mut ShardConfig<W>,
        keys: &mut Keys,
        ck: labrpc::NodeId,
    ) -> Check<()> {
        self.stop();
        self.wait(cfg)?;
        keys.values = self.expected();
        keys.check_all(cfg, ck)
    }

    /// The keys' values as they must be now.
    pub fn expected(&self) -> Vec<String> {
        self.values.iter().map(|v| v.borrow().clone()).collect()
    }
}
