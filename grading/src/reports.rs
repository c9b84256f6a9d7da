//! The reports a grading run writes: every job as JSON (which `grading merge`
//! reads back), Gradescope's `results.json`, and JUnit XML.

use std::path::Path;

use jobwire::Listing;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::{Deserialize, Serialize};

use crate::cli::ReportArgs;
use crate::job::JobResult;
use crate::score::{ScenarioScore, score};

/// The JSON report.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonReport {
    /// Points earned.
    pub score: f64,
    /// Points possible.
    pub max_score: f64,
    /// The scenarios graded from, with their parts and points (what
    /// `grading merge` scores with).
    pub listing: Listing,
    /// Every job.
    pub jobs: Vec<JobResult>,
    /// Why nothing was graded (a submission that does not build, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl JsonReport {
    /// The report of a submission that could not be graded: 0 of
    /// `max_score`, with `error` as the reason.
    pub fn not_graded(listing: &Listing, max_score: f64, error: &str) -> JsonReport {
        JsonReport {
            score: 0.0,
            max_score,
            listing: listing.clone(),
            jobs: Vec::new(),
            error: Some(error.to_string()),
        }
    }
}

pub fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // Write beside, then rename: a report is never left half-written.
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes the reports `args` asks for.
pub fn write_all(
    args: &ReportArgs,
    listing: &Listing,
    results: &[JobResult],
    wall_secs: f64,
) -> Result<Vec<ScenarioScore>, String> {
    let scores = score(results, args.policy, listing);
    let total: f64 = scores.iter().map(|s| s.score).sum();
    let max: f64 = scores.iter().map(|s| s.max_score).sum();
    if let Some(path) = &args.json {
        let report = JsonReport {
            score: total,
            max_score: max,
            listing: listing.clone(),
            jobs: results.to_vec(),
            error: None,
        };
        write_file(
            path,
            &serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?,
        )?;
    }
    if let Some(path) = &args.gradescope {
        write_file(path, &gradescope(&scores, wall_secs, None))?;
    }
    if let Some(path) = &args.junit {
        write_file(path, &junit(results, &listing.parts)?)?;
    }
    Ok(scores)
}

/// Writes every report `args` asks for when nothing could be graded: score 0
/// of `max_score`, with `error` as the reason.
pub fn write_error(
    args: &ReportArgs,
    listing: &Listing,
    error: &str,
    max_score: f64,
    wall_secs: f64,
) -> Result<(), String> {
    if let Some(path) = &args.json {
        let report = JsonReport::not_graded(listing, max_score, error);
        write_file(
            path,
            &serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?,
        )?;
    }
    if let Some(path) = &args.gradescope {
        write_file(path, &gradescope(&[], wall_secs, Some(error)))?;
    }
    if let Some(path) = &args.junit {
        let mut failure = TestCaseStatus::non_success(NonSuccessKind::Failure);
        failure.set_message("not graded").set_description(error);
        let mut case = TestCase::new("build", failure);
        case.set_classname("raftlab");
        let mut suite = TestSuite::new("submission");
        suite.add_test_case(case);
        let mut report = Report::new("raftlab");
        report.add_test_suite(suite);
        let text = report
            .to_string()
            .map_err(|e| format!("the JUnit report does not serialise: {e}"))?;
        write_file(path, &text)?;
    }
    Ok(())
}

/// Gradescope's results.json; `error` (a build failure, say) gives score 0 with
/// the message as output.
pub fn gradescope(scores: &[ScenarioScore], wall_secs: f64, error: Option<&str>) -> String {
    let tests: Vec<serde_json::Value> = scores
        .iter()
        .map(|s| {
            let mut output = match &s.first_failure {
                None => format!("{} of {} seeds passed", s.passed, s.runs),
                Some(f) => format!(
                    "{} of {} seeds passed; first failure: {f}",
                    s.passed, s.runs
                ),
            };
            if let Some((n, first)) = &s.warned {
                output.push_str(&format!(
                    "\nwarning (not scored), on {n} of {} seeds: {first}",
                    s.runs
                ));
            }
            serde_json::json!({
                "name": format!("{} ({})", s.test, s.part),
                "score": s.score,
                "max_score": s.max_score,
                "output": output,
                "visibility": "visible",
            })
        })
        .collect();
    let mut value = serde_json::json!({
        "score": if error.is_some() { 0.0 } else { scores.iter().map(|s| s.score).sum::<f64>() },
        "execution_time": wall_secs.round() as u64,
        "tests": tests,
    });
    if let Some(e) = error {
        value["output"] = serde_json::Value::String(e.to_string());
    }
    serde_json::to_string_pretty(&value).expect("JSON values encode")
}

/// JUnit XML: a test suite per part, a test case per job.
pub fn junit(results: &[JobResult], parts: &[String]) -> Result<String, String> {
    let mut report = Report::new("raftlab");
    for part in parts {
        let jobs: Vec<&JobResult> = results.iter().filter(|r| r.part == *part).collect();
        if jobs.is_empty() {
            continue;
        }
        let mut suite = TestSuite::new(part.as_str());
        for r in jobs {
            let status = if r.passed() {
                TestCaseStatus::success()
            } else {
                let mut failure = TestCaseStatus::non_success(NonSuccessKind::Failure);
                failure
                    .set_message(format!("{:?}", r.outcome))
                    .set_description(format!("{}\nreplay: {}{}", r.reason, r.replay, r.files()));
                failure
            };
            let mut case = TestCase::new(format!("{} seed {}", r.test, r.seed), status);
            case.set_classname(format!("raftlab.{part}"))
                .set_time(std::time::Duration::from_millis(r.wall_ms));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .map_err(|e| format!("the JUnit report does not serialise: {e}"))
}

/// Reads shard reports back for `grading merge`.
pub fn read_json(path: &Path) -> Result<JsonReport, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a grading JSON report: {e}", path.display()))
}
