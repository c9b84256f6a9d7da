//! Calls that fail: disabled ends, unreliable delivery, dead and restarted servers,
//! long delays and long reordering.

use std::time::Duration;

use labrpc::{DropReason, TraceEvent};

use crate::common::*;

#[test]
fn disconnected_end_fails_and_never_delivers() {
    let mut sim = world(10, 2);
    sim.set_end(1, 0, false);
    call(&mut sim, 1, 0, Req::Echo("lost".into()));
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(returns(&sim)[0].4, None);
    assert_eq!(handled(&sim, 0), 0);
    assert_eq!(sim.net().rpc_count(0), 0);
    assert_eq!(sim.net().rpc_total(), 1);

    // The other direction is a different end.
    call(&mut sim, 0, 1, Req::Add(1, 1));
    sim.set_end(1, 0, true);
    call(&mut sim, 1, 0, Req::Add(2, 2));
    sim.run_for(Duration::from_secs(1)).unwrap();
    let r = returns(&sim);
    assert_eq!(r[1..].iter().filter(|r| r.4.is_some()).count(), 2);
    assert_eq!(sim.net().rpc_count(0), 1);
}

#[test]
fn request_disabled_in_flight_is_not_delivered() {
    let mut sim = world(11, 2);
    sim.set_reliable(false);
    // With the unreliable 0-26 ms wait, disable the end right after sending.
    for _ in 0..20 {
        call(&mut sim, 1, 0, Req::Echo("x".into()));
    }
    sim.set_end(1, 0, false);
    sim.run_for(Duration::from_secs(1)).unwrap();
    let r = returns(&sim);
    assert_eq!(r.len(), 20);
    assert!(r.iter().all(|r| r.4.is_none()));
    assert_eq!(handled(&sim, 0), 0);
}

#[test]
fn unreliable_network_drops_a_tenth_each_way() {
    let calls = 10_000;
    let mut sim = world(12, 2);
    sim.set_reliable(false);
    for i in 0..calls {
        call(&mut sim, 1, 0, Req::Add(i, 0));
    }
    sim.run_for(Duration::from_secs(1)).unwrap();
    let r = returns(&sim);
    assert_eq!(
        r.len() as u64,
        calls,
        "every call returns, with a reply or a failure"
    );
    let delivered = sim.net().rpc_count(0) as f64 / calls as f64;
    let ok = r.iter().filter(|r| r.4.is_some()).count() as f64 / calls as f64;
    assert!(
        (delivered - 0.9).abs() < 0.015,
        "requests delivered: {delivered:.3}, expected 0.9"
    );
    assert!(
        (ok - 0.81).abs() < 0.02,
        "round trips completed: {ok:.3}, expected 0.81"
    );
    // Requests wait 0-26 ms before delivery; successful replies come straight back.
    let max = r
        .iter()
        .filter(|r| r.4.is_some())
        .map(|r| r.0.as_micros())
        .max()
        .unwrap();
    assert!(
        (25_000..=27_000).contains(&max),
        "slowest round trip {max} µs, expected 26-27 ms"
    );
}

#[test]
fn calls_to_a_dead_server_fail_after_a_short_or_long_delay() {
    for (long, max_ms) in [(false, 100), (true, 7000)] {
        let mut sim = world(13, 2);
        sim.set_long_delays(long);
        sim.crash(0);
        for _ in 0..2000 {
            call(&mut sim, 1, 0, Req::Echo("anyone?".into()));
        }
        sim.run_for(Duration::from_secs(10)).unwrap();
        let r = returns(&sim);
        assert_eq!(r.len(), 2000);
        assert!(r.iter().all(|r| r.4.is_none()));
        let ms: Vec<u64> = r.iter().map(|r| r.0.as_millis()).collect();
        let (max, mean) = (
            *ms.iter().max().unwrap(),
            ms.iter().sum::<u64>() / ms.len() as u64,
        );
        assert!(
            max < max_ms && max >= max_ms * 95 / 100,
            "long={long}: failures took up to {max} ms"
        );
        assert!(
            mean.abs_diff(max_ms / 2) <= max_ms / 10,
            "long={long}: mean failure delay {mean} ms"
        );
    }
}

#[test]
fn killed_server_never_runs_and_its_held_calls_fail() {
    let mut sim = world(14, 2);
    call(&mut sim, 1, 0, Req::Hold(1));
    sim.run_for(Duration::from_millis(50)).unwrap();
    assert_eq!(handled(&sim, 0), 1);
    sim.crash(0);
    assert!(!sim.is_alive(0));
    sim.run_for(Duration::from_millis(1)).unwrap();
    assert_eq!(
        returns(&sim)[0].4,
        None,
        "a call held by a server that crashes fails"
    );
    call(&mut sim, 1, 0, Req::Echo("x".into()));
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(returns(&sim).len(), 2);
    assert_eq!(returns(&sim)[1].4, None);
    assert_eq!(sim.net().rpc_count(0), 1);
}

#[test]
fn restart_discards_requests_and_replies_of_the_old_life() {
    let mut sim = world(15, 2);
    sim.set_recording(true);
    sim.set_reliable(false);
    // Requests in flight (0-26 ms) when the server restarts must fail, not reach
    // the new instance.
    for _ in 0..50 {
        call(&mut sim, 1, 0, Req::Echo("old".into()));
    }
    sim.restart(0).unwrap();
    assert_eq!(sim.incarnation(0), 2);
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(
        handled(&sim, 0),
        0,
        "the new instance saw a request sent to the old one"
    );
    assert!(returns(&sim).iter().all(|r| r.4.is_none()));
    let restarted = sim
        .trace()
        .records()
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                TraceEvent::Drop {
                    reason: DropReason::ServerRestarted,
                    ..
                }
            )
        })
        .count();
    let lost = sim
        .trace()
        .records()
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                TraceEvent::Drop {
                    reason: DropReason::RequestLost,
                    ..
                }
            )
        })
        .count();
    assert_eq!(restarted + lost, 50);
    assert!(restarted > 30);

    // A reply travelling back to a caller that restarted is discarded: the new
    // caller instance never sees it.
    sim.set_reliable(true);
    sim.set_long_reordering(true);
    for _ in 0..30 {
        call(&mut sim, 1, 0, Req::Add(1, 2));
    }
    sim.run_for(Duration::from_millis(5)).unwrap();
    let before = returns(&sim).len();
    sim.restart(1).unwrap();
    sim.run_for(Duration::from_secs(3)).unwrap();
    assert!(before < 80, "some replies should still be held back");
    assert_eq!(
        returns(&sim).len(),
        before,
        "a restarted caller received a reply of its old life"
    );
    let gone = sim
        .trace()
        .records()
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                TraceEvent::Drop {
                    reason: DropReason::CallerGone,
                    ..
                }
            )
        })
        .count();
    assert_eq!(before - 50 + gone, 30);
}

#[test]
fn long_reordering_holds_two_thirds_of_replies() {
    let calls = 3000;
    let mut sim = world(16, 2);
    sim.set_long_reordering(true);
    for i in 0..calls {
        call(&mut sim, 1, 0, Req::Add(i, 0));
    }
    sim.run_for(Duration::from_secs(3)).unwrap();
    let r = returns(&sim);
    assert_eq!(r.len() as u64, calls);
    assert!(
        r.iter().all(|r| r.4.is_some()),
        "reordering alone drops nothing"
    );
    let held = r.iter().filter(|r| r.0.as_millis() >= 200).count() as f64 / calls as f64;
    assert!(
        (held - 2.0 / 3.0).abs() < 0.03,
        "held fraction {held:.3}, expected 2/3"
    );
    let max = r.iter().map(|r| r.0.as_millis()).max().unwrap();
    assert!(
        (2000..2201).contains(&max),
        "longest hold {max} ms, expected just under 2200"
    );
    // Replies come back far out of the order the calls were made in.
    let order: Vec<u64> = r
        .iter()
        .map(|r| if let Req::Add(i, _) = r.3 { i } else { 0 })
        .collect();
    let inversions = order.windows(2).filter(|w| w[0] > w[1]).count();
    assert!(
        inversions > calls as usize / 4,
        "only {inversions} adjacent inversions"
    );
}
