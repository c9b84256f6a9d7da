//! raftlab's own 4A scenarios: what 6.824's two controller tests never
//! exercise, because their network is reliable and never partitioned.
//!
//! - [`moves_4a`]: Moves that really change a shard's group (6.824's move
//!   shards to where a minimal rebalance already put them), and the joins and
//!   leaves after them, which must move only what they must.
//! - [`unreliable_once_4a`]: clerks retry on a lossy, partitioned network,
//!   and every Join, Leave and Move must still make exactly one configuration
//!   (duplicate detection when the operation is applied).
//! - [`deposed_leader_query_4a`]: a leader cut off from the others must not
//!   answer a query from its own, stale, configurations (a query goes
//!   through the log).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use kvraft::world::KvWorld;
use labrpc::rand::RngExt;
use shardctrler::{CtrlerOp, CtrlerOps, Gid};

use crate::kv::config::partition;
use crate::kv::tester::KvSim;
use crate::registry::RunSpec;
use crate::report::Report;
use crate::shardctrler::config::{CtrlConfig, groups};

/// Clerks side by side on an unreliable, partitioned network.
const CLERKS: u64 = 5;
/// Rounds of join, move and leave each of them makes.
const ROUNDS: u64 = 3;

/// Five clerks side by side each join a group of their own, then three times
/// join a second group, move a shard to it and make it leave: 50 writes, on
/// an unreliable network where, while they work, each leader is cut off from
/// the other servers for 300-500 ms soon after it is elected. Lost replies make clerks retry operations that already took
/// effect, and leaders lose office with operations in their logs, which the
/// next leader may commit while the clerk retries them: the latest
/// configuration must be number 50 exactly (one per write, none twice; a
/// duplicate table consulted only when a request arrives is not enough) and
/// hold the five first groups. (Not its balance: a Move may be the last
/// write.)
///
/// Premises: the network lost requests and replies, leaders were cut off
/// while the clerks worked, and the clerks' operations overlapped in time.
pub fn unreliable_once_4a<W: KvWorld<CtrlerOps>>(spec: &RunSpec) -> Report {
    CtrlConfig::<W>::run(spec, 3, true, None, |cfg| {
        let gids: Vec<Gid> = (0..CLERKS).map(|k| 200 + k).collect();
        let lists: Vec<Vec<CtrlerOp>> = gids
            .iter()
            .enumerate()
            .map(|(k, &g)| {
                let mut ops = vec![CtrlerOp::Join(groups(&[(g, &[&format!("{g}a")])]))];
                for r in 1..=ROUNDS {
                    let other = g + 50 * r;
                    ops.push(CtrlerOp::Join(groups(&[(other, &[&format!("{other}a")])])));
                    ops.push(CtrlerOp::Move {
                        shard: k,
                        gid: other,
                    });
                    ops.push(CtrlerOp::Leave(vec![other]));
                }
                ops
            })
            .collect();
        let writes: usize = lists.iter().map(Vec::len).sum();
        let (stop, stopped, cut_off) = (
            Rc::new(Cell::new(false)),
            Rc::new(Cell::new(false)),
            Rc::new(Cell::new(0)),
        );
        let isolator = Isolator {
            n: cfg.n,
            stop: Rc::clone(&stop),
            stopped: Rc::clone(&stopped),
            cut_off: Rc::clone(&cut_off),
        };
        isolator.next::<W>(&mut cfg.h.sim, None);
        cfg.run_side_by_side(lists)?;
        stop.set(true);
        cfg.h.run_until(|_| stopped.get())?;
        cfg.connect_all();

        let all = cfg.all();
        let ck = cfg.make_client(&all, CLERKS as usize)?;
        let latest = cfg.query(ck, None)?;
        if !latest.groups.keys().eq(gids.iter()) {
            return Err(cfg.failure(format!(
                "configuration {} has groups {:?}; the groups that joined and did not leave are {gids:?}",
                latest.num,
                latest.groups.keys().collect::<Vec<_>>()
            )));
        }
        if latest.num != writes as u64 {
            return Err(cfg.failure(format!(
                "{writes} Joins, Leaves and Moves completed, so the latest configuration must be number {writes}, but it is {}: {} (each operation must take effect exactly once, however often its clerk retries it)",
                latest.num,
                if latest.num > writes as u64 {
                    "an operation took effect twice"
                } else {
                    "an operation took no effect"
                }
            )));
        }
        cfg.h.premise_unreliable();
        cfg.h.premise(
            "leaders were cut off while the clerks worked",
            cut_off.get() > 0,
            format!("{} leaders cut off", cut_off.get()),
        );
        cfg.premise_overlapped("operations of the side-by-side clerks overlapped in time");
        Ok(())
    })
}

/// A leader is cut off from the other two controllers. Through them a clerk
/// joins a second group; then a clerk that reaches only the old leader
/// queries the latest configuration. The old leader cannot commit anything,
/// so the query may not complete until the partition heals (and the clerk
/// reaches every server again), and whenever it
/// completes it must give configuration 2: it began after that join
/// completed. A server that answers queries from its own state answers 1.
///
/// Premises: none beyond the construction (the query is issued to the old
/// leader while it is cut off, after the join completed).
pub fn deposed_leader_query_4a<W: KvWorld<CtrlerOps>>(spec: &RunSpec) -> Report {
    CtrlConfig::<W>::run(spec, 3, false, None, |cfg| {
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;
        cfg.join(ck, groups(&[(1, &["x", "y", "z"])]))?;
        let Some(old) = cfg.leader() else {
            return Err(cfg.failure("no controller claims to be the leader after a Join"));
        };
        let others: Vec<usize> = all.iter().copied().filter(|&i| i != old).collect();
        cfg.partition(&[old], &others);
        let majority = cfg.make_client(&others, 1)?;
        cfg.join(majority, groups(&[(2, &["a", "b", "c"])]))?;

        let cut_off = cfg.make_client(&[old], 2)?;
        cfg.start_op(cut_off, CtrlerOp::Query(None), false)?;
        cfg.sleep(Duration::from_secs(1))?;
        let answered_cut_off = cfg.finished(cut_off);
        cfg.connect_all();
        cfg.connect_client(cut_off, &all);
        cfg.h
            .run_until(|sim| sim.observer().has_finished(cut_off))?;
        let done = cfg
            .h
            .sim
            .observer_mut()
            .take_finished(cut_off)
            .expect("finished");
        let num = done.value.as_ref().map(|c| c.num);
        if num != Some(2) {
            return Err(cfg.failure(format!(
                "a Query issued after Join(2) completed returned configuration {num:?}{}: a query must reflect every operation that completed before it began, so it must go through the Raft log (server {old}, cut off from the others, could not know of configuration 2)",
                if answered_cut_off {
                    " while the server it reached was cut off"
                } else {
                    ""
                }
            )));
        }
        Ok(())
    })
}

/// Three groups join one by one; then three pairs of shards swap groups by
/// Moves (one pair for each pair of groups), so the configuration stays
/// balanced but is no longer what rebalancing alone makes; then a fourth
/// group joins and the second leaves.
///
/// Every Move must make exactly one new configuration with that shard alone
/// changed; every join and leave must give a balanced configuration of the
/// right groups and, as it starts from a balanced one, move shards only onto
/// the groups that joined, or only the departed group's shards. A controller
/// that rebalances from scratch, or rebalances after a Move, fails here.
///
/// Premises: none beyond the construction (each Move is to a group the
/// shard is not on).
pub fn moves_4a<W: KvWorld<CtrlerOps>>(spec: &RunSpec) -> Report {
    CtrlConfig::<W>::run(spec, 3, false, None, |cfg| {
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;
        cfg.join_checked(ck, groups(&[(1, &["1a"])]), &[1])?;
        cfg.join_checked(ck, groups(&[(2, &["2a"])]), &[1, 2])?;
        let mut latest = cfg.join_checked(ck, groups(&[(3, &["3a"])]), &[1, 2, 3])?;
        for (x, y) in [(1, 2), (2, 3), (3, 1)] {
            let on = |c: &shardctrler::Config, g: Gid| c.shards_of(g).first().copied();
            let (Some(a), Some(b)) = (on(&latest, x), on(&latest, y)) else {
                return Err(cfg.failure(format!(
                    "configuration {} leaves group {x} or {y} without a shard: {latest:?}",
                    latest.num
                )));
            };
            cfg.move_checked(ck, a, y)?;
            latest = cfg.move_checked(ck, b, x)?;
        }
        cfg.check_groups(ck, &[1, 2, 3])?;
        cfg.join_checked(ck, groups(&[(4, &["4a"])]), &[1, 2, 3, 4])?;
        cfg.leave_checked(ck, &[2], &[1, 3, 4])?;
        Ok(())
    })
}

/// Cuts each leader off from the other servers for a while, until `stop`.
#[derive(Clone)]
struct Isolator {
    n: usize,
    stop: Rc<Cell<bool>>,
    stopped: Rc<Cell<bool>>,
    /// Leaders cut off so far.
    cut_off: Rc<Cell<u64>>,
}

impl Isolator {
    /// Heals the network (ending the isolation of `isolated`, if any); then,
    /// unless told to stop, cuts off the leader if there is one, and comes
    /// back later.
    fn next<W: KvWorld<CtrlerOps>>(self, sim: &mut KvSim<W, CtrlerOps>, isolated: Option<usize>) {
        let all: Vec<usize> = (0..self.n).collect();
        if isolated.is_some() {
            partition(sim, &all, &[]);
        }
        if self.stop.get() {
            self.stopped.set(true);
            return;
        }
        let leader = (0..self.n).find(|&i| crate::kv::config::leads(sim, i));
        let (wait, isolated) = match leader {
            Some(l) if isolated.is_none() => {
                let others: Vec<usize> = all.iter().copied().filter(|&i| i != l).collect();
                partition(sim, &[l], &others);
                self.cut_off.set(self.cut_off.get() + 1);
                let ms = 300 + sim.tester_rng().random_range(0..200);
                (Duration::from_millis(ms), Some(l))
            }
            _ => (Duration::from_millis(100), None),
        };
        sim.schedule(wait, "isolator", move |sim| {
            self.next::<W>(sim, isolated);
            Ok(())
        });
    }
}
