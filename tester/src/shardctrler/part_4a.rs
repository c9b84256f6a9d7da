//! 4A: the shard controller. The two scenarios of 6.824's shardctrler tests,
//! step by step, each stricter than Go where Go's check cannot fail (the doc
//! comments say where).

use std::time::Duration;

use kvraft::world::KvWorld;
use shardctrler::{Config, CtrlerOp, CtrlerOps, Gid, NSHARDS};

use crate::harness::ELECTION_TIMEOUT;
use crate::registry::RunSpec;
use crate::report::{Check, Report};
use crate::shardctrler::checks;
use crate::shardctrler::config::{CtrlConfig, groups};

/// The groups 11..=15 that the minimal-transfer steps join and leave.
const LATE_GIDS: [Gid; 5] = [11, 12, 13, 14, 15];

/// Joins, leaves, moves and queries by one clerk, then by ten side by side,
/// on three controllers.
///
/// 1. *Basic leave/join*: join 1, join 2, leave 1, leave 2, checking each
///    configuration (`check`) and keeping it.
/// 2. *Historical queries*: with each server shut down in turn, every kept
///    configuration (and configuration 0 twice, as Go's history keeps an
///    unfilled slot) is queried by number and must be the same.
/// 3. *Move*: shards 0-4 moved to group 503 and 5-9 to 504. Stricter than
///    Go, which only asks that a move of a shard not already there raise the
///    latest number: every `Move` must make exactly one new configuration
///    that differs from the one before in that shard alone.
/// 4. *Concurrent leave/join*: ten clerks side by side each join two groups
///    and leave one; the ten groups left hold one shard each.
/// 5. *Minimal transfers*: five joins, one group each, then five leaves. Go
///    checks groups 1..=10, which do not exist then, so its check cannot fail;
///    this one also checks the intended rule: a join moves shards only onto
///    the new groups, a leave moves only the departed groups' shards, and the
///    configurations in between stay balanced.
///
/// Stricter than Go throughout: the rule of step 5 is checked at every join
/// and leave of the main clerk that starts from a balanced configuration
/// (steps 1 and 3 too), and `Leave(2)` in step 1 must give a configuration
/// with no groups.
///
/// Premises: every shut-down server restarted from persisted state, and the
/// side-by-side clerks' operations overlapped in time.
pub fn basic_4a<W: KvWorld<CtrlerOps>>(spec: &RunSpec) -> Report {
    CtrlConfig::<W>::run(spec, 3, false, None, |cfg| {
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;

        cfg.note("Test: Basic leave/join ...");
        let h0 = cfg.check_groups(ck, &[])?;
        let h1 = cfg.join_checked(ck, groups(&[(1, &["x", "y", "z"])]), &[1])?;
        let h2 = cfg.join_checked(ck, groups(&[(2, &["a", "b", "c"])]), &[1, 2])?;
        check_servers(cfg, &h2, &[(1, &["x", "y", "z"]), (2, &["a", "b", "c"])])?;
        let h4 = cfg.leave_checked(ck, &[1], &[2])?;
        let h5 = cfg.leave_checked(ck, &[2], &[])?;
        let history = [h0, h1, h2, Config::default(), h4, h5];

        cfg.note("Test: Historical queries ...");
        for s in 0..cfg.n {
            cfg.shutdown_server(s);
            for h in &history {
                let got = cfg.query(ck, Some(h.num))?;
                cfg.check_same(h, &got)?;
            }
            cfg.start_server(s)?;
            cfg.connect_all();
        }

        cfg.note("Test: Move ...");
        cfg.join(ck, groups(&[(503, &["3a", "3b", "3c"])]))?;
        cfg.join(ck, groups(&[(504, &["4a", "4b", "4c"])]))?;
        for shard in 0..NSHARDS {
            let gid = if shard < NSHARDS / 2 { 503 } else { 504 };
            cfg.move_checked(ck, shard, gid)?;
        }
        let moved = cfg.query(ck, None)?;
        for shard in 0..NSHARDS {
            let gid = if shard < NSHARDS / 2 { 503 } else { 504 };
            if moved.shards[shard] != gid {
                return Err(cfg.failure(format!(
                    "shard {shard} should be on group {gid} after the moves: {moved:?}"
                )));
            }
        }
        cfg.leave_checked(ck, &[503], &[504])?;
        cfg.leave_checked(ck, &[504], &[])?;

        cfg.note("Test: Concurrent leave/join ...");
        let gids: Vec<Gid> = (0..10).map(|k| 100 + 10 * k).collect();
        let lists = gids
            .iter()
            .map(|&g| {
                vec![
                    CtrlerOp::Join(groups(&[(g + 1000, &[&format!("s{}a", g)])])),
                    CtrlerOp::Join(groups(&[(g, &[&format!("s{g}b")])])),
                    CtrlerOp::Leave(vec![g + 1000]),
                ]
            })
            .collect();
        cfg.run_side_by_side(lists)?;
        cfg.check_groups(ck, &gids)?;

        minimal_transfers(cfg, ck, &gids, false)?;

        cfg.h.premise_restarts_with_state(cfg.n as u64);
        cfg.premise_overlapped("operations of the side-by-side clerks overlapped in time");
        Ok(())
    })
}

/// Joins and leaves of several groups in one call, by one clerk and by ten
/// side by side, and a query across a change of leader.
///
/// 1. *Multi-group join/leave*: one join of groups 1 and 2, a join of 3, one
///    leave of 1 and 3, checking each configuration and the servers each
///    group lists, and (stricter than Go) that each join and leave moved
///    only what it must (see [`basic_4a`]).
/// 2. *Concurrent multi leave/join*: ten clerks side by side each join three
///    groups in one call and leave two of them in one call.
/// 3. *Minimal transfers after multijoins and multileaves*: one join of five
///    groups, one leave of them; Go's check cannot fail here either, this one
///    checks the rule as [`basic_4a`] does.
/// 4. *Same configuration on every server* (2022): the leader is shut down,
///    and once another server leads, the latest configuration it gives is the
///    one the old leader gave. Go waits for the new leader by a loop that
///    tests leadership once; this waits (up to 5 s) until a server leads.
///
/// Premise: the side-by-side clerks' operations overlapped in time.
pub fn multi_4a<W: KvWorld<CtrlerOps>>(spec: &RunSpec) -> Report {
    CtrlConfig::<W>::run(spec, 3, false, None, |cfg| {
        let all = cfg.all();
        let ck = cfg.make_client(&all, 0)?;

        cfg.note("Test: Multi-group join/leave ...");
        cfg.check_groups(ck, &[])?;
        let one_two = groups(&[(1, &["x", "y", "z"]), (2, &["a", "b", "c"])]);
        cfg.join_checked(ck, one_two, &[1, 2])?;
        let three = cfg.join_checked(ck, groups(&[(3, &["j", "k", "l"])]), &[1, 2, 3])?;
        check_servers(
            cfg,
            &three,
            &[
                (1, &["x", "y", "z"]),
                (2, &["a", "b", "c"]),
                (3, &["j", "k", "l"]),
            ],
        )?;
        let two = cfg.leave_checked(ck, &[1, 3], &[2])?;
        check_servers(cfg, &two, &[(2, &["a", "b", "c"])])?;
        cfg.leave_checked(ck, &[2], &[])?;

        cfg.note("Test: Concurrent multi leave/join ...");
        let gids: Vec<Gid> = (0..10).map(|k| 1000 + k).collect();
        let lists = gids
            .iter()
            .map(|&g| {
                let (a, b, c) = (format!("{g}a"), format!("{g}b"), format!("{g}c"));
                let (g1, g2) = (format!("{}a", g + 1000), format!("{}a", g + 2000));
                vec![
                    CtrlerOp::Join(groups(&[
                        (g, &[&a, &b, &c]),
                        (g + 1000, &[&g1]),
                        (g + 2000, &[&g2]),
                    ])),
                    CtrlerOp::Leave(vec![g + 1000, g + 2000]),
                ]
            })
            .collect();
        cfg.run_side_by_side(lists)?;
        cfg.check_groups(ck, &gids)?;

        minimal_transfers(cfg, ck, &gids, true)?;

        cfg.note("Test: Check Same config on servers ...");
        let Some(leader) = cfg.leader() else {
            return Err(cfg.failure("no controller claims to be the leader"));
        };
        let before = cfg.query(ck, None)?;
        cfg.shutdown_server(leader);
        let waited = cfg.h.run_until_or(Duration::from_secs(5), |sim| {
            (0..3).any(|i| i != leader && crate::kv::config::leads(sim, i))
        })?;
        if !waited {
            return Err(cfg.failure(format!(
                "no controller became leader within 5 s of shutting down leader {leader} (election timeout {ELECTION_TIMEOUT:?})"
            )));
        }
        let after = cfg.query(ck, None)?;
        cfg.check_same(&before, &after)?;

        cfg.premise_overlapped("operations of the side-by-side clerks overlapped in time");
        Ok(())
    })
}

/// Fails unless `config` lists exactly these servers, in order, for each of
/// these groups.
fn check_servers<W: KvWorld<CtrlerOps>>(
    cfg: &CtrlConfig<W>,
    config: &Config,
    expected: &[(Gid, &[&str])],
) -> Check<()> {
    for (gid, names) in expected {
        let got = config.groups.get(gid);
        if got.is_none_or(|g| g.iter().map(String::as_str).ne(names.iter().copied())) {
            return Err(cfg.failure(format!(
                "configuration {} lists {got:?} for group {gid}; it joined with {names:?}",
                config.num
            )));
        }
    }
    Ok(())
}

/// The minimal-transfer steps: groups 11..=15 join (one call, or one call
/// each) and then leave the same way, on top of `present`.
fn minimal_transfers<W: KvWorld<CtrlerOps>>(
    cfg: &mut CtrlConfig<W>,
    ck: labrpc::NodeId,
    present: &[Gid],
    in_one_call: bool,
) -> Check<()> {
    cfg.note("Test: Minimal transfers after joins ...");
    let c1 = cfg.query(ck, None)?;
    let names = |g: Gid| vec![format!("{g}a"), format!("{g}b"), format!("{g}b")];
    if in_one_call {
        cfg.join(ck, LATE_GIDS.iter().map(|&g| (g, names(g))).collect())?;
    } else {
        for g in LATE_GIDS {
            cfg.join(ck, [(g, names(g))].into())?;
        }
    }
    let with_late: Vec<Gid> = present.iter().chain(&LATE_GIDS).copied().collect();
    let c2 = cfg.check_groups(ck, &with_late)?;
    go_minimal_check(cfg, &c1, &c2)?;
    checks::check_join_moves(&c1, &c2, &LATE_GIDS).map_err(|m| cfg.failure(m))?;

    cfg.note("Test: Minimal transfers after leaves ...");
    if in_one_call {
        cfg.leave(ck, &LATE_GIDS)?;
    } else {
        for g in LATE_GIDS {
            cfg.leave(ck, &[g])?;
        }
    }
    let c3 = cfg.check_groups(ck, present)?;
    go_minimal_check(cfg, &c3, &c2)?;
    checks::check_leave_moves(&c2, &c3, &LATE_GIDS).map_err(|m| cfg.failure(m))
}

/// Go's form of the minimal-transfer check, over groups 1..=10: a shard on
/// group `i` in `later` is on `i` in `earlier` too. (Those groups do not
/// exist at this point, so it cannot fail; kept as Go has it.)
fn go_minimal_check<W: KvWorld<CtrlerOps>>(
    cfg: &CtrlConfig<W>,
    earlier: &Config,
    later: &Config,
) -> Check<()> {
    for gid in 1..=10 {
        for shard in 0..NSHARDS {
            if later.shards[shard] == gid && earlier.shards[shard] != gid {
                return Err(cfg.failure(format!(
                    "shard {shard} is on group {gid} in configuration {} but not in {}: too many shards moved",
                    later.num, earlier.num
                )));
            }
        }
    }
    Ok(())
}
