// @solution-file
//! The handout check: the student version of this tree (the files git
//! tracks, alone in an empty directory) keeps nothing of the reference,
//! passes every test of the README's test command but the scenarios, which
//! fail as "not implemented" naming the part; graded as a submission, it
//! scores zero with those reasons. A file a test needs that git does not
//! track fails here.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The files under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            // A link is an entry of its own, never followed.
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

/// Makes `to` hold exactly the files of `from`: a file whose bytes are
/// already there is left as it is (with its modification time, so that
/// cargo knows it unchanged), every other is written, and a file `from`
/// lacks is removed (but for what runs in it wrote under `target`).
fn sync(from: &Path, to: &Path) {
    let wanted = files_under(from);
    if to.is_dir() {
        for stale in files_under(to) {
            if !wanted.contains(&stale) && !stale.starts_with("target") {
                std::fs::remove_file(to.join(stale)).unwrap();
            }
        }
    }
    for rel in &wanted {
        let bytes = std::fs::read(from.join(rel)).unwrap();
        let dest = to.join(rel);
        if std::fs::read(&dest).ok().as_ref() != Some(&bytes) {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(&dest, &bytes).unwrap();
        }
    }
}

#[test]
fn the_handout_builds_and_fails_as_not_implemented() {
    let grader = env!("CARGO_BIN_EXE_grading");
    let work = root().join("target/handout-check");
    std::fs::create_dir_all(&work).unwrap();
    // One check of this tree's handout at a time.
    let lock = std::fs::File::create(work.join("lock")).unwrap();
    lock.lock().unwrap();
    // The handout goes alone into a temporary directory, as a student would
    // receive it: nothing beside it, nothing of this tree reachable. The
    // directory is this tree's own, and a file that did not change since the
    // last check keeps its time there, so that cargo compiles again only
    // what changed (a whole handout compiled afresh is some two minutes).
    let alone = std::env::temp_dir().join(format!(
        "raftlab-handout-{}",
        &blake3::hash(root().as_os_str().as_encoded_bytes()).to_hex()[..12]
    ));
    // Made by this user, for this user alone: nothing another user put in
    // the shared temporary directory is read, written or removed.
    if !alone.exists() {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&alone)
            .unwrap();
    }
    let meta = std::fs::symlink_metadata(&alone).unwrap();
    assert!(
        meta.is_dir()
            && meta.uid() == std::fs::metadata(&work).unwrap().uid()
            && meta.mode() & 0o077 == 0,
        "{} is not a private directory of this user's: remove it",
        alone.display()
    );
    let handout = alone.join("handout");
    let fresh = alone.join(format!("fresh-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    let out = Command::new(grader)
        .arg("handout")
        .arg(&fresh)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sync(&fresh, &handout);
    std::fs::remove_dir_all(&fresh).unwrap();

    // Nothing of the reference is left.
    let files: Vec<PathBuf> = files_under(&handout)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .filter(|f| !f.components().any(|c| c.as_os_str() == "target"))
        .map(|f| handout.join(f))
        .collect();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let marker = text.lines().map(str::trim_start).find(|l| {
            ["// @solution", "// @skeleton", "// @end"]
                .iter()
                .any(|m| l.starts_with(m))
        });
        assert!(
            marker.is_none(),
            "{} keeps a marker: {marker:?}",
            f.display()
        );
    }
    for gone in [
        "raft/src/peer/log.rs",
        "raft/src/peer/replication.rs",
        "kvraft/src/server/state.rs",
        "grading/tests/e2e/broken.rs",
        "view/tests/every_scenario.rs",
        "grading/mutants.toml",
    ] {
        assert!(!handout.join(gone).exists(), "{gone} is reference-only");
    }
    let peer = std::fs::read_to_string(handout.join("raft/src/peer/mod.rs")).unwrap();
    assert!(peer.contains("todo!(\"2A:") && !peer.contains("advance_commit"));
    // Everything else is identical.
    for same in [
        "README.md",
        "labrpc/src/sim.rs",
        "tester/src/raft/part_2a.rs",
        "raft/src/contract.rs",
        "lincheck/testdata/expected.tsv",
    ] {
        assert_eq!(
            std::fs::read(handout.join(same)).unwrap(),
            std::fs::read(root().join(same)).unwrap(),
            "{same}"
        );
    }

    // The README's test command, as a student runs it first: everything
    // builds, and every test passes except the scenarios, which the student
    // has yet to make pass; each of those fails as not implemented. (The
    // dependencies this tree's own build compiled are lent to it, natively
    // and for WebAssembly; the handout's grader, run below, builds its
    // harness with the same selection of packages, so with the same features,
    // and compiles nothing again.)
    let target = work.join("target");
    let ours = root().join("target");
    wasmhost::build::lend_dependencies(&root(), &ours.join("release"), &target.join("release"))
        .unwrap();
    wasmhost::build::lend_module_dependencies(&root(), &ours.join("guest"), &target.join("guest"))
        .unwrap();
    let cargo = env!("CARGO");
    let tests = Command::new(cargo)
        .current_dir(&handout)
        .args(["test", "--release", "--no-fail-fast"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&tests.stdout);
    let stderr = String::from_utf8_lossy(&tests.stderr);
    assert!(!tests.status.success(), "scenarios passed in the handout");
    let failed_targets: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !(l.starts_with("error: ") && l.ends_with("failed:")))
        .skip(1)
        .map(str::trim)
        .take_while(|l| l.starts_with('`'))
        .collect();
    assert_eq!(
        failed_targets,
        ["`-p tester --test scenarios`"],
        "a test outside the scenarios fails in the handout:\n{stdout}\n{stderr}"
    );
    assert!(
        passed_count(&stdout) >= 150,
        "too few tests ran in the handout:\n{stdout}"
    );
    // The scenarios' binary is the one that failed: none of its tests passed,
    // and every failure printed is one of them.
    let failed_runs: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("test result: FAILED."))
        .collect();
    assert_eq!(failed_runs.len(), 1, "{stdout}");
    assert!(
        failed_runs[0].starts_with("test result: FAILED. 0 passed;"),
        "{stdout}"
    );
    let failures: Vec<&str> = stdout.split("\n---- ").skip(1).collect();
    assert!(failures.len() >= 40, "{stdout}");
    for f in failures {
        assert!(
            f.contains("not yet implemented: 2A"),
            "a scenario fails in the handout for another reason than the missing code:\n{f}"
        );
    }
    // The student code compiles natively too (the `native` features, which
    // rust-analyzer is told to use), though only WebAssembly runs it.
    let native = Command::new(cargo)
        .current_dir(&handout)
        .args(["check", "--release", "-p", "crosscheck"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        native.status.success(),
        "the handout's student code does not compile natively:\n{}",
        String::from_utf8_lossy(&native.stderr)
    );

    // Its grader (the binary the test command built for the grader's own
    // tests, `tests/cli.rs`) fails its scenarios as not implemented, naming
    // the part.
    for (test, part) in [("initial_election_2a", "2A"), ("basic_3a", "2A")] {
        let run = Command::new(target.join("release/grading"))
            .current_dir(&handout)
            .args(["run", "--test", test, "--seed", "1"])
            .env("CARGO", cargo)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(!run.status.success(), "{test} passed in the handout");
        assert!(
            stdout.contains(&format!("not yet implemented: {part}")),
            "{test}: {stdout}\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // Graded as a submission: zero points, with the reasons, and a valid results.json.
    let results = work.join(format!("results-{}.json", std::process::id()));
    let graded = Command::new(grader)
        .arg("--submission")
        .arg(&handout)
        .args([
            "--test",
            "initial_election_2a",
            "--test",
            "basic_agree_2b",
            "--timeout",
            "30",
        ])
        .arg("--gradescope")
        .arg(&results)
        .output()
        .unwrap();
    assert!(!graded.status.success());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(json["score"], 0.0);
    let tests = json["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    for t in tests {
        assert_eq!(t["score"], 0.0);
        assert!(
            t["output"]
                .as_str()
                .unwrap()
                .contains("not yet implemented: 2A"),
            "{t}"
        );
    }
    std::fs::remove_file(&results).unwrap();
}

/// The sum of the "N passed" counts of every test binary's summary line.
fn passed_count(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: "))
        .filter_map(|l| l.split("; ").next())
        .filter_map(|l| l.rsplit(' ').nth(1))
        .map(|n| n.parse::<usize>().unwrap())
        .sum()
}

#[test]
fn shards_are_disjoint_and_complete_and_merge_back() {
    let grader = env!("CARGO_BIN_EXE_grading");
    let dir = std::env::temp_dir().join(format!("raftlab-shards-{}", std::process::id()));
    let mut files = Vec::new();
    for k in 1..=3 {
        let file = dir.join(format!("shard{k}.json"));
        let out = Command::new(grader)
            .args([
                "--part",
                "2a",
                "--suite",
                "6.824",
                "--seeds",
                "2",
                "--shard",
                &format!("{k}/3"),
                "--json",
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        files.push(file);
    }
    let mut jobs: Vec<(String, u64)> = Vec::new();
    for f in &files {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for j in json["jobs"].as_array().unwrap() {
            jobs.push((
                j["test"].as_str().unwrap().to_string(),
                j["seed"].as_u64().unwrap(),
            ));
        }
    }
    jobs.sort();
    let before = jobs.len();
    jobs.dedup();
    assert_eq!(before, jobs.len(), "shards overlap");
    assert_eq!(jobs.len(), 3 * 2, "6.824's 3 scenarios of 2A × 2 seeds");
    let merged = dir.join("merged.xml");
    let out = Command::new(grader)
        .arg("merge")
        .args(&files)
        .arg("--junit")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("15.0/15.0"));
    assert!(
        std::fs::read_to_string(&merged)
            .unwrap()
            .contains("tests=\"6\"")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
