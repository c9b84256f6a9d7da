//! [`Progress`]: where a run is, readable from another thread while it runs,
//! for a watchdog that must say why a run takes too long (a handler that does
//! not return, or a run that is merely slow). Written with relaxed atomics at
//! each event; reading it never affects the run.

use std::sync::atomic::{AtomicU64, Ordering};

/// No node is handling an event.
const IDLE: u64 = u64::MAX;

/// A run's progress, shared with a watchdog.
#[derive(Debug)]
pub struct Progress {
    now_us: AtomicU64,
    events: AtomicU64,
    node: AtomicU64,
    what: AtomicU64,
    largest_persist: AtomicU64,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            now_us: AtomicU64::new(0),
            events: AtomicU64::new(0),
            node: AtomicU64::new(IDLE),
            what: AtomicU64::new(0),
            largest_persist: AtomicU64::new(0),
        }
    }
}

/// What a node was handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    /// A request.
    Request,
    /// The reply (or failure) of one of its calls.
    Reply,
    /// A timer.
    Timer,
    /// A tester action (which may call into a node).
    Tester,
}

/// A reading of a run's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Virtual time reached, in microseconds.
    pub now_us: u64,
    /// Events processed.
    pub events: u64,
    /// The node handling an event, and what, if one is.
    pub handling: Option<(u64, Handling)>,
    /// The largest single persist so far, in bytes.
    pub largest_persist: u64,
}

impl Progress {
    pub(crate) fn event(&self, now_us: u64, events: u64, node: Option<usize>, what: Handling) {
        self.now_us.store(now_us, Ordering::Relaxed);
        self.events.store(events, Ordering::Relaxed);
        self.what.store(what as u64, Ordering::Relaxed);
        self.node
            .store(node.map_or(IDLE, |n| n as u64), Ordering::Relaxed);
    }

    pub(crate) fn done(&self) {
        self.node.store(IDLE, Ordering::Relaxed);
    }

    pub(crate) fn persisted(&self, bytes: usize) {
        self.largest_persist
            .fetch_max(bytes as u64, Ordering::Relaxed);
    }

    /// Where the run is now.
    pub fn read(&self) -> Snapshot {
        let node = self.node.load(Ordering::Relaxed);
        let what = match self.what.load(Ordering::Relaxed) {
            0 => Handling::Request,
            1 => Handling::Reply,
            2 => Handling::Timer,
            _ => Handling::Tester,
        };
        Snapshot {
            now_us: self.now_us.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
            handling: (node != IDLE).then_some((node, what)),
            largest_persist: self.largest_persist.load(Ordering::Relaxed),
        }
    }
}
