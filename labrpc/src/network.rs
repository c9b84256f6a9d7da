//! The [`Network`]: which ends are enabled, how reliable the wire is, and the
//! counters the tester reads.
//!
//! The semantics are those of 6.824's labrpc (see `spec/network.md`):
//! - every call counts one RPC and its request bytes *before* any drop decision;
//! - a request to a disabled end or a server that is not running fails after
//!   0-7000 ms with long delays on, 0-100 ms otherwise, and is never delivered;
//! - unreliable: a request waits 0-26 ms and is then lost with probability 1/10,
//!   and a reply is lost with probability 1/10;
//! - long reordering: with probability 2/3 a reply is held 200 + U(0, U(0, 2000)) ms;
//! - the per-server count increments when a request reaches the server's handler,
//!   and reply bytes are counted when a reply arrives.
//!
//! On a reliable network each hop takes a small random latency (10-1000 µs by
//! default) so that messages sent at the same instant still interleave.
//!
//! Where raftlab differs from 6.824's labrpc: duplication, which only
//! raftlab's own scenarios switch on (1 request in 10 is delivered again,
//! 0-2200 ms later, to whatever life of the server runs then, and that copy's
//! reply is lost); and with a cost model set
//! ([`crate::Costs`]), a message also takes its bytes over the link's
//! bandwidth, and leaves only when the persists of the handler that sent it
//! are done (labrpc has no cost model; real time charges for work there).
//!
//! The faults it draws are numbered, and a run injects those its
//! [`FaultSet`] keeps (all by default): a fault spared takes the draws it
//! would have taken, so the draws after it are the seed's.

use std::time::Duration;

use rand::RngExt;

use crate::budget::{Peaks, Usage};
use crate::fault_set::FaultSet;
use crate::node::NodeId;
use crate::seed::SimRng;
use crate::time::{Time, micros};

/// Connectivity, reliability settings and counters of the simulated network.
pub struct Network {
    reliable: bool,
    long_reordering: bool,
    long_delays: bool,
    duplicating: bool,
    latency_us: (u64, u64),
    /// `ends[from][to]`: whether `from` can reach `to`.
    ends: Vec<Vec<bool>>,
    rpc_total: u64,
    bytes_total: u64,
    delivered: Vec<u64>,
    faults: Faults,
    /// Faults drawn so far, injected or spared: the next one's index.
    drawn: u64,
    /// Which drawn faults are injected.
    kept: FaultSet,
    /// `link_free[from][to]`: when the link from `from` to `to` has carried
    /// what was put on it (with a cost model that charges for bytes).
    link_free: Vec<Vec<Time>>,
    usage: Vec<Usage>,
    peaks: Vec<Peaks>,
    rng: SimRng,
}

/// What the network did to messages on purpose, counted from the start: how
/// a tester tells that an unreliable scenario really was unreliable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Faults {
    /// Requests lost by the unreliable network.
    pub requests_lost: u64,
    /// Replies lost by the unreliable network.
    pub replies_lost: u64,
    /// Replies held back 200-2200 ms by long reordering.
    pub replies_held: u64,
    /// Requests delivered a second time by duplication.
    pub requests_duplicated: u64,
}

impl Faults {
    /// Every fault counted, of every kind.
    pub fn total(&self) -> u64 {
        self.requests_lost + self.replies_lost + self.replies_held + self.requests_duplicated
    }
}

/// What the network decided for a request that has somewhere to go.
pub(crate) struct RequestPlan {
    pub delay_us: u64,
    pub lost: bool,
}

impl Network {
    pub(crate) fn new(rng: SimRng) -> Network {
        Network {
            reliable: true,
            long_reordering: false,
            long_delays: false,
            duplicating: false,
            latency_us: (10, 1000),
            ends: Vec::new(),
            rpc_total: 0,
            bytes_total: 0,
            delivered: Vec::new(),
            faults: Faults::default(),
            drawn: 0,
            kept: FaultSet::All,
            link_free: Vec::new(),
            usage: Vec::new(),
            peaks: Vec::new(),
            rng,
        }
    }

    /// Makes room for node `id`; its ends to and from every node start enabled.
    pub(crate) fn add_node(&mut self) {
        let n = self.ends.len() + 1;
        for row in &mut self.ends {
            row.push(true);
        }
        self.ends.push(vec![true; n]);
        self.delivered.push(0);
        for row in &mut self.link_free {
            row.push(Time::ZERO);
        }
        self.link_free.push(vec![Time::ZERO; n]);
        self.usage.push(Usage::default());
        self.peaks.push(Peaks::default());
    }

    /// Whether the network delivers everything (no drops, no 0-26 ms waits).
    pub fn is_reliable(&self) -> bool {
        self.reliable
    }

    /// Whether replies may be held back 200-2200 ms.
    pub fn is_long_reordering(&self) -> bool {
        self.long_reordering
    }

    /// Whether calls to disabled ends or absent servers fail after up to 7 s
    /// (rather than 100 ms).
    pub fn is_long_delays(&self) -> bool {
        self.long_delays
    }

    /// Whether the network delivers some requests twice.
    pub fn is_duplicating(&self) -> bool {
        self.duplicating
    }

    /// Whether `from` can reach `to`. Ends to or from unknown nodes are disabled.
    pub fn is_enabled(&self, from: NodeId, to: NodeId) -> bool {
        self.ends
            .get(from)
            .and_then(|row| row.get(to))
            .copied()
            .unwrap_or(false)
    }

    /// What the network lost or held back so far.
    pub fn faults(&self) -> Faults {
        self.faults
    }

    /// Faults drawn so far, injected or spared (see [`FaultSet`]).
    pub fn faults_drawn(&self) -> u64 {
        self.drawn
    }

    /// Which drawn faults are injected.
    pub fn kept_faults(&self) -> &FaultSet {
        &self.kept
    }

    /// Total calls made, including those that were dropped or failed.
    pub fn rpc_total(&self) -> u64 {
        self.rpc_total
    }

    /// Total bytes of requests sent plus replies delivered.
    pub fn bytes_total(&self) -> u64 {
        self.bytes_total
    }

    /// Requests that reached node `id`'s handler, over all its incarnations.
    pub fn rpc_count(&self, id: NodeId) -> u64 {
        self.delivered.get(id).copied().unwrap_or(0)
    }

    pub(crate) fn set_reliable(&mut self, on: bool) {
        self.reliable = on;
    }

    pub(crate) fn set_long_reordering(&mut self, on: bool) {
        self.long_reordering = on;
    }

    pub(crate) fn set_long_delays(&mut self, on: bool) {
        self.long_delays = on;
    }

    pub(crate) fn set_duplicating(&mut self, on: bool) {
        self.duplicating = on;
    }

    pub(crate) fn set_kept_faults(&mut self, kept: FaultSet) {
        self.kept = kept;
    }

    /// Numbers a fault just drawn; whether it is injected.
    fn inject(&mut self) -> bool {
        let index = self.drawn;
        self.drawn += 1;
        self.kept.contains(index)
    }

    pub(crate) fn set_latency(&mut self, min: Duration, max: Duration) {
        let (min, max) = (micros(min), micros(max));
        assert!(min <= max, "latency range is empty: {min} µs > {max} µs");
        self.latency_us = (min, max);
    }

    pub(crate) fn set_enabled(&mut self, from: NodeId, to: NodeId, enabled: bool) {
        self.ends[from][to] = enabled;
    }

    /// Counts a call of `from` made at `now`; the calls and request bytes of
    /// `from` in that virtual second so far.
    pub(crate) fn count_call(
        &mut self,
        from: NodeId,
        now: Time,
        request_bytes: usize,
    ) -> (u64, u64) {
        self.rpc_total += 1;
        self.bytes_total += request_bytes as u64;
        let second = now.as_micros() / 1_000_000;
        self.usage[from].count(second, request_bytes as u64, &mut self.peaks[from])
    }

    /// The most each node sent in one virtual second so far.
    pub fn peaks(&self) -> &[Peaks] {
        &self.peaks
    }

    pub(crate) fn count_delivery(&mut self, to: NodeId) {
        self.delivered[to] += 1;
    }

    pub(crate) fn count_reply_bytes(&mut self, reply_bytes: usize) {
        self.bytes_total += reply_bytes as u64;
    }

    /// Puts a message that takes `transfer` to carry on the link from `from`
    /// to `to` at `at`: it follows what is already on the link, and the time
    /// its last byte is sent is returned.
    pub(crate) fn occupy(
        &mut self,
        from: NodeId,
        to: NodeId,
        at: Time,
        transfer: Duration,
    ) -> Time {
        if transfer.is_zero() {
            return at;
        }
        let free = &mut self.link_free[from][to];
        *free = (*free).max(at) + transfer;
        *free
    }

    fn latency(&mut self) -> u64 {
        let (min, max) = self.latency_us;
        self.rng.random_range(min..=max)
    }

    /// How long until a call that cannot be delivered fails.
    pub(crate) fn failure_delay_us(&mut self) -> u64 {
        let max_ms = if self.long_delays { 7000 } else { 100 };
        self.rng.random_range(0..max_ms) * 1000
    }

    /// The way of a request to a reachable server.
    pub(crate) fn plan_request(&mut self) -> RequestPlan {
        if self.reliable {
            RequestPlan {
                delay_us: self.latency(),
                lost: false,
            }
        } else {
            let delay_us = self.rng.random_range(0..27u64) * 1000;
            let lost = self.rng.random_range(0..1000) < 100 && self.inject();
            self.faults.requests_lost += u64::from(lost);
            RequestPlan { delay_us, lost }
        }
    }

    /// Whether a request that goes on its way is also duplicated: `None`, or
    /// when its copy arrives, after the request was sent (1 in 10 while
    /// duplicating, 0-2200 ms later). Draws nothing while not duplicating.
    pub(crate) fn plan_duplicate(&mut self) -> Option<u64> {
        if !self.duplicating || self.rng.random_range(0..1000) >= 100 {
            return None;
        }
        let after_us = self.rng.random_range(0..=2200u64) * 1000 + self.latency();
        if !self.inject() {
            return None;
        }
        self.faults.requests_duplicated += 1;
        Some(after_us)
    }

    /// The way of a reply back to its caller: `None` if it is lost, else its delay.
    /// A spared fault's reply comes back at the shortest latency, drawing
    /// nothing more than the fault did.
    pub(crate) fn plan_reply(&mut self) -> Option<u64> {
        if !self.reliable && self.rng.random_range(0..1000) < 100 {
            if !self.inject() {
                return Some(self.latency_us.0);
            }
            self.faults.replies_lost += 1;
            return None;
        }
        if self.long_reordering && self.rng.random_range(0..900) < 600 {
            let inner = self.rng.random_range(0..2000u64);
            let held_us = (200 + self.rng.random_range(0..=inner)) * 1000;
            if !self.inject() {
                return Some(self.latency_us.0);
            }
            self.faults.replies_held += 1;
            return Some(held_us);
        }
        Some(self.latency())
    }
}
