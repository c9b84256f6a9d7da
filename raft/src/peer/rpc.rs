// @solution-file
//! The RPCs of Figure 2 (RequestVote, AppendEntries) and of section 7
//! (InstallSnapshot), with the conflict hint of fast log backtracking.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::log::Entry;

/// A request one server sends another.
// The variants carry the paper's RPC names.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// A candidate asks for a vote.
    RequestVote(RequestVoteArgs),
    /// The leader replicates entries (none: a heartbeat).
    AppendEntries(AppendEntriesArgs),
    /// The leader sends its snapshot to a follower whose next entry it discarded.
    InstallSnapshot(InstallSnapshotArgs),
}

/// The answer to a [`Request`], of the same kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// Answer to RequestVote.
    RequestVote(RequestVoteReply),
    /// Answer to AppendEntries.
    AppendEntries(AppendEntriesReply),
    /// Answer to InstallSnapshot.
    InstallSnapshot(InstallSnapshotReply),
}

/// RequestVote arguments.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestVoteArgs {
    /// The candidate's term.
    pub term: u64,
    /// Index of the candidate's last log entry.
    pub last_log_index: u64,
    /// Term of the candidate's last log entry.
    pub last_log_term: u64,
}

/// RequestVote results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestVoteReply {
    /// The voter's current term, for the candidate to update itself.
    pub term: u64,
    /// Whether the candidate received the vote.
    pub vote_granted: bool,
}

/// AppendEntries arguments.
#[derive(Clone, Serialize, Deserialize)]
pub struct AppendEntriesArgs {
    /// The leader's term.
    pub term: u64,
    /// Index of the entry just before the new ones.
    pub prev_log_index: u64,
    /// Its term.
    pub prev_log_term: u64,
    /// Entries to store (empty for a heartbeat).
    pub entries: Vec<Entry>,
    /// The leader's commit index.
    pub leader_commit: u64,
}

impl fmt::Debug for AppendEntriesArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AppendEntries {{ term: {}, prev_log_index: {}, prev_log_term: {}, ",
            self.term, self.prev_log_index, self.prev_log_term
        )?;
        match self.entries.len() {
            0 => write!(f, "entries: [], ")?,
            n => write!(
                f,
                "entries: {}..={} {:?}, ",
                self.prev_log_index + 1,
                self.prev_log_index + n as u64,
                self.entries
            )?,
        }
        write!(f, "leader_commit: {} }}", self.leader_commit)
    }
}

/// AppendEntries results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppendEntriesReply {
    /// The follower's current term, for the leader to update itself.
    pub term: u64,
    /// Whether the follower's log matched at `prev_log_index` and now holds the
    /// entries.
    pub success: bool,
    /// On a mismatch: the term of the follower's conflicting entry at
    /// `prev_log_index` (`None` if its log is shorter than that).
    pub conflict_term: Option<u64>,
    /// On a mismatch: the first index of `conflict_term` in the follower's log, or
    /// the follower's log length + 1 when `conflict_term` is `None`.
    pub conflict_index: u64,
}

/// InstallSnapshot arguments.
#[derive(Clone, Serialize, Deserialize)]
pub struct InstallSnapshotArgs {
    /// The leader's term.
    pub term: u64,
    /// The snapshot replaces every entry through this index...
    pub last_included_index: u64,
    /// ...which has this term.
    pub last_included_term: u64,
    /// The service's snapshot.
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

impl fmt::Debug for InstallSnapshotArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "InstallSnapshot {{ term: {}, last_included_index: {}, last_included_term: {}, data: {} bytes }}",
            self.term,
            self.last_included_index,
            self.last_included_term,
            self.data.len()
        )
    }
}

/// InstallSnapshot results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstallSnapshotReply {
    /// The follower's current term, for the leader to update itself.
    pub term: u64,
}
