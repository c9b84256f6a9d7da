// @solution-file
//! Incomplete implementations score what they earn: the reference with one
//! part of snapshotting left out (see `fixtures/incomplete.rs`) fails every
//! scenario whose premise that part is, with the premise (or the check that
//! catches it) named. In particular a kv server that never snapshots scores
//! 0 of 55 on 3B.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{copy_dir, patch, reference_submission, root};

use crate::variants::VARIANTS;

fn submission() -> std::path::PathBuf {
    let dir = reference_submission("incomplete-submission");
    for module in ["raft/src/peer", "kvraft/src/server"] {
        std::fs::copy(
            root().join("grading/tests/fixtures/incomplete.rs"),
            dir.join(module).join("incomplete.rs"),
        )
        .unwrap();
        let mod_rs = dir.join(module).join("mod.rs");
        let mut text = std::fs::read_to_string(&mod_rs).unwrap();
        text.push_str("\nmod incomplete;\n");
        std::fs::write(&mod_rs, text).unwrap();
    }
    patch(
        &dir.join("kvraft/src/server/mod.rs"),
        &[(
            "ctx.snapshot(self.store.last_applied, self.store.encode());",
            "if !incomplete::missing(ctx.rng(), \"never_snapshots\") { ctx.snapshot(self.store.last_applied, self.store.encode()); }",
        )],
    );
    patch(
        &dir.join("raft/src/peer/replication.rs"),
        &[(
            "        if next <= self.log.snapshot_index() {\n",
            "        if next <= self.log.snapshot_index() {\n            if super::incomplete::missing(ctx.rng(), \"never_sends_install_snapshot\") { return; }\n",
        )],
    );
    patch(
        &dir.join("raft/src/peer/mod.rs"),
        &[(
            "ctx.persist_with_snapshot(state, self.snapshot.clone());",
            "if incomplete::missing(ctx.rng(), \"never_persists_snapshot\") { ctx.persist(state); } else { ctx.persist_with_snapshot(state, self.snapshot.clone()); }",
        )],
    );
    patch(
        &dir.join("raft/src/peer/snapshot.rs"),
        &[(
            "        if args.last_included_index <= self.commit_index {\n            return reply;\n        }\n",
            "        if args.last_included_index <= self.commit_index {\n            return reply;\n        }\n        if super::incomplete::missing(ctx.rng(), \"ignores_installed_snapshot\") { return reply; }\n",
        )],
    );
    dir
}

/// The scenarios each variant must fail (on every seed): those whose premise,
/// or whose check, is the part it leaves out.
fn must_fail(variant: &str) -> Vec<&'static str> {
    let installs = [
        "snapshot_install_2d",
        "snapshot_install_unreliable_2d",
        "snapshot_install_crash_2d",
        "snapshot_install_uncrash_2d",
        "hostile_snapshots_2d",
        "snapshot_one_past_commit_2d",
        "snapshot_rpc_3b",
    ];
    match variant {
        "never_snapshots" => vec![
            "snapshot_rpc_3b",
            "snapshot_size_3b",
            "speed_3b",
            "snapshot_recover_3b",
            "snapshot_recover_many_clients_3b",
            "snapshot_unreliable_3b",
            "snapshot_unreliable_recover_3b",
            "snapshot_unreliable_recover_concurrent_partition_3b",
            "snapshot_unreliable_recover_concurrent_partition_linearizable_3b",
            "duplicated_requests_snapshots_3b",
            "retried_write_after_snapshot_restart_3b",
        ],
        "never_sends_install_snapshot" | "ignores_installed_snapshot" => installs.to_vec(),
        "never_persists_snapshot" => vec![
            "snapshot_install_crash_2d",
            "snapshot_install_uncrash_2d",
            "snapshot_all_crash_2d",
            "snapshot_init_2d",
            "snapshot_recover_3b",
            "snapshot_recover_many_clients_3b",
            "snapshot_unreliable_recover_3b",
            "snapshot_unreliable_recover_concurrent_partition_3b",
            "snapshot_unreliable_recover_concurrent_partition_linearizable_3b",
            "hostile_snapshots_2d",
            "duplicated_requests_snapshots_3b",
            "retried_write_after_snapshot_restart_3b",
        ],
        other => panic!("no expectations for {other}"),
    }
}

#[test]
fn each_incomplete_implementation_fails_the_scenarios_whose_premise_it_breaks() {
    let dir = submission();
    let mut table = String::new();
    for (k, variant) in VARIANTS.iter().enumerate() {
        let out_dir = root().join(format!("target/incomplete-graded/{variant}"));
        let _ = std::fs::remove_dir_all(&out_dir);
        let seed_start = 1000 * (k as u64 + 1);
        let out = Command::new(env!("CARGO_BIN_EXE_grading"))
            .arg("--submission")
            .arg(&dir)
            .args([
                "--part",
                "2d",
                "--part",
                "3b",
                "--seeds",
                "2",
                "--no-timelines",
            ])
            // A follower that ignores snapshots keeps its leader sending them
            // for the whole wall-clock limit: keep that short.
            .args(["--timeout", "15"])
            .arg("--seed-start")
            .arg(seed_start.to_string())
            .arg("--json")
            .arg(out_dir.join("report.json"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{variant}: {stderr}");
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
                .unwrap();
        let jobs = report["jobs"].as_array().unwrap();
        // 2D: 6.824's 7 scenarios and raftlab's 4; 3B: 6.824's 9 and raftlab's 2.
        assert_eq!(jobs.len(), 22 * 2, "{variant}: 2D and 3B, two seeds each");
        let expected = must_fail(variant);
        let mut failed_scenarios = Vec::new();
        for job in jobs {
            let test = job["test"].as_str().unwrap();
            let passed = job["outcome"] == "passed";
            if expected.contains(&test) {
                assert!(!passed, "{variant}: {test} passed: {job}");
            }
            if !passed && !failed_scenarios.contains(&test) {
                failed_scenarios.push(test);
                table.push_str(&format!(
                    "{variant:<30} {test:<66} {}\n",
                    job["reason"]
                        .as_str()
                        .unwrap_or("")
                        .chars()
                        .take(120)
                        .collect::<String>()
                ));
            }
        }
        if *variant == "never_snapshots" {
            // Its Raft is whole: 2D scores all 65 points, 3B none of its 65.
            assert!(
                jobs.iter()
                    .filter(|j| j["part"] == "3B")
                    .all(|j| j["outcome"] != "passed"),
                "a 3B job passed"
            );
            assert_eq!(report["score"], 65.0, "{variant}");
            assert_eq!(report["max_score"], 130.0, "{variant}");
        }
    }
    eprintln!("{table}");
}

/// Grades `dir` on `part` with two seeds and checks that every job fails as
/// not yet implemented, naming `missing`, for 0 of `points`.
fn fails_as_not_implemented(
    dir: &Path,
    name: &str,
    part: &str,
    jobs: usize,
    missing: &str,
    points: f64,
) {
    let out_dir = root().join(format!("target/{name}-graded"));
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = Command::new(env!("CARGO_BIN_EXE_grading"))
        .arg("--submission")
        .arg(dir)
        .args(["--part", part, "--seeds", "2", "--no-timelines", "--json"])
        .arg(out_dir.join("report.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let graded = report["jobs"].as_array().unwrap();
    assert_eq!(graded.len(), jobs * 2, "{part}'s scenarios, two seeds each");
    for job in graded {
        assert_eq!(job["part"], part.to_uppercase(), "{job}");
        assert_ne!(job["outcome"], "passed", "{job}");
        let reason = job["reason"].as_str().unwrap();
        assert!(
            reason.contains(&format!("not yet implemented: {missing}")),
            "{job}"
        );
    }
    assert_eq!(report["score"], 0.0);
    assert_eq!(report["max_score"], points);
}

/// A Lab 2 and 3 submission (no Lab 4 directories) is built with the
/// handout's skeletons there: it builds, and 4A fails as not yet
/// implemented, naming the part, for 0 of its points.
#[test]
fn a_submission_without_the_lab_4_directories_fails_4a_as_not_implemented() {
    let dir = reference_submission("lab3-submission");
    assert!(!dir.join("shardctrler").exists());
    fails_as_not_implemented(&dir, "lab3", "4a", 5, "4A", 35.0);
}

/// A submission with the controller but no shardkv directories fails 4B as
/// not yet implemented.
#[test]
fn a_submission_without_shardkv_fails_4b_as_not_implemented() {
    let dir = reference_submission("lab4a-submission");
    for d in ["shardctrler/src/server", "shardctrler/src/clerk"] {
        copy_dir(&root().join(d), &dir.join(d));
    }
    assert!(!dir.join("shardkv").exists());
    fails_as_not_implemented(&dir, "lab4a", "4b", 11, "4B", 110.0);
}
