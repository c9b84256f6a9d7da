//! The grader's command line, on any tree (this one or a student's
//! handout): a missing submission and bad arguments get clear errors and
//! the exit status of a usage error.

use std::process::Command;

#[test]
fn a_missing_submission_is_a_clear_error_and_a_zero() {
    let grader = env!("CARGO_BIN_EXE_grading");
    let results = std::env::temp_dir().join(format!("raftlab-missing-{}.json", std::process::id()));
    let out = Command::new(grader)
        .args(["--submission", "/nonexistent/submission", "--gradescope"])
        .arg(&results)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(json["score"], 0.0);
    assert!(json["output"].as_str().unwrap().contains("does not exist"));
    std::fs::remove_file(&results).unwrap();
}

#[test]
fn bad_arguments_get_clear_errors() {
    let grader = env!("CARGO_BIN_EXE_grading");
    let run = |args: &[&str]| {
        let out = Command::new(grader).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["run", "--test", "no_such_test"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown scenario") && err.contains("initial_election_2a"),
        "{err}"
    );
    let (code, err) = run(&["shrink", "--test", "no_such_test"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown scenario"), "{err}");
    let (code, err) = run(&["run", "--test", "initial_election_2a", "--faults", "3,x"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--faults") && err.contains("\"x\" is not a fault index or range"),
        "{err}"
    );
    let (code, err) = run(&[
        "run",
        "--test",
        "initial_election_2a",
        "--choices",
        "zero:0-9,drop:3",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--choices")
            && err.contains("\"drop:3\" is not an edit of the tester's choices"),
        "{err}"
    );
    let (code, err) = run(&["--part", "9z"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown part"), "{err}");
    let (code, err) = run(&["--shard", "3/2"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--shard"), "{err}");
}
