//! The [`Persister`]: what a server has saved survives its crash, nothing else does.
//!
//! It holds two byte strings, the *state* (Raft's term, vote and log) and the
//! *snapshot*, saved together atomically. A restarted server sees exactly what the
//! last save wrote. Reads hand out copies.

use serde::{Deserialize, Serialize};

/// A server's stable storage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persister {
    state: Vec<u8>,
    snapshot: Vec<u8>,
    saves: u64,
}

impl Persister {
    /// An empty persister (a server that never saved anything).
    pub fn new() -> Persister {
        Persister::default()
    }

    /// Replaces the state and the snapshot together.
    pub fn save(&mut self, state: Vec<u8>, snapshot: Vec<u8>) {
        self.state = state;
        self.snapshot = snapshot;
        self.saves += 1;
    }

    /// Replaces the state and keeps the snapshot.
    pub fn save_state(&mut self, state: Vec<u8>) {
        self.state = state;
        self.saves += 1;
    }

    /// A copy of the saved state (empty if nothing was saved).
    pub fn read_state(&self) -> Vec<u8> {
        self.state.clone()
    }

    /// A copy of the saved snapshot (empty if none was saved).
    pub fn read_snapshot(&self) -> Vec<u8> {
        self.snapshot.clone()
    }

    /// Size in bytes of the saved state.
    pub fn state_size(&self) -> usize {
        self.state.len()
    }

    /// Size in bytes of the saved snapshot.
    pub fn snapshot_size(&self) -> usize {
        self.snapshot.len()
    }

    /// The saved state itself, borrowed.
    pub(crate) fn state(&self) -> &[u8] {
        &self.state
    }

    /// The saved snapshot itself, borrowed.
    pub(crate) fn snapshot(&self) -> &[u8] {
        &self.snapshot
    }

    /// Takes the saved state out, leaving it empty (for a save about to
    /// replace it).
    pub(crate) fn take_state(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.state)
    }

    /// Takes the saved snapshot out, leaving it empty (for a save about to
    /// replace it).
    pub(crate) fn take_snapshot(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.snapshot)
    }

    /// How many times anything was saved.
    pub fn saves(&self) -> u64 {
        self.saves
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_and_read_copies() {
        let mut p = Persister::new();
        assert_eq!(p.state_size(), 0);
        p.save(vec![1, 2], vec![3]);
        let mut copy = p.read_state();
        copy.push(9);
        assert_eq!(p.read_state(), vec![1, 2]);
        p.save_state(vec![4]);
        assert_eq!((p.read_state(), p.read_snapshot()), (vec![4], vec![3]));
        assert_eq!((p.state_size(), p.snapshot_size(), p.saves()), (1, 1, 2));
    }
}
