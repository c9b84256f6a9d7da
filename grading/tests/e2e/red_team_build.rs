// @solution-file
//! The red team at build time, and a class it attacks. Compiling a submission
//! runs its code at compile time (`include_bytes!`, const evaluation), so its
//! build is confined and bounded: it reads nothing of this machine outside the
//! toolchain, the dependencies and its tree, nothing any other student
//! compiled, and it ends within its limits of time, memory and idleness, with
//! every process of it. A Raft that only says it leads scores nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{patch, reference_submission, root, student, with_module};

/// A submission under `target/NAME`: the reference with `code` added at the
/// end of raft/src/peer/mod.rs.
fn with_code(name: &str, code: &str) -> PathBuf {
    let dir = reference_submission(name);
    let path = dir.join("raft/src/peer/mod.rs");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n{code}\n")).unwrap();
    dir
}

/// Grades `submission` on 2A with `extra` options: the exit code, the
/// report's error and how long its build took, as the grader says (other
/// tests' builds may hold the build lock first).
fn grade(submission: &Path, extra: &[&str]) -> (Option<i32>, String, Duration) {
    let out_dir = submission.with_extension("graded");
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = Command::new(env!("CARGO_BIN_EXE_grading"))
        .arg("--submission")
        .arg(submission)
        .args(["--part", "2a", "--seeds", "1"])
        .args(extra)
        .arg("--json")
        .arg(out_dir.join("report.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let took = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("the build took "))
        .filter_map(|l| l.split(' ').next()?.parse::<f64>().ok())
        .next_back()
        .map(Duration::from_secs_f64)
        .unwrap_or_else(|| panic!("the grader does not say how long the build took:\n{stderr}"));
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("report.json"))
            .unwrap_or_else(|e| panic!("no report: {e}\n{stderr}")),
    )
    .unwrap();
    assert_eq!(report["score"], 0.0, "{report}");
    let error = report["error"].as_str().unwrap_or_default().to_string();
    assert!(!error.contains("ATTACK SUCCEEDED"), "{error}");
    (out.status.code(), error, took)
}

#[test]
fn a_build_reads_nothing_outside_its_tree() {
    let paths = [
        "/etc/passwd",
        "/proc/self/environ",
        "/proc/1/cmdline",
        "/proc/self/mountinfo",
        "/sys/devices/system/cpu/online",
        "/dev/urandom",
    ];
    let code: String = paths
        .iter()
        .enumerate()
        .map(|(i, p)| format!("pub const STOLEN_{i}: &[u8] = include_bytes!(\"{p}\");\n"))
        .collect();
    let dir = with_code("red-team-build-reads", &code);
    let (exit, error, _) = grade(&dir, &[]);
    assert_eq!(exit, Some(2), "{error}");
    for path in paths {
        assert!(
            error.contains(&format!("couldn't read `{path}`: Permission denied")),
            "{path} was not refused: {error}"
        );
    }
    assert!(!error.contains("root:x:0"), "{error}");
}

#[test]
fn a_build_that_blocks_loops_or_hoards_is_stopped_within_its_limits() {
    for (name, code, limits, reason, within) in [
        (
            // rustc reads its own stdout, a pipe landlock cannot refuse.
            "blocks",
            "pub const OUT: &[u8] = include_bytes!(\"/proc/self/fd/1\");",
            ["--build-idle", "5"],
            "the build stalled",
            15,
        ),
        (
            "loops",
            "#[allow(long_running_const_eval)]\npub const SPIN: u64 = { let mut i = 0u64; \
             loop { i = i.wrapping_add(1); if i == 0 { break i; } } };",
            ["--build-timeout", "10"],
            "the build ran past 10 s of wall-clock time",
            15,
        ),
        (
            "hoards",
            "pub const HOARD: [u8; (1 << 31) - 1] = [1; (1 << 31) - 1];\n\
             pub fn hoarded() -> u8 { HOARD[std::hint::black_box(7)] }",
            ["--build-memory-mb", "1024"],
            "the build used more than 1024 MiB of memory",
            90,
        ),
    ] {
        let dir = with_code(&format!("red-team-build-{name}"), code);
        let (exit, error, took) = grade(&dir, &limits);
        eprintln!("{name}: {:.1} s: {error}", took.as_secs_f64());
        assert_eq!(exit, Some(2), "{name}: {error}");
        assert!(error.contains(reason), "{name}: {error}");
        assert!(took < Duration::from_secs(within), "{name} took {took:?}");
    }
}

/// The processes descended from `pid`.
fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let p: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let ppid = stat[stat.rfind(')')? + 1..]
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((p, ppid))
        })
        .collect();
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

#[test]
fn a_grader_killed_mid_build_leaves_no_process_behind() {
    let dir = with_code(
        "red-team-build-orphans",
        "pub const OUT: &[u8] = include_bytes!(\"/proc/self/fd/1\");",
    );
    let mut grader = Command::new(env!("CARGO_BIN_EXE_grading"))
        .arg("--submission")
        .arg(&dir)
        .args(["--part", "2a", "--seeds", "1", "--build-idle", "600"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for its build's compiler to be blocked on its pipe.
    let start = Instant::now();
    let build = loop {
        let found = descendants(grader.id());
        let compiling = found.iter().any(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "rustc")
        });
        if compiling {
            std::thread::sleep(Duration::from_secs(2));
            break descendants(grader.id());
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the build never started"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    grader.kill().unwrap();
    grader.wait().unwrap();
    let start = Instant::now();
    loop {
        let alive: Vec<&u32> = build
            .iter()
            .filter(|p| Path::new(&format!("/proc/{p}")).exists())
            .collect();
        if alive.is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the build's processes {alive:?} outlived the grader"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A class of an honest student with a marker compiled into her kvraft, a
/// classmate whose build compiles in what lies where her compiled library
/// was (and whose Raft panics with what it found), and a Raft that never
/// stands for election and says it leads: only the honest one scores, though
/// the grader's binary is replaced on disk while it grades them.
#[test]
fn a_class_of_attackers_leaves_the_honest_student_her_marks() {
    const MARKER: &str = "raftlab-classmate-marker-4f1c9e";
    let class = root().join("target/red-team-class");
    let out = root().join("target/red-team-class-out");
    for d in [&class, &out] {
        let _ = std::fs::remove_dir_all(d);
    }
    // The build directory's layout, from the seed every build starts from.
    let (exit, _, _) = {
        let reference = reference_submission("red-team-class-seed");
        let out = Command::new(env!("CARGO_BIN_EXE_grading"))
            .arg("--submission")
            .arg(&reference)
            .args(["--test", "initial_election_2a", "--seeds", "1"])
            .output()
            .unwrap();
        (out.status.code(), (), ())
    };
    assert_eq!(exit, Some(0));
    let seeds = root().join("target/submissions/seeds");
    let seed = std::fs::read_dir(&seeds)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let deps = format!(
        "{}/{}/deps",
        wasmhost::build::TARGET,
        wasmhost::build::PROFILE
    );
    let rlib = std::fs::read_dir(seed.join(&deps))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("libkvraft-") && n.ends_with(".rlib"))
        .expect("the seed holds kvraft");
    let stolen = root()
        .join("target/submissions/build")
        .join(&deps)
        .join(&rlib);

    let alice = reference_submission("red-team-class/alice");
    // A line of her own each run: her build runs every time.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let peer = alice.join("raft/src/peer/mod.rs");
    let text = std::fs::read_to_string(&peer).unwrap();
    std::fs::write(&peer, format!("{text}\n// {stamp}\n")).unwrap();
    let server = alice.join("kvraft/src/server/mod.rs");
    let text = std::fs::read_to_string(&server).unwrap();
    let apply = "msg: ApplyMsg) {\n";
    assert!(text.contains(apply), "the reference changed: {apply}");
    let text = text.replacen(
        apply,
        &format!("{apply}        std::hint::black_box(alice_marker());\n"),
        1,
    );
    std::fs::write(
        &server,
        format!(
            "{text}\n/// Alice's mark.\n#[inline(never)]\npub fn alice_marker() -> &'static str {{ \"{MARKER}\" }}\n"
        ),
    )
    .unwrap();
    with_module(
        "red-team-class/bob",
        "classmate",
        &format!(
            "const STOLEN: &[u8] = include_bytes!(\"{}\");\n\
             pub fn look() {{\n\
                 if STOLEN.windows({len}).any(|w| w == b\"{MARKER}\") {{\n\
                     panic!(\"ATTACK SUCCEEDED: alice's marker read from her compiled kvraft\");\n\
                 }}\n\
                 panic!(\"blocked: the library there ({{}} bytes) holds no classmate's code\", STOLEN.len());\n\
             }}\n",
            stolen.display(),
            len = MARKER.len()
        ),
        "classmate::look()",
    );
    let mallory = reference_submission("red-team-class/mallory");
    patch(
        &mallory.join("raft/src/peer/mod.rs"),
        &[(
            "(self.current_term, self.role == Role::Leader)",
            "(1, self.me == 0)",
        )],
    );
    patch(
        &mallory.join("raft/src/peer/election.rs"),
        &[("self.start_election(ctx);", "{}")],
    );

    // Trudy never stands for election either, and her `state()` tells the
    // truth to its first caller after each handler (the checks) and lies to
    // the rest (the scenario's polls).
    let trudy = reference_submission("red-team-class/trudy");
    patch(
        &trudy.join("raft/src/peer/mod.rs"),
        &[
            (
                "pub struct Peer {\n",
                "pub struct Peer {\n    asked: std::cell::Cell<u32>,\n",
            ),
            (
                "        let mut peer = Peer {\n",
                "        let mut peer = Peer {\n            asked: Default::default(),\n",
            ),
            (
                "    ) -> Reply {\n",
                "    ) -> Reply {\n        self.asked.set(0);\n",
            ),
            (
                "        reply: Option<Reply>,\n    ) {\n",
                "        reply: Option<Reply>,\n    ) {\n        self.asked.set(0);\n",
            ),
            (
                "timer: Timer) {\n",
                "timer: Timer) {\n        self.asked.set(0);\n",
            ),
            (
                "(self.current_term, self.role == Role::Leader)",
                "{ let asked = self.asked.get(); self.asked.set(asked + 1); \
                 if asked == 0 { (self.current_term, self.role == Role::Leader) } else { (1, self.me == 0) } }",
            ),
        ],
    );
    patch(
        &trudy.join("raft/src/peer/election.rs"),
        &[("self.start_election(ctx);", "{}")],
    );

    // The class is graded by a copy of the grader whose binary is replaced
    // on disk as soon as it runs (another `cargo run -p grading` rebuilding
    // it): it re-executes its own image for every build, never its path.
    let copy = root().join("target/red-team-grader-copy");
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).unwrap();
    let exe = copy.join("grading");
    std::fs::copy(env!("CARGO_BIN_EXE_grading"), &exe).unwrap();
    let grader = Command::new(&exe)
        .arg("class")
        .arg(&class)
        .arg("--out")
        .arg(&out)
        .args(["--part", "2a", "--seeds", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::fs::remove_file(&exe).unwrap();
    std::fs::write(&exe, b"#!/bin/sh\nexit 99\n").unwrap();
    let run = grader.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("the build took"),
        "no build ran after the grader was replaced: {stderr}"
    );
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("class.json")).unwrap()).unwrap();
    let alice = student(&table, "alice");
    assert_eq!(alice["score"], alice["max_score"], "{alice:#}");
    // Her marker was compiled into her harness ...
    let harnesses = root().join("target/submissions/bin");
    assert!(
        std::fs::read_dir(&harnesses).unwrap().flatten().any(|e| {
            std::fs::read(e.path())
                .is_ok_and(|b| b.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()))
        }),
        "alice's marker is in no harness: the test shows nothing"
    );
    // ... and bob's build read the path and found none of it.
    let bob = student(&table, "bob");
    assert_eq!(bob["score"].as_f64(), Some(0.0), "{bob:#}");
    let report = std::fs::read_to_string(out.join("students/bob.json")).unwrap();
    assert!(
        report.contains("blocked: the library there (") && !report.contains("ATTACK SUCCEEDED"),
        "{report}"
    );
    let mallory = student(&table, "mallory");
    assert_eq!(mallory["score"].as_f64(), Some(0.0), "{mallory:#}");
    let report = std::fs::read_to_string(out.join("students/mallory.json")).unwrap();
    assert!(
        report.contains("server 0 says it leads term 1") && report.contains("§5.2"),
        "{report}"
    );
    let trudy = student(&table, "trudy");
    assert_eq!(trudy["score"].as_f64(), Some(0.0), "{trudy:#}");
    assert!(trudy["error"].is_null(), "trudy's Raft built: {trudy:#}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("students/trudy.json")).unwrap())
            .unwrap();
    let jobs = report["report"]["jobs"].as_array().unwrap();
    assert!(
        jobs.iter().any(|j| j["test"] == "initial_election_2a"
            && j["reason"]
                .as_str()
                .is_some_and(|r| r.contains("expected one leader, got none"))),
        "{report:#}"
    );
}
