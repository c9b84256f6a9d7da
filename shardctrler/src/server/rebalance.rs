// @solution-file
//! Rebalancing a configuration: shard counts differ by at most one between
//! groups, as few shards as possible move, and every replica computes the same
//! result (groups in gid order, shards in index order, never a hash map).

use crate::prelude::*;

/// Spreads `config`'s shards over its groups: each group ends with
/// `NSHARDS / n` or one more (the groups already holding the most keep the
/// larger share), shards of departed groups (or of none) are handed out, and
/// no other shard moves.
pub(super) fn rebalance(config: &mut Config) {
    let gids: Vec<Gid> = config.groups.keys().copied().collect();
    if gids.is_empty() {
        config.shards = [0; NSHARDS];
        return;
    }
    let counts = config.shard_counts();
    // Who gets the larger share: the most loaded first, ties by gid.
    let mut order = gids.clone();
    order.sort_by_key(|g| (std::cmp::Reverse(counts[g]), *g));
    let (base, extra) = (NSHARDS / gids.len(), NSHARDS % gids.len());
    let target: BTreeMap<Gid, usize> = order
        .iter()
        .enumerate()
        .map(|(i, &g)| (g, base + usize::from(i < extra)))
        .collect();
    // Free what departed groups held, and each group's excess (its highest
    // shards).
    let mut held: BTreeMap<Gid, usize> = BTreeMap::new();
    let mut free = Vec::new();
    for shard in 0..NSHARDS {
        let gid = config.shards[shard];
        match target.get(&gid) {
            Some(&t) if held.get(&gid).copied().unwrap_or(0) < t => {
                *held.entry(gid).or_default() += 1;
            }
            _ => free.push(shard),
        }
    }
    // Hand the free shards, in order, to the groups below their share.
    let mut free = free.into_iter();
    for &gid in &gids {
        while held.get(&gid).copied().unwrap_or(0) < target[&gid] {
            let Some(shard) = free.next() else { return };
            config.shards[shard] = gid;
            *held.entry(gid).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_groups(shards: [Gid; NSHARDS], gids: &[Gid]) -> Config {
        Config {
            num: 1,
            shards,
            groups: gids.iter().map(|&g| (g, vec![format!("s{g}")])).collect(),
        }
    }

    fn counts_within_one(c: &Config) -> bool {
        let counts = c.shard_counts();
        let (lo, hi) = (counts.values().min(), counts.values().max());
        hi.zip(lo).is_some_and(|(h, l)| h - l <= 1)
    }

    #[test]
    fn a_first_join_takes_every_shard_and_later_joins_move_only_onto_new_groups() {
        let mut c = with_groups([0; NSHARDS], &[1]);
        rebalance(&mut c);
        assert_eq!(c.shards, [1; NSHARDS]);
        let before = c.clone();
        c.groups.insert(2, vec!["b".into()]);
        c.groups.insert(3, vec!["c".into()]);
        rebalance(&mut c);
        assert!(counts_within_one(&c), "{c:?}");
        for s in 0..NSHARDS {
            assert!(c.shards[s] == before.shards[s] || c.shards[s] != 1, "{c:?}");
        }
    }

    #[test]
    fn a_leave_moves_only_the_departed_groups_shards() {
        let mut c = with_groups([1, 1, 1, 1, 2, 2, 2, 3, 3, 3], &[1, 2, 3]);
        let before = c.clone();
        c.groups.remove(&2);
        rebalance(&mut c);
        assert!(counts_within_one(&c), "{c:?}");
        for s in 0..NSHARDS {
            if before.shards[s] != 2 {
                assert_eq!(c.shards[s], before.shards[s], "shard {s} moved: {c:?}");
            }
        }
        c.groups.clear();
        rebalance(&mut c);
        assert_eq!(c.shards, [0; NSHARDS]);
    }

    #[test]
    fn more_groups_than_shards_leave_some_with_none() {
        let gids: Vec<Gid> = (1..=12).collect();
        let mut c = with_groups([0; NSHARDS], &gids);
        rebalance(&mut c);
        assert!(c.shards.iter().all(|g| gids.contains(g)), "{c:?}");
        assert!(counts_within_one(&c), "{c:?}");
    }
}
