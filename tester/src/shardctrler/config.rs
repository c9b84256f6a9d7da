//! The 4A tester's helpers, as in 6.824's shardctrler `config.go`, on the
//! service harness kvraft's tests use ([`KvConfig`] with the controller's
//! operations): a clerk's join, leave, move and query, 6.824's `check` of the
//! latest configuration, and clerks that run a fixed list of operations side
//! by side.

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use kvraft::world::KvWorld;
use labrpc::{Choices, NodeId};
use shardctrler::{Config, CtrlerOp, CtrlerOps, Gid};

use crate::kv::config::KvConfig;
use crate::kv::tester::{Driver, Operation, Recorded, drive};
use crate::report::Check;
use crate::shardctrler::checks;

/// A controller service under test: `n` controller servers and their clerks.
pub type CtrlConfig<W> = KvConfig<W, CtrlerOps>;

impl Recorded for CtrlerOps {
    fn recorded(op: &CtrlerOp, value: Option<Config>) -> Option<Config> {
        match op {
            CtrlerOp::Query(_) => value,
            CtrlerOp::Join(_) | CtrlerOp::Leave(_) | CtrlerOp::Move { .. } => None,
        }
    }
}

/// Groups with their server names, as a join takes them.
pub fn groups(list: &[(Gid, &[&str])]) -> BTreeMap<Gid, Vec<String>> {
    list.iter()
        .map(|(gid, names)| (*gid, names.iter().map(|n| n.to_string()).collect()))
        .collect()
}

impl<W: KvWorld<CtrlerOps>> KvConfig<W, CtrlerOps> {
    /// One `Join` of `groups` through `clerk`.
    pub fn join(&mut self, clerk: NodeId, groups: BTreeMap<Gid, Vec<String>>) -> Check<()> {
        self.op(clerk, CtrlerOp::Join(groups), false).map(drop)
    }

    /// One `Leave` of `gids` through `clerk`.
    pub fn leave(&mut self, clerk: NodeId, gids: &[Gid]) -> Check<()> {
        self.op(clerk, CtrlerOp::Leave(gids.to_vec()), false)
            .map(drop)
    }

    /// `Move(shard, gid)` through `clerk`.
    pub fn move_shard(&mut self, clerk: NodeId, shard: usize, gid: Gid) -> Check<()> {
        self.op(clerk, CtrlerOp::Move { shard, gid }, false)
            .map(drop)
    }

    /// `Query(num)` through `clerk` (`None`: the latest, Go's `Query(-1)`).
    pub fn query(&mut self, clerk: NodeId, num: Option<u64>) -> Check<Config> {
        let done = self.op(clerk, CtrlerOp::Query(num), false)?;
        done.value.ok_or_else(|| {
            self.failure(format!(
                "Query({}) completed without a configuration (a clerk must complete a query with Some(config))",
                num.map_or("-1".to_string(), |n| n.to_string())
            ))
        })
    }

    /// 6.824's `check(groups)` on the latest configuration, which it returns.
    pub fn check_groups(&mut self, clerk: NodeId, gids: &[Gid]) -> Check<Config> {
        let latest = self.query(clerk, None)?;
        checks::check(&latest, gids).map_err(|m| self.failure(m))?;
        Ok(latest)
    }

    /// One `Join` of `groups` through `clerk`, after which the groups are
    /// `then`: the new configuration passes `check(then)`, and if the one
    /// before was balanced, the join moved shards only onto the groups that
    /// joined ([`checks::check_join_moves`]). Returns the new configuration.
    pub fn join_checked(
        &mut self,
        clerk: NodeId,
        groups: BTreeMap<Gid, Vec<String>>,
        then: &[Gid],
    ) -> Check<Config> {
        let before = self.query(clerk, None)?;
        let joined: Vec<Gid> = groups.keys().copied().collect();
        self.join(clerk, groups)?;
        let after = self.check_groups(clerk, then)?;
        if balanced(&before) {
            checks::check_join_moves(&before, &after, &joined).map_err(|m| self.failure(m))?;
        }
        Ok(after)
    }

    /// One `Leave` of `gids` through `clerk`, after which the groups are
    /// `then`: checked as [`KvConfig::join_checked`] checks a join, with
    /// [`checks::check_leave_moves`]. Returns the new configuration.
    pub fn leave_checked(&mut self, clerk: NodeId, gids: &[Gid], then: &[Gid]) -> Check<Config> {
        let before = self.query(clerk, None)?;
        self.leave(clerk, gids)?;
        let after = self.check_groups(clerk, then)?;
        if balanced(&before) {
            checks::check_leave_moves(&before, &after, gids).map_err(|m| self.failure(m))?;
        }
        Ok(after)
    }

    /// `Move(shard, gid)` through `clerk`, which must make exactly one new
    /// configuration, the latest one before it with `shard` on `gid` and
    /// nothing else changed. Returns the new configuration.
    pub fn move_checked(&mut self, clerk: NodeId, shard: usize, gid: Gid) -> Check<Config> {
        let before = self.query(clerk, None)?;
        self.move_shard(clerk, shard, gid)?;
        let after = self.query(clerk, None)?;
        let mut wanted = before.clone();
        wanted.num += 1;
        wanted.shards[shard] = gid;
        if after != wanted {
            return Err(self.failure(format!(
                "Move({shard}, {gid}) must make one new configuration in which shard {shard} belongs to {gid} and nothing else changes: before it {before:?}, after it {after:?}"
            )));
        }
        Ok(after)
    }

    /// Fails unless `got` is `expected` ([`checks::check_same_config`]).
    pub fn check_same(&self, expected: &Config, got: &Config) -> Check<()> {
        checks::check_same_config(expected, got).map_err(|m| self.failure(m))
    }

    /// Runs each list of operations on a fresh clerk of its own, all side by
    /// side, each clerk's in order, and waits until every one is done. The
    /// operations are recorded (to see that they overlapped).
    pub fn run_side_by_side(&mut self, lists: Vec<Vec<CtrlerOp>>) -> Check<()> {
        let all = self.all();
        let mut done = Vec::new();
        for (k, ops) in lists.into_iter().enumerate() {
            let clerk = self.make_client(&all, k)?;
            let finished = Rc::new(Cell::new(false));
            let script = Script {
                ops: ops.into(),
                finished: finished.clone(),
            };
            drive(&mut self.h.sim, clerk, Box::new(script)).map_err(|m| self.failure(m))?;
            done.push(finished);
        }
        self.h.run_until(|_| done.iter().all(|d| d.get()))
    }
}

/// Whether `config` is balanced: every shard on one of its groups (if it has
/// any), counts within one. Only from a balanced configuration must a join or
/// leave move nothing but what it must.
fn balanced(config: &Config) -> bool {
    let gids: Vec<Gid> = config.groups.keys().copied().collect();
    checks::check(config, &gids).is_ok()
}

/// A clerk's fixed list of operations, one after the other.
struct Script {
    ops: VecDeque<CtrlerOp>,
    finished: Rc<Cell<bool>>,
}

impl Driver<CtrlerOps> for Script {
    fn next(
        &mut self,
        _rng: &mut Choices,
        _done: Option<Operation<CtrlerOps>>,
    ) -> Result<Option<(CtrlerOp, bool)>, String> {
        let next = self.ops.pop_front();
        self.finished.set(next.is_none());
        Ok(next.map(|op| (op, true)))
    }
}
