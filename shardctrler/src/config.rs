//! [`Config`]: one configuration of the sharded service (which group serves
//! each shard, and the servers of each group), and how keys map to shards.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The number of shards.
pub const NSHARDS: usize = 10;

/// A replica group's id. Group 0 is no group: a shard assigned to it is
/// served by nobody.
pub type Gid = u64;

/// One configuration: its number, the group of each shard, and each group's
/// servers (by name, in the order the group joined with).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Configurations are numbered from 0 (the first, with no groups) up.
    pub num: u64,
    /// The group that serves each shard (0: none).
    pub shards: [Gid; NSHARDS],
    /// The servers of each group of the configuration.
    pub groups: BTreeMap<Gid, Vec<String>>,
}

impl Config {
    /// How many shards each group of the configuration serves (groups that
    /// serve none included), by gid.
    pub fn shard_counts(&self) -> BTreeMap<Gid, usize> {
        let mut counts: BTreeMap<Gid, usize> = self.groups.keys().map(|&g| (g, 0)).collect();
        for gid in self.shards {
            if let Some(n) = counts.get_mut(&gid) {
                *n += 1;
            }
        }
        counts
    }

    /// The shards group `gid` serves.
    pub fn shards_of(&self, gid: Gid) -> Vec<usize> {
        (0..NSHARDS).filter(|&s| self.shards[s] == gid).collect()
    }
}

/// The shard of `key`: its first byte modulo [`NSHARDS`] (the empty key is
/// shard 0), as in 6.824.
pub fn key2shard(key: &str) -> usize {
    key.as_bytes()
        .first()
        .map_or(0, |&b| usize::from(b) % NSHARDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_shards_by_their_first_byte() {
        assert_eq!(key2shard(""), 0);
        assert_eq!(key2shard("0"), 8);
        assert_eq!(key2shard("1"), 9);
        assert_eq!(key2shard("2"), 0);
        assert_eq!(key2shard("9"), 7);
        assert_eq!(key2shard("19"), 9);
        assert_eq!(key2shard("25"), 0);
    }

    #[test]
    fn counts_cover_every_group_even_without_shards() {
        let mut c = Config::default();
        c.groups.insert(1, vec!["a".into()]);
        c.groups.insert(2, vec!["b".into()]);
        c.shards = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0];
        assert_eq!(c.shard_counts(), BTreeMap::from([(1, 9), (2, 0)]));
        assert_eq!(c.shards_of(0), vec![9]);
    }
}
