// @solution-file
//! The red team: submissions that attack the grader instead of implementing
//! Raft. Each attack (see `fixtures/hostile.rs`) must score nothing, must be
//! stopped where it acts ("blocked: ..." in its job's reason, never "ATTACK
//! SUCCEEDED"), and must leave the grader's tree, its cached builds and its
//! reports as they were; the grader itself finishes normally. Attacks made at
//! compile time (`include_bytes!` and `#[path]` aimed at instructor-only files)
//! must fail to build.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{reference_submission, root, with_fixture};

/// The fixture itself, for its list of attacks (seeds 101.. in that order).
#[path = "fixtures/hostile.rs"]
#[allow(dead_code)]
mod hostile;
use hostile::{ATTACKS, PORT};

/// Every file under `dir` with its contents.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(snapshot(&path));
            } else {
                let bytes = std::fs::read(&path).unwrap_or_default();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

fn grade(submission: &Path, out_dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let _ = std::fs::remove_dir_all(out_dir);
    let out = Command::new(env!("CARGO_BIN_EXE_grading"))
        .arg("--submission")
        .arg(submission)
        .args(extra)
        .arg("--json")
        .arg(out_dir.join("report.json"))
        .arg("--gradescope")
        .arg(out_dir.join("results.json"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_runtime_attack_is_stopped_and_scores_nothing() {
    let submission = with_fixture("red-team-submission", "hostile", "hostile::inject()");
    let out_dir = root().join("target/red-team-graded");
    let listener = TcpListener::bind(("127.0.0.1", PORT)).expect("the test's port is free");
    listener.set_nonblocking(true).unwrap();
    let _ = std::fs::remove_file(root().join("target/red-team-pwned"));
    let _ = std::fs::remove_file("/tmp/raftlab-kept-state");
    // Build first (and cache), so that the cache can be watched.
    let (code, stderr) = grade(&submission, &out_dir, &["--test", "initial_election_2a"]);
    assert_eq!(code, Some(0), "the unattacked seed 1 passes: {stderr}");
    let tree_before = std::fs::read(root().join("README.md")).unwrap();
    let cache = root().join("target/submissions/bin");
    let cache_before = snapshot(&cache);
    assert!(!cache_before.is_empty());

    let (code, stderr) = grade(
        &submission,
        &out_dir,
        &[
            "--test",
            "initial_election_2a",
            "--seed-start",
            "101",
            "--seeds",
            &ATTACKS.len().to_string(),
            "--timeout",
            "20",
            "--no-timelines",
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["score"], 0.0, "{report}");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("results.json")).unwrap())
            .unwrap();
    assert_eq!(results["score"], 0.0);
    let jobs = report["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), ATTACKS.len());
    let mut table = String::new();
    for (job, attack) in jobs.iter().zip(ATTACKS) {
        assert_ne!(job["outcome"], "passed", "{attack}: {job}");
        let reason = job["reason"].as_str().unwrap();
        table.push_str(&format!("{attack:<16} {:<10} {reason}\n", job["outcome"]));
        assert!(!reason.contains("ATTACK SUCCEEDED"), "{attack}: {reason}");
        match attack {
            "forge" => assert!(
                reason.contains("without a sealed result")
                    || reason.contains("did not carry its sealed result"),
                "{attack}: {reason}"
            ),
            "flood" => assert!(reason.contains("flooded 100 MB"), "{attack}: {reason}"),
            _ => assert!(reason.contains("blocked: "), "{attack}: {reason}"),
        }
    }
    eprintln!("{table}");
    // Nothing outside the job changed.
    assert!(!root().join("target/red-team-pwned").exists());
    assert!(!Path::new("/tmp/raftlab-kept-state").exists());
    assert_eq!(
        std::fs::read(root().join("README.md")).unwrap(),
        tree_before
    );
    assert_eq!(
        snapshot(&cache),
        cache_before,
        "the cached harnesses changed"
    );
    assert!(
        listener.accept().is_err(),
        "a job connected to 127.0.0.1:{PORT}"
    );
}

#[test]
fn compiling_in_an_instructor_only_file_fails_to_build() {
    for (name, code) in [
        (
            "include-bytes",
            "pub const STOLEN: &[u8] = include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../../../raft/src/peer/log.rs\"));\n",
        ),
        (
            "path-module",
            "#[path = \"../../../../../../raft/src/peer/log.rs\"]\npub mod stolen;\n",
        ),
    ] {
        let dir = reference_submission(&format!("red-team-{name}"));
        let election = dir.join("raft/src/peer/mod.rs");
        let mut text = std::fs::read_to_string(&election).unwrap();
        text.push_str(code);
        std::fs::write(&election, text).unwrap();
        let out_dir = root().join(format!("target/red-team-graded-{name}"));
        let (code, stderr) = grade(&dir, &out_dir, &["--part", "2a"]);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stderr.contains("does not build"), "{name}: {stderr}");
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report["score"], 0.0);
        let error = report["error"].as_str().unwrap();
        assert!(
            error.contains("couldn't read") && error.contains("Permission denied"),
            "{name}: not stopped by the build's sandbox: {error}"
        );
        assert!(
            !error.contains("pub fn") && !error.contains("impl "),
            "{name}: the build's error shows the file's code: {error}"
        );
    }
}
