//! [`SimError`]: why a run stopped early. Every variant names the seed.

use std::fmt;

use crate::node::NodeId;
use crate::time::Time;

/// A run stopped because something went wrong. Once a simulation has failed, every
/// further attempt to drive it returns the same error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimError {
    /// A node's handler (or constructor) panicked.
    Panicked {
        /// The run's seed.
        seed: u64,
        /// When.
        time: Time,
        /// Which node.
        node: NodeId,
        /// Which life of it.
        incarnation: u32,
        /// What it was handling, for example "a request from node 2".
        during: String,
        /// The panic message.
        message: String,
    },
    /// Virtual time stopped advancing: too many events at one instant.
    Livelock {
        /// The run's seed.
        seed: u64,
        /// The instant time got stuck at.
        time: Time,
        /// How many events ran at that instant.
        events: u64,
        /// What the last of them was.
        last: String,
    },
    /// A check of the tester (or of a tester action) failed.
    CheckFailed {
        /// The run's seed.
        seed: u64,
        /// When.
        time: Time,
        /// What rule was broken, by whom.
        message: String,
    },
    /// A node sent more than its budget allows in one virtual second.
    OverBudget {
        /// The run's seed.
        seed: u64,
        /// When.
        time: Time,
        /// Which node.
        node: NodeId,
        /// What it exceeded, with the figure and the budget.
        message: String,
    },
    /// The run reached the time [`crate::Sim::set_stop_at`] set.
    Stopped {
        /// The run's seed.
        seed: u64,
        /// The time it stopped at.
        time: Time,
    },
    /// A message could not be decoded by its receiver (a bug in a serde impl).
    Decode {
        /// The run's seed.
        seed: u64,
        /// When.
        time: Time,
        /// The receiving node.
        node: NodeId,
        /// The decoder's complaint.
        message: String,
    },
}

impl SimError {
    /// The seed of the run that failed.
    pub fn seed(&self) -> u64 {
        match self {
            SimError::Panicked { seed, .. }
            | SimError::Livelock { seed, .. }
            | SimError::CheckFailed { seed, .. }
            | SimError::OverBudget { seed, .. }
            | SimError::Stopped { seed, .. }
            | SimError::Decode { seed, .. } => *seed,
        }
    }

    /// The virtual time of the failure.
    pub fn time(&self) -> Time {
        match self {
            SimError::Panicked { time, .. }
            | SimError::Livelock { time, .. }
            | SimError::CheckFailed { time, .. }
            | SimError::OverBudget { time, .. }
            | SimError::Stopped { time, .. }
            | SimError::Decode { time, .. } => *time,
        }
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Panicked {
                seed,
                time,
                node,
                incarnation,
                during,
                message,
            } => write!(
                f,
                "node {node} (incarnation {incarnation}) panicked at {time} while handling \
                 {during}: {message} [seed {seed}]"
            ),
            SimError::Livelock {
                seed,
                time,
                events,
                last,
            } => write!(
                f,
                "livelock: virtual time stopped advancing at {time} after {events} events at \
                 that instant (the last: {last}); a node or tester action keeps scheduling \
                 work with no delay [seed {seed}]"
            ),
            SimError::CheckFailed {
                seed,
                time,
                message,
            } => {
                write!(f, "{message} (at {time}) [seed {seed}]")
            }
            SimError::OverBudget {
                seed,
                time,
                node,
                message,
            } => write!(f, "node {node} {message} (at {time}) [seed {seed}]"),
            SimError::Stopped { seed, time } => write!(
                f,
                "stopped at {time}, as asked: everything before it ran [seed {seed}]"
            ),
            SimError::Decode {
                seed,
                time,
                node,
                message,
            } => write!(
                f,
                "node {node} could not decode a message at {time}: {message} [seed {seed}]"
            ),
        }
    }
}

impl std::error::Error for SimError {}
