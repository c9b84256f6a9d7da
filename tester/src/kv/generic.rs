//! The two scenario bodies most kv tests share: the generic test (clients append
//! and read while the tester partitions, crashes and restarts servers, then every
//! client's appends and the whole history's linearizability are checked) and the
//! speed test.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use kvraft::world::KvWorld;
use labrpc::rand::RngExt;

use crate::harness::ELECTION_TIMEOUT;
use crate::kv::clients::{GenericClient, Outcome, check_client_appends, partitioner};
use crate::kv::config::KvConfig;
use crate::kv::linearizability::check_history;
use crate::kv::tester::drive;
use crate::registry::RunSpec;
use crate::report::{Check, Report};

/// The knobs of the generic test.
#[derive(Clone, Copy, Debug)]
pub struct Generic {
    /// Concurrent clients.
    pub clients: usize,
    /// Servers.
    pub servers: usize,
    /// Lossy network.
    pub unreliable: bool,
    /// Shut down and restart every server at the end of each round.
    pub crash: bool,
    /// Re-partition the servers every second or so during each round.
    pub partitions: bool,
    /// Snapshot threshold (`None`: no snapshots allowed).
    pub max_raft_state: Option<usize>,
    /// Clients use random keys (and puts) instead of their own key.
    pub random_keys: bool,
    /// The network delivers some requests twice, late (raftlab's own
    /// scenarios only: 6.824's network never duplicates).
    pub duplicating: bool,
    /// While the clients work, shut down one server at a time and start it
    /// again (raftlab's own scenarios only; not with `partitions`).
    pub rolling_restarts: bool,
}

impl Generic {
    /// The basic parameters: `clients` clients, 5 servers, nothing else.
    pub const fn clients(clients: usize) -> Generic {
        Generic {
            clients,
            servers: 5,
            unreliable: false,
            crash: false,
            partitions: false,
            max_raft_state: None,
            random_keys: false,
            duplicating: false,
            rolling_restarts: false,
        }
    }
}

/// Three rounds of 5 s: clients work while the network misbehaves; at the end of
/// each round the network heals, servers restart (with `crash`), every client's
/// appends must be present once and in order, and the Raft state and snapshot
/// sizes must be in bounds. Finally the whole history must be linearizable.
///
/// Premises, by knob: several clients' operations overlapped in time
/// (`clients` > 1); the network lost requests and replies (`unreliable`);
/// partitions split the servers (`partitions`); the network delivered requests
/// twice (`duplicating`); every restart found persisted
/// state (`crash`); servers took snapshots, and restarts found one
/// (`max_raft_state`, with `crash`).
pub fn generic_test<W: KvWorld>(spec: &RunSpec, g: Generic) -> Report {
    KvConfig::<W>::run(spec, g.servers, g.unreliable, g.max_raft_state, |cfg| {
        if g.duplicating {
            cfg.h.sim.set_duplicating(true);
        }
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;
        let splits = Rc::new(Cell::new(0u64));
        for round in 0..3 {
            cfg.note(format!("round {round}"));
            let stop_clients = Rc::new(Cell::new(false));
            let stop_partitioner = Rc::new(Cell::new(false));
            let splits = Rc::clone(&splits);
            let partitioner_done = Rc::new(Cell::new(false));
            let mut clients: Vec<(usize, Outcome<usize>)> = Vec::new();
            for cli in 0..g.clients {
                let clerk = cfg.make_client(&all, cli)?;
                let count: Outcome<usize> = Default::default();
                let client = GenericClient::new(
                    cli,
                    g.clients,
                    g.random_keys,
                    Rc::clone(&stop_clients),
                    Rc::clone(&count),
                );
                drive(&mut cfg.h.sim, clerk, Box::new(client)).map_err(|m| cfg.failure(m))?;
                clients.push((clerk, count));
            }

            if g.partitions {
                // Let the clients work undisturbed for a moment.
                cfg.sleep(Duration::from_secs(1))?;
                partitioner(
                    &mut cfg.h.sim,
                    g.servers,
                    Rc::clone(&stop_partitioner),
                    Rc::clone(&partitioner_done),
                    splits,
                )
                .map_err(|m| cfg.failure(m))?;
            }
            if g.rolling_restarts {
                rolling_restarts(cfg, g.servers, Duration::from_secs(5))?;
            } else {
                cfg.sleep(Duration::from_secs(5))?;
            }
            stop_clients.set(true);
            stop_partitioner.set(true);

            if g.partitions {
                cfg.h.run_until(|_| partitioner_done.get())?;
                // Heal, and give a request stuck in a minority time to learn of
                // the new term.
                cfg.connect_all();
                cfg.sleep(ELECTION_TIMEOUT)?;
            }

            if g.crash {
                for i in 0..g.servers {
                    cfg.shutdown_server(i);
                }
                cfg.sleep(ELECTION_TIMEOUT)?;
                for i in 0..g.servers {
                    cfg.start_server(i)?;
                }
                cfg.connect_all();
            }

            for (cli, (clerk, count)) in clients.iter().enumerate() {
                cfg.h.run_until(|_| count.borrow().is_some())?;
                let j = count.borrow_mut().take().expect("finished");
                cfg.delete_client(*clerk);
                let value = cfg.get(ck, &cli.to_string(), true)?;
                if !g.random_keys {
                    check_client_appends(cli, &value, j).map_err(|m| cfg.failure(m))?;
                }
            }

            check_sizes(cfg, g.max_raft_state)?;
        }
        check_history(cfg, spec)?;
        premises(cfg, &g, splits.get());
        Ok(())
    })
}

/// For `length`: every 300-800 ms, shuts down a random server, and starts it
/// again and reconnects it 0-500 ms later; once, past the middle, all of them
/// at once (so that no server remembers the requests whose copies are still
/// on their way but what it persisted).
fn rolling_restarts<W: KvWorld>(cfg: &mut KvConfig<W>, n: usize, length: Duration) -> Check<()> {
    let end = cfg.h.sim.now() + length;
    let middle = cfg.h.sim.now() + length / 2;
    let mut whole = false;
    loop {
        let gap = Duration::from_millis(cfg.h.sim.tester_rng().random_range(300..=800));
        let down = Duration::from_millis(cfg.h.sim.tester_rng().random_range(0..=500));
        if cfg.h.sim.now() + gap + down >= end {
            break;
        }
        cfg.sleep(gap)?;
        let victims: Vec<usize> = if !whole && cfg.h.sim.now() >= middle {
            whole = true;
            (0..n).collect()
        } else {
            vec![cfg.h.sim.tester_rng().random_range(0..n)]
        };
        for &i in &victims {
            cfg.shutdown_server(i);
        }
        cfg.sleep(down)?;
        let all = cfg.all();
        for &i in &victims {
            cfg.start_server(i)?;
            cfg.connect(i, &all);
        }
    }
    let rest = end.saturating_since(cfg.h.sim.now());
    cfg.sleep(rest)
}

/// The generic test's premises (see [`generic_test`]).
fn premises<W: KvWorld>(cfg: &mut KvConfig<W>, g: &Generic, splits: u64) {
    if g.clients > 1 {
        cfg.premise_overlapped("operations of several clients overlapped in time");
    }
    if g.unreliable {
        cfg.h.premise_unreliable();
    }
    if g.partitions {
        cfg.premise_splits(splits);
    }
    if g.duplicating {
        cfg.h.premise_duplicated();
    }
    if g.crash {
        cfg.h.premise_restarts_with_state(3 * g.servers as u64);
    } else if g.rolling_restarts {
        // At least three restarts a round (each takes at most 1.3 s of 5),
        // and only one made before anything was persisted may find nothing.
        cfg.h.premise_restarts_with_state(8);
    }
    if g.max_raft_state.is_some() {
        cfg.premise_snapshots_taken();
        if g.crash || g.rolling_restarts {
            cfg.h.premise_restarts_with_snapshot(1);
        }
    }
}

/// Persisted Raft state within 8 × `max_raft_state`; no snapshot without it.
pub fn check_sizes<W: KvWorld>(cfg: &mut KvConfig<W>, max_raft_state: Option<usize>) -> Check<()> {
    match max_raft_state {
        Some(max) => {
            let size = cfg.log_size();
            if size > 8 * max {
                return Err(cfg.failure(format!("logs were not trimmed ({size} > 8*{max})")));
            }
        }
        None => {
            let size = cfg.snapshot_size();
            if size > 0 {
                return Err(cfg.failure(format!(
                    "snapshot too large ({size}), should not be used when maxraftstate = -1"
                )));
            }
        }
    }
    Ok(())
}

/// One clerk makes 1000 appends back to back: they must average less than a
/// third of a 100 ms heartbeat interval each. With `max_raft_state`, the Raft
/// state must also stay within 8 times it (stricter than 6.824, which checks no
/// size here), and the premise is that servers took snapshots.
pub fn speed_test<W: KvWorld>(spec: &RunSpec, max_raft_state: Option<usize>) -> Report {
    KvConfig::<W>::run(spec, 3, false, max_raft_state, |cfg| {
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;
        // The first operation completes once a leader is elected and serving.
        cfg.get(ck, "x", false)?;

        const OPS: u32 = 1000;
        let start = cfg.h.sim.now();
        for i in 0..OPS as usize {
            cfg.append(ck, "x", &crate::kv::clients::appended(0, i), false)?;
        }
        let elapsed = cfg.h.sim.now() - start;
        let value = cfg.get(ck, "x", false)?;
        check_client_appends(0, &value, OPS as usize).map_err(|m| cfg.failure(m))?;

        let per_op_limit = Duration::from_millis(100) / 3;
        if elapsed > per_op_limit * OPS {
            return Err(cfg.failure(format!(
                "operations completed too slowly: {:?}/op > {:?}/op",
                elapsed / OPS,
                per_op_limit
            )));
        }
        if max_raft_state.is_some() {
            check_sizes(cfg, max_raft_state)?;
            cfg.premise_snapshots_taken();
        }
        Ok(())
    })
}
