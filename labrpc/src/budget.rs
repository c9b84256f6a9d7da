//! [`Budgets`]: what a node may plausibly send, as a backstop. A node over
//! budget (a message storm, a log resent whole on every heartbeat) stops the
//! run at once with a message naming the node, the figure and the budget,
//! instead of burning minutes of wall time until a watchdog kills it with no
//! diagnosis. The [`Peaks`] a run reached are kept, so that budgets can be set
//! from what a correct implementation uses.

/// Limits per node, per virtual second (one-second windows from time zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// Calls a node may make in one virtual second.
    pub rpcs_per_sec: u64,
    /// Request bytes a node may send in one virtual second.
    pub bytes_per_sec: u64,
}

impl Budgets {
    /// No limits.
    pub const NONE: Budgets = Budgets {
        rpcs_per_sec: u64::MAX,
        bytes_per_sec: u64::MAX,
    };
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets::NONE
    }
}

/// The most a node sent in one virtual second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Peaks {
    /// Calls.
    pub rpcs_per_sec: u64,
    /// Request bytes.
    pub bytes_per_sec: u64,
    /// The bytes of its largest single request.
    pub largest_request: u64,
}

/// A node's sending in the current window.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Usage {
    second: u64,
    rpcs: u64,
    bytes: u64,
}

impl Usage {
    /// Counts a call of `bytes` made in virtual second `second`; the window's
    /// figures so far.
    pub(crate) fn count(&mut self, second: u64, bytes: u64, peaks: &mut Peaks) -> (u64, u64) {
        if second != self.second {
            *self = Usage {
                second,
                ..Usage::default()
            };
        }
        self.rpcs += 1;
        self.bytes += bytes;
        peaks.largest_request = peaks.largest_request.max(bytes);
        peaks.rpcs_per_sec = peaks.rpcs_per_sec.max(self.rpcs);
        peaks.bytes_per_sec = peaks.bytes_per_sec.max(self.bytes);
        (self.rpcs, self.bytes)
    }
}
