//! 4B: the sharded key/value service. 6.824's shardkv tests, step by step
//! (the two challenges are in `challenges`).

use shardkv::world::ShardWorld;
use std::time::Duration;

use kvraft::Op;
use labrpc::NodeId;

use crate::kv::linearizability::check_ops;
use crate::registry::RunSpec;
use crate::report::{Check, Report};
use crate::shardkv::config::ShardConfig;
use crate::shardkv::workers::Workers;

/// The keys "0".."n-1", each with the value put first.
pub(crate) struct Keys {
    pub(crate) keys: Vec<String>,
    pub(crate) values: Vec<String>,
}

impl Keys {
    /// Puts `n` keys with random values of `len` characters through `ck`,
    /// and checks them (unless `check` is false).
    pub(crate) fn put<W: ShardWorld>(
        cfg: &mut ShardConfig<W>,
        ck: NodeId,
        n: usize,
        len: usize,
        check: bool,
    ) -> Check<Keys> {
        let mut keys = Keys {
            keys: Vec::new(),
            values: Vec::new(),
        };
        for i in 0..n {
            let (key, value) = (i.to_string(), cfg.randstring(len));
            cfg.put(ck, &key, &value)?;
            keys.keys.push(key);
            keys.values.push(value);
        }
        if check {
            keys.check_all(cfg, ck)?;
        }
        Ok(keys)
    }

    /// Checks every key.
    pub(crate) fn check_all<W: ShardWorld>(
        &self,
        cfg: &mut ShardConfig<W>,
        ck: NodeId,
    ) -> Check<()> {
        for (key, value) in self.keys.iter().zip(&self.values) {
            cfg.check(ck, key, value)?;
        }
        Ok(())
    }

    /// For each key in order: check it, then append a random string of `len`
    /// characters.
    fn append_round<W: ShardWorld>(
        &mut self,
        cfg: &mut ShardConfig<W>,
        ck: NodeId,
        len: usize,
    ) -> Check<()> {
        for (key, value) in self.keys.iter().zip(self.values.iter_mut()) {
            cfg.check(ck, key, value)?;
            let more = cfg.randstring(len);
            cfg.append(ck, key, &more)?;
            value.push_str(&more);
        }
        Ok(())
    }
}

/// Sharding really splits the data: with group 1 shut down, exactly the five
/// keys of group 0's shards can be read, and the other five wait (they must
/// neither fail nor read "").
///
/// Steps: join 0 and 1; put 10 keys; shut group 1 down (no snapshot may
/// exist: `max_raft_state` is unset); ten fresh clerks each get one key, side
/// by side, until 2 s pass with no new completion; exactly 5 must complete,
/// with the right values; start group 1 again and check every key.
///
/// Premises: none beyond its own steps (which require exactly 5 gets done).
pub fn static_shards_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, None, |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        cfg.join(1)?;
        let keys = Keys::put(cfg, ck, 10, 20, true)?;

        cfg.shutdown_group(1);
        cfg.checklogs()?;
        let mut clerks = Vec::new();
        for key in &keys.keys {
            let clerk = cfg.make_client()?;
            let op = Op::Get { key: key.clone() };
            cfg.start_op(clerk, op, false)?;
            clerks.push(clerk);
        }
        let done = |sim: &crate::shardkv::tester::ShardSim<W>| {
            clerks
                .iter()
                .filter(|&&c| sim.observer().has_finished(c))
                .count()
        };
        loop {
            let before = done(&cfg.h.sim);
            if !cfg
                .h
                .run_until_or(Duration::from_secs(2), |sim| done(sim) > before)?
            {
                break;
            }
        }
        let mut completed = 0;
        for (i, &clerk) in clerks.iter().enumerate() {
            if let Some(got) = cfg.h.sim.observer_mut().take_finished(clerk) {
                completed += 1;
                if got.value != keys.values[i] {
                    return Err(cfg.failure(format!(
                        "Get({i}) with group 1 down: expected {:?}, received {:?}",
                        keys.values[i], got.value
                    )));
                }
            }
        }
        if completed != 5 {
            return Err(cfg.failure(format!(
                "with group 1 down, {completed} of 10 gets completed; exactly the 5 keys of group 0's shards must (the others must wait for group 1, not fail)"
            )));
        }

        cfg.start_group(1)?;
        keys.check_all(cfg, ck)
    })
}

/// Data follows join and then leave: after group 0 leaves and is shut down,
/// every key is still there.
///
/// Steps: join 0; put 10 keys; join 1; append round; leave 0; append round;
/// sleep 1 s; `checklogs`; shut group 0 down; check every key.
///
/// Premises: none beyond its own steps.
pub fn join_leave_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, None, |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let mut keys = Keys::put(cfg, ck, 10, 5, true)?;
        cfg.join(1)?;
        keys.append_round(cfg, ck, 5)?;
        cfg.leave(0)?;
        keys.append_round(cfg, ck, 5)?;
        cfg.sleep(Duration::from_secs(1))?;
        cfg.checklogs()?;
        cfg.shutdown_group(0);
        keys.check_all(cfg, ck)
    })
}

/// Migration with snapshots, then every server restarted at once.
///
/// Steps: join 0; put 30 keys; join 1, join 2, leave 0; append round; leave 1,
/// join 0; append round; sleep 1 s; check every key; sleep 1 s; `checklogs`
/// (persisted Raft state at most 8 × 1000 bytes); shut groups 0, 1 and 2
/// down and start them again; check every key.
///
/// Premises: servers took snapshots, and a restarted server had one to
/// restart from.
pub fn snapshot_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, Some(1000), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let mut keys = Keys::put(cfg, ck, 30, 20, true)?;
        cfg.join(1)?;
        cfg.join(2)?;
        cfg.leave(0)?;
        keys.append_round(cfg, ck, 20)?;
        cfg.leave(1)?;
        cfg.join(0)?;
        keys.append_round(cfg, ck, 20)?;
        cfg.sleep(Duration::from_secs(1))?;
        keys.check_all(cfg, ck)?;
        cfg.sleep(Duration::from_secs(1))?;
        cfg.checklogs()?;
        for gi in 0..3 {
            cfg.shutdown_group(gi);
        }
        for gi in 0..3 {
            cfg.start_group(gi)?;
        }
        keys.check_all(cfg, ck)?;
        cfg.premise_snapshots_taken();
        cfg.h.premise_restarts_with_snapshot(1);
        Ok(())
    })
}

/// Servers shut down across several configuration changes catch up on the
/// ones they missed when they restart.
///
/// Steps: join 0; put 10 keys; join 1; shut server 0 of every group down;
/// join 2, leave 1, leave 0; append round; join 1; append round; restart
/// server 0 of every group; append round; sleep 2 s; shut server 1 of every
/// group down; join 0, leave 2; append round; restart server 1 of every
/// group; check every key.
///
/// Premises: at least four restarts found persisted state. Of the six, the
/// first round's servers of groups 1 and 2 may go down before their group's
/// first election timeout (everything up to then can take under half a
/// second, and a Raft's first timeout may come later), with nothing to
/// persist yet; server 0 of group 0, which served the puts, and the second
/// round's three, 2 s later, have state whatever the timeouts.
pub fn miss_change_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, Some(1000), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let mut keys = Keys::put(cfg, ck, 10, 20, true)?;
        cfg.join(1)?;
        for gi in 0..3 {
            cfg.shutdown_server(gi, 0);
        }
        cfg.join(2)?;
        cfg.leave(1)?;
        cfg.leave(0)?;
        keys.append_round(cfg, ck, 20)?;
        cfg.join(1)?;
        keys.append_round(cfg, ck, 20)?;
        for gi in 0..3 {
            cfg.start_server(gi, 0)?;
        }
        keys.append_round(cfg, ck, 20)?;
        cfg.sleep(Duration::from_secs(2))?;
        for gi in 0..3 {
            cfg.shutdown_server(gi, 1);
        }
        cfg.join(0)?;
        cfg.leave(2)?;
        keys.append_round(cfg, ck, 20)?;
        for gi in 0..3 {
            cfg.start_server(gi, 1)?;
        }
        keys.check_all(cfg, ck)?;
        cfg.h.premise_restarts_with_state(4);
        Ok(())
    })
}

/// Workers append to every key (pausing 10 ms) while groups join and leave,
/// every group is shut down and started again, and the controller changes
/// configuration while all groups are down.
///
/// Steps (`max_raft_state` 100): join 0; put 10 keys; start the workers;
/// after 150 ms join 1, after 500 ms join 2, after 500 ms leave 0; shut
/// groups 0, 1 and 2 down 100 ms apart; leave 2 (the controller alone); after
/// 100 ms start every group; after 100 ms join 0 and leave 1, after 500 ms
/// join 1; after 1 s stop the workers, wait for their last appends, and check
/// every key.
///
/// Premises: servers took snapshots; restarted servers had state.
pub fn concurrent1_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, Some(100), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let mut keys = Keys::put(cfg, ck, 10, 5, false)?;
        let workers = Workers::appenders(cfg, &keys.values, 5, Duration::from_millis(10))?;
        let ms = Duration::from_millis;
        cfg.sleep(ms(150))?;
        cfg.join(1)?;
        cfg.sleep(ms(500))?;
        cfg.join(2)?;
        cfg.sleep(ms(500))?;
        cfg.leave(0)?;
        cfg.shutdown_group(0);
        cfg.sleep(ms(100))?;
        cfg.shutdown_group(1);
        cfg.sleep(ms(100))?;
        cfg.shutdown_group(2);
        cfg.leave(2)?;
        cfg.sleep(ms(100))?;
        for gi in 0..3 {
            cfg.start_group(gi)?;
        }
        cfg.sleep(ms(100))?;
        cfg.join(0)?;
        cfg.leave(1)?;
        cfg.sleep(ms(500))?;
        cfg.join(1)?;
        cfg.sleep(ms(1000))?;
        workers.finish(cfg, &mut keys, ck)?;
        cfg.premise_snapshots_taken();
        cfg.h.premise_restarts_with_state(9);
        Ok(())
    })
}

/// Workers append one character every 50 ms while configurations change so
/// that groups fetch shards from varied groups, and two groups restart.
///
/// Steps: join 1, 0, 2; put 10 keys of one character; start the workers;
/// leave 0 and 2, 3 s; join 0 and 2, leave 1, 3 s; join 1, leave 0 and 2,
/// 3 s; shut groups 1 and 2 down, 1 s, start them; 2 s; stop the workers,
/// wait, and check every key.
///
/// Premises: restarted servers had state.
pub fn concurrent2_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, None, |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(1)?;
        cfg.join(0)?;
        cfg.join(2)?;
        let mut keys = Keys::put(cfg, ck, 10, 1, false)?;
        let workers = Workers::appenders(cfg, &keys.values, 1, Duration::from_millis(50))?;
        let s = Duration::from_secs;
        cfg.leave(0)?;
        cfg.leave(2)?;
        cfg.sleep(s(3))?;
        cfg.join(0)?;
        cfg.join(2)?;
        cfg.leave(1)?;
        cfg.sleep(s(3))?;
        cfg.join(1)?;
        cfg.leave(0)?;
        cfg.leave(2)?;
        cfg.sleep(s(3))?;
        cfg.shutdown_group(1);
        cfg.shutdown_group(2);
        cfg.sleep(s(1))?;
        cfg.start_group(1)?;
        cfg.start_group(2)?;
        cfg.sleep(s(2))?;
        workers.finish(cfg, &mut keys, ck)?;
        cfg.h.premise_restarts_with_state(6);
        Ok(())
    })
}

/// 12 s of churn with whole-system restarts while workers append without
/// pause (2022's `TestConcurrent3`; 2021's `TestChallenge1Concurrent`).
///
/// Steps (`max_raft_state` 300): join 0; put 10 keys of one character;
/// start the workers; while less than 12 s have passed: join 2, join 1,
/// sleep 0-900 ms, shut every group down and start them all again, sleep
/// 0-900 ms, leave 1, leave 2, sleep 0-900 ms; then 2 s; stop the workers,
/// wait, and check every key.
///
/// Premises: servers took snapshots; restarted servers had a snapshot.
pub fn concurrent3_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, Some(300), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let mut keys = Keys::put(cfg, ck, 10, 1, false)?;
        let workers = Workers::appenders(cfg, &keys.values, 1, Duration::ZERO)?;
        let t0 = cfg.h.sim.now();
        while cfg.h.sim.now().saturating_since(t0) < Duration::from_secs(12) {
            cfg.join(2)?;
            cfg.join(1)?;
            let pause = random_pause(cfg);
            cfg.sleep(pause)?;
            for gi in 0..3 {
                cfg.shutdown_group(gi);
            }
            for gi in 0..3 {
                cfg.start_group(gi)?;
            }
            let pause = random_pause(cfg);
            cfg.sleep(pause)?;
            cfg.leave(1)?;
            cfg.leave(2)?;
            let pause = random_pause(cfg);
            cfg.sleep(pause)?;
        }
        cfg.sleep(Duration::from_secs(2))?;
        workers.finish(cfg, &mut keys, ck)?;
        cfg.premise_snapshots_taken();
        cfg.h.premise_restarts_with_snapshot(1);
        Ok(())
    })
}

/// 0 to 900 ms.
fn random_pause<W: ShardWorld>(cfg: &mut ShardConfig<W>) -> Duration {
    use labrpc::rand::RngExt;
    Duration::from_millis(cfg.h.sim.tester_rng().random_range(0..900))
}

/// Sequential operations across configuration changes on an unreliable
/// network.
///
/// Steps (`max_raft_state` 100, unreliable): join 0; put 10 keys; join 1,
/// join 2, leave 0; 20 times, on key `i mod 10`: check it and append 5
/// characters; join 0, leave 1; 20 times, check key `i mod 10`.
///
/// Premises: the network lost requests and replies.
pub fn unreliable1_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, true, Some(100), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let mut keys = Keys::put(cfg, ck, 10, 5, false)?;
        cfg.join(1)?;
        cfg.join(2)?;
        cfg.leave(0)?;
        for i in 0..20 {
            let k = i % 10;
            cfg.check(ck, &keys.keys[k], &keys.values[k])?;
            let more = cfg.randstring(5);
            cfg.append(ck, &keys.keys[k], &more)?;
            keys.values[k].push_str(&more);
        }
        cfg.join(0)?;
        cfg.leave(1)?;
        for i in 0..20 {
            let k = i % 10;
            cfg.check(ck, &keys.keys[k], &keys.values[k])?;
        }
        cfg.h.premise_unreliable();
        Ok(())
    })
}

/// The configuration changes of `unreliable2_4b` and `unreliable3_4b`:
/// 150 ms, join 1, 500 ms, join 2, 500 ms, leave 0, 500 ms, leave 1,
/// 500 ms, join 1, join 0, then 2 s.
fn unreliable_changes<W: ShardWorld>(cfg: &mut ShardConfig<W>) -> Check<()> {
    let ms = Duration::from_millis;
    cfg.sleep(ms(150))?;
    cfg.join(1)?;
    cfg.sleep(ms(500))?;
    cfg.join(2)?;
    cfg.sleep(ms(500))?;
    cfg.leave(0)?;
    cfg.sleep(ms(500))?;
    cfg.leave(1)?;
    cfg.sleep(ms(500))?;
    cfg.join(1)?;
    cfg.join(0)?;
    cfg.sleep(Duration::from_secs(2))
}

/// Workers append without pause across configuration changes on an
/// unreliable network.
///
/// Steps (`max_raft_state` 100, unreliable): join 0; put 10 keys; start the
/// workers (5 characters each); 150 ms, join 1, 500 ms, join 2, 500 ms,
/// leave 0, 500 ms, leave 1, 500 ms, join 1, join 0, 2 s; stop
/// the workers; make the network reliable; wait for them; check every key.
///
/// Premises: the network lost requests and replies.
pub fn unreliable2_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, true, Some(100), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let mut keys = Keys::put(cfg, ck, 10, 5, false)?;
        let workers = Workers::appenders(cfg, &keys.values, 5, Duration::ZERO)?;
        unreliable_changes(cfg)?;
        workers.stop();
        cfg.h.premise_unreliable();
        cfg.set_reliable(true);
        workers.wait(cfg)?;
        keys.values = workers.expected();
        keys.check_all(cfg, ck)
    })
}

/// As [`unreliable2_4b`], with ten workers making random operations on the
/// ten keys (half appends, 5% puts, the rest gets), every operation
/// recorded, and the history checked for linearizability instead of the
/// values. "Unknown" (the checker's budget ran out) fails: a history is never
/// passed unchecked.
///
/// Premises: the network lost requests and replies, and operations of
/// several clerks overlapped in time.
pub fn unreliable3_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, true, Some(100), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        for i in 0..10 {
            let op = Op::Put {
                key: i.to_string(),
                value: cfg.randstring(5),
            };
            cfg.op(ck, op, true)?;
        }
        let workers = Workers::random(cfg, 10, 10)?;
        unreliable_changes(cfg)?;
        workers.stop();
        cfg.h.premise_unreliable();
        cfg.set_reliable(true);
        workers.wait(cfg)?;
        cfg.premise_overlapped("operations of several clerks overlapped in time");
        let recorded = cfg.h.sim.observer().history.clone();
        check_ops(&mut cfg.h, &recorded, spec)
    })
}
