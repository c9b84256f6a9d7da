//! # jobwire: what the grader and a harness say to each other
//!
//! The grader is trusted and never links student code; a harness binary is the
//! tester compiled together with a student's code, and is not trusted. They meet
//! only through what this crate defines:
//!
//! - the harness's **listing** of its scenarios ([`Listing`]), which is how the
//!   grader learns names, parts and points without linking the tester;
//! - one **job's result** ([`JobMessage`]): how the run ended, its figures, and
//!   the timeline and linearizability picture of a failed run as HTML text (the
//!   job itself writes no file);
//! - the **seal** that makes a result believable ([`seal`], [`open`]): the grader
//!   hands each job a fresh random [`Key`] through a pipe before any student code
//!   runs, and accepts a result only if it carries that key's BLAKE3 keyed hash.
//!   Student code cannot read the key (it is not in the arguments, the
//!   environment or any file) and so cannot forge a result: whatever it prints
//!   or exits with, a job without a valid sealed result fails;
//! - the flags of a **replay** ([`replay::ReplayArgs`]), which the grader
//!   forwards to the harness;
//! - the **crash check**'s messages ([`restart`]): a restart as a run saw it,
//!   and the same server built again from its persisted bytes;
//! - running a harness as a **sealed child** ([`child`]), for the grader and
//!   for a harness that checks its own restarts.

pub mod child;
pub mod replay;
pub mod restart;
pub mod sandbox;

use std::fmt;

use serde::{Deserialize, Serialize};

/// The subcommand a harness binary answers to as a grader's job runner:
/// `HARNESS __raftlab <command> ...`. Anything else is `cargo test`'s.
pub const HARNESS_MODE: &str = "__raftlab";

/// The file descriptor on which a job's harness writes its sealed result.
pub const RESULT_FD: i32 = 3;

/// Length of a job's key, in bytes.
pub const KEY_LEN: usize = 32;

/// Most bytes the grader reads from a job's result channel (a failed
/// `figure8_unreliable_2c` timeline is about 2.4 MB).
pub const MAX_RESULT_BYTES: usize = 64 << 20;

/// One job's secret: 32 random bytes, fresh for every job.
#[derive(Clone)]
pub struct Key(pub [u8; KEY_LEN]);

impl Key {
    /// A fresh random key, from the operating system's randomness.
    pub fn fresh() -> Result<Key, String> {
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).map_err(|e| format!("no randomness for a key: {e}"))?;
        Ok(Key(key))
    }

    /// A number derived from the key for `purpose` (BLAKE3's key derivation):
    /// as secret as the key, and unrelated to it for any other purpose.
    pub fn derive(&self, purpose: &str) -> u64 {
        let bytes = blake3::derive_key(purpose, &self.0);
        u64::from_le_bytes(bytes[..8].try_into().expect("8 of 32 bytes"))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(..)")
    }
}

/// One registered scenario, as the harness lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// The 6.824 name in snake case with the part as suffix.
    pub name: String,
    /// "2A", "2B", ..., "4A".
    pub part: String,
    /// Points it is worth.
    pub points: u32,
    /// The 6.824 title.
    pub title: String,
    /// Whose scenario it is: one of 6.824's, or one raftlab adds.
    pub suite: Suite,
    /// The student directories whose code it runs ("raft/src/peer", ...).
    pub runs: Vec<String>,
}

/// Whose scenario a scenario is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Suite {
    /// One of the 6.824 tests, as 6.824's tester runs it.
    #[serde(rename = "6.824")]
    Mit6824,
    /// One raftlab adds: built to reach a rule of Figure 2 that 6.824's tests
    /// reach only by luck (echoed messages, one-way ends, crashes at a chosen
    /// moment).
    #[serde(rename = "raftlab")]
    Raftlab,
}

impl Suite {
    /// "6.824" or "raftlab".
    pub fn name(self) -> &'static str {
        match self {
            Suite::Mit6824 => "6.824",
            Suite::Raftlab => "raftlab",
        }
    }
}

/// Everything a harness can run, in registry order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// The parts, in order.
    pub parts: Vec<String>,
    /// The scenarios.
    pub scenarios: Vec<ScenarioInfo>,
}

/// How a job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every check held.
    Passed,
    /// A check of the tester failed.
    Failed,
    /// The implementation panicked.
    Panicked,
    /// Virtual time stopped advancing, or the scenario's virtual-time limit passed.
    Stuck,
    /// The job ran past its wall-clock or CPU limit and was killed.
    TimedOut,
    /// The job ran out of memory.
    OutOfMemory,
    /// The job's process exited by itself without a sealed result.
    Exited,
    /// The job's process was killed by a signal (abort, stack overflow, ...).
    Killed,
    /// The job's output or result broke the protocol (a forged or damaged result).
    Rejected,
}

/// What a job's harness reports about its own run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    /// The scenario.
    pub test: String,
    /// The seed.
    pub seed: u64,
    /// How it ended ([`Status::Passed`], `Failed`, `Panicked` or `Stuck`).
    pub status: Status,
    /// Why it failed (empty if it passed).
    pub reason: String,
    /// Virtual time, in milliseconds.
    pub virtual_ms: u64,
    /// RPCs sent.
    pub rpcs: u64,
    /// Bytes sent.
    pub bytes: u64,
    /// Trace digest, as 16 hex digits.
    pub trace_digest: String,
    /// Agreements reached (Raft) or operations completed (kvraft).
    #[serde(default)]
    pub commands: u64,
    /// The most calls one server made in one virtual second (against the
    /// simulator's budget).
    #[serde(default)]
    pub peak_rpcs_per_sec: u64,
    /// The most request bytes one server sent in one virtual second.
    #[serde(default)]
    pub peak_bytes_per_sec: u64,
    /// What the run did that passes but wastes (never scored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// How much of the sandbox the job's process could put in place.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxReport {
    /// Mechanisms fully in force ("landlock", "seccomp", "rlimits").
    pub enforced: Vec<String>,
    /// Mechanisms missing or partial, each with why.
    pub missing: Vec<String>,
}

/// The sealed message of one job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    /// The test and seed the grader asked for, echoed.
    pub test: String,
    /// The seed.
    pub seed: u64,
    /// The run's result; `None` if the job ran out of memory before it ended.
    pub run: Option<RunResult>,
    /// The job's allocations passed its memory limit (the process then aborts).
    pub out_of_memory: bool,
    /// The sandbox the job ran in.
    pub sandbox: SandboxReport,
    /// The failed run's HTML timeline, if one was asked for.
    pub timeline: Option<String>,
    /// The HTML picture of a history found not linearizable, if any.
    pub linearizability: Option<String>,
    /// A remark on the artifacts (why there is no timeline, ...).
    pub note: Option<String>,
    /// A sample of the run's restarts, for the crash check (the grader builds
    /// each restarted server again from its persisted bytes in a fresh process).
    #[serde(default)]
    pub restarts: Vec<restart::Restart>,
}

/// Why a result channel's bytes were not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Nothing was written.
    Empty,
    /// Fewer bytes than the frame announces, or no room for the seal.
    Truncated,
    /// More bytes than one frame.
    Trailing,
    /// The seal does not match: not written with this job's key.
    BadSeal,
    /// The sealed payload is not a job message.
    Malformed(String),
    /// A genuine message, but for another test or seed.
    WrongJob,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Empty => f.write_str("no result was written"),
            WireError::Truncated => f.write_str("the result was cut short"),
            WireError::Trailing => f.write_str("bytes follow the result"),
            WireError::BadSeal => f.write_str(
                "the result is not sealed with this job's key (written by something other than the harness)",
            ),
            WireError::Malformed(e) => write!(f, "the sealed result does not parse: {e}"),
            WireError::WrongJob => f.write_str("the sealed result is for another job"),
        }
    }
}

impl std::error::Error for WireError {}

const MAC_LEN: usize = 32;

/// Frames `payload` for the result channel: its length (8 bytes, little
/// endian), the payload, and the key's BLAKE3 keyed hash of length and payload.
pub fn seal(key: &Key, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(8 + payload.len() + MAC_LEN);
    frame.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    frame.extend_from_slice(payload);
    let mac = blake3::keyed_hash(&key.0, &frame);
    frame.extend_from_slice(mac.as_bytes());
    frame
}

/// The payload of a frame written by [`seal`] with `key`; exactly one frame.
pub fn open<'a>(key: &Key, frame: &'a [u8]) -> Result<&'a [u8], WireError> {
    if frame.is_empty() {
        return Err(WireError::Empty);
    }
    let len_bytes: [u8; 8] = frame
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or(WireError::Truncated)?;
    let len = usize::try_from(u64::from_le_bytes(len_bytes)).map_err(|_| WireError::Truncated)?;
    let end = 8usize.checked_add(len).ok_or(WireError::Truncated)?;
    let total = end.checked_add(MAC_LEN).ok_or(WireError::Truncated)?;
    if frame.len() < total {
        return Err(WireError::Truncated);
    }
    if frame.len() > total {
        return Err(WireError::Trailing);
    }
    let mac: [u8; MAC_LEN] = frame[end..total].try_into().expect("sliced to length");
    // `blake3::Hash`'s equality is constant-time.
    if blake3::keyed_hash(&key.0, &frame[..end]) != blake3::Hash::from(mac) {
        return Err(WireError::BadSeal);
    }
    Ok(&frame[8..end])
}

impl JobMessage {
    /// The sealed frame of this message.
    pub fn seal(&self, key: &Key) -> Vec<u8> {
        seal(
            key,
            &serde_json::to_vec(self).expect("a job message serialises"),
        )
    }

    /// The message in `frame`, if sealed with `key` and for (`test`, `seed`).
    pub fn open(key: &Key, frame: &[u8], test: &str, seed: u64) -> Result<JobMessage, WireError> {
        let payload = open(key, frame)?;
        let message: JobMessage =
            serde_json::from_slice(payload).map_err(|e| WireError::Malformed(e.to_string()))?;
        if message.test != test || message.seed != seed {
            return Err(WireError::WrongJob);
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> Key {
        Key([b; KEY_LEN])
    }

    #[test]
    fn a_sealed_frame_opens_with_its_key_only() {
        let frame = seal(&key(1), b"hello");
        assert_eq!(open(&key(1), &frame).unwrap(), b"hello");
        assert_eq!(open(&key(2), &frame), Err(WireError::BadSeal));
    }

    #[test]
    fn damaged_frames_are_refused_with_their_reason() {
        let frame = seal(&key(1), b"hello");
        assert_eq!(open(&key(1), &[]), Err(WireError::Empty));
        assert_eq!(
            open(&key(1), &frame[..frame.len() - 1]),
            Err(WireError::Truncated)
        );
        let mut longer = frame.clone();
        longer.push(0);
        assert_eq!(open(&key(1), &longer), Err(WireError::Trailing));
        let mut flipped = frame.clone();
        flipped[9] ^= 1;
        assert_eq!(open(&key(1), &flipped), Err(WireError::BadSeal));
        let mut huge = frame;
        huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(open(&key(1), &huge), Err(WireError::Truncated));
    }

    #[test]
    fn a_message_for_another_job_is_refused() {
        let message = JobMessage {
            test: "basic_agree_2b".into(),
            seed: 3,
            run: None,
            out_of_memory: true,
            sandbox: SandboxReport::default(),
            timeline: None,
            linearizability: None,
            note: None,
            restarts: Vec::new(),
        };
        let frame = message.seal(&key(7));
        assert_eq!(
            JobMessage::open(&key(7), &frame, "basic_agree_2b", 3).unwrap(),
            message
        );
        assert_eq!(
            JobMessage::open(&key(7), &frame, "basic_agree_2b", 4),
            Err(WireError::WrongJob)
        );
    }
}
