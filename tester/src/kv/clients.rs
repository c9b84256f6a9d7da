//! The kv tests' client activities (Go's client goroutines) and the partitioner,
//! as state machines the simulator wakes, plus the checks on appended values.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use kvraft::Op;
use kvraft::world::KvWorld;
use labrpc::Choices;
use labrpc::rand::RngExt;

use crate::harness::ELECTION_TIMEOUT;
use crate::kv::config::partition;
use crate::kv::tester::{Driver, KvSim, Operation, Recorded};

/// Where an activity leaves its result.
pub type Outcome<T> = Rc<RefCell<Option<T>>>;

/// The value a client appends as its `j`-th operation.
pub fn appended(client: usize, j: usize) -> String {
    format!("x {client} {j} y")
}

fn excerpt(value: &str) -> String {
    if value.len() <= 300 {
        format!("{value:?}")
    } else {
        format!(
            "({} bytes) {:?}...",
            value.len(),
            &value[..value.floor_char_boundary(300)]
        )
    }
}

/// Checks that `value` holds client `client`'s first `count` appends, each
/// exactly once and in order.
pub fn check_client_appends(client: usize, value: &str, count: usize) -> Result<(), String> {
    let mut last: Option<usize> = None;
    for j in 0..count {
        let wanted = appended(client, j);
        let Some(at) = value.find(&wanted) else {
            return Err(format!(
                "client {client}: missing element {wanted:?} in Append result {}",
                excerpt(value)
            ));
        };
        if value.rfind(&wanted) != Some(at) {
            return Err(format!(
                "client {client}: duplicate element {wanted:?} in Append result (an append took effect twice: duplicate detection failed)"
            ));
        }
        if last.is_some_and(|l| at <= l) {
            return Err(format!(
                "client {client}: wrong order for element {wanted:?} in Append result"
            ));
        }
        last = Some(at);
    }
    Ok(())
}

/// The client of the generic test: appends to its key or reads it back (or, with
/// random keys, appends, puts and gets on random keys) until told to stop, then
/// reports how many appends it made.
pub struct GenericClient {
    cli: usize,
    clients: usize,
    random_keys: bool,
    last: String,
    j: usize,
    stop: Rc<Cell<bool>>,
    result: Outcome<usize>,
}

impl GenericClient {
    /// Client `cli` of `clients`, until `stop`; its append count goes to `result`.
    pub fn new(
        cli: usize,
        clients: usize,
        random_keys: bool,
        stop: Rc<Cell<bool>>,
        result: Outcome<usize>,
    ) -> Self {
        GenericClient {
            cli,
            clients,
            random_keys,
            last: String::new(),
            j: 0,
            stop,
            result,
        }
    }
}

impl Driver for GenericClient {
    fn next(
        &mut self,
        rng: &mut Choices,
        done: Option<Operation>,
    ) -> Result<Option<(Op, bool)>, String> {
        match done {
            None if !self.random_keys => {
                // Start each round from a known value.
                return Ok(Some((
                    Op::Put {
                        key: self.cli.to_string(),
                        value: String::new(),
                    },
                    true,
                )));
            }
            Some(Operation {
                op: Op::Get { key },
                value,
                ..
            }) if !self.random_keys && value != self.last => {
                return Err(format!(
                    "client {}: get wrong value, key {key}, wanted:\n{}\ngot:\n{}",
                    self.cli,
                    excerpt(&self.last),
                    excerpt(&value)
                ));
            }
            _ => {}
        }
        if self.stop.get() {
            *self.result.borrow_mut() = Some(self.j);
            return Ok(None);
        }
        let key = if self.random_keys {
            rng.random_range(0..self.clients).to_string()
        } else {
            self.cli.to_string()
        };
        let value = appended(self.cli, self.j);
        let op = if rng.random_range(0..1000) < 500 {
            if !self.random_keys {
                self.last.push_str(&value);
            }
            self.j += 1;
            Op::Append { key, value }
        } else if self.random_keys && rng.random_range(0..1000) < 100 {
            self.j += 1;
            Op::Put { key, value }
        } else {
            Op::Get { key }
        };
        Ok(Some((op, true)))
    }
}

/// A client that appends `count` values to one key, one after the other.
pub struct AppendClient {
    cli: usize,
    key: String,
    count: usize,
    n: usize,
    result: Outcome<usize>,
}

impl AppendClient {
    /// Client `cli` appending `count` values to `key`; reports the count when done.
    pub fn new(cli: usize, key: &str, count: usize, result: Outcome<usize>) -> Self {
        AppendClient {
            cli,
            key: key.to_string(),
            count,
            n: 0,
            result,
        }
    }
}

impl Driver for AppendClient {
    fn next(
        &mut self,
        _: &mut Choices,
        _: Option<Operation>,
    ) -> Result<Option<(Op, bool)>, String> {
        if self.n == self.count {
            *self.result.borrow_mut() = Some(self.n);
            return Ok(None);
        }
        self.n += 1;
        Ok(Some((
            Op::Append {
                key: self.key.clone(),
                value: appended(self.cli, self.n - 1),
            },
            // Recorded, so that the scenario can tell the appends overlapped.
            true,
        )))
    }
}

/// Re-partitions the `n` servers into two random groups every 1-1.2 s until
/// `stop`, then sets `finished`; counts in `splits` the partitions that left
/// servers on both sides.
pub fn partitioner<W: KvWorld<O>, O: Recorded>(
    sim: &mut KvSim<W, O>,
    n: usize,
    stop: Rc<Cell<bool>>,
    finished: Rc<Cell<bool>>,
    splits: Rc<Cell<u64>>,
) -> Result<(), String> {
    if stop.get() {
        finished.set(true);
        return Ok(());
    }
    let sides: Vec<bool> = (0..n)
        .map(|_| sim.tester_rng().random_range(0..2) == 1)
        .collect();
    let p0: Vec<usize> = (0..n).filter(|&i| !sides[i]).collect();
    let p1: Vec<usize> = (0..n).filter(|&i| sides[i]).collect();
    if !p0.is_empty() && !p1.is_empty() {
        splits.set(splits.get() + 1);
    }
    partition(sim, &p0, &p1);
    let pause = ELECTION_TIMEOUT + Duration::from_millis(sim.tester_rng().random_range(0..200));
    sim.schedule(pause, "partitioner", move |sim| {
        partitioner(sim, n, stop, finished, splits)
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_checks_name_what_is_wrong() {
        let ok: String = (0..3).map(|j| appended(4, j)).collect();
        assert_eq!(check_client_appends(4, &ok, 3), Ok(()));
        let missing = appended(4, 0) + &appended(4, 2);
        assert!(
            check_client_appends(4, &missing, 3)
                .unwrap_err()
                .contains("missing element \"x 4 1 y\"")
        );
        let twice = ok.clone() + &appended(4, 1);
        assert!(
            check_client_appends(4, &twice, 3)
                .unwrap_err()
                .contains("duplicate element")
        );
        let swapped = appended(4, 1) + &appended(4, 0);
        assert!(
            check_client_appends(4, &swapped, 2)
                .unwrap_err()
                .contains("wrong order")
        );
        // "x 4 1 y" must not match inside "x 4 11 y".
        let eleven = appended(4, 0) + &appended(4, 11);
        assert!(check_client_appends(4, &eleven, 2).is_err());
    }
}
