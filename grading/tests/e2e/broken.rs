// @solution-file
//! Broken submissions are graded, not crashed on: a Raft that panics in a
//! handler, loops forever in one, allocates without bound, exits, aborts or
//! overflows its stack gets zero points for the affected scenarios, each job
//! with the right outcome and reason, within the grader's limits. A run that
//! fails with a report also gets its HTML timeline, named in the reports.
//!
//! The submission is the reference with `fixtures/hostile.rs` called first thing
//! in `handle_request`; the job's seed picks the fault (seeds 1000-1999 panic,
//! 2000-2999 loop, ...), so one build serves every case.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use crate::common::{reference_submission, root, with_fixture};

use crate::hostile;

/// The broken submission's directory (written once per test run).
fn submission() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| with_fixture("broken-submission", "hostile", "hostile::inject(ctx.rng())"))
}

/// What grading the broken submission with `fault` printed and reported.
struct Graded {
    exit: Option<i32>,
    /// What reached the grader's terminal: its stdout and stderr, raw.
    console: Vec<u8>,
    stderr: String,
    report: Value,
    gradescope: Value,
    junit: String,
}

/// The first seed of `fault`'s range (see the fixture's `FAULTS`).
fn seed_of(fault: &str) -> u64 {
    let k = hostile::FAULTS
        .iter()
        .position(|f| *f == fault)
        .expect("a known fault");
    if k == 0 { 1 } else { k as u64 * 1000 }
}

fn grade(fault: &str, tests: &[&str], limits: &[&str]) -> Graded {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::SeqCst);
    let out_dir = root().join(format!("target/broken-graded/{fault}-{run}"));
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir).unwrap();
    }
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_grading"));
    command.arg("--submission").arg(submission());
    for t in tests {
        command.args(["--test", t]);
    }
    if !limits.contains(&"--seeds") {
        command.args(["--seeds", "1"]);
    }
    let out = command
        .args(limits)
        .arg("--json")
        .arg(out_dir.join("report.json"))
        .arg("--gradescope")
        .arg(out_dir.join("results.json"))
        .arg("--junit")
        .arg(out_dir.join("junit.xml"))
        .args(["--seed-start", &seed_of(fault).to_string()])
        .output()
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out_dir.join("report.json").is_file(),
        "no report for fault {fault}:\n{stderr}"
    );
    Graded {
        exit: out.status.code(),
        console: [out.stdout.as_slice(), out.stderr.as_slice()].concat(),
        stderr,
        report: serde_json::from_str(&read("report.json")).unwrap(),
        gradescope: serde_json::from_str(&read("results.json")).unwrap(),
        junit: read("junit.xml"),
    }
}

/// Every job ended with `outcome` and a reason containing `reason`, and every
/// scenario earned nothing.
fn all_failed(g: &Graded, jobs: usize, outcome: &str, reason: &str) {
    assert_eq!(g.exit, Some(1), "{}", g.stderr);
    let list = g.report["jobs"].as_array().unwrap();
    assert_eq!(list.len(), jobs, "{}", g.report);
    for job in list {
        assert_eq!(job["outcome"], outcome, "{job}");
        assert!(
            job["reason"].as_str().unwrap().contains(reason),
            "expected {reason:?} in {job}"
        );
    }
    assert_eq!(g.report["score"], 0.0);
    assert!(g.report["max_score"].as_f64().unwrap() > 0.0);
    assert_eq!(g.gradescope["score"], 0.0);
    for t in g.gradescope["tests"].as_array().unwrap() {
        assert_eq!(t["score"], 0.0, "{t}");
        assert!(t["max_score"].as_f64().unwrap() > 0.0, "{t}");
    }
    assert_eq!(g.junit.matches("<failure").count(), jobs, "{}", g.junit);
}

#[test]
fn a_raft_that_panics_in_a_handler() {
    let g = grade("panic", &["initial_election_2a", "basic_3a"], &[]);
    all_failed(&g, 2, "panicked", "injected fault: the handler gave up");
    // Each failed run was replayed into a timeline, named in every report.
    for job in g.report["jobs"].as_array().unwrap() {
        let timeline = job["timeline"].as_str().expect("a timeline");
        let html = std::fs::read_to_string(timeline).unwrap();
        assert!(html.contains("injected fault: the handler gave up"));
        assert!(html.contains(job["test"].as_str().unwrap()));
        assert!(g.junit.contains(timeline));
    }
    let output = g.gradescope["tests"][0]["output"].as_str().unwrap();
    assert!(output.contains("timeline: "), "{output}");
    assert!(g.stderr.contains("timeline: "), "{}", g.stderr);

    // The replay command printed for a submission's failure names the
    // submission, and running it reproduces the graded run bit for bit.
    for job in g.report["jobs"].as_array().unwrap() {
        let replay = job["replay"].as_str().unwrap();
        let args = replay
            .strip_prefix("cargo run --release -p grading -- ")
            .unwrap_or_else(|| panic!("not a grading command: {replay}"));
        assert!(args.contains("--submission "), "{replay}");
        let out = Command::new(env!("CARGO_BIN_EXE_grading"))
            .args(args.split(' '))
            .arg("--json")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| {
                panic!(
                    "{replay}: no JSON line:\n{stdout}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        let replayed: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(replayed["passed"], false, "{replay}: {replayed}");
        assert_eq!(job["trace_digest"].as_str().unwrap().len(), 16, "{job}");
        assert_eq!(
            replayed["trace_digest"], job["trace_digest"],
            "{replay} took other steps than the graded run"
        );
    }
}

#[test]
fn a_raft_that_loops_forever_in_a_handler() {
    let g = grade("loop", &["initial_election_2a"], &["--timeout", "20"]);
    // The guest runs out of instructions, at the same one on every run.
    all_failed(
        &g,
        1,
        "panicked",
        "ran past its limit of 2000000000 instructions (handling a request)",
    );
    // It still shows what it did: its timeline runs up to the handler that
    // never returned, and names it.
    let job = &g.report["jobs"][0];
    let timeline = std::fs::read_to_string(job["timeline"].as_str().unwrap()).unwrap();
    assert!(
        timeline.contains("initial_election_2a") && timeline.contains("ran past its limit"),
        "the timeline does not say where the run stopped"
    );
}

#[test]
fn a_raft_that_allocates_without_bound() {
    let g = grade("alloc", &["initial_election_2a"], &["--memory-mb", "1024"]);
    all_failed(
        &g,
        1,
        "panicked",
        "asked for more memory than the 256 MiB it may have",
    );
}

#[test]
fn a_raft_that_exits_aborts_or_overflows_its_stack() {
    let g = grade("exit", &["initial_election_2a"], &[]);
    all_failed(&g, 1, "panicked", "called std::process::exit(3)");
    let g = grade("abort", &["initial_election_2a"], &[]);
    all_failed(&g, 1, "panicked", "wasm `unreachable` instruction executed");
    let g = grade("overflow", &["initial_election_2a"], &[]);
    all_failed(&g, 1, "panicked", "its stack overflowed");
}

#[test]
fn without_a_fault_it_is_the_reference_and_passes() {
    let g = grade("none", &["initial_election_2a", "basic_3a"], &[]);
    assert_eq!(g.exit, Some(0), "{}", g.stderr);
    assert_eq!(g.report["score"], g.report["max_score"]);
    assert_eq!(g.gradescope["score"], g.report["max_score"]);
}

#[test]
fn a_submission_that_does_not_compile_scores_zero_with_the_compiler_output() {
    let dir = reference_submission("broken-syntax");
    let election = dir.join("raft/src/peer/election.rs");
    let mut text = std::fs::read_to_string(&election).unwrap();
    text.push_str("\nfn half_written(term: u64 -> bool {\n");
    std::fs::write(&election, text).unwrap();
    let out_dir = root().join("target/broken-graded/syntax");
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = Command::new(env!("CARGO_BIN_EXE_grading"))
        .arg("--submission")
        .arg(&dir)
        .args(["--part", "2a", "--json"])
        .arg(out_dir.join("report.json"))
        .arg("--gradescope")
        .arg(out_dir.join("results.json"))
        .arg("--junit")
        .arg(out_dir.join("junit.xml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not build"), "{stderr}");
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).unwrap();
    let report: Value = serde_json::from_str(&read("report.json")).unwrap();
    assert_eq!(report["score"], 0.0);
    assert!(report["max_score"].as_f64().unwrap() > 0.0);
    assert!(report["jobs"].as_array().unwrap().is_empty());
    let error = report["error"].as_str().unwrap();
    assert!(error.contains("election.rs"), "{error}");
    let results: Value = serde_json::from_str(&read("results.json")).unwrap();
    assert_eq!(results["score"], 0.0);
    assert!(results["output"].as_str().unwrap().contains("election.rs"));
    assert!(read("junit.xml").contains("election.rs"));
}

#[test]
fn max_timelines_caps_the_timelines_per_scenario() {
    let g = grade(
        "panic",
        &["initial_election_2a"],
        &["--seeds", "3", "--jobs", "1", "--max-timelines", "1"],
    );
    all_failed(&g, 3, "panicked", "injected fault");
    let with: Vec<&Value> = g.report["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j.get("timeline").is_some())
        .collect();
    assert_eq!(with.len(), 1, "{}", g.report);
}

#[test]
fn escape_sequences_in_a_panic_never_reach_the_console() {
    let g = grade("escape", &["initial_election_2a"], &[]);
    all_failed(&g, 1, "panicked", "\\u001b]52;c;cHduZWQ=\\u0007");
    for forbidden in [0x1b_u8, 0x07, b'\r'] {
        assert!(
            !g.console.contains(&forbidden),
            "byte {forbidden:#x} reached the console: {}",
            String::from_utf8_lossy(&g.console)
        );
    }
    // A one-byte CSI (U+009B) and a right-to-left override do not either.
    let console = String::from_utf8_lossy(&g.console);
    assert!(!console.contains('\u{9b}') && !console.contains('\u{202e}'));
    assert!(console.contains("\\u009b1;1H"), "{console}");
    // Replaying it, with its log, prints none either.
    let replay = g.report["jobs"][0]["replay"].as_str().unwrap();
    let args = replay
        .strip_prefix("cargo run --release -p grading -- ")
        .unwrap_or_else(|| panic!("not a grading command: {replay}"));
    let out = Command::new(env!("CARGO_BIN_EXE_grading"))
        .args(args.split(' '))
        .arg("--log")
        .output()
        .unwrap();
    let console = [out.stdout, out.stderr].concat();
    assert!(
        !console.contains(&0x1b) && !console.contains(&0x07),
        "the replay printed an escape sequence: {}",
        String::from_utf8_lossy(&console)
    );
    assert!(
        String::from_utf8_lossy(&console).contains("\\u001b]52;c;cHduZWQ="),
        "{}",
        String::from_utf8_lossy(&console)
    );
}

#[test]
fn huge_panic_messages_make_small_reports() {
    let g = grade(
        "huge",
        &["initial_election_2a"],
        &["--seeds", "20", "--max-timelines", "2"],
    );
    all_failed(&g, 20, "panicked", "[… cut: ");
    let out_dir = root().join("target/broken-graded");
    let mut total = 0;
    for entry in std::fs::read_dir(&out_dir).unwrap().flatten() {
        if !entry.file_name().to_string_lossy().starts_with("huge-") {
            continue;
        }
        for file in walk(&entry.path()) {
            let size = std::fs::metadata(&file).unwrap().len();
            assert!(size < 1 << 20, "{} is {size} bytes", file.display());
            total += size;
        }
    }
    assert!(
        total < 2 << 20,
        "the reports and timelines add up to {total} bytes"
    );
    assert!(
        g.console.len() < 256 << 10,
        "the console received {} bytes",
        g.console.len()
    );
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
