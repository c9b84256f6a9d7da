// @solution-file
//! The live log (`grading run --log`) prints, as the run goes, exactly the
//! lines the column log of the recorded run has; and a run stopped at a
//! virtual time shows everything before it and says where it stopped.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use tester::live_log::LiveLog;
use tester::{Report, RunSpec, Scenario};

/// A writer whose bytes the test can read afterwards.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn live(scenario: &Scenario, seed: u64, stop_at_ms: Option<u64>) -> (Report, String) {
    let out = Shared::default();
    let log = LiveLog::new(view::LogOptions::default(), Box::new(out.clone()));
    let report = (scenario.run)(&RunSpec {
        record: true,
        stop_at: stop_at_ms.map(|ms| labrpc::Time::ZERO + std::time::Duration::from_millis(ms)),
        live_log: Some(log.clone()),
        ..scenario.spec(seed)
    });
    let failure = match &report.outcome {
        tester::Outcome::Passed => None,
        tester::Outcome::Failed { message, .. } => Some(message.clone()),
    };
    log.finish(failure.as_deref());
    let text = String::from_utf8(out.0.borrow().clone()).unwrap();
    (report, text)
}

fn batch(scenario: &Scenario, report: &Report) -> String {
    view::log::render(
        &view::Run {
            test: scenario.name,
            seed: report.seed,
            servers: report.servers,
            names: &[],
            records: &report.records,
            failure: None,
        },
        &view::LogOptions::default(),
    )
}

#[test]
fn the_live_log_has_the_lines_of_the_recorded_runs_log() {
    for (name, seed) in [("figure8_unreliable_2c", 3), ("one_partition_3a", 2)] {
        let scenario = tester::find(name).unwrap();
        let (report, live) = live(&scenario, seed, None);
        assert!(report.passed(), "{}", report.explain());
        let batch = batch(&scenario, &report);
        let body = |text: &str| text.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
        assert!(body(&live).len() > 100, "{name}: too short a log:\n{live}");
        assert_eq!(body(&live), body(&batch), "{name} seed {seed}");
        assert!(live.starts_with(&format!("{name} seed {seed}: ")));
    }
}

#[test]
fn a_stopped_run_shows_everything_before_where_it_stopped() {
    let scenario = tester::find("figure8_2c").unwrap();
    let (report, live) = live(&scenario, 1, Some(5_000));
    assert!(!report.passed());
    let late: Vec<_> = report
        .records
        .iter()
        .filter(|r| r.time.as_micros() >= 5_000_000)
        .collect();
    assert!(late.is_empty(), "{late:?}");
    assert!(report.records.len() > 20);
    let last = live.lines().last().unwrap();
    assert!(last.contains("stopped at 5.000000s, as asked"), "{last}");
}
