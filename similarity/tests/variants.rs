// @solution-file
//! The reference Raft against copies of it made the way copiers make them:
//! every name changed and the layout and comments gone; the functions of
//! each `impl` in reverse order with other comments; a few functions written
//! anew. Each pairs with the reference by most of its code; code of another
//! service, and a Raft written independently (`tests/data`), share little
//! with it; and the handout's own code (its skeleton of the same files) never
//! counts.

use std::path::PathBuf;

use similarity::tokens::{NAME, tokens};
use similarity::{Base, Document, Params, overlap};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The files of `dir` (under the tree's root), by path.
fn files(dir: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let name = format!("{dir}/{}", p.file_name().unwrap().to_string_lossy());
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Every name spelt differently, every token on a line of its own, no
/// comment left.
fn renamed_and_reformatted(text: &str) -> String {
    tokens(text)
        .unwrap()
        .iter()
        .map(|t| {
            let word = &text[t.bytes.clone()];
            if t.symbol == NAME {
                format!("my_{}", word.chars().rev().collect::<String>())
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The items of each `impl` block in reverse order, with every comment line
/// replaced by another.
fn reordered_with_other_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("impl ") {
        let open = start + rest[start..].find("{\n").unwrap() + 2;
        let close = open + rest[open..].find("\n}\n").unwrap() + 1;
        out.push_str(&rest[..open]);
        let mut items: Vec<&str> = rest[open..close].split("\n\n").collect();
        items.reverse();
        out.push_str(&items.join("\n\n"));
        out.push('\n');
        rest = &rest[close..];
    }
    out.push_str(rest);
    out.lines()
        .map(|l| {
            let indent = &l[..l.len() - l.trim_start().len()];
            if l.trim_start().starts_with("//") {
                format!("{indent}// (a comment of the copier's own)")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn document(files: &[(String, String)], base: &Base) -> Document {
    let doc = Document::new(files, base, Params::default());
    assert!(doc.unreadable.is_empty(), "{:?}", doc.unreadable);
    doc
}

/// The handout's version of the reference's Raft: its skeleton alone.
fn handout_base() -> Base {
    let skeleton_text = std::fs::read_to_string(root().join("raft/src/peer/mod.rs")).unwrap();
    // Solution regions left out, skeleton regions uncommented.
    let (mut kept, mut solution, mut skeleton) = (String::new(), false, false);
    for line in skeleton_text.lines() {
        let t = line.trim_start();
        if t.starts_with("// @solution") {
            (solution, skeleton) = (true, false);
        } else if t.starts_with("// @skeleton") {
            (solution, skeleton) = (false, true);
        } else if t.starts_with("// @end") {
            (solution, skeleton) = (false, false);
        } else if skeleton {
            kept.push_str(t.strip_prefix("//").unwrap_or(t).trim_start_matches(' '));
            kept.push('\n');
        } else if !solution {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    let base = Base::new(&[("raft/src/peer/mod.rs".into(), kept)], Params::default());
    assert!(base.unreadable.is_empty(), "{:?}", base.unreadable);
    base
}

#[test]
fn copies_pair_with_the_reference_and_other_code_does_not() {
    let base = handout_base();
    let reference = files("raft/src/peer");
    let original = document(&reference, &base);
    let own = original.own_tokens() as f64 / original.all_tokens() as f64;
    assert!(
        own > 0.8 && own < 1.0,
        "the skeleton covers {:.0}% of the reference",
        100.0 * (1.0 - own)
    );

    let renamed: Vec<(String, String)> = reference
        .iter()
        .map(|(p, t)| (p.clone(), renamed_and_reformatted(t)))
        .collect();
    let reordered: Vec<(String, String)> = reference
        .iter()
        .map(|(p, t)| (p.clone(), reordered_with_other_comments(t)))
        .collect();
    let mut rewritten = reference.clone();
    for (path, text) in &mut rewritten {
        if path.ends_with("replication.rs") {
            let from = text.find("    pub(super) fn advance_commit").unwrap();
            let to = text.find("    pub(super) fn set_commit_index").unwrap();
            text.replace_range(
                from..to,
                "    pub(super) fn advance_commit(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {\n\
                 \x20       let last = self.log.last_index();\n\
                 \x20       let mut n = last;\n\
                 \x20       while n > self.commit_index {\n\
                 \x20           let holders = (0..self.peers).filter(|p| self.match_index[*p] >= n).count();\n\
                 \x20           if 2 * holders > self.peers && self.log.term_at(n) == Some(self.current_term) {\n\
                 \x20               self.set_commit_index(ctx, n);\n\
                 \x20               break;\n\
                 \x20           }\n\
                 \x20           n -= 1;\n\
                 \x20       }\n\
                 \x20   }\n\n",
            );
        }
    }
    let other_service = files("kvraft/src/server");
    let independent = vec![(
        "raft/src/peer/mod.rs".to_string(),
        std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/independent_raft.rs"),
        )
        .unwrap(),
    )];

    let share = |files: &[(String, String)]| {
        let o = overlap(&original, &document(files, &base));
        (100.0 * o.first.share, 100.0 * o.second.share)
    };
    let (r1, r2) = share(&renamed);
    assert!(
        r1 > 90.0 && r2 > 90.0,
        "renamed and reformatted: {r1:.0}% {r2:.0}%"
    );
    let (o1, o2) = share(&reordered);
    assert!(o1 > 80.0 && o2 > 80.0, "reordered: {o1:.0}% {o2:.0}%");
    let (w1, w2) = share(&rewritten);
    assert!(w1 > 80.0 && w1 < r1, "rewritten: {w1:.0}% {w2:.0}%");
    let (d1, d2) = share(&other_service);
    assert!(d1 < 15.0 && d2 < 15.0, "another service: {d1:.0}% {d2:.0}%");
    let (i1, i2) = share(&independent);
    assert!(
        i1 < 15.0 && i2 < 15.0,
        "an independent Raft: {i1:.0}% {i2:.0}%"
    );
    eprintln!(
        "reference against: renamed and reformatted {r1:.0}%/{r2:.0}%, reordered \
         {o1:.0}%/{o2:.0}%, one function rewritten {w1:.0}%/{w2:.0}%, another service \
         {d1:.0}%/{d2:.0}%, an independent Raft {i1:.0}%/{i2:.0}%; the skeleton covers {:.0}% \
         of the reference",
        100.0 * (1.0 - own)
    );

    // The skeleton itself counts for no one.
    let skeleton_only = Document::new(
        &[(
            "raft/src/peer/mod.rs".into(),
            "pub struct Peer {}\npub enum Timer {}\n".into(),
        )],
        &base,
        Params::default(),
    );
    assert_eq!(overlap(&original, &skeleton_only).shared, 0);
}
