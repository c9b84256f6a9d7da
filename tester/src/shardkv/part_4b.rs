//! 4B: the sharded key/value service. 6.824's shardkv tests, step by step
//! (the first four so far: static shards, join and leave, snapshots, missed
//! changes).

use std::time::Duration;

use kvraft::{KvClerk, Op};
use labrpc::NodeId;
use shardctrler::CtrlerOps;
use shardkv::ShardKvClerk;

use crate::registry::RunSpec;
use crate::report::{Check, Report};
use crate::shardkv::config::ShardConfig;

/// The keys "0".."n-1", each with the value put first.
struct Keys {
    keys: Vec<String>,
    values: Vec<String>,
}

impl Keys {
    /// Puts `n` keys with random values of `len` characters through `ck`,
    /// and checks them (unless `check` is false).
    fn put<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(
        cfg: &mut ShardConfig<C, CC>,
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
    fn check_all<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(
        &self,
        cfg: &mut ShardConfig<C, CC>,
        ck: NodeId,
    ) -> Check<()> {
        for (key, value) in self.keys.iter().zip(&self.values) {
            cfg.check(ck, key, value)?;
        }
        Ok(())
    }

    /// For each key in order: check it, then append a random string of `len`
    /// characters.
    fn append_round<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(
        &mut self,
        cfg: &mut ShardConfig<C, CC>,
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
pub fn static_shards_4b<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(spec: &RunSpec) -> Report {
    ShardConfig::<C, CC>::run(spec, 3, false, None, |cfg| {
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
        let done = |sim: &crate::shardkv::tester::ShardSim<C, CC>| {
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
pub fn join_leave_4b<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(spec: &RunSpec) -> Report {
    ShardConfig::<C, CC>::run(spec, 3, false, None, |cfg| {
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
pub fn snapshot_4b<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(spec: &RunSpec) -> Report {
    ShardConfig::<C, CC>::run(spec, 3, false, Some(1000), |cfg| {
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
/// Premises: restarted servers had persisted state to restart from.
pub fn miss_change_4b<C: ShardKvClerk, CC: KvClerk<CtrlerOps>>(spec: &RunSpec) -> Report {
    ShardConfig::<C, CC>::run(spec, 3, false, Some(1000), |cfg| {
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
        cfg.h.premise_restarts_with_state(6);
        Ok(())
    })
}
