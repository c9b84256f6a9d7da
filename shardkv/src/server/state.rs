// @solution-file
//! A group's replicated state machine: the configuration it is in and the
//! one before, and each shard's data, duplicate table and place in a
//! migration. Every change comes through the group's Raft log as a
//! [`Command`], so every replica makes the same changes in the same order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::prelude::*;

/// A shard's contents, as it travels from one group to the next: the keys
/// and values, and each client's last applied sequence number on it (so
/// that a retry of a write already applied in the old group is not applied
/// again in the new one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardData {
    /// The keys and values.
    pub data: BTreeMap<String, String>,
    /// For each client, its last applied `Put`/`Append` on this shard.
    pub last_seq: BTreeMap<u64, u64>,
}

/// Where a shard stands with this group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Not this group's.
    Absent,
    /// This group's, and here.
    Serving,
    /// This group's in the current configuration, not yet received from the
    /// group that had it.
    Pulling,
    /// Received and served, but the group that had it has not yet been told
    /// to delete it.
    Settling,
    /// Another group's in the current configuration, kept until that group
    /// has received it.
    Leaving,
}

/// What goes through the group's Raft log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Command {
    /// A clerk's operation.
    Op {
        /// The clerk's id.
        client: u64,
        /// The clerk's sequence number for it.
        seq: u64,
        /// The operation.
        op: Op,
    },
    /// Move to this configuration (the next one).
    Config(Config),
    /// Shards received for configuration `num`.
    Insert {
        /// The configuration they moved in.
        num: u64,
        /// The shards.
        shards: BTreeMap<usize, ShardData>,
    },
    /// The group these shards moved to in configuration `num` has them:
    /// delete them here.
    Delete {
        /// The configuration they moved in.
        num: u64,
        /// The shards.
        shards: Vec<usize>,
    },
    /// Nothing: a new leader's first entry, so that its term commits
    /// something and with it every entry before (a group may have nothing
    /// else to start, and its committed entries would wait).
    Noop,
    /// The group these shards came from in configuration `num` deleted them.
    Settled {
        /// The configuration they moved in.
        num: u64,
        /// The shards.
        shards: Vec<usize>,
    },
}

/// What applying a clerk's operation gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It took effect (once); for a `Get`, the value read.
    Done(String),
    /// This group does not serve the key's shard now.
    WrongGroup,
}

/// A group's state, as of `last_applied`.
#[derive(Debug, Serialize, Deserialize)]
pub struct State {
    /// This group.
    pub gid: Gid,
    /// The last log index applied.
    pub last_applied: u64,
    /// The configuration the group is in.
    pub config: Config,
    /// The one before it (where the shards being pulled come from).
    pub prev: Config,
    /// Each shard's place.
    pub status: Vec<Status>,
    /// Each shard's contents (empty where absent).
    pub shards: Vec<ShardData>,
}

impl State {
    /// A group that has seen no configuration.
    pub fn new(gid: Gid) -> State {
        State {
            gid,
            last_applied: 0,
            config: Config::default(),
            prev: Config::default(),
            status: vec![Status::Absent; NSHARDS],
            shards: vec![ShardData::default(); NSHARDS],
        }
    }

    /// The state in `snapshot`, or a fresh one if it is empty.
    pub fn decode(gid: Gid, snapshot: &[u8]) -> State {
        if snapshot.is_empty() {
            return State::new(gid);
        }
        decode(snapshot).unwrap_or_else(|e| panic!("a shardkv snapshot does not decode: {e}"))
    }

    /// This state as a snapshot.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Whether no shard is on the move, so the next configuration may come.
    pub fn settled(&self) -> bool {
        self.status
            .iter()
            .all(|s| matches!(s, Status::Serving | Status::Absent))
    }

    /// Whether this group serves `shard` now.
    pub fn serves(&self, shard: usize) -> bool {
        self.config.shards[shard] == self.gid
            && matches!(self.status[shard], Status::Serving | Status::Settling)
    }

    /// The shards in status `status`, grouped by the group they came from
    /// (in the previous configuration).
    pub fn by_previous_owner(&self, status: Status) -> BTreeMap<Gid, Vec<usize>> {
        let mut groups: BTreeMap<Gid, Vec<usize>> = BTreeMap::new();
        for shard in 0..NSHARDS {
            if self.status[shard] == status {
                groups
                    .entry(self.prev.shards[shard])
                    .or_default()
                    .push(shard);
            }
        }
        groups
    }

    /// Applies `command`; for a clerk's operation, returns what it gave.
    pub fn apply(&mut self, command: Command) -> Option<Outcome> {
        match command {
            Command::Op { client, seq, op } => Some(self.apply_op(client, seq, &op)),
            Command::Config(next) => {
                if next.num == self.config.num + 1 && self.settled() {
                    self.enter(next);
                }
                None
            }
            Command::Insert { num, shards } => {
                if num == self.config.num {
                    for (shard, contents) in shards {
                        if self.status[shard] == Status::Pulling {
                            self.shards[shard] = contents;
                            self.status[shard] = Status::Settling;
                        }
                    }
                }
                None
            }
            Command::Delete { num, shards } => {
                if num == self.config.num {
                    for shard in shards {
                        if self.status[shard] == Status::Leaving {
                            self.shards[shard] = ShardData::default();
                            self.status[shard] = Status::Absent;
                        }
                    }
                }
                None
            }
            Command::Noop => None,
            Command::Settled { num, shards } => {
                if num == self.config.num {
                    for shard in shards {
                        if self.status[shard] == Status::Settling {
                            self.status[shard] = Status::Serving;
                        }
                    }
                }
                None
            }
        }
    }

    fn apply_op(&mut self, client: u64, seq: u64, op: &Op) -> Outcome {
        let shard = key2shard(op.key());
        if !self.serves(shard) {
            return Outcome::WrongGroup;
        }
        let contents = &mut self.shards[shard];
        let fresh = contents
            .last_seq
            .get(&client)
            .is_none_or(|&last| last < seq);
        match op {
            Op::Get { key } => {
                return Outcome::Done(contents.data.get(key).cloned().unwrap_or_default());
            }
            Op::Put { key, value } if fresh => {
                contents.data.insert(key.clone(), value.clone());
            }
            Op::Append { key, value } if fresh => {
                contents
                    .data
                    .entry(key.clone())
                    .or_default()
                    .push_str(value);
            }
            Op::Put { .. } | Op::Append { .. } => return Outcome::Done(String::new()),
        }
        contents.last_seq.insert(client, seq);
        Outcome::Done(String::new())
    }

    /// Moves to configuration `next`: shards it gives this group are pulled
    /// from their previous group (or start empty if they had none), shards it
    /// takes away are kept until their new group has them.
    fn enter(&mut self, next: Config) {
        for shard in 0..NSHARDS {
            let (was, now) = (self.config.shards[shard], next.shards[shard]);
            if now == self.gid && was != self.gid {
                self.status[shard] = if was == 0 {
                    Status::Serving
                } else {
                    Status::Pulling
                };
            } else if was == self.gid && now != self.gid {
                self.status[shard] = Status::Leaving;
            }
        }
        self.prev = std::mem::replace(&mut self.config, next);
    }
}
