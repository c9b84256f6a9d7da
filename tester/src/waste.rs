//! Wasteful but passing: what a correct implementation may do that costs far
//! more than it needs, which 6.824's tester would pass and raftlab passes too,
//! with a warning in the report (never a failure; the budgets of
//! [`crate::harness::BUDGETS`] stop only what no correct Raft needs).
//!
//! The thresholds stand above the highest figures of the catalogue's correct
//! controls (the reference, and the usual 6.824 styles: every unacknowledged
//! entry sent again on each heartbeat, or on each `start`) over 1,000 seeds
//! of every scenario (docs/simulator.md gives them), so that code written the
//! usual way is never called wasteful. How busy a server's stable storage is warns of
//! nothing: under load every correct Raft that rewrites its state at each
//! persist (as 6.824's do) keeps its storage busy most of the time; the cost
//! model turns that into fewer operations, not into waste.

use std::time::Duration;

use labrpc::Peaks;

/// Calls one node may make in one virtual second before a warning (the
/// chattiest correct control makes at most about 30,000, the reference about
/// 900).
pub const CALLS_PER_SEC: u64 = 40_000;
/// Request bytes one node may send in one virtual second before a warning
/// (the chattiest correct control sends at most about 130 MB, the reference
/// about 2 MB).
pub const BYTES_PER_SEC: u64 = 150_000_000;
/// Bytes of one request before a warning (the correct controls' largest are
/// under 50 KB).
pub const LARGEST_REQUEST: u64 = 1_000_000;

/// The share of `elapsed` that `persisting` is, in thousandths.
pub fn busy_permille(persisting: Duration, elapsed: Duration) -> u64 {
    if elapsed.is_zero() {
        return 0;
    }
    (persisting.as_micros() * 1000 / elapsed.as_micros()) as u64
}

/// The warnings for the nodes' sending `peaks` (indexed by node), each
/// naming the node, the figure, the threshold and the likely cause.
pub fn warnings(peaks: &[Peaks]) -> Vec<String> {
    let mut out = Vec::new();
    for (n, p) in peaks.iter().enumerate() {
        if p.rpcs_per_sec > CALLS_PER_SEC {
            out.push(format!(
                "wasteful: node {n} made {} calls in one virtual second (more than {CALLS_PER_SEC}): \
                 does it heartbeat more often than every 100 ms, or call again before the \
                 last call returned?",
                p.rpcs_per_sec
            ));
        }
        if p.bytes_per_sec > BYTES_PER_SEC {
            out.push(format!(
                "wasteful: node {n} sent {:.1} MB of requests in one virtual second (more than \
                 {} MB): does it send its whole log in every AppendEntries?",
                p.bytes_per_sec as f64 / 1e6,
                BYTES_PER_SEC / 1_000_000
            ));
        }
        if p.largest_request > LARGEST_REQUEST {
            out.push(format!(
                "wasteful: node {n} sent a request of {:.1} MB (more than {} MB): does it send \
                 entries the follower already has?",
                p.largest_request as f64 / 1e6,
                LARGEST_REQUEST / 1_000_000
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chattiest_correct_control_warns_of_nothing() {
        let peaks = Peaks {
            rpcs_per_sec: 29_725,
            bytes_per_sec: 130_131_381,
            largest_request: 43_482,
        };
        assert!(warnings(&[peaks; 3]).is_empty());
    }

    #[test]
    fn each_kind_of_waste_is_named_with_its_figure() {
        let peaks = Peaks {
            rpcs_per_sec: 50_000,
            bytes_per_sec: 160_000_000,
            largest_request: 3_000_000,
        };
        let w = warnings(&[Peaks::default(), Peaks::default(), peaks]);
        assert_eq!(w.len(), 3, "{w:#?}");
        assert!(w[0].contains("node 2 made 50000 calls"), "{}", w[0]);
        assert!(w[1].contains("160.0 MB of requests"), "{}", w[1]);
        assert!(w[2].contains("a request of 3.0 MB"), "{}", w[2]);
    }
}
