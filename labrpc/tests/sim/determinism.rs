//! One seed, one run: digests, and the safety nets that stop a bad run cleanly.

use std::time::Duration;

use labrpc::SimError;

use crate::common::*;

/// A busy run: unreliable network with reordering, calls from every peer, crashes,
/// restarts and timers.
fn busy_digest(seed: u64, recording: bool) -> (u64, u64) {
    let mut sim = world(seed, 5);
    sim.set_recording(recording);
    sim.set_reliable(false);
    sim.set_long_reordering(true);
    for round in 0..20u64 {
        for from in 0..5 {
            for to in 0..5 {
                if from != to && sim.is_alive(from) {
                    call(&mut sim, from, to, Req::Add(round, from as u64));
                }
            }
        }
        if round % 5 == 4 {
            sim.crash((round as usize / 5) % 5);
        }
        if round % 5 == 0 {
            sim.restart((round as usize / 5 + 2) % 5).unwrap();
        }
        sim.invoke(0, |_: &mut Peer, ctx| {
            let after = Duration::from_millis(rand_ms(ctx.rng()));
            ctx.set_timer(after, Tick::Once(round as u32));
        })
        .unwrap();
        sim.run_for(Duration::from_millis(300)).unwrap();
    }
    sim.run_for(Duration::from_secs(10)).unwrap();
    (sim.digest(), sim.trace().events())
}

fn rand_ms(rng: &mut labrpc::SimRng) -> u64 {
    use labrpc::rand::RngExt;
    rng.random_range(1..500)
}

#[test]
fn same_seed_same_digest() {
    let (a, events) = busy_digest(99, false);
    let (b, _) = busy_digest(99, false);
    assert_eq!(a, b);
    assert!(events > 1000, "the run should be busy, had {events} events");
}

#[test]
fn recording_does_not_change_the_digest() {
    assert_eq!(busy_digest(7, false), busy_digest(7, true));
}

#[test]
fn different_seeds_different_digests() {
    let digests: std::collections::BTreeSet<u64> =
        (0..20).map(|s| busy_digest(s, false).0).collect();
    assert_eq!(digests.len(), 20);
}

#[test]
fn a_panicking_handler_stops_the_run_with_its_name_and_seed() {
    let mut sim = world(4242, 3);
    call(&mut sim, 2, 1, Req::Panic);
    let err = sim.run_for(Duration::from_secs(1)).unwrap_err();
    match &err {
        SimError::Panicked {
            node,
            incarnation,
            during,
            message,
            seed,
            ..
        } => {
            assert_eq!((*node, *incarnation, *seed), (1, 1, 4242));
            assert_eq!(during, "a request from node 2");
            assert_eq!(message, "deliberate panic in on_request");
        }
        other => panic!("expected a panic report, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("node 1") && text.contains("seed 4242") && text.contains("deliberate panic"),
        "{text}"
    );
    // The failure is sticky: the run cannot be driven further.
    assert_eq!(sim.run_for(Duration::from_secs(1)).unwrap_err(), err);
    assert_eq!(sim.step().unwrap_err(), err);
    assert!(
        !sim.is_alive(1),
        "the panicked instance is never called again"
    );
}

#[test]
fn a_panicking_constructor_is_reported_too() {
    let mut sim = World::new(5, Vec::new());
    let err = sim
        .add_node(|_| -> Peer { panic!("cannot start") })
        .unwrap_err();
    assert!(
        matches!(&err, SimError::Panicked { during, .. } if during.contains("constructor")),
        "{err}"
    );
}

#[test]
fn zero_length_timers_are_one_millisecond() {
    let mut sim = world(8, 1);
    sim.invoke(0, |_: &mut Peer, ctx| {
        ctx.set_timer(Duration::ZERO, Tick::Rearm);
    })
    .unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    let fires = sim.observer().len();
    assert_eq!(
        fires, 1000,
        "a re-armed zero timer fires once per millisecond"
    );
}

#[test]
fn livelock_is_detected_when_time_stops() {
    let mut sim = world(9, 2);
    sim.set_latency(Duration::ZERO, Duration::ZERO);
    sim.set_livelock_limit(10_000);
    call(&mut sim, 0, 1, Req::Ping);
    let err = sim.run_for(Duration::from_secs(1)).unwrap_err();
    match &err {
        SimError::Livelock {
            time, events, seed, ..
        } => {
            assert_eq!((*events, *seed), (10_001, 9));
            assert_eq!(time.as_micros(), 0);
        }
        other => panic!("expected a livelock report, got {other:?}"),
    }
    assert!(err.to_string().contains("livelock"));
}

#[test]
fn a_zero_delay_tester_loop_is_a_livelock_too() {
    fn again(sim: &mut World) -> Result<(), String> {
        sim.schedule(Duration::ZERO, "again", again);
        Ok(())
    }
    let mut sim = world(10, 1);
    sim.schedule(Duration::from_millis(5), "again", again);
    let err = sim.run_for(Duration::from_secs(1)).unwrap_err();
    assert!(
        matches!(&err, SimError::Livelock { last, .. } if last.contains("again")),
        "{err}"
    );
}
