//! 4B's two challenges, as 6.824 has them: deleting shards a group no
//! longer owns (challenge 1), and serving shards unaffected by a
//! reconfiguration, and shards already received, while others move
//! (challenge 2). Graded as their own part ("4B-challenge").

use shardkv::world::ShardWorld;
use std::collections::BTreeSet;
use std::time::Duration;

use shardctrler::key2shard;

use crate::registry::RunSpec;
use crate::report::{Check, Report};
use crate::shardkv::config::ShardConfig;
use crate::shardkv::part_4b::Keys;

/// Checks keys 0-2.
fn check_first_three<W: ShardWorld>(
    cfg: &mut ShardConfig<W>,
    ck: labrpc::NodeId,
    keys: &Keys,
) -> Check<()> {
    for i in 0..3 {
        cfg.check(ck, &keys.keys[i], &keys.values[i])?;
    }
    Ok(())
}

/// For every key whose shard is in `owned`: check it, put its value +
/// `suffix`, and check it again. Returns how many keys that was.
fn extend_owned<W: ShardWorld>(
    cfg: &mut ShardConfig<W>,
    ck: labrpc::NodeId,
    values: &mut [String],
    owned: &BTreeSet<usize>,
    suffix: &str,
) -> Check<usize> {
    let mut checked = 0;
    for (i, value) in values.iter_mut().enumerate() {
        let key = i.to_string();
        if owned.contains(&key2shard(&key)) {
            cfg.check(ck, &key, value)?;
            value.push_str(suffix);
            cfg.put(ck, &key, value)?;
            cfg.check(ck, &key, value)?;
            checked += 1;
        }
    }
    Ok(checked)
}

/// Shard deletion: after shards have moved around, the total state the
/// servers persist (Raft state and snapshots) stays within what the data
/// needs, so a group must delete the shards it gave away.
///
/// Steps (`max_raft_state` 1: snapshot after every entry): join 0; put 30
/// keys of 1000 characters; check keys 0-2; twice: join 1, leave 0, join 2,
/// 3 s, check keys 0-2, leave 1, join 0, leave 2, 3 s, check keys 0-2; then
/// join 1 and 2, and three times: 1 s, check keys 0-2. The persisted bytes
/// over all nine servers must be at most 3 × (27 × 1000 + 2 × 3 × 1000 +
/// 6000) = 117,000 (each value stored once per replica, room for 3 values in
/// duplicate tables, and slack). Finally every key is checked.
///
/// Premises: servers took snapshots.
pub fn challenge1_delete_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, Some(1), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let keys = Keys::put(cfg, ck, 30, 1000, false)?;
        check_first_three(cfg, ck, &keys)?;
        for _ in 0..2 {
            cfg.join(1)?;
            cfg.leave(0)?;
            cfg.join(2)?;
            cfg.sleep(Duration::from_secs(3))?;
            check_first_three(cfg, ck, &keys)?;
            cfg.leave(1)?;
            cfg.join(0)?;
            cfg.leave(2)?;
            cfg.sleep(Duration::from_secs(3))?;
            check_first_three(cfg, ck, &keys)?;
        }
        cfg.join(1)?;
        cfg.join(2)?;
        for _ in 0..3 {
            cfg.sleep(Duration::from_secs(1))?;
            check_first_three(cfg, ck, &keys)?;
        }
        const LIMIT: usize = 3 * (27 * 1000 + 2 * 3 * 1000 + 6000);
        let total = cfg.total_size();
        if total > LIMIT {
            return Err(cfg.failure(format!(
                "the servers persist {total} bytes in all, more than {LIMIT}: a group must delete the shards it no longer owns once their new group has them (challenge 1)"
            )));
        }
        keys.check_all(cfg, ck)?;
        cfg.premise_snapshots_taken();
        Ok(())
    })
}

/// Unaffected shards stay available: group 101 keeps serving the shards it
/// owns while the shards it should get from group 100, which is down, never
/// arrive.
///
/// Steps (`max_raft_state` 100, unreliable): join 0; put "100" to the ten
/// keys; join 1; read the latest configuration and note the shards 101
/// owns; 1 s; put "101" to each key `i` such that shard number `i` is
/// 101's (Go indexes by key number here; the expected values follow either
/// way); shut group 0 down, and leave 0; 1 s; for every key whose shard 101
/// owned: check it, put its value + "-1", check again.
///
/// Premises: group 101 owned a shard (else nothing would be checked).
pub fn challenge2_unaffected_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, true, Some(100), |cfg| {
        let ck = cfg.make_client()?;
        cfg.join(0)?;
        let mut values: Vec<String> = vec!["100".to_string(); 10];
        for (i, value) in values.iter().enumerate() {
            cfg.put(ck, &i.to_string(), value)?;
        }
        cfg.join(1)?;
        let config = cfg.query()?;
        let owned: BTreeSet<usize> = (0..10)
            .filter(|&s| config.shards[s] == cfg.gid(1))
            .collect();
        cfg.sleep(Duration::from_secs(1))?;
        for (i, value) in values.iter_mut().enumerate() {
            if owned.contains(&i) {
                *value = "101".to_string();
                cfg.put(ck, &i.to_string(), value)?;
            }
        }
        cfg.shutdown_group(0);
        cfg.leave(0)?;
        cfg.sleep(Duration::from_secs(1))?;
        let checked = extend_owned(cfg, ck, &mut values, &owned, "-1")?;
        cfg.h.premise(
            "group 101 owned shards whose keys were checked",
            checked > 0,
            format!("{checked} keys checked"),
        );
        Ok(())
    })
}

/// Shards already received are served while others are still missing:
/// group 101 serves the shards it got from group 102 although those of
/// group 100, which is down, never arrive.
///
/// Steps (`max_raft_state` 100, unreliable): one join of 0, 1 and 2; 1 s;
/// put "100" to the ten keys; note the shards 102 owns; shut group 0 down;
/// one leave of 0 and 2 (101 now owns everything); 1 s; for every key whose
/// shard 102 owned: check it, put its value + "-2", check again.
///
/// Premises: group 102 owned a shard (else nothing would be checked).
pub fn challenge2_partial_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, true, Some(100), |cfg| {
        let ck = cfg.make_client()?;
        cfg.joinm(&[0, 1, 2])?;
        cfg.sleep(Duration::from_secs(1))?;
        let mut values: Vec<String> = vec!["100".to_string(); 10];
        for (i, value) in values.iter().enumerate() {
            cfg.put(ck, &i.to_string(), value)?;
        }
        let config = cfg.query()?;
        let owned: BTreeSet<usize> = (0..10)
            .filter(|&s| config.shards[s] == cfg.gid(2))
            .collect();
        cfg.shutdown_group(0);
        cfg.leavem(&[0, 2])?;
        cfg.sleep(Duration::from_secs(1))?;
        let checked = extend_owned(cfg, ck, &mut values, &owned, "-2")?;
        cfg.h.premise(
            "group 102 owned shards whose keys were checked",
            checked > 0,
            format!("{checked} keys checked"),
        );
        Ok(())
    })
}
