// @solution-file
//! The replicated state machine: the key/value map, the duplicate table (each
//! client's last applied sequence number), and the snapshot that carries both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::Op;

/// An operation as it travels through Raft's log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Command {
    /// The clerk's id.
    pub client: u64,
    /// The clerk's sequence number for this operation.
    pub seq: u64,
    /// The operation.
    pub op: Op,
}

/// The key/value state, as of `last_applied`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Store {
    /// The last log index applied to this state.
    pub last_applied: u64,
    /// The keys and values.
    pub data: BTreeMap<String, String>,
    /// For each client, the sequence number of its last applied `Put`/`Append`.
    pub last_seq: BTreeMap<u64, u64>,
}

impl Store {
    /// Whether `client`'s operation `seq` was applied already.
    pub fn is_duplicate(&self, client: u64, seq: u64) -> bool {
        self.last_seq.get(&client).is_some_and(|&last| last >= seq)
    }

    /// Applies `command` (a `Put` or `Append` at most once) and returns what a
    /// `Get` reads.
    pub fn apply(&mut self, command: &Command) -> String {
        match &command.op {
            Op::Get { key } => self.data.get(key).cloned().unwrap_or_default(),
            Op::Put { key, value } => {
                if !self.is_duplicate(command.client, command.seq) {
                    self.data.insert(key.clone(), value.clone());
                    self.last_seq.insert(command.client, command.seq);
                }
                String::new()
            }
            Op::Append { key, value } => {
                if !self.is_duplicate(command.client, command.seq) {
                    self.data.entry(key.clone()).or_default().push_str(value);
                    self.last_seq.insert(command.client, command.seq);
                }
                String::new()
            }
        }
    }

    /// The snapshot of this state.
    pub fn encode(&self) -> Vec<u8> {
        labrpc::encode(self)
    }

    /// The state a snapshot holds (empty bytes: the initial state).
    pub fn decode(snapshot: &[u8]) -> Store {
        if snapshot.is_empty() {
            return Store::default();
        }
        labrpc::decode(snapshot).unwrap_or_else(|e| panic!("cannot decode a kv snapshot: {e}"))
    }
}
