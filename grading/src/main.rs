//! # grading: raftlab's grader
//!
//! `cargo run --release -p grading` grades the implementations in this tree on
//! every registered scenario and prints a score table. Each (scenario, seed) job
//! runs in a child process under a wall-clock and a memory limit, so a panic,
//! abort, stack overflow, infinite loop, runaway allocation or `process::exit`
//! fails that job with its reason and never the grader. See `--help`.

mod cli;
mod handout;
mod job;
mod plan;
mod pool;
mod reports;
mod score;
mod submission;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;

use crate::cli::{Cli, Command, GradeArgs, RunArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => grade(&cli.grade),
        Some(Command::List) => list(),
        Some(Command::Run(args)) => run(&args),
        Some(Command::Determinism { test, seed }) => determinism(&test, seed),
        Some(Command::Handout { out_dir }) => handout(&out_dir),
        Some(Command::Merge { files, reports }) => merge(&files, &reports),
        Some(Command::Job {
            test,
            seed,
            memory_mb,
            artifacts,
        }) => tests::find(&test)
            .and_then(|s| job::child_main(&s, seed, memory_mb, artifacts.as_deref()))
            .map(|()| true),
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

fn list() -> Result<bool, String> {
    println!("{:<58} {:<5} {:>6}", "scenario", "part", "points");
    for s in tests::registry() {
        println!("{:<58} {:<5} {:>6}", s.name, s.part.name(), s.points);
    }
    Ok(true)
}

fn run(args: &RunArgs) -> Result<bool, String> {
    let scenario = tests::find(&args.test)?;
    let topics = args
        .topics
        .iter()
        .map(|t| view::Topic::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let record = args.log || args.timeline.is_some();
    let start = Instant::now();
    let report = scenario.run(args.seed, record);
    let wall = start.elapsed();
    let failure = match &report.outcome {
        tests::Outcome::Passed => None,
        tests::Outcome::Failed { message, .. } => Some(message.as_str()),
    };
    let view_run = view::Run {
        test: scenario.name,
        seed: args.seed,
        servers: report.servers,
        records: &report.records,
        failure,
    };
    if args.log {
        let options = view::LogOptions {
            servers: args.servers.clone(),
            topics,
            colour: std::io::stdout().is_terminal(),
        };
        print!("{}", view::log::render(&view_run, &options));
    }
    if let Some(path) = &args.timeline {
        std::fs::write(path, view::timeline::html(&view_run))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("timeline: {}", path.display());
    }
    if args.json {
        let value = serde_json::json!({
            "test": report.test,
            "seed": report.seed,
            "passed": report.passed(),
            "outcome": report.outcome,
            "virtual_ms": report.virtual_ms,
            "wall_ms": wall.as_millis() as u64,
            "rpcs": report.rpcs,
            "bytes": report.bytes,
            "trace_digest": format!("{:016x}", report.trace_digest),
            "replay": report.replay,
        });
        println!("{value}");
    } else {
        println!("{}", report.summary());
        if !report.passed() {
            println!("{}", report.explain());
        }
    }
    Ok(report.passed())
}

fn determinism(test: &str, seed: u64) -> Result<bool, String> {
    let scenario = tests::find(test)?;
    match tests::determinism::check(&scenario, seed) {
        Ok(digest) => {
            println!("{test} seed {seed}: deterministic (two runs, digest {digest:016x})");
            Ok(true)
        }
        Err(e) => {
            println!("{e}");
            Ok(false)
        }
    }
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
    for f in files {
        results.extend(reports::read_json(f)?);
    }
    let scores = reports::write_all(reports, &results, 0.0)?;
    print!("{}", score::table(&results, &scores));
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
    let jobs = plan::jobs(args)?;
    let exe = match &args.submission {
        None => std::env::current_exe()
            .map_err(|e| format!("cannot find the grader's own binary: {e}"))?,
        Some(dir) => {
            eprintln!("building the submission in {} ...", dir.display());
            match submission::build(&root(), dir) {
                Ok(exe) => exe,
                Err(e) => {
                    let scenarios: std::collections::BTreeMap<&str, u32> = jobs
                        .iter()
                        .map(|j| (j.scenario.name, j.scenario.points))
                        .collect();
                    let max_score = scenarios.values().map(|&p| f64::from(p)).sum();
                    let wall = started.elapsed().as_secs_f64();
                    reports::write_error(&args.reports, &e, max_score, wall)
                        .map_err(|w| format!("{e}\n(and the reports: {w})"))?;
                    return Err(e);
                }
            }
        }
    };
    let workers = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
    eprintln!("grading {} jobs on {workers} workers", jobs.len());
    let total_jobs = jobs.len();
    let options = job::JobOptions {
        timeout: Duration::from_secs(args.timeout),
        memory_mb: args.memory_mb,
        artifacts: artifacts_dir(args),
        max_timelines: args.max_timelines,
    };
    let results = pool::run(&exe, jobs, workers, &options, interrupted.clone());
    if interrupted.load(Ordering::SeqCst) {
        eprintln!(
            "interrupted: reporting the {} of {total_jobs} jobs that finished",
            results.len()
        );
    }
    let scores = reports::write_all(&args.reports, &results, started.elapsed().as_secs_f64())?;
    print!("{}", score::table(&results, &scores));
    println!("wall time {:.1} s", started.elapsed().as_secs_f64());
    Ok(results.len() == total_jobs && results.iter().all(job::JobResult::passed))
}
