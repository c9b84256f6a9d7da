//! The harness against implementations that are wrong on purpose: one that does
//! nothing, one that is all `todo!()`, one that is non-deterministic. Each must be
//! failed quickly, with the right kind of message, never hang or pass.

use std::cell::Cell;
use std::collections::HashMap;
use std::time::Duration;

use raft::{Persisted, Raft, RaftContext};
use tester::raft::scenarios;
use tester::{FailureKind, Outcome, determinism};

/// How [`Wrong`] is wrong, for the test running on this thread: one type
/// with three behaviours, so that the scenarios are compiled once for this
/// file rather than once per behaviour.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// It never does anything.
    Idle,
    /// Every method is still `todo!()`, as in the handout.
    Todo,
    /// Idle, but with a timer whose length depends on the iteration order
    /// of a `HashMap`: the kind of bug the determinism check exists for.
    HashOrder,
}

thread_local! {
    static MODE: Cell<Mode> = const { Cell::new(Mode::Idle) };
}

/// Makes the servers this thread's scenarios create behave as `mode`.
fn behave(mode: Mode) {
    MODE.with(|m| m.set(mode));
}

fn todo() -> bool {
    MODE.with(Cell::get) == Mode::Todo
}

/// A Raft that is wrong on purpose, as [`Mode`] says.
struct Wrong {
    fired: u32,
}

impl Raft for Wrong {
    type Request = ();
    type Reply = ();
    type Timer = ();
    fn new(ctx: &mut RaftContext<'_, '_, Self>, me: usize, peers: usize, _: Persisted) -> Self {
        match MODE.with(Cell::get) {
            Mode::Idle => {}
            Mode::Todo => todo!("2A: create a Raft server"),
            Mode::HashOrder => {
                let peers: HashMap<usize, ()> =
                    (0..peers).filter(|&p| p != me).map(|p| (p, ())).collect();
                let first = *peers.keys().next().expect("a peer");
                ctx.set_timer(Duration::from_millis(100 + first as u64), ());
            }
        }
        Wrong { fired: 0 }
    }
    fn start(&mut self, _: &mut RaftContext<'_, '_, Self>, _: Vec<u8>) -> Option<(u64, u64)> {
        if todo() {
            todo!("2B: start agreement")
        }
        None
    }
    fn state(&self) -> (u64, bool) {
        if todo() {
            todo!("2A: report the state")
        }
        (u64::from(self.fired), false)
    }
    fn snapshot(&mut self, _: &mut RaftContext<'_, '_, Self>, _: u64, _: Vec<u8>) {
        if todo() {
            todo!("2D: snapshot")
        }
    }
    fn handle_request(&mut self, _: &mut RaftContext<'_, '_, Self>, _: usize, _: ()) {
        if todo() {
            todo!("2A: handle a request")
        }
    }
    fn handle_reply(&mut self, _: &mut RaftContext<'_, '_, Self>, _: usize, _: (), _: Option<()>) {
        if todo() {
            todo!("2A: handle a reply")
        }
    }
    fn handle_timer(&mut self, _: &mut RaftContext<'_, '_, Self>, _: ()) {
        if todo() {
            todo!("2A: handle a timer")
        }
        self.fired += 1;
    }
}

#[test]
fn an_idle_raft_fails_every_scenario_with_a_clear_message() {
    behave(Mode::Idle);
    for scenario in scenarios::<Wrong>() {
        let report = scenario.run(3, false);
        let Outcome::Failed { kind, message } = &report.outcome else {
            panic!("{} passed with a Raft that does nothing", scenario.name);
        };
        assert_eq!(*kind, FailureKind::Check, "{}: {message}", scenario.name);
        assert!(
            message.contains("expected one leader, got none")
                || message.contains("failed to reach agreement"),
            "{}: unexpected message: {message}",
            scenario.name
        );
        if message.contains("expected one leader") {
            // Every server is named, with its state.
            assert!(
                message.contains("server 0: term 0") && message.contains("server 2: term 0"),
                "{}: {message}",
                scenario.name
            );
        }
        if message.contains("failed to reach agreement") {
            // The world when the tester gave up: every server, the majority,
            // the leaders (there were none).
            assert!(
                message.contains("When it gave up: server 0: term 0")
                    && message.contains("servers up and connected")
                    && message.contains("no server has led yet"),
                "{}: {message}",
                scenario.name
            );
        }
        // The churn scenarios check agreement only after 15 s of churn; every other
        // scenario notices within its first `one()` or `check_one_leader()`.
        let bound = if scenario.name.contains("churn") {
            30_000
        } else {
            11_000
        };
        assert!(
            report.virtual_ms <= bound,
            "{} took {} ms to notice",
            scenario.name,
            report.virtual_ms
        );
        assert!(
            report.replay.contains("--seed 3") && report.replay.contains(scenario.name),
            "{}",
            report.replay
        );
    }
}

#[test]
fn a_todo_raft_fails_every_scenario_as_not_implemented() {
    behave(Mode::Todo);
    for scenario in scenarios::<Wrong>() {
        let report = scenario.run(1, false);
        let Outcome::Failed { kind, message } = &report.outcome else {
            panic!("{} passed with todo!()", scenario.name);
        };
        assert_eq!(*kind, FailureKind::Panicked, "{}: {message}", scenario.name);
        assert!(
            message.contains("not yet implemented: 2A: create a Raft server"),
            "{message}"
        );
        assert!(message.contains("server 0"), "{message}");
    }
}

#[test]
fn a_hashmap_dependent_raft_is_named_non_deterministic() {
    behave(Mode::HashOrder);
    let scenario = scenarios::<Wrong>()
        .into_iter()
        .find(|s| s.name == "many_elections_2a")
        .unwrap();
    // HashMap seeds differ between maps, so some pair of runs must differ; try a
    // few seeds (each check is two runs) to make a coincidence vanishingly rare.
    let verdicts: Vec<Result<u64, String>> = (0..4)
        .map(|seed| determinism::check(&scenario, seed))
        .collect();
    let caught = verdicts
        .iter()
        .find_map(|v| v.as_ref().err())
        .expect("non-determinism went unnoticed");
    assert!(
        caught.contains("many_elections_2a is not deterministic"),
        "{caught}"
    );
    assert!(caught.contains("HashMap"), "{caught}");
    assert!(caught.contains("the runs diverged at event"), "{caught}");
}

#[test]
fn an_idle_raft_is_deterministic() {
    behave(Mode::Idle);
    for scenario in scenarios::<Wrong>().iter().take(5) {
        determinism::check(scenario, 11).unwrap();
    }
}
