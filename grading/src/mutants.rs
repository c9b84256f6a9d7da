//! `grading mutants`: how many classic bugs the suites catch. The catalogue
//! (`grading/mutants.toml`, instructor-only: the handout leaves it out) holds
//! mutants of the reference, each one classic bug reintroduced by a few
//! find-and-replace patches of the student files, with the rule it breaks.
//! Each mutant is built like a submission and graded, in the same run as the
//! reference, on the selected jobs that run the code it changes (a kvraft
//! mutant on 3A and 3B, a Raft mutant everywhere: a job that never reaches
//! the changed code cannot catch it, and counting it would only dilute the
//! share). The table says which jobs caught it, on how many of the seeds
//! some job caught it (what one run of the suite with that seed shows), the
//! first failure and its message, and what its jobs cost beside the
//! reference's on the same jobs.
//!
//! A mutant marked `expect = "pass"` is a correct variant (the reference
//! written another ordinary way): it must pass every job, and its wall time
//! beside the reference's shows what grading such code costs.
//!
//! `--check` only applies every mutant and type-checks it, so that CI learns at
//! once when the reference has moved under a patch.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sourcecheck::STUDENT_DIRS;

use crate::cli::MutantArgs;
use crate::harness::Harness;
use crate::job::{JobOptions, JobResult};
use crate::{handout, plan, pool, submission};

/// Where the catalogue lives, relative to the tree's root.
pub const CATALOGUE: &str = "grading/mutants.toml";

/// A share of failed jobs below this is a weak catch (the table marks it).
const WEAK: f64 = 0.05;

/// One classic bug, as patches of the reference's student files.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mutant {
    /// Its name (snake_case, unique).
    pub name: String,
    /// What the code does wrong, in one sentence.
    pub bug: String,
    /// The rule it breaks (Figure 2, a section of the paper, the Students'
    /// Guide), or "none" for a correct variant.
    pub rule: String,
    /// Whether the suites must catch it or it must pass.
    #[serde(default)]
    pub expect: Expect,
    /// Only these parts grade it ("2A", "3B", ...; default: every part
    /// whose scenarios run the code it changes). A lab done only as far as
    /// some part is graded on the parts it has done.
    #[serde(default)]
    pub parts: Vec<String>,
    /// The patches, applied in order.
    pub patch: Vec<Patch>,
}

/// What a mutant's grading must show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// Some job fails: the suites catch the bug.
    #[default]
    Caught,
    /// Every job passes: a correct variant.
    Pass,
}

/// One find-and-replace in one student file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// The file, relative to the tree's root (under a student directory).
    pub file: String,
    /// The text to replace: it must occur exactly once.
    pub find: String,
    /// What replaces it.
    pub replace: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    mutant: Vec<Mutant>,
}

/// Reads and checks the catalogue of the tree at `root`.
pub fn load(root: &Path) -> Result<Vec<Mutant>, String> {
    let path = root.join(CATALOGUE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "there is no mutant catalogue at {}: it is instructor-only, and a handout leaves it out",
                path.display()
            ));
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a catalogue and checks what the format cannot: names unique and
/// snake_case, at least one patch each, files inside the student directories.
pub fn parse(text: &str) -> Result<Vec<Mutant>, String> {
    let catalogue: Catalogue = toml::from_str(text).map_err(|e| e.to_string())?;
    if catalogue.mutant.is_empty() {
        return Err("the catalogue holds no mutant".into());
    }
    let mut names = BTreeSet::new();
    for m in &catalogue.mutant {
        let snake = !m.name.is_empty()
            && m.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake {
            return Err(format!(
                "mutant {:?}: a name is snake_case (a-z, 0-9, _)",
                m.name
            ));
        }
        if !names.insert(m.name.as_str()) {
            return Err(format!("mutant {}: the name is used twice", m.name));
        }
        if m.bug.trim().is_empty() || m.rule.trim().is_empty() {
            return Err(format!(
                "mutant {}: `bug` and `rule` must say something",
                m.name
            ));
        }
        if m.patch.is_empty() {
            return Err(format!("mutant {}: it has no patch", m.name));
        }
        for p in &m.patch {
            let inside = STUDENT_DIRS
                .iter()
                .any(|d| p.file.starts_with(&format!("{d}/")))
                && !p
                    .file
                    .split('/')
                    .any(|c| c == ".." || c == "." || c.is_empty());
            if !inside {
                return Err(format!(
                    "mutant {}: {} is not a file under a student directory ({})",
                    m.name,
                    p.file,
                    STUDENT_DIRS.join(", ")
                ));
            }
            if p.find.is_empty() || p.find == p.replace {
                return Err(format!(
                    "mutant {}: a patch of {} changes nothing",
                    m.name, p.file
                ));
            }
        }
    }
    Ok(catalogue.mutant)
}

impl Mutant {
    /// The student directories its patches change.
    pub fn dirs(&self) -> BTreeSet<&'static str> {
        self.patch
            .iter()
            .filter_map(|p| {
                STUDENT_DIRS
                    .iter()
                    .copied()
                    .find(|d| p.file.starts_with(&format!("{d}/")))
            })
            .collect()
    }

    /// Whether a job of `scenario` runs code this mutant changes.
    pub fn reached_by(&self, scenario: &jobwire::ScenarioInfo) -> bool {
        let dirs = self.dirs();
        let graded = self.parts.is_empty()
            || self
                .parts
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&scenario.part));
        graded && scenario.runs.iter().any(|d| dirs.contains(d.as_str()))
    }

    /// Writes the student files of the tree at `root`, with this mutant's
    /// patches applied, to `dir` (a submission directory; replaced if it
    /// exists). Fails, naming the file, if a patch's text is not found
    /// exactly once: the reference has moved and the catalogue must follow.
    pub fn write(&self, root: &Path, dir: &Path) -> Result<(), String> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        submission::copy_student_files(root, dir)?;
        for p in &self.patch {
            let file = dir.join(&p.file);
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("mutant {}: {}: {e}", self.name, p.file))?;
            let count = text.matches(p.find.as_str()).count();
            if count != 1 {
                return Err(format!(
                    "mutant {}: {}: the text to replace occurs {count} times (it must occur once); the reference has changed, so update {CATALOGUE}:\n{}",
                    self.name, p.file, p.find
                ));
            }
            std::fs::write(&file, text.replacen(p.find.as_str(), &p.replace, 1))
                .map_err(|e| format!("{}: {e}", file.display()))?;
        }
        Ok(())
    }
}

/// The mutants `names` select (all if empty); an unknown name is an error.
fn select(all: Vec<Mutant>, names: &[String]) -> Result<Vec<Mutant>, String> {
    for n in names {
        if !all.iter().any(|m| &m.name == n) {
            return Err(format!(
                "unknown mutant {n:?}; the catalogue has:\n  {}",
                all.iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    Ok(all
        .into_iter()
        .filter(|m| names.is_empty() || names.contains(&m.name))
        .collect())
}

/// `grading mutants --check`: applies every mutant to a copy of the handout
/// and type-checks it (`cargo check`), sharing one build directory.
pub fn check(root: &Path, args: &MutantArgs) -> Result<bool, String> {
    let mutants = select(load(root)?, &args.mutant)?;
    let base = root.join("target/mutants");
    let tree = base.join("check-tree");
    let build = base.join("check-build");
    if tree.exists() {
        std::fs::remove_dir_all(&tree).map_err(|e| format!("{}: {e}", tree.display()))?;
    }
    handout::write(root, &tree)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut broken = 0;
    for m in &mutants {
        let started = Instant::now();
        let dir = base.join("check-files");
        m.write(root, &dir)?;
        for d in STUDENT_DIRS {
            let target = tree.join(d);
            if target.exists() {
                std::fs::remove_dir_all(&target)
                    .map_err(|e| format!("{}: {e}", target.display()))?;
            }
        }
        submission::copy_student_files(&dir, &tree)?;
        let out = Command::new(&cargo)
            .current_dir(&tree)
            // The student code is compiled for WebAssembly alone: check
            // the guest module, which holds all of it.
            .args([
                "check",
                "--quiet",
                "--message-format=short",
                "-p",
                "guest",
                "--lib",
                "--target",
                wasmhost::build::TARGET,
            ])
            .env("CARGO_TARGET_DIR", &build)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let errors: Vec<&str> = std::str::from_utf8(&out.stderr)
            .unwrap_or("")
            .lines()
            .filter(|l| l.contains("error"))
            .collect();
        if out.status.success() {
            println!(
                "ok       {:<44} ({:.1} s)",
                m.name,
                started.elapsed().as_secs_f64()
            );
        } else {
            broken += 1;
            println!("BROKEN   {:<44} does not build:", m.name);
            for line in errors {
                println!("         {line}");
            }
        }
    }
    println!(
        "{} mutants apply; {} build, {broken} do not",
        mutants.len(),
        mutants.len() - broken
    );
    Ok(broken == 0)
}

/// What grading one mutant (or the reference) showed.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The mutant (`reference` for the reference).
    pub name: String,
    /// What the code does wrong.
    pub bug: String,
    /// The rule it breaks.
    pub rule: String,
    /// What its grading must show.
    pub expect: Expect,
    /// Whether it showed it.
    pub met: bool,
    /// Jobs run: the selected jobs that run the code it changes.
    pub jobs: usize,
    /// Jobs that failed.
    pub failed: usize,
    /// Of those, jobs killed for wall-clock time.
    pub timed_out: usize,
    /// The scenarios with a failed job, with how many failed.
    pub caught_by: Vec<(String, usize)>,
    /// The seeds with a failed job, in order (a run of the first k seeds
    /// catches the mutant if the first of these is at most k).
    pub failed_seeds: Vec<u64>,
    /// The seeds its jobs ran (a seed with a failed job catches it: what one
    /// run of the whole suite with that seed would show).
    pub seeds_run: usize,
    /// The first failed job (scenario order, then seed): test, seed, reason.
    pub first_failure: Option<(String, u64, String)>,
    /// The jobs' wall time, summed.
    pub wall_ms: u64,
    /// The reference's wall time on the same jobs, summed.
    pub reference_wall_ms: u64,
    /// The build's error, if it did not build (then no job ran).
    pub build_error: Option<String>,
    /// The most calls one server made in one virtual second, over its jobs,
    /// and the first job that reached it.
    pub peak_rpcs_per_sec: Peak,
    /// The most request bytes one server sent in one virtual second, over
    /// its jobs, and the first job that reached it.
    pub peak_bytes_per_sec: Peak,
    /// Jobs warned as wasteful ([`JobResult::warnings`]).
    pub warned: usize,
}

/// The highest of one figure over a set of jobs, and the first job (scenario
/// order, then seed) that reached it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Peak {
    /// The figure.
    pub value: u64,
    /// The scenario of the job that reached it (empty if no job ran).
    pub test: String,
    /// Its seed.
    pub seed: u64,
}

impl Peak {
    /// The highest `figure` of `results`.
    fn of(results: &[JobResult], figure: impl Fn(&JobResult) -> u64) -> Peak {
        let mut peak = Peak::default();
        for r in results {
            if figure(r) > peak.value || peak.test.is_empty() {
                peak = Peak {
                    value: figure(r),
                    test: r.test.clone(),
                    seed: r.seed,
                };
            }
        }
        peak
    }
}

impl Outcome {
    fn of(m: Option<&Mutant>, results: &[JobResult]) -> Outcome {
        let failed: Vec<&JobResult> = results.iter().filter(|r| !r.passed()).collect();
        let mut caught_by: Vec<(String, usize)> = Vec::new();
        for r in &failed {
            match caught_by.iter_mut().find(|(t, _)| *t == r.test) {
                Some((_, n)) => *n += 1,
                None => caught_by.push((r.test.clone(), 1)),
            }
        }
        let expect = m.map_or(Expect::Pass, |m| m.expect);
        let met = match expect {
            Expect::Caught => !failed.is_empty(),
            Expect::Pass => failed.is_empty() && !results.is_empty(),
        };
        Outcome {
            name: m.map_or("reference".into(), |m| m.name.clone()),
            bug: m.map_or(String::new(), |m| m.bug.clone()),
            rule: m.map_or(String::new(), |m| m.rule.clone()),
            expect,
            met,
            jobs: results.len(),
            failed: failed.len(),
            timed_out: failed
                .iter()
                .filter(|r| r.outcome == jobwire::Status::TimedOut)
                .count(),
            caught_by,
            failed_seeds: failed
                .iter()
                .map(|r| r.seed)
                .collect::<BTreeSet<u64>>()
                .into_iter()
                .collect(),
            seeds_run: results
                .iter()
                .map(|r| r.seed)
                .collect::<BTreeSet<u64>>()
                .len(),
            first_failure: failed
                .first()
                .map(|r| (r.test.clone(), r.seed, r.reason.clone())),
            wall_ms: results.iter().map(|r| r.wall_ms).sum(),
            reference_wall_ms: 0,
            build_error: None,
            peak_rpcs_per_sec: Peak::of(results, |r| r.peak_rpcs_per_sec),
            peak_bytes_per_sec: Peak::of(results, |r| r.peak_bytes_per_sec),
            warned: results.iter().filter(|r| !r.warnings.is_empty()).count(),
        }
    }

    fn share(&self) -> f64 {
        if self.jobs == 0 {
            0.0
        } else {
            self.failed as f64 / self.jobs as f64
        }
    }
}

/// The whole run, as `--json` writes it.
#[derive(Serialize)]
struct Report<'a> {
    seeds: u64,
    seed_start: u64,
    /// The selected jobs: the reference runs them all, each mutant those
    /// that run the code it changes (its `jobs`).
    jobs: usize,
    reference: &'a Outcome,
    mutants: &'a [Outcome],
}

/// `grading mutants`: grades the reference on the selected jobs and every
/// selected mutant on those of them that run the code it changes, and prints
/// the table.
pub fn run(root: &Path, tree: Harness, args: &MutantArgs) -> Result<bool, String> {
    let started = Instant::now();
    let mutants = select(load(root)?, &args.mutant)?;
    let listing = tree.listing()?;
    for m in &mutants {
        if let Some(part) = m
            .parts
            .iter()
            .find(|p| !listing.parts.iter().any(|q| q.eq_ignore_ascii_case(p)))
        {
            return Err(format!(
                "mutant {}: {part:?} in `parts` is not a part; the parts are {}",
                m.name,
                listing.parts.join(", ")
            ));
        }
    }
    let jobs = plan::jobs(&args.select, args.seeds, None, &listing)?;
    let workers = args.select.workers();
    let build = submission::BuildOptions::new(&args.select.build, false)?;
    let interrupted = pool::interrupted_on_ctrl_c();
    let options = |submission: Option<PathBuf>| JobOptions {
        timeout: Duration::from_secs(args.select.timeout),
        memory_mb: args.select.memory_mb,
        artifacts: None,
        max_timelines: None,
        require_sandbox: false,
        submission,
        quiet: true,
    };
    eprintln!(
        "the reference on {} jobs and {} mutants, each on the jobs that run the code it changes, on {workers} workers",
        jobs.len(),
        mutants.len(),
    );
    let results = pool::run(
        &tree,
        &listing.parts,
        jobs.clone(),
        workers,
        &options(None),
        interrupted.clone(),
    );
    let mut reference = Outcome::of(None, &results);
    reference.reference_wall_ms = reference.wall_ms;
    let mut outcomes = Vec::new();
    let mut unreached = Vec::new();
    for m in &mutants {
        if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        let mine: Vec<plan::Job> = jobs
            .iter()
            .filter(|j| m.reached_by(&j.scenario))
            .cloned()
            .collect();
        if mine.is_empty() {
            unreached.push(m.name.clone());
            continue;
        }
        let reference_wall_ms = results
            .iter()
            .filter(|r| {
                mine.iter()
                    .any(|j| j.scenario.name == r.test && j.seed == r.seed)
            })
            .map(|r| r.wall_ms)
            .sum();
        let dir = root.join("target/mutants").join(&m.name);
        m.write(root, &dir)?;
        eprintln!(
            "mutant {} ({} of {}) ...",
            m.name,
            outcomes.len() + 1,
            mutants.len()
        );
        let outcome = match submission::build(root, &dir, &build, &tree) {
            Ok(harness) => {
                let results = pool::run(
                    &harness,
                    &listing.parts,
                    mine,
                    workers,
                    &options(Some(dir.clone())),
                    interrupted.clone(),
                );
                Outcome::of(Some(m), &results)
            }
            Err(e @ submission::SubmissionError::Grader(_)) => return Err(e.to_string()),
            Err(e) => Outcome {
                build_error: Some(e.to_string()),
                met: false,
                ..Outcome::of(Some(m), &[])
            },
        };
        outcomes.push(Outcome {
            reference_wall_ms,
            ..outcome
        });
    }
    print!("{}", table(&reference, &outcomes));
    if !unreached.is_empty() {
        println!(
            "not graded (no selected scenario runs the code they change): {}",
            unreached.join(", ")
        );
    }
    println!("wall time {:.1} s", started.elapsed().as_secs_f64());
    if let Some(path) = &args.json {
        let report = Report {
            seeds: args.seeds,
            seed_start: args.select.seed_start,
            jobs: jobs.len(),
            reference: &reference,
            mutants: &outcomes,
        };
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        crate::reports::write_file(path, &text)?;
    }
    Ok(reference.met
        && outcomes.len() + unreached.len() == mutants.len()
        && outcomes.iter().all(|o| o.met))
}

/// The table `grading mutants` prints.
fn table(reference: &Outcome, outcomes: &[Outcome]) -> String {
    let mut out = format!(
        "{:<40} {:<7} {:>13} {:>7} {:>7} {:>9} {:>6}  first failure\n",
        "mutant", "verdict", "failed/jobs", "share", "seeds", "wall", "× ref"
    );
    let row = |o: &Outcome| -> String {
        let verdict = match (o.expect, o.met) {
            _ if o.build_error.is_some() => "BROKEN",
            (Expect::Caught, true) if o.share() < WEAK => "weak",
            (Expect::Caught, true) => "caught",
            (Expect::Caught, false) => "MISSED",
            (Expect::Pass, true) => "passes",
            (Expect::Pass, false) => "FAILS",
        };
        let ratio = o.wall_ms as f64 / o.reference_wall_ms.max(1) as f64;
        let mut line = format!(
            "{:<40} {:<7} {:>13} {:>6.1}% {:>7} {:>7.1} s {:>5.1}×",
            o.name,
            verdict,
            format!("{}/{}", o.failed, o.jobs),
            100.0 * o.share(),
            format!("{}/{}", o.failed_seeds.len(), o.seeds_run),
            o.wall_ms as f64 / 1000.0,
            ratio
        );
        if let Some((test, seed, reason)) = &o.first_failure {
            let first = reason.lines().next().unwrap_or("");
            let short: String = first.chars().take(100).collect();
            line.push_str(&format!("  {test} seed {seed}"));
            if o.timed_out > 0 {
                line.push_str(&format!(" ({} killed for time)", o.timed_out));
            }
            line.push_str(&format!("\n{:<40} {short}", ""));
        }
        if let Some(e) = &o.build_error {
            let first = e.lines().next().unwrap_or("");
            line.push_str(&format!("\n{:<40} {first}", ""));
        }
        if o.expect == Expect::Pass && o.jobs > 0 {
            let (calls, bytes) = (&o.peak_rpcs_per_sec, &o.peak_bytes_per_sec);
            line.push_str(&format!(
                "\n{:<40} peaks {} calls/s ({} seed {}), {:.2} MB/s ({} seed {}); warned in {} of {} jobs",
                "",
                calls.value,
                calls.test,
                calls.seed,
                bytes.value as f64 / 1e6,
                bytes.test,
                bytes.seed,
                o.warned,
                o.jobs
            ));
        }
        line.push('\n');
        line
    };
    out.push_str(&row(reference));
    for o in outcomes {
        out.push_str(&row(o));
    }
    let bugs: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.expect == Expect::Caught)
        .collect();
    let caught = bugs.iter().filter(|o| o.met).count();
    let weak = bugs.iter().filter(|o| o.met && o.share() < WEAK).count();
    let variants: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.expect == Expect::Pass)
        .collect();
    out.push_str(&format!(
        "caught {caught} of {} mutants ({weak} by fewer than {:.0}% of their jobs); {} of {} correct variants pass\n",
        bugs.len(),
        100.0 * WEAK,
        variants.iter().filter(|o| o.met).count(),
        variants.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[mutant]]
name = "stale_vote"
bug = "counts a vote from an earlier term"
rule = "Figure 2: a candidate counts votes for its current term"

[[mutant.patch]]
file = "raft/src/peer/election.rs"
find = "a"
replace = "b"
"#;

    #[test]
    fn a_good_catalogue_parses_with_caught_as_the_default() {
        let m = parse(ONE).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].expect, Expect::Caught);
        assert_eq!(m[0].patch[0].file, "raft/src/peer/election.rs");
    }

    #[test]
    fn a_mutant_with_parts_is_graded_on_those_parts_only() {
        let scenario = |part: &str, runs: &str| jobwire::ScenarioInfo {
            name: format!("s_{part}"),
            part: part.into(),
            points: 5,
            title: String::new(),
            suite: jobwire::Suite::Raftlab,
            runs: vec![runs.into()],
        };
        let everywhere = &parse(ONE).unwrap()[0];
        assert!(everywhere.reached_by(&scenario("2C", "raft/src/peer")));
        assert!(!everywhere.reached_by(&scenario("3A", "kvraft/src/server")));
        let through_2b = &parse(&ONE.replace(
            "name = \"stale_vote\"",
            "name = \"stale_vote\"\nparts = [\"2A\", \"2b\"]",
        ))
        .unwrap()[0];
        assert!(through_2b.reached_by(&scenario("2A", "raft/src/peer")));
        assert!(through_2b.reached_by(&scenario("2B", "raft/src/peer")));
        assert!(!through_2b.reached_by(&scenario("2C", "raft/src/peer")));
    }

    #[test]
    fn bad_catalogues_are_refused_with_the_reason() {
        let cases = [
            (ONE.replace("stale_vote", "Stale Vote"), "snake_case"),
            (format!("{ONE}{}", &ONE[1..]), "used twice"),
            (
                ONE.replace("raft/src/peer/election.rs", "labrpc/src/sim.rs"),
                "student directory",
            ),
            (
                ONE.replace("raft/src/peer/election.rs", "raft/src/peer/../../x.rs"),
                "student directory",
            ),
            (
                ONE.replace("replace = \"b\"", "replace = \"a\""),
                "changes nothing",
            ),
            (ONE.replace("bug =", "bugs ="), "unknown field"),
            (
                ONE.replace(
                    "rule = \"Figure 2: a candidate counts votes for its current term\"",
                    "rule = \"\"",
                ),
                "must say something",
            ),
            (
                ONE.replace(
                    "name = \"stale_vote\"",
                    "name = \"stale_vote\"\nexpect = \"maybe\"",
                ),
                "unknown variant",
            ),
            (String::new(), "missing field"),
        ];
        for (text, why) in cases {
            let err = parse(&text).unwrap_err();
            assert!(err.contains(why), "expected {why:?}, got: {err}");
        }
    }

    #[test]
    fn a_patch_that_no_longer_applies_names_the_mutant_and_file() {
        let root = std::env::temp_dir().join(format!("raftlab-mutants-{}", std::process::id()));
        for d in STUDENT_DIRS {
            std::fs::create_dir_all(root.join(d)).unwrap();
            std::fs::write(root.join(d).join("mod.rs"), "a a").unwrap();
        }
        let m = &parse(ONE.replace("peer/election.rs", "peer/mod.rs").as_str()).unwrap()[0];
        let err = m.write(&root, &root.join("out")).unwrap_err();
        assert!(
            err.contains("stale_vote")
                && err.contains("raft/src/peer/mod.rs")
                && err.contains("occurs 2 times"),
            "{err}"
        );
        std::fs::write(root.join("raft/src/peer/mod.rs"), "x a y").unwrap();
        m.write(&root, &root.join("out")).unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("out/raft/src/peer/mod.rs")).unwrap(),
            "x b y"
        );
        assert!(load(&root).unwrap_err().contains("instructor-only"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
