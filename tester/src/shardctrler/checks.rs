//! What the 4A tests check of the configurations a controller returns:
//! 6.824's `check` and `check_same_config`, and the minimal moves of a
//! rebalance in the form the tests intend (6.824's own form checks groups
//! that no longer exist and cannot fail; see the spec). Each failure names the
//! rule and the configuration.

use shardctrler::{Config, Gid, NSHARDS};

/// 6.824's `check`: `config` has exactly the groups `groups`; if it has any,
/// every shard is served by one of them; and shard counts differ by at most
/// one between any two groups.
pub fn check(config: &Config, groups: &[Gid]) -> Result<(), String> {
    let n = config.num;
    if config.groups.len() != groups.len() {
        return Err(format!(
            "configuration {n} has {} groups ({:?}), expected {} ({groups:?})",
            config.groups.len(),
            config.groups.keys().collect::<Vec<_>>(),
            groups.len()
        ));
    }
    if let Some(g) = groups.iter().find(|g| !config.groups.contains_key(g)) {
        return Err(format!(
            "configuration {n} lacks group {g}, which joined and has not left"
        ));
    }
    if !groups.is_empty()
        && let Some(s) = (0..NSHARDS).find(|&s| !config.groups.contains_key(&config.shards[s]))
    {
        return Err(format!(
            "configuration {n} gives shard {s} to group {}, which is not one of its groups \
             (every shard must be served once there are groups)",
            config.shards[s]
        ));
    }
    let counts = config.shard_counts();
    if let (Some((&lo_g, &lo)), Some((&hi_g, &hi))) = (
        counts.iter().min_by_key(|(_, n)| **n),
        counts.iter().max_by_key(|(_, n)| **n),
    ) && hi > lo + 1
    {
        return Err(format!(
            "configuration {n} is unbalanced: group {hi_g} serves {hi} shards and group \
             {lo_g} {lo} (counts may differ by at most one)"
        ));
    }
    Ok(())
}

/// 6.824's `check_same_config`: `got`, returned for a query of configuration
/// `expected.num`, is `expected` (number, shards, and every group's servers in
/// order).
pub fn check_same_config(expected: &Config, got: &Config) -> Result<(), String> {
    if got != expected {
        return Err(format!(
            "query({}) returned {got:?}, but that configuration was {expected:?} \
             (a configuration never changes once made)",
            expected.num
        ));
    }
    Ok(())
}

/// After groups `joined` joined (from `before` to `after`), no group that was
/// already there gains a shard: shards move only onto the new groups.
pub fn check_join_moves(before: &Config, after: &Config, joined: &[Gid]) -> Result<(), String> {
    for s in 0..NSHARDS {
        let (from, to) = (before.shards[s], after.shards[s]);
        if from != to && !joined.contains(&to) && to != 0 && before.groups.contains_key(&to) {
            return Err(format!(
                "from configuration {} to {}, shard {s} moved from group {from} to group {to}, \
                 which was already there: after a join, shards move only onto the groups \
                 that joined (moving as few shards as possible)",
                before.num, after.num
            ));
        }
    }
    Ok(())
}

/// After groups `left` left (from `before` to `after`), no group that stays
/// loses a shard: only the departed groups' shards move.
pub fn check_leave_moves(before: &Config, after: &Config, left: &[Gid]) -> Result<(), String> {
    for s in 0..NSHARDS {
        let (from, to) = (before.shards[s], after.shards[s]);
        if from != to && from != 0 && !left.contains(&from) {
            return Err(format!(
                "from configuration {} to {}, shard {s} moved from group {from}, which stayed, \
                 to group {to}: after a leave, only the departed groups' shards move (moving \
                 as few shards as possible)",
                before.num, after.num
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(num: u64, shards: [Gid; NSHARDS], groups: &[Gid]) -> Config {
        Config {
            num,
            shards,
            groups: groups.iter().map(|&g| (g, vec![format!("s{g}")])).collect(),
        }
    }

    #[test]
    fn a_balanced_configuration_passes_and_each_fault_is_named() {
        let good = config(2, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2], &[1, 2]);
        check(&good, &[1, 2]).unwrap();
        assert!(check(&good, &[1]).unwrap_err().contains("has 2 groups"));
        assert!(check(&good, &[1, 3]).unwrap_err().contains("lacks group 3"));
        let unassigned = config(2, [1, 1, 1, 1, 1, 2, 2, 2, 2, 0], &[1, 2]);
        assert!(
            check(&unassigned, &[1, 2])
                .unwrap_err()
                .contains("gives shard 9 to group 0")
        );
        let unbalanced = config(2, [1, 1, 1, 1, 1, 1, 1, 2, 2, 2], &[1, 2]);
        let e = check(&unbalanced, &[1, 2]).unwrap_err();
        assert!(e.contains("group 1 serves 7 shards and group 2 3"), "{e}");
        check(&Config::default(), &[]).unwrap();
    }

    #[test]
    fn same_config_compares_everything() {
        let a = config(1, [1; NSHARDS], &[1]);
        check_same_config(&a, &a.clone()).unwrap();
        let mut b = a.clone();
        b.groups.insert(1, vec!["other".into()]);
        assert!(check_same_config(&a, &b).is_err());
    }

    #[test]
    fn joins_and_leaves_move_only_what_they_must() {
        let before = config(1, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2], &[1, 2]);
        let joined = config(2, [1, 1, 1, 1, 3, 2, 2, 2, 2, 3], &[1, 2, 3]);
        check_join_moves(&before, &joined, &[3]).unwrap();
        let shuffled = config(2, [2, 1, 1, 1, 3, 1, 2, 2, 2, 3], &[1, 2, 3]);
        let e = check_join_moves(&before, &shuffled, &[3]).unwrap_err();
        assert!(e.contains("shard 0 moved from group 1 to group 2"), "{e}");

        let left = config(3, [1, 1, 1, 1, 1, 2, 2, 2, 2, 1], &[1, 2]);
        check_leave_moves(&joined, &left, &[3]).unwrap();
        let e = check_leave_moves(&joined, &shuffled, &[]).unwrap_err();
        assert!(
            e.contains("shard 0 moved from group 1, which stayed"),
            "{e}"
        );
    }
}
