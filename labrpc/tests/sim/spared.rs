//! A fault set chooses which drawn faults a run injects: all of them is the
//! seed's own run, none of them a run in which every message arrives, and
//! the faults kept are exactly those injected.

use std::time::Duration;

use labrpc::{FaultSet, Faults};

use crate::common::{Req, World, call, returns, world};

/// Calls both ways between three peers over a network that loses, holds
/// back and duplicates, with the faults `kept`.
fn lossy(kept: Option<FaultSet>) -> World {
    let mut sim = world(21, 3);
    if let Some(kept) = kept {
        sim.set_kept_faults(kept);
    }
    sim.set_reliable(false);
    sim.set_long_reordering(true);
    sim.set_duplicating(true);
    for round in 0..200u64 {
        for (from, to) in [(0, 1), (1, 2), (2, 0), (1, 0)] {
            call(&mut sim, from, to, Req::Add(round, from as u64));
        }
        sim.run_for(Duration::from_millis(20)).unwrap();
    }
    sim.run_for(Duration::from_secs(5)).unwrap();
    sim
}

#[test]
fn keeping_every_fault_is_the_seeds_own_run() {
    let plain = lossy(None);
    let all = lossy(Some(FaultSet::All));
    assert_eq!(plain.digest(), all.digest());
    let drawn = plain.net().faults_drawn();
    assert!(drawn > 100, "only {drawn} faults drawn");
    assert_eq!(plain.net().faults().total(), drawn);
}

#[test]
fn sparing_every_fault_delivers_every_message_once() {
    let sim = lossy(Some(FaultSet::only([])));
    assert!(sim.net().faults_drawn() > 100);
    assert_eq!(sim.net().faults(), Faults::default());
    let r = returns(&sim);
    assert_eq!(r.len(), 800);
    assert!(
        r.iter().all(|r| r.4.is_some()),
        "a call failed with no fault kept"
    );
}

#[test]
fn the_faults_kept_are_the_faults_injected() {
    let kept = FaultSet::only([0, 1, 2, 10, 50]);
    let sim = lossy(Some(kept.clone()));
    assert!(sim.net().faults_drawn() > 50);
    assert_eq!(sim.net().faults().total(), 5);
    // A different set is a different run, the same on every replay.
    let again = lossy(Some(kept));
    assert_eq!(sim.digest(), again.digest());
    assert_ne!(sim.digest(), lossy(None).digest());
}
