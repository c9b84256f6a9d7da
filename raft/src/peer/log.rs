// @solution-file
//! The replicated log of Figure 2, after a snapshot: entries `snapshot_index + 1 ..=
//! last_index()`, plus the index and term of the last entry the snapshot replaced.
//!
//! The log also keeps its own encoding (each entry length-prefixed, in order), kept
//! up to date as entries are appended and cut, so that persisting a long log
//! copies bytes instead of encoding every entry again.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One log entry: a command and the term in which the leader received it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The leader's term when it received the command.
    pub term: u64,
    /// The command, as given to `start`.
    #[serde(with = "serde_bytes")]
    pub command: Vec<u8>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}:{}B", self.term, self.command.len())
    }
}

/// The log.
#[derive(Clone, Debug, Default)]
pub struct Log {
    /// The last index the snapshot replaced (0: no snapshot).
    snapshot_index: u64,
    /// The term of that entry.
    snapshot_term: u64,
    /// `entries[k]` has index `snapshot_index + 1 + k`.
    entries: Vec<Entry>,
    /// The entries' encoding: for each, a 4-byte little-endian length and the
    /// entry's encoding (`labrpc::encode`).
    encoded: Vec<u8>,
    /// `offsets[k]`: where entry `k` starts in `encoded`.
    offsets: Vec<usize>,
}

impl Log {
    /// A log that starts after a snapshot through `snapshot_index` (0 for none).
    pub fn new(snapshot_index: u64, snapshot_term: u64) -> Log {
        Log {
            snapshot_index,
            snapshot_term,
            ..Log::default()
        }
    }

    /// The last index the snapshot replaced.
    pub fn snapshot_index(&self) -> u64 {
        self.snapshot_index
    }

    /// The term of the last entry the snapshot replaced.
    pub fn snapshot_term(&self) -> u64 {
        self.snapshot_term
    }

    /// The index of the last entry (the snapshot's if the log is empty).
    pub fn last_index(&self) -> u64 {
        self.snapshot_index + self.entries.len() as u64
    }

    /// The term of the last entry (the snapshot's if the log is empty).
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(self.snapshot_term, |e| e.term)
    }

    /// The term of the entry at `index`, if the log still knows it (indices
    /// below the snapshot's are gone; index 0 has term 0).
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snapshot_index {
            Some(self.snapshot_term)
        } else {
            self.entry(index).map(|e| e.term)
        }
    }

    /// The entry at `index`, if it is in the log.
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        let k = index.checked_sub(self.snapshot_index + 1)?;
        self.entries.get(k as usize)
    }

    /// Copies of the entries from `from` to the end.
    pub fn entries_from(&self, from: u64) -> Vec<Entry> {
        let k = from.saturating_sub(self.snapshot_index + 1) as usize;
        self.entries
            .get(k..)
            .map_or_else(Vec::new, <[Entry]>::to_vec)
    }

    /// The first index holding `term`, searching back from `index` (for the fast
    /// backtracking hint).
    pub fn first_index_of_term(&self, index: u64, term: u64) -> u64 {
        let mut first = index;
        while first > self.snapshot_index + 1 && self.term_at(first - 1) == Some(term) {
            first -= 1;
        }
        first
    }

    /// The last index holding `term`, if any entry after the snapshot does.
    pub fn last_index_of_term(&self, term: u64) -> Option<u64> {
        let k = self.entries.iter().rposition(|e| e.term == term)?;
        Some(self.snapshot_index + 1 + k as u64)
    }

    /// Appends `entry` at `last_index() + 1`.
    pub fn append(&mut self, entry: Entry) {
        self.offsets.push(self.encoded.len());
        let bytes = labrpc::encode(&entry);
        self.encoded
            .extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        self.encoded.extend_from_slice(&bytes);
        self.entries.push(entry);
    }

    /// Removes the entries from `index` on.
    pub fn truncate_from(&mut self, index: u64) {
        let k = index.saturating_sub(self.snapshot_index + 1) as usize;
        if k < self.entries.len() {
            self.encoded.truncate(self.offsets[k]);
            self.offsets.truncate(k);
            self.entries.truncate(k);
        }
    }

    /// A snapshot now covers everything through `index` (of term `term`): drop
    /// those entries, keeping any that follow. If the log does not reach `index`
    /// (or disagrees about its term) every entry goes.
    pub fn compact_to(&mut self, index: u64, term: u64) {
        if index <= self.snapshot_index {
            return;
        }
        if self.term_at(index) == Some(term) {
            let k = (index - self.snapshot_index) as usize;
            let cut = self.offsets.get(k).copied().unwrap_or(self.encoded.len());
            self.entries.drain(..k);
            self.encoded.drain(..cut);
            self.offsets.drain(..k);
            for offset in &mut self.offsets {
                *offset -= cut;
            }
        } else {
            self.entries.clear();
            self.encoded.clear();
            self.offsets.clear();
        }
        self.snapshot_index = index;
        self.snapshot_term = term;
    }

    /// The encoded entries (see the module comment), for persisting.
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    /// Rebuilds a log from what [`Log::encoded`] returned.
    pub fn decode(
        snapshot_index: u64,
        snapshot_term: u64,
        mut bytes: &[u8],
    ) -> Result<Log, String> {
        let mut log = Log::new(snapshot_index, snapshot_term);
        while !bytes.is_empty() {
            let (len, rest) = bytes
                .split_first_chunk::<4>()
                .ok_or("a log entry's length is cut short")?;
            let len = u32::from_le_bytes(*len) as usize;
            if rest.len() < len {
                return Err("a log entry is cut short".into());
            }
            log.append(labrpc::decode(&rest[..len])?);
            bytes = &rest[len..];
        }
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: u64, c: u8) -> Entry {
        Entry {
            term,
            command: vec![c],
        }
    }

    #[test]
    fn indices_terms_and_cuts() {
        let mut log = Log::new(0, 0);
        for (t, c) in [(1, 1), (1, 2), (2, 3), (3, 4)] {
            log.append(entry(t, c));
        }
        assert_eq!((log.last_index(), log.last_term()), (4, 3));
        assert_eq!(log.term_at(0), Some(0));
        assert_eq!(log.first_index_of_term(2, 1), 1);
        assert_eq!(log.last_index_of_term(1), Some(2));
        log.truncate_from(3);
        assert_eq!(log.last_index(), 2);
        log.append(entry(4, 9));
        log.compact_to(2, 1);
        assert_eq!((log.snapshot_index(), log.last_index()), (2, 3));
        assert_eq!(log.term_at(1), None);
        assert_eq!(log.entry(3), Some(&entry(4, 9)));
        assert_eq!(log.entries_from(1), vec![entry(4, 9)]);
        let copy = Log::decode(2, 1, log.encoded()).unwrap();
        assert_eq!(copy.entries, log.entries);
        log.compact_to(7, 5);
        assert_eq!((log.last_index(), log.last_term()), (7, 5));
        assert!(log.encoded().is_empty());
        assert!(Log::decode(0, 0, &[9, 0, 0, 0, 1]).is_err());
    }
}
