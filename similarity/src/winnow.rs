//! Winnowing: a sequence's fingerprints.
//!
//! Every run of `k` consecutive symbols (a k-gram) is hashed. Of each window
//! of `w` consecutive hashes, the least is a fingerprint (the rightmost, if
//! it occurs more than once), recorded once however many windows choose it.
//! Two sequences that share a run of at least `w + k - 1` symbols share a
//! fingerprint (the window inside the run chooses the same hash in both);
//! runs shorter than `k` are never seen. About `2 / (w + 1)` of the k-grams
//! become fingerprints.

use xxhash_rust::xxh3::xxh3_64;

/// The two lengths of winnowing, in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Tokens per k-gram: shorter shared runs are noise (a few tokens are
    /// common to every program).
    pub k: usize,
    /// Hashes per window: every shared run of `w + k - 1` tokens is found.
    pub w: usize,
}

impl Default for Params {
    /// k-grams of 15 tokens (about a statement), windows of 10: every shared
    /// run of 24 tokens is found (two or three lines of Rust).
    fn default() -> Self {
        Params { k: 15, w: 10 }
    }
}

impl Params {
    /// The shortest shared run that is always found.
    pub fn guarantee(&self) -> usize {
        self.w + self.k - 1
    }
}

/// The hash of each k-gram of `symbols`, in order (none if there are fewer
/// than `k` symbols).
pub fn kgram_hashes(symbols: &[u16], k: usize) -> Vec<u64> {
    assert!(k > 0, "k-grams of no token");
    let bytes: Vec<u8> = symbols.iter().flat_map(|s| s.to_le_bytes()).collect();
    (0..(symbols.len() + 1).saturating_sub(k))
        .map(|i| xxh3_64(&bytes[2 * i..2 * (i + k)]))
        .collect()
}

/// The positions (in `hashes`) of the fingerprints: in each window of `w`
/// hashes the least, the rightmost of equals, each position once, in order.
/// A sequence shorter than one window has its least hash as its fingerprint.
pub fn winnow(hashes: &[u64], w: usize) -> Vec<usize> {
    assert!(w > 0, "windows of no hash");
    let mut chosen: Vec<usize> = Vec::new();
    let windows = hashes.len().saturating_sub(w) + 1;
    for start in 0..windows.min(hashes.len()) {
        let window = &hashes[start..(start + w).min(hashes.len())];
        let mut least = 0;
        for (i, h) in window.iter().enumerate() {
            if *h <= window[least] {
                least = i;
            }
        }
        let at = start + least;
        if chosen.last() != Some(&at) {
            chosen.push(at);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_window_chooses_its_rightmost_least() {
        //           0  1  2  3  4  5  6  7
        let hashes = [5, 3, 9, 3, 8, 7, 1, 4];
        // Windows of 3: [5 3 9] → 1, [3 9 3] → 3, [9 3 8] → 3, [3 8 7] → 3,
        // [8 7 1] → 6, [7 1 4] → 6.
        assert_eq!(winnow(&hashes, 3), [1, 3, 6]);
        assert_eq!(winnow(&hashes[..2], 3), [1]);
        assert_eq!(winnow(&[], 3), Vec::<usize>::new());
    }

    #[test]
    fn a_shared_run_of_the_guaranteed_length_shares_a_fingerprint() {
        let params = Params { k: 4, w: 5 };
        let run: Vec<u16> = (100..100 + params.guarantee() as u16).collect();
        for before in 0..12u16 {
            let mut a: Vec<u16> = (0..before).collect();
            a.extend(&run);
            a.extend(500..520);
            let mut b: Vec<u16> = (1000..1030).collect();
            b.extend(&run);
            let prints = |s: &[u16]| -> Vec<u64> {
                let h = kgram_hashes(s, params.k);
                winnow(&h, params.w).into_iter().map(|i| h[i]).collect()
            };
            let (pa, pb) = (prints(&a), prints(&b));
            assert!(pa.iter().any(|h| pb.contains(h)), "run after {before}");
        }
    }

    #[test]
    fn kgrams_hash_their_symbols_only() {
        let a = kgram_hashes(&[1, 2, 3, 4, 1, 2, 3], 3);
        assert_eq!(a.len(), 5);
        assert_eq!(a[0], a[4]);
        assert_ne!(a[0], a[1]);
        assert!(kgram_hashes(&[1, 2], 3).is_empty());
    }
}
