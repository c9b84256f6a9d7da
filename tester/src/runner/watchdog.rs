//! The wall-clock limit of a `cargo test` run of one scenario and seed, and
//! what it says when it fires: where the run was (virtual time, events, the
//! server and handler running, the largest persist) and whether a handler did
//! not return (an infinite loop) or the run is merely slow.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use labrpc::{Handling, Progress, Snapshot};

/// The limit when `RAFTLAB_TIMEOUT` (seconds) does not set one.
pub const LIMIT: Duration = Duration::from_secs(60);

/// The limit for this process.
pub fn limit() -> Duration {
    std::env::var("RAFTLAB_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map_or(LIMIT, Duration::from_secs)
}

/// Runs `run` with a progress record that a watchdog thread reads; if `run`
/// has not finished within `limit`, the watchdog prints its diagnosis and
/// ends the process (a handler that does not return cannot be stopped
/// otherwise).
pub fn guard<T>(test: &str, seed: u64, limit: Duration, run: impl FnOnce(Arc<Progress>) -> T) -> T {
    let progress = Arc::new(Progress::default());
    let (done, finished) = mpsc::channel::<()>();
    let watched = Arc::clone(&progress);
    let test = test.to_string();
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(limit) {
            let before = watched.read();
            std::thread::sleep(Duration::from_secs(1));
            let after = watched.read();
            eprintln!("{}", diagnose(&test, seed, limit, before, after));
            std::process::exit(101);
        }
    });
    let result = run(progress);
    let _ = done.send(());
    let _ = watchdog.join();
    result
}

/// What to say about a run still going after `limit`, from two readings of
/// its progress a second apart.
pub fn diagnose(
    test: &str,
    seed: u64,
    limit: Duration,
    before: Snapshot,
    after: Snapshot,
) -> String {
    let replay = jobwire::replay::RunName::new(test, seed).replay();
    format!(
        "{test} seed {seed}: {}\n  replay: {replay}\n  its log up to there: {replay} --stop-at-ms {} --log",
        reason(limit, before, after),
        after.now_us / 1000
    )
}

/// Why a run is still going after `limit`, from two readings of its progress
/// a second apart: a handler that does not return, or a slow run.
pub fn reason(limit: Duration, before: Snapshot, after: Snapshot) -> String {
    let at = format!(
        "virtual time {}.{:03} s",
        after.now_us / 1_000_000,
        after.now_us % 1_000_000 / 1000
    );
    let why = match after.handling {
        Some((node, what)) if after.events == before.events => {
            let what = match what {
                Handling::Request => "a request",
                Handling::Reply => "the reply of one of its calls",
                Handling::Timer => "a timer",
                Handling::Tester => "a call from the tester",
            };
            format!(
                "server {node} has not returned from handling {what} (at {at}, event {}): an \
                 infinite loop, or unbounded work in one handler? Handlers must return quickly",
                after.events
            )
        }
        _ => format!(
            "the run is slow, not stuck: it reached {at} after {} events ({} in the last second); \
             the largest single persist was {} bytes (every persist costs virtual time, but \
             encoding a long log again and again costs wall time)",
            after.events,
            after.events - before.events,
            after.largest_persist
        ),
    };
    format!(
        "stopped after {} s of wall-clock time: {why}",
        limit.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(events: u64, handling: Option<(u64, Handling)>) -> Snapshot {
        Snapshot {
            now_us: 3_250_000,
            events,
            handling,
            largest_persist: 120_000,
        }
    }

    #[test]
    fn a_handler_that_does_not_return_is_told_from_a_slow_run() {
        let limit = Duration::from_secs(60);
        let stuck = diagnose(
            "basic_3a",
            4,
            limit,
            at(900, Some((2, Handling::Request))),
            at(900, Some((2, Handling::Request))),
        );
        assert!(stuck.starts_with("basic_3a seed 4: stopped after 60 s of wall-clock time: server 2 has not returned from handling a request (at virtual time 3.250 s, event 900): an infinite loop"), "{stuck}");
        assert!(
            stuck
                .contains("replay: cargo run --release -p grading -- run --test basic_3a --seed 4")
        );
        assert!(
            stuck.contains("its log up to there: cargo run --release -p grading -- run --test basic_3a --seed 4 --stop-at-ms 3250 --log"),
            "{stuck}"
        );
        let slow = diagnose(
            "basic_3a",
            4,
            limit,
            at(900, Some((2, Handling::Request))),
            at(5_900, Some((1, Handling::Timer))),
        );
        assert!(slow.contains("the run is slow, not stuck: it reached virtual time 3.250 s after 5900 events (5000 in the last second); the largest single persist was 120000 bytes"), "{slow}");
    }

    #[test]
    fn a_run_that_finishes_in_time_returns_its_result() {
        assert_eq!(guard("t", 1, Duration::from_secs(5), |_| 7), 7);
    }
}
