//! [`Costs`]: what work costs in virtual time.
//!
//! Virtual time does not pass while a handler runs, so without a cost model a
//! server's work is free: a Raft that writes its whole log to stable storage on
//! every change does as many operations per virtual second as one that writes
//! a few bytes, its log grows as fast, and the wall time of a run grows with
//! the square of the log. Real machines charge for it, and so does the
//! simulator when given costs:
//!
//! - **Stable storage.** Each `persist` takes `persist_latency` plus its bytes
//!   at `persist_bandwidth`. A node's persists are serialised: while its
//!   storage is busy the node handles nothing else (events for it wait), and
//!   whatever a handler sends, replies or sets a timer for takes effect when
//!   its persists have completed, as a server's replies wait for its disk.
//! - **Computation.** A handler that ran `n` instructions (a server in a
//!   WebAssembly guest, whose host counts them) keeps its node busy for `n`
//!   at `instruction_rate`, as a persist does, before its effects leave.
//! - **Links.** A request or reply takes its bytes at `link_bandwidth` on top
//!   of the network's delay, and each link (one per direction between two
//!   nodes) carries one message at a time: a message put on a busy link waits
//!   for the ones before it.
//!
//! 6.824's labrpc has no such model (its persister is memory and real time
//! charges for the work instead); [`Costs::LAB`] is raftlab's choice for the
//! graded scenarios, [`Costs::FREE`] turns the model off.

use std::time::Duration;

/// Rates of the cost model; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Costs {
    /// Time of one write to stable storage, whatever its size.
    pub persist_latency: Duration,
    /// Bytes per second stable storage writes (0: no charge for size).
    pub persist_bandwidth: u64,
    /// Bytes per second a link carries (0: no charge for size).
    pub link_bandwidth: u64,
    /// Instructions per second a server runs (0: computation is free).
    pub instruction_rate: u64,
}

impl Costs {
    /// No costs: work is free, as in 6.824's labrpc.
    pub const FREE: Costs = Costs {
        persist_latency: Duration::ZERO,
        persist_bandwidth: 0,
        link_bandwidth: 0,
        instruction_rate: 0,
    };

    /// The graded scenarios' costs: a write takes 100 µs plus its bytes at
    /// 5 MB/s (a 10 KB Raft state takes 2.1 ms, a 1 MB one 0.2 s), a link
    /// carries 100 MB/s (about gigabit Ethernet), and a server runs 100
    /// million WebAssembly instructions a second (a slow machine: decoding
    /// and answering an AppendEntries of a few entries takes tens of µs, and
    /// encoding a 1 MB log again takes tens of ms). The storage is slow on
    /// purpose: a Raft state is rewritten whole at every persist, so what
    /// bounds a run's wall time is how many bytes its servers can write per
    /// virtual second, while 6.824's tightest assertion (`speed_3a`: an
    /// operation every 33 ms from one client, each waiting for two persists of
    /// a growing log) still holds with a margin above 2 for the reference.
    pub const LAB: Costs = Costs {
        persist_latency: Duration::from_micros(100),
        persist_bandwidth: 5_000_000,
        link_bandwidth: 100_000_000,
        instruction_rate: 100_000_000,
    };

    /// How long writing `bytes` to stable storage takes.
    pub fn persist(&self, bytes: usize) -> Duration {
        self.persist_latency + per_second(bytes, self.persist_bandwidth)
    }

    /// How long running `instructions` takes.
    pub fn compute(&self, instructions: u64) -> Duration {
        if self.instruction_rate == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(
            u64::try_from(
                u128::from(instructions) * 1_000_000_000 / u128::from(self.instruction_rate),
            )
            .unwrap_or(u64::MAX),
        )
    }

    /// How long a link takes to carry `bytes`.
    pub fn transfer(&self, bytes: usize) -> Duration {
        per_second(bytes, self.link_bandwidth)
    }
}

impl Default for Costs {
    fn default() -> Self {
        Costs::FREE
    }
}

fn per_second(bytes: usize, rate: u64) -> Duration {
    if rate == 0 {
        return Duration::ZERO;
    }
    Duration::from_micros((bytes as u64).saturating_mul(1_000_000) / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_grow_with_bytes_and_free_costs_nothing() {
        assert_eq!(Costs::FREE.persist(1 << 20), Duration::ZERO);
        assert_eq!(Costs::FREE.transfer(1 << 20), Duration::ZERO);
        assert_eq!(Costs::LAB.persist(0), Duration::from_micros(100));
        assert_eq!(Costs::LAB.persist(10_000), Duration::from_micros(2_100));
        assert_eq!(
            Costs::LAB.persist(1_000_000),
            Duration::from_micros(200_100)
        );
        assert_eq!(Costs::LAB.transfer(1_000_000), Duration::from_millis(10));
        assert_eq!(Costs::FREE.compute(1 << 40), Duration::ZERO);
        assert_eq!(Costs::LAB.compute(5_000), Duration::from_micros(50));
    }
}
