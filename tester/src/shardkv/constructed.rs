//! raftlab's constructed 4B scenario: a whole group restarted at the one
//! moment where its service must commit an entry of the new leader's term
//! on its own, because nothing else will come to it.

use shardkv::world::ShardWorld;
use std::time::Duration;

use kvraft::Op;
use shardctrler::key2shard;

use crate::registry::RunSpec;
use crate::report::Report;
use crate::shardkv::config::ShardConfig;

/// When the servers snapshot: about every seven 100-byte Puts.
const MAX_RAFT_STATE: usize = 1000;

/// The fill stops once every server of the first group has snapshotted and
/// holds at most this much Raft state: room for the hand-off's entries
/// without another snapshot.
const ROOM: usize = MAX_RAFT_STATE / 2;

/// How many Puts the fill may take to get there.
const FILL_AT_MOST: usize = 100;

/// How long the moved key may take to read once its group left.
const READ_WITHIN: Duration = Duration::from_secs(10);

/// A group restarted with committed entries after its snapshot, and no
/// client to serve, must still apply them and follow the next
/// configuration.
///
/// Groups 100 (A) and 101 (B), three servers each, `max_raft_state` 1000.
/// B is shut down; A joins and a key of every shard is put. B joins, so
/// half the shards move to it, but B is down: A keeps them, waiting to hand
/// them over. 1 s later Puts of 100 bytes to A's other keys go on until every
/// server of A has taken a snapshot since (one records that A is handing
/// shards over) and has little Raft state left. Then B starts, takes its
/// shards from A (its keys must read their values) and tells A to delete
/// them: A commits that after its snapshot. 1 s later all of A is shut down
/// and started again, and no client asks A anything: A's new leader has
/// committed entries in its log that it cannot know are committed until it
/// commits one of its own term. Then A leaves, so its shards move to B, and
/// a Get of the last key A was given must read its value within 10 s.
/// Rule: a new leader learns which entries are committed only by
/// committing one of its own term (§5.4.2); a service with nothing else to
/// start must start a no-op when its server becomes leader, or a restarted
/// group never applies what it had committed and never moves on (§8 of the
/// Raft paper; the 4B hints).
///
/// Premises: each group owned shards after B joined; every server of A
/// snapshotted after B joined, and logged B's hand-off after its last
/// snapshot (its Raft state grew, its snapshot did not change).
pub fn idle_group_restart_4b<W: ShardWorld>(spec: &RunSpec) -> Report {
    ShardConfig::<W>::run(spec, 3, false, Some(MAX_RAFT_STATE), |cfg| {
        let (a, b) = (0, 1);
        let n = cfg.n;
        let ck = cfg.make_client()?;
        cfg.shutdown_group(b);
        cfg.join(a)?;
        // "0".."9": one key of every shard.
        let keys: Vec<String> = (0..shardctrler::NSHARDS).map(|i| i.to_string()).collect();
        let mut values: Vec<String> = Vec::new();
        for key in &keys {
            let value = cfg.randstring(5);
            cfg.put(ck, key, &value)?;
            values.push(value);
        }

        cfg.join(b)?;
        let config = cfg.query()?;
        let owned_by = |gid| -> Vec<usize> {
            (0..keys.len())
                .filter(|&k| config.shards[key2shard(&keys[k])] == gid)
                .collect()
        };
        let (a_keys, b_keys) = (owned_by(cfg.gid(a)), owned_by(cfg.gid(b)));
        let split = !a_keys.is_empty() && !b_keys.is_empty();
        cfg.h.premise(
            "each group owned shards after the second joined",
            split,
            format!(
                "configuration {}: {} shards with A, {} with B",
                config.num,
                a_keys.len(),
                b_keys.len()
            ),
        );
        if !split {
            return Ok(());
        }
        cfg.sleep(Duration::from_secs(1))?;

        // Fill A until each of its servers has snapshotted since B joined
        // and has room left.
        let before: Vec<Vec<u8>> = (0..n).map(|i| cfg.persisted(a, i).1).collect();
        let mut puts = 0;
        let filled = loop {
            let k = a_keys[puts % a_keys.len()];
            let value = cfg.randstring(100);
            cfg.put(ck, &keys[k], &value)?;
            values[k] = value;
            puts += 1;
            // Heartbeats bring the followers' commit up to the leader's.
            cfg.sleep(Duration::from_millis(200))?;
            let ready = (0..n).all(|i| {
                let (size, snapshot) = cfg.persisted(a, i);
                snapshot != before[i] && size <= ROOM
            });
            if ready || puts == FILL_AT_MOST {
                break ready;
            }
        };
        let sizes: Vec<usize> = (0..n).map(|i| cfg.persisted(a, i).0).collect();
        cfg.h.premise(
            "every server of A snapshotted after B joined, with room left",
            filled,
            format!("after {puts} Puts, A's Raft states are {sizes:?} bytes"),
        );
        if !filled {
            return Ok(());
        }

        let last = puts.saturating_sub(1) % a_keys.len();
        let last_key = a_keys[last];
        let at_fill: Vec<(usize, Vec<u8>)> = (0..n).map(|i| cfg.persisted(a, i)).collect();
        cfg.start_group(b)?;
        for &k in &b_keys {
            cfg.check(ck, &keys[k], &values[k])?;
        }
        cfg.sleep(Duration::from_secs(1))?;
        let logged = (0..n).all(|i| {
            let (size, snapshot) = cfg.persisted(a, i);
            size > at_fill[i].0 && snapshot == at_fill[i].1
        });
        let sizes: Vec<usize> = (0..n).map(|i| cfg.persisted(a, i).0).collect();
        cfg.h.premise(
            "every server of A logged B's hand-off after its last snapshot",
            logged,
            format!(
                "A's Raft states grew from {:?} to {sizes:?} bytes",
                at_fill.iter().map(|(size, _)| *size).collect::<Vec<_>>()
            ),
        );

        cfg.shutdown_group(a);
        cfg.start_group(a)?;
        cfg.leave(a)?;
        let key = keys[last_key].clone();
        let answered = cfg.op_within(ck, Op::Get { key: key.clone() }, READ_WITHIN)?;
        if answered.is_none() {
            return Err(cfg.failure(format!(
                "Get({key}) had no answer {} s after group {} left: its shard never reached \
                 group {}. Group {} was restarted with entries committed after its snapshot \
                 (group {}'s hand-off) and no client to serve; it must still apply them and \
                 follow the next configuration. A new leader learns which entries are \
                 committed only by committing one of its own term (§5.4.2): a service with \
                 nothing else to start must start a no-op when its server becomes leader (§8)",
                READ_WITHIN.as_secs(),
                cfg.gid(a),
                cfg.gid(b),
                cfg.gid(a),
                cfg.gid(b),
            )));
        }
        // Every key, the moved one included, must read its last value.
        for k in 0..keys.len() {
            cfg.check(ck, &keys[k], &values[k])?;
        }
        cfg.checklogs()
    })
}
