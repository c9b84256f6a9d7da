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

use crate::common::{reference_submission, root, with_fixture};

use crate::hostile::{ATTACKS, PORT};

/// Every file under `dir` but those being written with a hash of its
/// contents (read one file at a time: the cache holds gigabytes of
/// harnesses).
fn snapshot(dir: &Path) -> Vec<(PathBuf, [u8; 32])> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            // A module being written by a concurrent build, renamed when done.
            if path.extension().is_some_and(|e| e == "partial") {
                continue;
            }
            if path.is_dir() {
                out.extend(snapshot(&path));
            } else {
                let hash = *blake3::hash(&std::fs::read(&path).unwrap_or_default()).as_bytes();
                out.push((path, hash));
            }
        }
    }
    out.sort();
    out
}

/// Fails unless every file of `before` is in `after` with the same contents.
/// (Files may be added: the other tests of this binary fill the same cache.)
fn assert_kept(before: &[(PathBuf, [u8; 32])], after: &[(PathBuf, [u8; 32])], what: &str) {
    let changed: Vec<&PathBuf> = before
        .iter()
        .filter(|entry| after.binary_search(entry).is_err())
        .map(|(path, _)| path)
        .collect();
    assert!(
        changed.is_empty(),
        "{what}: cached files changed or removed: {changed:?}"
    );
}

fn grade(submission: &Path, out_dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let _ = std::fs::remove_dir_all(out_dir);
    let seeds: &[&str] = if extra.contains(&"--seeds") {
        &[]
    } else {
        &["--seeds", "1"]
    };
    let out = Command::new(env!("CARGO_BIN_EXE_grading"))
        .arg("--submission")
        .arg(submission)
        .args(extra)
        .args(seeds)
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
    let submission = with_fixture(
        "red-team-submission",
        "hostile",
        "hostile::inject(ctx.rng())",
    );
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
            // In a WebAssembly guest, the forgery never reaches a channel:
            // its exit is refused.
            "forge" => assert!(
                reason.contains("without a sealed result")
                    || reason.contains("did not carry its sealed result")
                    || reason.contains("called std::process::exit(0)"),
                "{attack}: {reason}"
            ),
            // Every address the guest names is its own: past the end of
            // its memory, the runtime stops it.
            "memory" => assert!(
                reason.contains("out of bounds memory access") && !reason.contains("PRIMITIVE"),
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
    assert_kept(&cache_before, &snapshot(&cache), "the cached harnesses");
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

/// The reference's `mod.rs`, made to keep its persistent state in `storage`
/// (through `keep(me, bytes)` and `kept(me)`) instead of the persister: only
/// the snapshot is persisted, with empty state.
fn keeping_state_in(name: &str, storage: &str) -> PathBuf {
    let dir = reference_submission(name);
    let path = dir.join("raft/src/peer/mod.rs");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut patched = text.clone();
    for (from, to) in [
        (
            "ctx.persist_with_snapshot(state, self.snapshot.clone());",
            "{ keep(self.me, state); ctx.persist_with_snapshot(Vec::new(), self.snapshot.clone()); }",
        ),
        ("ctx.persist(state);", "keep(self.me, state);"),
        (
            "persist::decode(&persisted.state)",
            "persist::decode(&kept(me))",
        ),
    ] {
        assert!(patched.contains(from), "the reference changed: {from}");
        patched = patched.replacen(from, to, 1);
    }
    patched.push_str(storage);
    std::fs::write(&path, patched).unwrap();
    dir
}

/// Ways of keeping Figure 2's state outside the persister, so that it survives
/// a simulated crash: each is rejected before anything is compiled, scores
/// nothing, and names the file, line, item and rule.
#[test]
fn state_kept_across_a_crash_is_rejected_before_the_build() {
    let cache = root().join("target/submissions/bin");
    for (name, storage, item) in [
        (
            "static",
            "use std::collections::BTreeMap;\nuse std::sync::Mutex;\n\
             static KEPT: Mutex<BTreeMap<usize, Vec<u8>>> = Mutex::new(BTreeMap::new());\n\
             fn keep(me: usize, state: Vec<u8>) { KEPT.lock().unwrap().insert(me, state); }\n\
             fn kept(me: usize) -> Vec<u8> { KEPT.lock().unwrap().get(&me).cloned().unwrap_or_default() }\n",
            "`static KEPT`",
        ),
        (
            "thread-local",
            "std::thread_local! { static KEPT: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) }; }\n\
             fn keep(me: usize, state: Vec<u8>) { KEPT.with_borrow_mut(|k| { k.resize(k.len().max(me + 1), Vec::new()); k[me] = state; }); }\n\
             fn kept(me: usize) -> Vec<u8> { KEPT.with_borrow(|k| k.get(me).cloned().unwrap_or_default()) }\n",
            "`thread_local!`",
        ),
        (
            "macro",
            "macro_rules! storage { ($name:ident) => { static $name: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new()); }; }\n\
             storage!(KEPT);\n\
             fn keep(me: usize, state: Vec<u8>) { let mut k = KEPT.lock().unwrap(); k.resize(k.len().max(me + 1), Vec::new()); k[me] = state; }\n\
             fn kept(me: usize) -> Vec<u8> { KEPT.lock().unwrap().get(me).cloned().unwrap_or_default() }\n",
            "`static`",
        ),
        (
            // The panic hook is process-wide: it hands what it captured to
            // whoever panics with an empty slot as payload.
            "panic-hook",
            "type Slot = std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>;\n\
             fn kept_all() -> Vec<Vec<u8>> { let slot: Slot = Default::default(); let ask = slot.clone(); \
             let _ = std::panic::catch_unwind(move || std::panic::panic_any(ask)); let all = slot.lock().unwrap().clone(); all }\n\
             fn keep(me: usize, state: Vec<u8>) { let mut all = kept_all(); all.resize(all.len().max(me + 1), Vec::new()); all[me] = state; \
             std::panic::set_hook(Box::new(move |info| if let Some(slot) = info.payload().downcast_ref::<Slot>() { *slot.lock().unwrap() = all.clone(); })); }\n\
             fn kept(me: usize) -> Vec<u8> { kept_all().get(me).cloned().unwrap_or_default() }\n",
            "`set_hook`",
        ),
    ] {
        let dir = keeping_state_in(&format!("red-team-keeps-{name}"), storage);
        let before = snapshot(&cache);
        let out_dir = root().join(format!("target/red-team-graded-keeps-{name}"));
        let (code, stderr) = grade(&dir, &out_dir, &["--part", "2c"]);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("rejected before it was built"),
            "{name}: {stderr}"
        );
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report["score"], 0.0, "{name}");
        let error = report["error"].as_str().unwrap();
        assert!(
            error.contains("raft/src/peer/mod.rs:") && error.contains(item),
            "{name}: the message does not name the file and {item}: {error}"
        );
        assert!(
            error.contains("a crash loses everything a server did not persist"),
            "{name}: the message does not state the rule: {error}"
        );
        let results: Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("results.json")).unwrap())
                .unwrap();
        assert_eq!(results["score"], 0.0, "{name}");
        assert!(
            results["output"].as_str().is_some_and(|o| o.contains(item)),
            "{name}: the student's report lacks the message: {results}"
        );
        assert!(
            !stderr.contains("the build took"),
            "{name}: something was built: {stderr}"
        );
        assert_kept(&before, &snapshot(&cache), name);
    }
}

/// The crash check, end to end on a real harness: grading part 2C checks
/// restarts (built again from their persisted bytes in fresh sandboxed
/// processes) without failing the reference; and a restart whose reported
/// state differs from what its persisted bytes give is caught, with the
/// message naming the server, both terms and the rule.
#[test]
fn the_crash_check_rebuilds_restarts_and_catches_a_difference() {
    // The hostile fixture behaves as the reference on these seeds; its
    // harness is cached once built.
    let submission = with_fixture(
        "red-team-crash-check",
        "hostile",
        "hostile::inject(ctx.rng())",
    );
    let out_dir = root().join("target/red-team-graded-crash-check");
    let (code, stderr) = grade(&submission, &out_dir, &["--part", "2c", "--seeds", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let checked: u64 = report["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["restarts_checked"].as_u64().unwrap())
        .sum();
    assert!(
        checked >= 10,
        "only {checked} restarts were checked: {report}"
    );

    let harness = stderr
        .lines()
        .find_map(|l| l.strip_prefix("harness: "))
        .expect("the grader names the harness it built");
    let guest = stderr
        .lines()
        .find_map(|l| l.strip_prefix("guest module: "))
        .expect("the grader names the guest module it compiled");
    let restart = jobwire::restart::Restart {
        test: "persist1_2c".into(),
        seed: 1,
        server: 1,
        servers: 3,
        incarnation: 2,
        at_us: 2_500_000,
        // A server that never persisted starts in term 0 ...
        state: Vec::new(),
        snapshot: Vec::new(),
        max_raft_state: None,
        // ... so one that reported term 4 kept its term somewhere else.
        reported: (4, false),
    };
    let key = jobwire::Key([7; jobwire::KEY_LEN]);
    let mut command = Command::new(harness);
    command
        .args([jobwire::HARNESS_MODE, "rebuild", "--guest", guest])
        .env_clear();
    let ended = jobwire::child::run(
        command,
        &key,
        &serde_json::to_vec(&restart).unwrap(),
        std::time::Duration::from_secs(30),
        1 << 20,
    )
    .unwrap();
    let rebuilt = jobwire::restart::Rebuilt::open(&key, &ended.frame, &restart)
        .unwrap_or_else(|e| panic!("{e}: {}", ended.stderr));
    assert_eq!(rebuilt.state, Ok((0, false)));
    let message = restart.compare(&rebuilt.state).unwrap_err();
    assert!(
        message.contains("server 1 restarted (incarnation 2, at virtual time 2.500s) in term 4")
            && message.contains("from its persisted state alone it starts in term 0")
            && message.contains("state outside the persister survived the crash"),
        "{message}"
    );
}
