//! [`Bitset`]: the set of operations linearized so far, with a running hash so
//! that memoising (set, state) pairs costs O(1) per step.

/// A fixed-size set of operation indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitset {
    words: Vec<u64>,
    hash: u64,
}

/// A well-mixed 64-bit value for index `i` (splitmix64), the set's hash being
/// the XOR of its members' values.
fn mix(i: usize) -> u64 {
    let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Bitset {
    /// The empty set over `0..n`.
    pub fn new(n: usize) -> Bitset {
        Bitset {
            words: vec![0; n.div_ceil(64)],
            hash: 0,
        }
    }

    /// Adds `i`.
    pub fn set(&mut self, i: usize) {
        let (w, b) = (i / 64, 1u64 << (i % 64));
        if self.words[w] & b == 0 {
            self.words[w] |= b;
            self.hash ^= mix(i);
        }
    }

    /// Removes `i`.
    pub fn clear(&mut self, i: usize) {
        let (w, b) = (i / 64, 1u64 << (i % 64));
        if self.words[w] & b != 0 {
            self.words[w] &= !b;
            self.hash ^= mix(i);
        }
    }

    /// The set's hash (equal sets, equal hashes).
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The set's words (bit `i % 64` of word `i / 64` is member `i`).
    pub fn words(&self) -> &[u64] {
        &self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_follows_membership() {
        let mut a = Bitset::new(130);
        let mut b = Bitset::new(130);
        a.set(3);
        a.set(129);
        b.set(129);
        b.set(3);
        b.set(3);
        assert_eq!(a, b);
        assert_eq!(a.hash(), b.hash());
        a.clear(3);
        assert_ne!(a.hash(), b.hash());
        a.clear(129);
        assert_eq!(a.hash(), 0);
    }
}
