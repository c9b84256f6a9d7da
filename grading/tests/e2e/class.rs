// @solution-file
//! `grading class` grades a class of four: a correct submission, a broken
//! one (its Raft panics in a handler), one that does not build and an empty
//! directory. Each gets its line with the right points or reason; a second
//! run grades nobody again, and changing one student's file regrades only
//! that student.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{reference_submission, root, student, with_fixture};

/// Grades the class in `class` into `out` (with more options `extra`);
/// returns stdout.
fn grade_class(class: &Path, out: &Path, extra: &[&str]) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_grading"))
        .arg("class")
        .arg(class)
        .arg("--out")
        .arg(out)
        .args(extra)
        // Seeds from 1000: the broken submission's fixture panics on them.
        .args(["--test", "initial_election_2a", "--seeds", "1"])
        .args(["--seed-start", "1000"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "grading class failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    stdout
}

#[test]
fn a_class_of_four_is_graded_once_each() {
    let class = root().join("target/class-test");
    if class.exists() {
        std::fs::remove_dir_all(&class).unwrap();
    }
    let out = root().join("target/class-test-out");
    if out.exists() {
        std::fs::remove_dir_all(&out).unwrap();
    }
    reference_submission("class-test/alice");
    with_fixture("class-test/bob", "hostile", "hostile::inject(ctx.rng())");
    let carol = reference_submission("class-test/carol");
    let mod_rs = carol.join("raft/src/peer/mod.rs");
    let text = std::fs::read_to_string(&mod_rs).unwrap();
    std::fs::write(&mod_rs, format!("{text}\nfn unfinished( {{\n")).unwrap();
    std::fs::create_dir_all(class.join("dora")).unwrap();

    let first = grade_class(&class, &out, &[]);
    assert!(first.contains("4 graded now, 0 up to date"), "{first}");
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("class.json")).unwrap()).unwrap();

    let alice = student(&table, "alice");
    assert_eq!(alice["score"], alice["max_score"], "{alice:#}");
    assert!(alice["max_score"].as_f64().unwrap() > 0.0);
    assert!(alice["failing"].as_array().unwrap().is_empty());

    let bob = student(&table, "bob");
    assert_eq!(bob["score"].as_f64(), Some(0.0), "{bob:#}");
    let failing = &bob["failing"][0];
    assert_eq!(failing["test"], "initial_election_2a");
    assert!(
        failing["replay"].as_str().unwrap().contains("--submission"),
        "{failing:#}"
    );
    let timeline = failing["timeline"].as_str().expect("a timeline");
    assert!(out.join(timeline).is_file(), "{timeline} is written");

    let carol = student(&table, "carol");
    assert_eq!(carol["score"].as_f64(), Some(0.0));
    assert!(
        carol["error"].as_str().unwrap().contains("does not build"),
        "{carol:#}"
    );
    let dora = student(&table, "dora");
    assert_eq!(dora["score"].as_f64(), Some(0.0));
    assert!(
        dora["error"].as_str().unwrap().contains("lacks"),
        "{dora:#}"
    );
    assert_eq!(dora["parts"]["2A"][1], alice["max_score"]);

    let csv = std::fs::read_to_string(out.join("class.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "a header and four students:\n{csv}");
    let html = std::fs::read_to_string(out.join("class.html")).unwrap();
    for name in ["alice", "bob", "carol", "dora"] {
        assert!(
            html.contains(&format!("<td>{name}</td>")),
            "{name} in the page"
        );
    }

    // Alice's, bob's and carol's code is the reference's (carol's mod.rs
    // is not Rust's tokens and is left out): listed as alike, each pair with
    // its page; dora has no code.
    let similar = table["similar"].as_array().unwrap();
    let pair = |a: &str, b: &str| {
        similar
            .iter()
            .find(|p| p["first"] == a && p["second"] == b)
            .unwrap_or_else(|| panic!("{a} and {b} are listed: {similar:#?}"))
    };
    let alice_bob = pair("alice", "bob");
    assert!(
        alice_bob["first_percent"].as_f64().unwrap() > 95.0,
        "{alice_bob:#}"
    );
    let page = std::fs::read_to_string(out.join(alice_bob["page"].as_str().unwrap())).unwrap();
    assert!(page.contains("raft/src/peer/") && page.contains("class=\"mark\""));
    pair("alice", "carol");
    assert!(
        !similar
            .iter()
            .any(|p| p["first"] == "dora" || p["second"] == "dora"),
        "{similar:#?}"
    );
    assert!(
        html.contains("id=\"similarity\"") && html.contains(alice_bob["page"].as_str().unwrap())
    );
    assert!(
        csv.lines().nth(1).unwrap().contains("bob ("),
        "alice's line names bob:\n{csv}"
    );

    // Nothing changed: nobody is graded again.
    let second = grade_class(&class, &out, &[]);
    assert!(second.contains("0 graded now, 4 up to date"), "{second}");

    // Against a known solution (the reference, as a solution of an earlier
    // year): nobody is graded again, and the three pair with it; a corpus
    // with no solution in it is an error.
    let corpus = root().join("target/class-test-corpus");
    let _ = std::fs::remove_dir_all(&corpus);
    reference_submission("class-test-corpus/2025");
    let known = grade_class(&class, &out, &["--corpus", corpus.to_str().unwrap()]);
    assert!(known.contains("0 graded now, 4 up to date"), "{known}");
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("class.json")).unwrap()).unwrap();
    for name in ["alice", "bob", "carol"] {
        assert!(
            table["similar"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["first"] == name && p["second"] == "known:2025"),
            "{name} and the known solution: {:#}",
            table["similar"]
        );
    }
    let empty = root().join("target/class-test-corpus-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_grading"))
        .arg("class")
        .arg(&class)
        .arg("--out")
        .arg(&out)
        .arg("--corpus")
        .arg(&empty)
        .args([
            "--test",
            "initial_election_2a",
            "--seeds",
            "1",
            "--seed-start",
            "1000",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("holds no solution directories"),
        "{stderr}"
    );

    // Alice changes a file: only she is graded again.
    let alice_mod = class.join("alice/raft/src/peer/mod.rs");
    let text = std::fs::read_to_string(&alice_mod).unwrap();
    std::fs::write(&alice_mod, format!("{text}\n// one more line\n")).unwrap();
    let third = grade_class(&class, &out, &[]);
    assert!(third.contains("1 graded now, 3 up to date"), "{third}");

    // Two shards on two machines, merged: the second half's reports copied
    // beside the first's, and one more run grades nobody and writes the table.
    let (a, b) = (out.with_extension("shard1"), out.with_extension("shard2"));
    for dir in [&a, &b] {
        let _ = std::fs::remove_dir_all(dir);
    }
    let first_half = grade_class(&class, &a, &["--shard", "1/2"]);
    assert!(
        first_half.contains("2 graded now, 0 up to date, 2 not graded"),
        "{first_half}"
    );
    let second_half = grade_class(&class, &b, &["--shard", "2/2"]);
    assert!(second_half.contains("2 graded now"), "{second_half}");
    for entry in std::fs::read_dir(b.join("students")).unwrap() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "json") {
            std::fs::copy(entry.path(), a.join("students").join(entry.file_name())).unwrap();
        }
    }
    let merged = grade_class(&class, &a, &[]);
    assert!(
        merged.contains("0 graded now, 4 up to date, 0 not graded"),
        "{merged}"
    );
}
