//! Scores: each scenario's points under the policy, and the table per part.

use std::fmt::Write;

use jobwire::Listing;

use crate::cli::Policy;
use crate::job::JobResult;

/// One scenario's score.
#[derive(Clone, Debug)]
pub struct ScenarioScore {
    /// The scenario.
    pub test: String,
    /// Its part.
    pub part: String,
    /// Seeds run.
    pub runs: u64,
    /// Seeds passed.
    pub passed: u64,
    /// Points earned.
    pub score: f64,
    /// Points possible.
    pub max_score: f64,
    /// The first failure's reason and replay command.
    pub first_failure: Option<String>,
    /// How many seeds warned of waste, and the first warning (never scored).
    pub warned: Option<(u64, String)>,
}

/// Scores the results, scenario by scenario (registry order).
pub fn score(results: &[JobResult], policy: Policy, listing: &Listing) -> Vec<ScenarioScore> {
    let mut scores = Vec::new();
    for scenario in &listing.scenarios {
        let runs: Vec<&JobResult> = results.iter().filter(|r| r.test == scenario.name).collect();
        if runs.is_empty() {
            continue;
        }
        let passed = runs.iter().filter(|r| r.passed()).count() as u64;
        let max_score = f64::from(scenario.points);
        let score = match policy {
            Policy::All if passed == runs.len() as u64 => max_score,
            Policy::All => 0.0,
            Policy::Fraction => max_score * passed as f64 / runs.len() as f64,
        };
        scores.push(ScenarioScore {
            test: scenario.name.clone(),
            part: scenario.part.clone(),
            runs: runs.len() as u64,
            passed,
            score,
            max_score,
            warned: runs.iter().find(|r| !r.warnings.is_empty()).map(|r| {
                let n = runs.iter().filter(|r| !r.warnings.is_empty()).count() as u64;
                (n, format!("seed {}: {}", r.seed, r.warnings[0]))
            }),
            first_failure: runs.iter().find(|r| !r.passed()).map(|r| {
                format!(
                    "seed {} ({:?}): {}\nreplay: {}{}",
                    r.seed,
                    r.outcome,
                    r.reason,
                    r.replay,
                    r.files()
                )
            }),
        });
    }
    scores
}

/// The score table: one row per part, and the total.
pub fn table(results: &[JobResult], scores: &[ScenarioScore], parts: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<6} {:>13} {:>15} {:>12} {:>12}",
        "part", "seeds passed", "points", "mean wall", "max wall"
    );
    let (mut total, mut max_total) = (0.0, 0.0);
    for part in parts {
        let jobs: Vec<&JobResult> = results.iter().filter(|r| r.part == *part).collect();
        if jobs.is_empty() {
            continue;
        }
        let passed = jobs.iter().filter(|r| r.passed()).count();
        let (score, max): (f64, f64) = scores
            .iter()
            .filter(|s| s.part == *part)
            .fold((0.0, 0.0), |(a, b), s| (a + s.score, b + s.max_score));
        total += score;
        max_total += max;
        let mean = jobs.iter().map(|r| r.wall_ms).sum::<u64>() as f64 / jobs.len() as f64;
        let worst = jobs.iter().map(|r| r.wall_ms).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "{:<6} {:>13} {:>15} {:>9.0} ms {:>9} ms",
            part,
            format!("{passed}/{}", jobs.len()),
            format!("{score:.1}/{max:.1}"),
            mean,
            worst
        );
    }
    let _ = writeln!(
        out,
        "{:<6} {:>13} {:>15}",
        "total",
        "",
        format!("{total:.1}/{max_total:.1}")
    );
    out
}

/// The scenarios whose runs warned of waste (passing, never scored): how
/// many seeds, and the first warning.
pub fn warnings(scores: &[ScenarioScore]) -> Option<String> {
    let lines: Vec<String> = scores
        .iter()
        .filter_map(|s| {
            s.warned
                .as_ref()
                .map(|(n, first)| format!("  {}: {n} of {} seeds; {first}", s.test, s.runs))
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    Some(format!(
        "warnings (wasteful but passing; not scored):\n{}",
        lines.join("\n")
    ))
}

/// The highest sending of one server in one virtual second over the jobs,
/// with the job that reached it: what a budget must stay well above.
pub fn peaks(results: &[JobResult]) -> Option<String> {
    let calls = results.iter().max_by_key(|r| r.peak_rpcs_per_sec)?;
    let bytes = results.iter().max_by_key(|r| r.peak_bytes_per_sec)?;
    let sent = bytes.peak_bytes_per_sec;
    let sent = if sent >= 1_000_000 {
        format!("{:.1} MB", sent as f64 / 1e6)
    } else {
        format!("{:.1} kB", sent as f64 / 1e3)
    };
    Some(format!(
        "peaks of one server in one virtual second: {} calls ({} seed {}), {sent} of \
         requests ({} seed {})",
        calls.peak_rpcs_per_sec, calls.test, calls.seed, bytes.test, bytes.seed
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::JobSpec;

    fn job(seed: u64, warnings: &[&str]) -> JobResult {
        let spec = JobSpec {
            test: "many_elections_2a",
            part: "2A",
            seed,
            timeline: false,
            stop_at_ms: None,
        };
        let mut r = JobResult::new(
            &spec,
            &crate::job::JobOptions {
                timeout: std::time::Duration::from_secs(1),
                memory_mb: 0,
                artifacts: None,
                max_timelines: None,
                require_sandbox: false,
                quiet: true,
                submission: None,
            },
            jobwire::Status::Passed,
            String::new(),
        );
        r.warnings = warnings.iter().map(|w| w.to_string()).collect();
        r
    }

    #[test]
    fn warnings_are_counted_per_scenario_and_never_cost_points() {
        let listing = Listing {
            parts: vec!["2A".into()],
            scenarios: vec![jobwire::ScenarioInfo {
                name: "many_elections_2a".into(),
                part: "2A".into(),
                points: 5,
                title: String::new(),
                suite: jobwire::Suite::Mit6824,
                runs: vec!["raft/src/peer".into()],
            }],
        };
        let results = [job(1, &[]), job(2, &["wasteful: node 1 made 4680 calls"])];
        let scores = score(&results, Policy::All, &listing);
        assert_eq!(scores[0].score, 5.0);
        let text = warnings(&scores).expect("a warning");
        assert!(
            text.contains("many_elections_2a: 1 of 2 seeds; seed 2: wasteful: node 1"),
            "{text}"
        );
        assert!(warnings(&score(&results[..1], Policy::All, &listing)).is_none());
    }
}
