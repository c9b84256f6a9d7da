// @solution-file
//! A node in WebAssembly is charged for its handler's own instructions, the
//! same on every run: the reference Raft's start and first election timer,
//! asked of fresh instances of this tree's module, each cost a positive count
//! of their own, equal from one instance to the next. An instance asked to
//! print (a recorded run's printer, whose count the host never charges) does
//! print, and counts its printing.

use labrpc::guest::{Act, Ask, Asked, Moment, RngState};
use raft::guest::RaftSetup;
use tester::guest::ThisTree;
use wasmhost::{Backend, ModuleSource, Wasm};

fn at(now_us: u64, recording: bool, asked: Asked) -> Ask {
    Ask {
        at: Moment { now_us, recording },
        asked,
    }
}

/// The instructions a new server's start and then its first timer ran, and
/// how many log lines that timer printed.
fn election_run(recording: bool) -> (u64, u64, usize) {
    let new = Asked::New {
        kind: raft::guest::KIND.into(),
        me: 0,
        incarnation: 1,
        rng: RngState::of(&labrpc::seed::derive(1, 1 << 32)),
        state: Vec::new(),
        snapshot: Vec::new(),
        setup: labrpc::encode(&RaftSetup { peers: 3 }),
    };
    let (mut server, started) = <Wasm<ThisTree>>::create(&at(0, recording, new)).unwrap();
    let start = server.instructions();
    let timer = started
        .acts
        .iter()
        .find_map(|act| match act {
            Act::Timer { timer, .. } => Some(*timer),
            _ => None,
        })
        .expect("a new Raft server sets its election timer");
    let fired = server
        .ask(&at(1_000_000, recording, Asked::Timer { timer }))
        .unwrap();
    let lines = fired
        .acts
        .iter()
        .filter(|act| matches!(act, Act::Log(_)))
        .count();
    (start, server.instructions(), lines)
}

#[test]
fn a_handler_is_charged_its_own_instructions_the_same_on_every_run() {
    ThisTree::load().unwrap().install();
    let (start, election, printed) = election_run(false);
    assert!(start > 0 && election > 0, "{start} {election}");
    assert_ne!(start, election);
    assert_eq!(printed, 0);
    assert_eq!(election_run(false), (start, election, 0));
    let (start_printing, election_printing, printed) = election_run(true);
    assert!(printed > 0);
    assert!(start_printing >= start && election_printing > election);
}
