//! Which students of a class share code, with one another or with known
//! solutions (`grading class --corpus DIR`): each submission's student files
//! as fingerprints (crate `similarity`), the handout's own code left out, the
//! pairs that share code found by hash, and a side-by-side page for each pair
//! listed. Evidence for a person to read: nothing here changes a score.

use std::path::{Path, PathBuf};

use serde::Serialize;
use similarity::{Base, Document, Index, Params};

use crate::handout;
use crate::reports::write_file;
use crate::submission;

/// A pair listed: one of them shares at least the threshold of its own code
/// with the other.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarPair {
    /// A student.
    pub first: String,
    /// Another student, or a known solution (`known:NAME`).
    pub second: String,
    /// The share of the first's own code (beyond the handout's) that the
    /// second also holds, in percent.
    pub first_percent: f64,
    /// The same, of the second's.
    pub second_percent: f64,
    /// Distinct fingerprints both hold.
    pub fingerprints: usize,
    /// Their side-by-side page, relative to the class's reports (the
    /// [`MAX_PAGES`] most alike pairs have one).
    pub page: Option<String>,
}

/// At most this many pair pages are written (each holds both sides' files
/// in full): a class half of which copied one public solution has tens of
/// thousands of pairs, and the most alike are the ones to read.
pub const MAX_PAGES: usize = 500;

/// A fingerprint held by more documents than this share of them (and at
/// least [`MIN_HOLDERS`]) is an idiom of the lab, not a sign of copying.
const IDIOM_SHARE: usize = 4;
const MIN_HOLDERS: usize = 10;
/// Fewer fingerprints in common than this is noise, whatever the share.
const MIN_FINGERPRINTS: usize = 3;

/// The pairs among `students` (and between them and the known solutions of
/// `corpus`, one directory per solution) of which one shares at least
/// `min_percent` of its own code with the other, most alike first; the pages
/// of the [`MAX_PAGES`] most alike are written under `out/similarity/`.
pub fn pairs(
    root: &Path,
    students: &[(String, PathBuf)],
    corpus: Option<&Path>,
    min_percent: f64,
    out: &Path,
) -> Result<Vec<SimilarPair>, String> {
    let params = Params::default();
    // A file of the handout that is not Rust's tokens (test data, say) can
    // hold nothing a student copies from the handout: it is left out.
    let base = Base::new(&handout_sources(root)?, params);
    let mut names = Vec::new();
    let mut docs = Vec::new();
    let mut index = Index::new();
    for (name, dir) in students {
        let doc = Document::new(&submission_sources(dir), &base, params);
        index.add(&doc, false);
        names.push(name.clone());
        docs.push(doc);
    }
    if let Some(corpus) = corpus {
        for (name, dir) in known_solutions(corpus)? {
            let doc = Document::new(&submission_sources(&dir), &base, params);
            index.add(&doc, true);
            names.push(format!("known:{name}"));
            docs.push(doc);
        }
    }
    let pages = out.join("similarity");
    if pages.exists() {
        std::fs::remove_dir_all(&pages).map_err(|e| format!("{}: {e}", pages.display()))?;
    }
    let max_holders = MIN_HOLDERS.max(docs.len() / IDIOM_SHARE);
    let mut listed = Vec::new();
    for pair in index.likely_pairs(min_percent, MIN_FINGERPRINTS, max_holders) {
        let overlap = similarity::overlap(&docs[pair.first], &docs[pair.second]);
        if 100.0 * overlap.first.share.max(overlap.second.share) < min_percent {
            continue;
        }
        listed.push((pair.first, pair.second, overlap));
    }
    listed.sort_by(|x, y| {
        let key = |o: &similarity::Overlap| o.first.share.max(o.second.share);
        key(&y.2).total_cmp(&key(&x.2))
    });
    let mut similar = Vec::new();
    for (n, (a, b, overlap)) in listed.into_iter().enumerate() {
        let (na, nb) = (&names[a], &names[b]);
        let page = if n < MAX_PAGES {
            let file = format!("{}--{}.html", na.replace(':', "-"), nb.replace(':', "-"));
            write_file(
                &pages.join(&file),
                &similarity::pair_page(na, &docs[a], nb, &docs[b], &overlap),
            )?;
            Some(format!("similarity/{file}"))
        } else {
            None
        };
        similar.push(SimilarPair {
            first: na.clone(),
            second: nb.clone(),
            first_percent: 100.0 * overlap.first.share,
            second_percent: 100.0 * overlap.second.share,
            fingerprints: overlap.shared,
            page,
        });
    }
    Ok(similar)
}

/// Every Rust file of the handout (the tree's files as students receive
/// them), as path and text.
fn handout_sources(root: &Path) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    for rel in handout::tracked_files(root)? {
        let name = rel.to_string_lossy().into_owned();
        if !name.ends_with(".rs") {
            continue;
        }
        let text = std::fs::read_to_string(root.join(&rel))
            .map_err(|e| format!("{}: {e}", root.join(&rel).display()))?;
        if let Some(handed_out) = handout::transform(&name, &text)? {
            files.push((name, handed_out));
        }
    }
    Ok(files)
}

/// The Rust files of a submission's student directories, as path and text
/// (a file that cannot be read as text is left out: it cannot be compared).
fn submission_sources(dir: &Path) -> Vec<(String, String)> {
    submission::student_files(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, rel)| rel.extension().is_some_and(|e| e == "rs"))
        .filter_map(|(from, rel)| {
            let text = std::fs::read_to_string(from).ok()?;
            Some((rel.to_string_lossy().into_owned(), text))
        })
        .collect()
}

/// The known solutions of `corpus`: one directory per solution, by name (as
/// a class's students are listed).
fn known_solutions(corpus: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let found = crate::class::list_students(corpus)
        .map_err(|e| format!("the corpus {}: {e}", corpus.display()))?;
    if found.is_empty() {
        return Err(format!(
            "the corpus {} holds no solution directories (one per solution, laid out as a \
             submission)",
            corpus.display()
        ));
    }
    Ok(found)
}
