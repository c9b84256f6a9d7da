//! Seeds and random streams: every random decision of a run derives from one `u64`.
//!
//! A run has one seed. From it, [`derive()`] makes independent ChaCha8 streams, one per
//! purpose: the network's drops and delays, the tester's own choices, and one per
//! node *incarnation* (so a restarted server draws different numbers than its
//! previous life, and the same ones on every replay). Nothing in a simulated run may
//! use any other source of randomness.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random number generator handed to nodes and testers.
///
/// Use the methods of [`rand::RngExt`] on it, for example
/// `ctx.rng().random_range(300..600)`.
pub type SimRng = ChaCha8Rng;

/// The stream that decides network delays and drops.
pub const NETWORK_STREAM: u64 = 1;
/// The stream of the tester's own random choices.
pub const TESTER_STREAM: u64 = 2;
/// First stream number not used by labrpc itself; layers above may derive their own
/// streams from here on (for example one per simulated client).
pub const USER_STREAMS: u64 = 1 << 40;

/// A ChaCha8 stream derived from `seed` and a stream number.
///
/// Different stream numbers give independent sequences; the same pair gives the same
/// sequence on every machine and every run.
pub fn derive(seed: u64, stream: u64) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// The stream of node `node` in its `incarnation`-th life (the first life is 1).
pub fn node_stream(node: usize, incarnation: u32) -> u64 {
    (1 << 32) + ((node as u64) << 16) + u64::from(incarnation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4).map(|_| derive(7, 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(derive(7, 3).next_u64(), derive(7, 4).next_u64());
        assert_ne!(derive(7, 3).next_u64(), derive(8, 3).next_u64());
        assert_ne!(node_stream(0, 1), node_stream(1, 0));
        assert!(node_stream(usize::from(u16::MAX), u32::from(u16::MAX)) < USER_STREAMS);
    }
}
