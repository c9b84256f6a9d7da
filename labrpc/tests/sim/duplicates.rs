//! Duplication: while it is on, the network delivers one request in ten a
//! second time, late, to whatever life of the server runs then, and loses
//! that copy's reply.

use std::time::Duration;

use labrpc::TraceEvent;

use crate::common::*;

#[test]
fn one_request_in_ten_arrives_twice_and_is_answered_once() {
    let mut sim = world(40, 2);
    sim.set_duplicating(true);
    assert!(sim.net().is_duplicating());
    adds(&mut sim, 1000);
    sim.run_for(Duration::from_secs(5)).unwrap();
    let copies = sim.net().faults().requests_duplicated;
    assert!((60..=140).contains(&copies), "{copies} of 1000 duplicated");
    assert_eq!(handled(&sim, 0), 1000 + copies, "every copy is handled");
    assert_eq!(returns(&sim).len(), 1000, "one answer per call");
}

#[test]
fn duplicates_arrive_late_and_reach_a_restarted_server() {
    let mut sim = world(41, 2);
    sim.set_recording(true);
    sim.set_duplicating(true);
    adds(&mut sim, 300);
    sim.run_for(Duration::from_millis(50)).unwrap();
    let first_life = handled(&sim, 0);
    assert_eq!(returns(&sim).len(), 300);
    sim.restart(0).unwrap();
    sim.run_for(Duration::from_secs(3)).unwrap();
    let copies = sim.net().faults().requests_duplicated;
    assert!(
        handled(&sim, 0) > 0,
        "the new life got some of the {copies} copies"
    );
    assert_eq!(first_life + handled(&sim, 0), 300 + copies);
    assert_eq!(returns(&sim).len(), 300, "a copy is never answered");
    let noted = sim
        .trace()
        .records()
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                TraceEvent::Echo {
                    by_network: true,
                    ..
                }
            )
        })
        .count() as u64;
    assert_eq!(noted, copies, "every copy is in the trace");
}

#[test]
fn a_duplicate_does_not_cross_a_partition() {
    let mut sim = world(42, 2);
    sim.set_duplicating(true);
    adds(&mut sim, 300);
    sim.run_for(Duration::from_millis(50)).unwrap();
    let before = handled(&sim, 0);
    let arrived = sim.net().faults().requests_duplicated;
    assert!(before >= 300);
    sim.set_end(1, 0, false);
    sim.run_for(Duration::from_secs(3)).unwrap();
    assert!(sim.net().faults().requests_duplicated > before - 300 && arrived > 0);
    assert_eq!(
        handled(&sim, 0),
        before,
        "copies are lost at a disabled end"
    );
}

#[test]
fn switched_off_the_network_duplicates_nothing() {
    let mut sim = world(43, 2);
    sim.set_duplicating(true);
    sim.set_duplicating(false);
    adds(&mut sim, 300);
    sim.run_for(Duration::from_secs(3)).unwrap();
    assert_eq!(sim.net().faults().requests_duplicated, 0);
    assert_eq!(handled(&sim, 0), 300);
}

/// Has node 1 call node 0 `n` times now.
fn adds(sim: &mut World, n: u64) {
    for i in 0..n {
        call(sim, 1, 0, Req::Add(i, 1));
    }
}
