//! # grading: raftlab's grader
//!
//! `cargo run --release -p grading` grades the implementations in this tree on
//! every registered scenario and prints a score table. The grader links no
//! student code: it builds the tree's (or a submission's) harness and runs each
//! (scenario, seed) job in a sandboxed harness process, believing only a result
//! sealed with the job's key, so a panic, abort, stack overflow, infinite loop,
//! runaway allocation, `process::exit` or forged output fails that job with its
//! reason and never the grader. See `--help` and docs/security.md.

mod bounded;
mod build_sandbox;
mod class;
mod cli;
mod handout;
mod harness;
mod job;
mod mutants;
mod plan;
mod pool;
mod reports;
mod score;
mod similar;
mod submission;
mod untrusted;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::cli::{Cli, Command, GradeArgs, RunArgs, ShrinkArgs};
use crate::harness::Harness;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => grade(&cli.grade),
        Some(Command::List) => list(),
        Some(Command::Run(args)) => run(&args),
        Some(Command::Shrink(args)) => shrink(&args),
        Some(Command::Determinism {
            test,
            seed,
            submission,
        }) => determinism(&test, seed, submission.as_deref()),
        Some(Command::Handout { out_dir }) => handout(&out_dir),
        Some(Command::Costs { args }) => forward("costs", &args),
        Some(Command::Premises { args }) => forward("premises", &args),
        Some(Command::Merge { files, reports }) => merge(&files, &reports),
        Some(Command::Class(args)) => class::run(&root(), &args),
        Some(Command::Mutants(args)) if args.check => mutants::check(&root(), &args),
        Some(Command::Mutants(args)) => {
            tree_harness().and_then(|tree| mutants::run(&root(), tree, &args))
        }
        Some(Command::SandboxExec(args)) => build_sandbox::exec(&args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The root of this tree (the workspace).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the grading crate is inside the workspace")
        .to_path_buf()
}

/// The harness of this tree, built as `cargo test --release` builds it, and
/// run from a copy of its own (a `cargo test` rebuilding it in place while
/// this grader runs jobs cannot pull it from under them).
fn tree_harness() -> Result<Harness, String> {
    harness::build(&root())?.kept_in(&root().join("target/raftlab/harnesses"))
}

/// Why this tree's own student files may not run, if they break the rules no
/// compiler checks (see the `sourcecheck` crate), in the words a submission's
/// rejection uses. A submission's files are checked as it is built.
fn tree_rejected() -> Option<String> {
    match sourcecheck::check_tree(&root()) {
        Ok(found) if found.is_empty() => None,
        Ok(found) => Some(format!(
            "the submission was rejected before it was built: {}",
            sourcecheck::report(&found)
        )),
        Err(e) => Some(format!("the submission cannot be checked: {e}")),
    }
}

/// The harness to run: this tree's, or a submission's (built against the handout).
fn harness_for(submission: Option<&Path>) -> Result<Harness, String> {
    match submission {
        None => match tree_rejected() {
            Some(why) => Err(why),
            None => tree_harness(),
        },
        Some(dir) => {
            let options = submission::BuildOptions::new(&cli::BuildLimits::default(), false)?;
            Ok(submission::build(&root(), dir, &options, &tree_harness()?)?)
        }
    }
}

fn list() -> Result<bool, String> {
    let listing = tree_harness()?.listing()?;
    println!("{:<58} {:<5} {:>6}  suite", "scenario", "part", "points");
    for s in &listing.scenarios {
        println!(
            "{:<58} {:<5} {:>6}  {}",
            s.name,
            s.part,
            s.points,
            s.suite.name()
        );
    }
    Ok(true)
}

/// `grading run`: the harness of the tree (or submission) replays the run.
fn run(args: &RunArgs) -> Result<bool, String> {
    let harness = harness_for(args.submission.as_deref())?;
    let mut command = harness.command("run");
    command.args(args.replay.to_args());
    if let Some(dir) = &args.submission {
        command.arg("--shown-submission").arg(dir);
    }
    speak(&harness, command, args.submission.is_some())
}

/// `grading shrink`: the harness of the tree (or submission) shrinks the run.
fn shrink(args: &ShrinkArgs) -> Result<bool, String> {
    let harness = harness_for(args.submission.as_deref())?;
    let mut command = harness.command("shrink");
    command.args(args.shrink.to_args());
    if let Some(dir) = &args.submission {
        command.arg("--shown-submission").arg(dir);
    }
    speak(&harness, command, args.submission.is_some())
}

/// Runs a harness `command` for a person at the terminal. This tree's
/// becomes this process (its log in colour on a terminal); a submission's
/// prints (its log and failure, in a student's words) reach this terminal
/// line by line with every escape sequence made visible.
fn speak(
    harness: &Harness,
    mut command: std::process::Command,
    untrusted: bool,
) -> Result<bool, String> {
    if !untrusted {
        return Err(format!(
            "cannot run the harness {}: {}",
            harness.exe.display(),
            command.exec()
        ));
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the harness {}: {e}", harness.exe.display()))?;
    let (out, err) = (child.stdout.take(), child.stderr.take());
    std::thread::scope(|scope| {
        scope.spawn(|| out.map(|o| relay(o, &mut std::io::stdout())));
        scope.spawn(|| err.map(|e| relay(e, &mut std::io::stderr())));
    });
    let status = child
        .wait()
        .map_err(|e| format!("the harness {}: {e}", harness.exe.display()))?;
    Ok(status.success())
}

/// Copies `from` to `to` line by line, each cleaned of escape sequences.
fn relay(from: impl std::io::Read, to: &mut impl std::io::Write) {
    use std::io::BufRead;
    for line in std::io::BufReader::new(from)
        .split(b'\n')
        .map_while(Result::ok)
    {
        let line = untrusted::clean(&String::from_utf8_lossy(&line), untrusted::DIAGNOSTICS);
        if writeln!(to, "{line}").is_err() {
            break;
        }
    }
}

fn determinism(test: &str, seed: u64, submission: Option<&Path>) -> Result<bool, String> {
    let harness = harness_for(submission)?;
    let mut command = harness.command("determinism");
    command
        .args(["--test", test, "--seed"])
        .arg(seed.to_string());
    Err(format!(
        "cannot run the harness {}: {}",
        harness.exe.display(),
        command.exec()
    ))
}

/// Runs this tree's harness command `name` with `args` as they were given.
fn forward(name: &str, args: &[String]) -> Result<bool, String> {
    let harness = tree_harness()?;
    let mut command = harness.command(name);
    command.args(args);
    Err(format!(
        "cannot run the harness {}: {}",
        harness.exe.display(),
        command.exec()
    ))
}

fn handout(out: &Path) -> Result<bool, String> {
    let (written, dropped) = handout::write(&root(), out)?;
    println!(
        "handout written to {}: {written} files, {dropped} reference-only files left out",
        out.display()
    );
    Ok(true)
}

fn merge(files: &[PathBuf], reports: &cli::ReportArgs) -> Result<bool, String> {
    let mut results = Vec::new();
    let mut listing: Option<jobwire::Listing> = None;
    for f in files {
        let report = reports::read_json(f)?;
        match &listing {
            None => listing = Some(report.listing),
            Some(l) if *l != report.listing => {
                return Err(format!(
                    "{} was graded from other scenarios or points than {}",
                    f.display(),
                    files[0].display()
                ));
            }
            Some(_) => {}
        }
        results.extend(report.jobs);
    }
    let listing = listing.expect("clap requires at least one file");
    let scores = reports::write_all(reports, &listing, &results, 0.0)?;
    print!("{}", score::table(&results, &scores, &listing.parts));
    Ok(results.iter().all(job::JobResult::passed))
}

/// Where failed jobs' files go: `--timelines`, else beside the first report
/// given, else under `target/raftlab/grading`.
fn artifacts_dir(args: &GradeArgs) -> Option<PathBuf> {
    if args.no_timelines {
        return None;
    }
    if let Some(dir) = &args.timelines {
        return Some(dir.clone());
    }
    let r = &args.reports;
    let beside = [&r.json, &r.gradescope, &r.junit]
        .into_iter()
        .flatten()
        .next()
        .map(|report| match report.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        });
    Some(beside.unwrap_or_else(|| root().join("target/raftlab/grading")))
}

fn grade(args: &GradeArgs) -> Result<bool, String> {
    let started = Instant::now();
    // The scenarios come from this tree's harness, whatever is graded: a
    // submission is built against this tree's handout, so it has the same ones.
    let tree = tree_harness()?;
    let listing = tree.listing()?;
    let jobs = plan::jobs(&args.select, args.seeds, args.shard, &listing)?;
    let harness = match &args.submission {
        None => match tree_rejected() {
            None => tree,
            Some(e) => {
                let max_score = plan::points(&jobs);
                let wall = started.elapsed().as_secs_f64();
                reports::write_error(&args.reports, &listing, &e, max_score, wall)
                    .map_err(|w| format!("{e}\n(and the reports: {w})"))?;
                return Err(e);
            }
        },
        Some(dir) => {
            eprintln!("building the submission in {} ...", dir.display());
            let options = submission::BuildOptions::new(&args.select.build, args.require_sandbox)?;
            match submission::build(&root(), dir, &options, &tree) {
                Ok(harness) => {
                    eprintln!("harness: {}", harness.exe.display());
                    eprintln!("guest module: {}", harness.guest.display());
                    harness
                }
                // The grader's own trouble grades nothing: no zero is written.
                Err(e @ submission::SubmissionError::Grader(_)) => return Err(e.to_string()),
                Err(e) => {
                    let e = e.to_string();
                    let max_score = plan::points(&jobs);
                    let wall = started.elapsed().as_secs_f64();
                    reports::write_error(&args.reports, &listing, &e, max_score, wall)
                        .map_err(|w| format!("{e}\n(and the reports: {w})"))?;
                    return Err(e);
                }
            }
        }
    };
    let workers = args.select.workers();
    let interrupted = pool::interrupted_on_ctrl_c();
    eprintln!("grading {} jobs on {workers} workers", jobs.len());
    let total_jobs = jobs.len();
    let options = job::JobOptions {
        timeout: Duration::from_secs(args.select.timeout),
        memory_mb: args.select.memory_mb,
        artifacts: artifacts_dir(args),
        max_timelines: args.max_timelines,
        require_sandbox: args.require_sandbox,
        submission: args.submission.clone(),
        quiet: false,
    };
    let results = pool::run(
        &harness,
        &listing.parts,
        jobs,
        workers,
        &options,
        interrupted.clone(),
    );
    if interrupted.load(Ordering::SeqCst) {
        eprintln!(
            "interrupted: reporting the {} of {total_jobs} jobs that finished",
            results.len()
        );
    }
    let scores = reports::write_all(
        &args.reports,
        &listing,
        &results,
        started.elapsed().as_secs_f64(),
    )?;
    print!("{}", score::table(&results, &scores, &listing.parts));
    if let Some(warnings) = score::warnings(&scores) {
        println!("{warnings}");
    }
    if let Some(peaks) = score::peaks(&results) {
        println!("{peaks}");
    }
    println!("wall time {:.1} s", started.elapsed().as_secs_f64());
    Ok(results.len() == total_jobs && results.iter().all(job::JobResult::passed))
}
