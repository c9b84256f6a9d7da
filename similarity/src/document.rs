//! A submission's code as fingerprints, with the handout's own code left out,
//! and the overlap of two submissions.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::tokens::{Token, tokens};
use crate::winnow::{Params, kgram_hashes, winnow};

/// One file of a submission.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its path, as the report names it.
    pub path: String,
    /// Its text.
    pub text: String,
    /// Its tokens.
    pub tokens: Vec<Token>,
    /// Which of its tokens a k-gram of the base covers: code the handout
    /// already holds, which never counts.
    pub base: Vec<bool>,
}

/// The handout's own code (skeletons, contracts): every k-gram of it, so that
/// a fingerprint found there counts for no one.
#[derive(Debug, Clone, Default)]
pub struct Base {
    hashes: BTreeSet<u64>,
    /// Files that are not Rust's tokens, and why: they are left out.
    pub unreadable: Vec<(String, String)>,
}

impl Base {
    /// The base made of `files` (path and text).
    pub fn new(files: &[(String, String)], params: Params) -> Base {
        let mut base = Base::default();
        for (path, text) in files {
            match tokens(text) {
                Ok(found) => {
                    let symbols: Vec<u16> = found.iter().map(|t| t.symbol).collect();
                    base.hashes.extend(kgram_hashes(&symbols, params.k));
                }
                Err(e) => base.unreadable.push((path.clone(), e)),
            }
        }
        base
    }
}

/// One fingerprint: a k-gram's hash and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Print {
    hash: u64,
    source: usize,
    token: usize,
}

/// A submission's sources and their fingerprints (those the base holds left
/// out).
#[derive(Debug, Clone)]
pub struct Document {
    /// Its files, in the order given.
    pub sources: Vec<Source>,
    /// Files that are not Rust's tokens, and why: they are left out.
    pub unreadable: Vec<(String, String)>,
    prints: Vec<Print>,
    params: Params,
}

impl Document {
    /// The document of `files` (path and text), without what `base` holds.
    pub fn new(files: &[(String, String)], base: &Base, params: Params) -> Document {
        let mut sources = Vec::new();
        let mut unreadable = Vec::new();
        let mut prints = Vec::new();
        for (path, text) in files {
            let found = match tokens(text) {
                Ok(found) => found,
                Err(e) => {
                    unreadable.push((path.clone(), e));
                    continue;
                }
            };
            let symbols: Vec<u16> = found.iter().map(|t| t.symbol).collect();
            let hashes = kgram_hashes(&symbols, params.k);
            let mut in_base = vec![false; found.len()];
            for (i, h) in hashes.iter().enumerate() {
                if base.hashes.contains(h) {
                    in_base[i..i + params.k].fill(true);
                }
            }
            let source = sources.len();
            prints.extend(
                winnow(&hashes, params.w)
                    .into_iter()
                    .filter(|&i| !base.hashes.contains(&hashes[i]))
                    .map(|i| Print {
                        hash: hashes[i],
                        source,
                        token: i,
                    }),
            );
            sources.push(Source {
                path: path.clone(),
                text: text.clone(),
                tokens: found,
                base: in_base,
            });
        }
        Document {
            sources,
            unreadable,
            prints,
            params,
        }
    }

    /// Its tokens that are its own (not covered by the base).
    pub fn own_tokens(&self) -> usize {
        self.sources
            .iter()
            .map(|s| s.base.iter().filter(|b| !**b).count())
            .sum()
    }

    /// All its tokens.
    pub fn all_tokens(&self) -> usize {
        self.sources.iter().map(|s| s.tokens.len()).sum()
    }

    /// The distinct hashes of its fingerprints.
    pub fn hashes(&self) -> BTreeSet<u64> {
        self.prints.iter().map(|p| p.hash).collect()
    }
}

/// A run of shared code: bytes of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The source's index in its document.
    pub source: usize,
    /// Its bytes, from the first shared token to the last of the run.
    pub bytes: Range<usize>,
}

/// One document's side of an overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// The share of the document's own tokens (those the base does not
    /// hold) that lie in a k-gram the other document also holds (0 to 1).
    pub share: f64,
    /// Where those tokens are, runs merged where they touch.
    pub regions: Vec<Region>,
}

/// What two documents share.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    /// Distinct fingerprints both hold.
    pub shared: usize,
    /// The first document's side.
    pub first: Side,
    /// The second's.
    pub second: Side,
    /// Which region of the first and which of the second hold a fingerprint
    /// in common (indices into their `regions`), in order.
    pub links: Vec<(usize, usize)>,
}

/// What `a` and `b` share.
pub fn overlap(a: &Document, b: &Document) -> Overlap {
    let (ha, hb) = (a.hashes(), b.hashes());
    let common: BTreeSet<u64> = ha.intersection(&hb).copied().collect();
    let (first, in_a) = covered(a, &common);
    let (second, in_b) = covered(b, &common);
    let mut links = BTreeSet::new();
    for hash in &common {
        for &ra in &in_a[hash] {
            for &rb in &in_b[hash] {
                links.insert((ra, rb));
            }
        }
    }
    Overlap {
        shared: common.len(),
        first,
        second,
        links: links.into_iter().collect(),
    }
}

/// `doc`'s side of an overlap whose common fingerprints are `common`, and
/// for each of those the regions that hold it.
fn covered(doc: &Document, common: &BTreeSet<u64>) -> (Side, BTreeMap<u64, BTreeSet<usize>>) {
    let k = doc.params.k;
    let shared: Vec<&Print> = doc
        .prints
        .iter()
        .filter(|p| common.contains(&p.hash))
        .collect();
    let mut marked: BTreeMap<usize, Vec<bool>> = BTreeMap::new();
    for p in &shared {
        let len = doc.sources[p.source].tokens.len();
        marked.entry(p.source).or_insert_with(|| vec![false; len])[p.token..p.token + k].fill(true);
    }
    let mut own_marked = 0;
    let mut regions: Vec<Region> = Vec::new();
    // For each marked source, the region of each of its tokens.
    let mut region_of: BTreeMap<usize, Vec<Option<usize>>> = BTreeMap::new();
    for (&s, marks) in &marked {
        let source = &doc.sources[s];
        let of = region_of
            .entry(s)
            .or_insert_with(|| vec![None; marks.len()]);
        let mut open = false;
        for (i, &m) in marks.iter().enumerate() {
            if !m {
                open = false;
                continue;
            }
            if !source.base[i] {
                own_marked += 1;
            }
            let bytes = &source.tokens[i].bytes;
            if open {
                regions.last_mut().unwrap().bytes.end = bytes.end;
            } else {
                regions.push(Region {
                    source: s,
                    bytes: bytes.clone(),
                });
                open = true;
            }
            of[i] = Some(regions.len() - 1);
        }
    }
    let mut holding: BTreeMap<u64, BTreeSet<usize>> = BTreeMap::new();
    for p in &shared {
        if let Some(r) = region_of[&p.source][p.token] {
            holding.entry(p.hash).or_default().insert(r);
        }
    }
    let own = doc.own_tokens();
    let share = if own == 0 {
        0.0
    } else {
        own_marked as f64 / own as f64
    };
    (Side { share, regions }, holding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str, base: &Base) -> Document {
        Document::new(
            &[("raft/src/peer/mod.rs".into(), text.into())],
            base,
            Params { k: 8, w: 4 },
        )
    }

    const ORIGINAL: &str = "
        fn advance_commit(&mut self) {
            let mut matched = self.match_index.clone();
            matched.sort_unstable();
            let majority = matched[(matched.len() - 1) / 2];
            if majority > self.commit_index && self.log.term_at(majority) == Some(self.current_term) {
                self.commit_index = majority;
                self.apply();
            }
        }
        fn on_timer(&mut self) {
            if self.role == Role::Leader { self.broadcast(); } else { self.stand(); }
        }";

    const COPIED: &str = "
        // Ticks.
        fn tick(&mut self) { if self.state == State::Boss { self.send_all(); } else { self.run(); } }
        /// Commit what a majority holds.
        fn bump(&mut self) {
            let mut m = self.acked.clone(); m.sort_unstable();
            let mid = m[(m.len() - 1) / 2];
            if mid > self.ci && self.entries.term_at(mid) == Some(self.term) { self.ci = mid; self.apply(); }
        }";

    const INDEPENDENT: &str = "
        fn commit_from_matches(&mut self) {
            for n in (self.commit_index + 1..=self.log.last_index()).rev() {
                let count = self.peers().filter(|p| self.match_index[*p] >= n).count();
                if count * 2 > self.peers().count() { self.commit_index = n; break; }
            }
        }";

    #[test]
    fn a_renamed_reordered_copy_shares_nearly_all_and_an_independent_one_little() {
        let base = Base::default();
        let original = doc(ORIGINAL, &base);
        let copy = overlap(&original, &doc(COPIED, &base));
        assert!(
            copy.first.share > 0.9 && copy.second.share > 0.9,
            "{copy:?}"
        );
        let other = overlap(&original, &doc(INDEPENDENT, &base));
        assert!(
            other.first.share < 0.2 && other.second.share < 0.2,
            "{other:?}"
        );
    }

    #[test]
    fn the_base_counts_for_no_one() {
        let params = Params { k: 8, w: 4 };
        let base = Base::new(&[("skeleton.rs".into(), ORIGINAL.into())], params);
        let original = doc(ORIGINAL, &base);
        assert_eq!(original.own_tokens(), 0);
        let copy = overlap(&original, &doc(COPIED, &base));
        assert_eq!(copy.shared, 0, "{copy:?}");
        assert_eq!(copy.first.share, 0.0);
    }

    #[test]
    fn regions_are_the_shared_code() {
        let base = Base::default();
        let original = doc(ORIGINAL, &base);
        let copied = doc(COPIED, &base);
        let shared = overlap(&original, &copied);
        let text = &original.sources[0].text;
        let shown: Vec<&str> = shared
            .first
            .regions
            .iter()
            .map(|r| &text[r.bytes.clone()])
            .collect();
        assert!(
            shown.iter().any(|s| s.contains("matched.sort_unstable()")),
            "{shown:?}"
        );
        // Each region of either side is linked to one of the other's.
        for r in 0..shared.first.regions.len() {
            assert!(shared.links.iter().any(|l| l.0 == r), "{:?}", shared.links);
        }
        for r in 0..shared.second.regions.len() {
            assert!(shared.links.iter().any(|l| l.1 == r), "{:?}", shared.links);
        }
    }

    #[test]
    fn an_unreadable_file_is_named_and_left_out() {
        let d = Document::new(
            &[
                ("a.rs".into(), "fn f() {".into()),
                ("b.rs".into(), ORIGINAL.into()),
            ],
            &Base::default(),
            Params::default(),
        );
        assert_eq!(d.unreadable.len(), 1);
        assert_eq!(d.unreadable[0].0, "a.rs");
        assert_eq!(d.sources.len(), 1);
    }
}
