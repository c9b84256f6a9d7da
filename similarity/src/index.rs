//! Many documents' fingerprints indexed by hash: the pairs that share code,
//! found without comparing every pair.
//!
//! A fingerprint that most of a class holds is an idiom of the language or
//! of the lab, not a sign of copying: hashes held by more than a set number
//! of documents are not counted (MOSS's `-m`).

use std::collections::BTreeMap;

use crate::document::Document;

/// A candidate pair: two documents (by their order of addition) and how
/// many distinct fingerprints they share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// The first document (added before the second).
    pub first: usize,
    /// The second document.
    pub second: usize,
    /// Distinct fingerprints both hold, idioms not counted.
    pub shared: usize,
}

/// The documents of a class, and of known solutions, by fingerprint.
#[derive(Debug, Default)]
pub struct Index {
    /// For each document, whether it is a known solution (a corpus document):
    /// two of those are never paired.
    corpus: Vec<bool>,
    /// For each document, how many distinct fingerprints it has.
    counts: Vec<usize>,
    /// Each hash's documents, in order of addition, each once.
    holders: BTreeMap<u64, Vec<usize>>,
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// Adds `doc` (a known solution if `corpus`), and returns its number.
    pub fn add(&mut self, doc: &Document, corpus: bool) -> usize {
        let n = self.corpus.len();
        let hashes = doc.hashes();
        self.corpus.push(corpus);
        self.counts.push(hashes.len());
        for hash in hashes {
            self.holders.entry(hash).or_default().push(n);
        }
        n
    }

    /// How many documents it holds.
    pub fn len(&self) -> usize {
        self.corpus.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.corpus.is_empty()
    }

    /// The pairs of [`Index::pairs`] that can share `min_percent` of one's
    /// code: those whose fingerprints in common are at least half that share
    /// of the smaller one's, so that [`crate::overlap`] is worked out only
    /// where it may matter.
    pub fn likely_pairs(
        &self,
        min_percent: f64,
        min_shared: usize,
        max_holders: usize,
    ) -> Vec<Pair> {
        self.pairs(min_shared, max_holders)
            .into_iter()
            .filter(|p| {
                let smaller = self.counts[p.first].min(self.counts[p.second]).max(1);
                200.0 * p.shared as f64 >= min_percent * smaller as f64
            })
            .collect()
    }

    /// Every pair that shares at least `min_shared` fingerprints held by at
    /// most `max_holders` documents, most shared first (then in order of
    /// addition); pairs of two corpus documents are left out.
    pub fn pairs(&self, min_shared: usize, max_holders: usize) -> Vec<Pair> {
        let mut counts: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for docs in self.holders.values() {
            if docs.len() < 2 || docs.len() > max_holders {
                continue;
            }
            for (i, &a) in docs.iter().enumerate() {
                for &b in &docs[i + 1..] {
                    if !(self.corpus[a] && self.corpus[b]) {
                        *counts.entry((a, b)).or_default() += 1;
                    }
                }
            }
        }
        let mut pairs: Vec<Pair> = counts
            .into_iter()
            .filter(|&(_, shared)| shared >= min_shared.max(1))
            .map(|((first, second), shared)| Pair {
                first,
                second,
                shared,
            })
            .collect();
        pairs.sort_by(|x, y| {
            y.shared
                .cmp(&x.shared)
                .then((x.first, x.second).cmp(&(y.first, y.second)))
        });
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Base, Params};

    /// A made-up Rust function of `n` statements, each a random expression:
    /// programs of different seeds share only short runs of tokens.
    fn program(seed: u64, n: usize) -> String {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let mut text = String::from("fn f(a: u64, b: u64) -> u64 {\n    let mut v = a;\n");
        for _ in 0..n {
            let mut expr = String::from("v");
            for _ in 0..1 + next(4) {
                let op = ["+", "-", "*", "/", "%", "^", "&", "|"][next(8) as usize];
                expr = match next(3) {
                    0 => format!("({expr} {op} b)"),
                    1 => format!("g({expr}, a {op} 1)"),
                    _ => format!("[{expr}, a][(b {op} 2) as usize]"),
                };
            }
            text.push_str(&format!("    v = {expr};\n"));
        }
        text.push_str("    v\n}\n");
        text
    }

    fn doc(text: &str) -> Document {
        Document::new(
            &[("raft/src/peer/mod.rs".into(), text.into())],
            &Base::default(),
            Params::default(),
        )
    }

    #[test]
    fn a_copy_shares_all_its_originals_fingerprints_and_known_solutions_are_not_paired() {
        let mut index = Index::new();
        let docs: Vec<Document> = (1..=20).map(|s| doc(&program(s, 60))).collect();
        for d in &docs {
            index.add(d, false);
        }
        let copy = program(7, 60).replace('v', "value").replace('g', "mix");
        let copied = index.add(&doc(&copy), false);
        let known = index.add(&docs[2], true);
        let also_known = index.add(&docs[2], true);
        let pairs = index.pairs(1, index.len());
        let shared = |a: usize, b: usize| {
            pairs
                .iter()
                .find(|p| (p.first, p.second) == (a, b))
                .map_or(0, |p| p.shared)
        };
        // The renamed copy holds all its original's fingerprints, as does a
        // known solution identical to one of the class's.
        assert_eq!(shared(6, copied), docs[6].hashes().len());
        assert_eq!(shared(2, known), docs[2].hashes().len());
        assert_eq!(shared(known, also_known), 0, "two known solutions paired");
        // Independent programs share a few short runs at most.
        let most = pairs
            .iter()
            .filter(|p| p.second < 20)
            .map(|p| p.shared)
            .max()
            .unwrap_or(0);
        assert!(4 * most < docs[6].hashes().len(), "{pairs:?}");
        // The copies are likely to share 30% of their code, and few others.
        let likely: Vec<(usize, usize)> = index
            .likely_pairs(30.0, 1, index.len())
            .iter()
            .map(|p| (p.first, p.second))
            .collect();
        assert_eq!(likely[..3], [(2, known), (2, also_known), (6, copied)]);
        assert!(
            likely.len() < pairs.len() / 4,
            "{} of {}",
            likely.len(),
            pairs.len()
        );
    }

    #[test]
    fn idioms_held_by_too_many_are_not_counted() {
        let mut index = Index::new();
        for _ in 0..5 {
            index.add(&doc(&program(3, 30)), false);
        }
        assert_eq!(index.pairs(1, 5).len(), 10);
        assert!(index.pairs(1, 4).is_empty());
    }
}
