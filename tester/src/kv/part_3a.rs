//! 3A: the key/value service without snapshots.

use std::time::Duration;

use kvraft::Op;
use kvraft::world::KvWorld;

use crate::harness::ELECTION_TIMEOUT;
use crate::kv::clients::{AppendClient, Outcome, check_client_appends};
use crate::kv::config::KvConfig;
use crate::kv::generic::{Generic, generic_test, speed_test};
use crate::kv::tester::drive;
use crate::registry::RunSpec;
use crate::report::Report;

/// One client, five servers.
///
/// Premises: none beyond the generic test's own checks (see
/// [`generic_test`]).
pub fn basic_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(spec, Generic::clients(1))
}

/// 1000 appends from one clerk, fast enough.
///
/// Premises: none beyond its own steps, which require all 1000 appends, in order.
pub fn speed_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    speed_test::<W>(spec, None)
}

/// Five clients.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn concurrent_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(spec, Generic::clients(5))
}

/// Five clients on an unreliable network.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn unreliable_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            unreliable: true,
            ..Generic::clients(5)
        },
    )
}

/// Five clients append to one key on an unreliable network: every append
/// appears once, each client's in order.
///
/// Premises: the network lost requests and replies, and the appends of
/// several clients overlapped in time.
pub fn unreliable_one_key_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    KvConfig::<W>::run(spec, 3, true, None, |cfg| {
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;
        cfg.put(ck, "k", "", false)?;

        const CLIENTS: usize = 5;
        const UPTO: usize = 10;
        let mut clients = Vec::new();
        for cli in 0..CLIENTS {
            let clerk = cfg.make_client(&all, cli)?;
            let count: Outcome<usize> = Default::default();
            drive(
                &mut cfg.h.sim,
                clerk,
                Box::new(AppendClient::new(cli, "k", UPTO, count.clone())),
            )
            .map_err(|m| cfg.failure(m))?;
            clients.push(count);
        }
        cfg.h
            .run_until(|_| clients.iter().all(|c| c.borrow().is_some()))?;

        let value = cfg.get(ck, "k", false)?;
        for cli in 0..CLIENTS {
            check_client_appends(cli, &value, UPTO).map_err(|m| cfg.failure(m))?;
        }
        cfg.h.premise_unreliable();
        cfg.premise_overlapped("appends of several clients overlapped in time");
        Ok(())
    })
}

/// The leader ends up in the minority: the majority makes progress, a Put and a
/// Get started in the minority do not complete until the partition heals, and
/// then both complete.
///
/// Premises: none beyond its own steps, which require progress in the majority, none
/// in the minority, and both minority operations after the heal.
pub fn one_partition_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    KvConfig::<W>::run(spec, 5, false, None, |cfg| {
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;
        cfg.put(ck, "1", "13", false)?;

        cfg.note("progress in majority");
        let (p1, p2) = cfg.make_partition();
        cfg.partition(&p1, &p2);
        let ckp1 = cfg.make_client(&p1, 1)?;
        let ckp2a = cfg.make_client(&p2, 2)?;
        let ckp2b = cfg.make_client(&p2, 3)?;
        cfg.put(ckp1, "1", "14", false)?;
        cfg.check(ckp1, "1", "14")?;

        cfg.note("no progress in minority");
        cfg.start_op(
            ckp2a,
            Op::Put {
                key: "1".into(),
                value: "15".into(),
            },
            false,
        )?;
        cfg.start_op(ckp2b, Op::Get { key: "1".into() }, false)?;
        let moved = cfg.h.run_until_or(Duration::from_secs(1), |sim| {
            sim.observer().has_finished(ckp2a) || sim.observer().has_finished(ckp2b)
        })?;
        if moved {
            let which = if cfg.finished(ckp2a) { "Put" } else { "Get" };
            return Err(cfg.failure(format!("{which} in minority completed")));
        }
        cfg.check(ckp1, "1", "14")?;
        cfg.put(ckp1, "1", "16", false)?;
        cfg.check(ckp1, "1", "16")?;

        cfg.note("completion after heal");
        cfg.connect_all();
        cfg.connect_client(ckp2a, &all);
        cfg.connect_client(ckp2b, &all);
        cfg.sleep(ELECTION_TIMEOUT)?;
        // Stricter than the Go test, which does not wait for the Get.
        for (clerk, what) in [(ckp2a, "Put"), (ckp2b, "Get")] {
            if !cfg.h.run_until_or(Duration::from_secs(3), |sim| {
                sim.observer().has_finished(clerk)
            })? {
                return Err(cfg.failure(format!(
                    "{what} did not complete within 3 s of the partition healing"
                )));
            }
        }
        cfg.check(ck, "1", "15")?;
        Ok(())
    })
}

/// One client, partitions.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn many_partitions_one_client_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            partitions: true,
            ..Generic::clients(1)
        },
    )
}

/// Five clients, partitions.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn many_partitions_many_clients_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            partitions: true,
            ..Generic::clients(5)
        },
    )
}

/// One client, servers restart.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn persist_one_client_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            crash: true,
            ..Generic::clients(1)
        },
    )
}

/// Five clients, servers restart.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn persist_concurrent_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            crash: true,
            ..Generic::clients(5)
        },
    )
}

/// Five clients, servers restart, unreliable network.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn persist_concurrent_unreliable_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            crash: true,
            unreliable: true,
            ..Generic::clients(5)
        },
    )
}

/// Five clients, servers restart, partitions.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn persist_partition_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            crash: true,
            partitions: true,
            ..Generic::clients(5)
        },
    )
}

/// Five clients, servers restart, partitions, unreliable network.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn persist_partition_unreliable_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            crash: true,
            partitions: true,
            unreliable: true,
            ..Generic::clients(5)
        },
    )
}

/// Fifteen clients on random keys, seven servers, restarts, partitions,
/// unreliable network: a hard history for the linearizability checker.
///
/// Premises: those of [`generic_test`] for its knobs.
pub fn persist_partition_unreliable_linearizable_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    generic_test::<W>(
        spec,
        Generic {
            servers: 7,
            crash: true,
            partitions: true,
            unreliable: true,
            random_keys: true,
            ..Generic::clients(15)
        },
    )
}
