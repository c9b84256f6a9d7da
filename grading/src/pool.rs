//! The worker pool: jobs fed through a crossbeam channel to `--jobs` workers,
//! each running its job in a fresh harness process; live progress bars; failures
//! printed as they happen; Ctrl-C stops taking jobs and keeps what finished.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::harness::Harness;
use crate::job::{JobOptions, JobResult, JobSpec};
use crate::plan::Job;

/// A flag that Ctrl-C sets (the pool stops taking jobs; what finished is kept).
pub fn interrupted_on_ctrl_c() -> Arc<AtomicBool> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    interrupted
}

/// Runs `jobs` and returns the results of those that finished (in job order).
/// `interrupted` is set by Ctrl-C.
pub fn run(
    harness: &Harness,
    parts: &[String],
    jobs: Vec<Job>,
    workers: usize,
    options: &JobOptions,
    interrupted: Arc<AtomicBool>,
) -> Vec<JobResult> {
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template("{prefix:>5} [{bar:40}] {pos}/{len} {msg}")
        .expect("a valid template")
        .progress_chars("=> ");
    let total = multi.add(
        ProgressBar::new(jobs.len() as u64)
            .with_style(style.clone())
            .with_prefix("all"),
    );
    let mut part_bars: Vec<(&str, ProgressBar)> = Vec::new();
    for part in parts {
        let n = jobs.iter().filter(|j| j.scenario.part == *part).count();
        if n > 0 {
            let bar = multi.add(
                ProgressBar::new(n as u64)
                    .with_style(style.clone())
                    .with_prefix(part.clone()),
            );
            part_bars.push((part.as_str(), bar));
        }
    }
    let (job_tx, job_rx) = crossbeam_channel::unbounded::<(usize, Job)>();
    let (result_tx, result_rx) = crossbeam_channel::unbounded::<(usize, JobResult)>();
    for (k, job) in jobs.into_iter().enumerate() {
        job_tx.send((k, job)).expect("the channel is open");
    }
    drop(job_tx);
    let mut results: Vec<(usize, JobResult)> = Vec::new();
    // Timelines written so far, per scenario (for --max-timelines).
    let timelines: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            let job_rx = job_rx.clone();
            let result_tx = result_tx.clone();
            let interrupted = &interrupted;
            let timelines = &timelines;
            scope.spawn(move || {
                while let Ok((k, job)) = job_rx.recv() {
                    if interrupted.load(Ordering::SeqCst) {
                        break;
                    }
                    let full = options.max_timelines.is_some_and(|max| {
                        let written = timelines.lock().expect("not poisoned");
                        written.get(&job.scenario.name).copied().unwrap_or(0) >= max
                    });
                    let spec = JobSpec {
                        test: &job.scenario.name,
                        part: &job.scenario.part,
                        seed: job.seed,
                        timeline: options.artifacts.is_some() && !full,
                        stop_at_ms: None,
                    };
                    let result = crate::job::run(harness, &spec, options);
                    if result.timeline.is_some() {
                        *timelines
                            .lock()
                            .expect("not poisoned")
                            .entry(job.scenario.name.clone())
                            .or_default() += 1;
                    }
                    if interrupted.load(Ordering::SeqCst) {
                        break;
                    }
                    if result_tx.send((k, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(result_tx);
        for (k, result) in result_rx {
            total.inc(1);
            if let Some((_, bar)) = part_bars.iter().find(|(p, _)| *p == result.part) {
                bar.inc(1);
            }
            if !result.passed() && !options.quiet {
                total.set_message(format!(
                    "{} failed",
                    results.iter().filter(|(_, r)| !r.passed()).count() + 1
                ));
                multi.suspend(|| {
                    eprintln!(
                        "FAILED {} seed {} ({:?}): {}\n  replay: {}{}",
                        result.test,
                        result.seed,
                        result.outcome,
                        result.reason,
                        result.replay,
                        result.files().replace('\n', "\n  ")
                    )
                });
            }
            results.push((k, result));
        }
    });
    total.finish();
    for (_, bar) in &part_bars {
        bar.finish();
    }
    results.sort_by_key(|(k, _)| *k);
    results.into_iter().map(|(_, r)| r).collect()
}
