//! Echoes: kept copies of calls delivered again, requests to their server and
//! replies to their caller, when the tester asks.

use std::time::Duration;

use labrpc::TraceEvent;

use crate::common::*;

#[test]
fn only_the_calls_of_kept_nodes_are_copied() {
    let mut sim = world(30, 3);
    call(&mut sim, 1, 0, Req::Add(1, 1));
    sim.keep_copies(1, true);
    call(&mut sim, 1, 0, Req::Add(2, 2));
    call(&mut sim, 2, 0, Req::Add(3, 3));
    sim.run_for(Duration::from_secs(1)).unwrap();
    sim.keep_copies(1, false);
    call(&mut sim, 1, 0, Req::Add(4, 4));
    sim.run_for(Duration::from_secs(1)).unwrap();
    let kept = sim.copies();
    assert_eq!(kept.len(), 1, "only node 1's second call");
    assert_eq!((kept[0].caller(), kept[0].server()), (1, 0));
    assert!(kept[0].has_reply());
}

#[test]
fn an_echoed_request_reaches_its_server_again_and_its_answer_the_caller() {
    let mut sim = world(31, 2);
    sim.keep_copies(1, true);
    call(&mut sim, 1, 0, Req::Echo("once".into()));
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(handled(&sim, 0), 1);

    // Unanswered: the server handles it, the caller hears nothing.
    sim.echo_request(0, false).unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(handled(&sim, 0), 2);
    assert_eq!(returns(&sim).len(), 1);

    // Answered: the caller gets its request back with a second reply.
    sim.echo_request(0, true).unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(handled(&sim, 0), 3);
    let r = returns(&sim);
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].3, Req::Echo("once".into()));
    assert_eq!(r[1].4, Some(Rep::Echo("echo:once".into())));
}

#[test]
fn a_lost_request_can_still_arrive_as_an_echo_across_a_partition() {
    let mut sim = world(32, 2);
    sim.keep_copies(1, true);
    sim.set_end(1, 0, false);
    call(&mut sim, 1, 0, Req::Add(5, 6));
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(handled(&sim, 0), 0);
    assert_eq!(returns(&sim)[0].4, None);
    assert!(!sim.copies()[0].has_reply(), "the call failed");
    assert!(sim.echo_reply(0).is_err(), "no reply to echo");

    sim.echo_request(0, true).unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(handled(&sim, 0), 1, "an echo is already in the network");
    assert_eq!(returns(&sim)[1].4, Some(Rep::Sum(11)));
}

#[test]
fn an_echoed_reply_reaches_the_same_life_of_its_caller_only() {
    let mut sim = world(33, 2);
    sim.keep_copies(1, true);
    call(&mut sim, 1, 0, Req::Add(1, 2));
    sim.run_for(Duration::from_secs(1)).unwrap();
    sim.echo_reply(0).unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    let r = returns(&sim);
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].4, Some(Rep::Sum(3)));
    assert_eq!(handled(&sim, 0), 1, "the server is not asked again");

    sim.restart(1).unwrap();
    sim.echo_reply(0).unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(returns(&sim).len(), 2, "a new life made no such call");
    let e = sim.echo_request(7, true).unwrap_err();
    assert_eq!(e, labrpc::EchoError::NoCopy { index: 7, kept: 1 });
    assert!(e.to_string().contains("no copy 7"), "{e}");
}

#[test]
fn echoes_are_in_the_trace_and_its_digest() {
    let run = |echo: bool| {
        let mut sim = world(34, 2);
        sim.set_recording(true);
        sim.keep_copies(1, true);
        call(&mut sim, 1, 0, Req::Add(1, 2));
        sim.run_for(Duration::from_secs(1)).unwrap();
        if echo {
            sim.echo_request(0, false).unwrap();
        }
        sim.run_for(Duration::from_secs(1)).unwrap();
        let echoes = sim
            .trace()
            .records()
            .iter()
            .filter(|r| matches!(r.event, TraceEvent::Echo { reply: false, .. }))
            .count();
        (sim.digest(), echoes)
    };
    let (plain, none) = run(false);
    let (echoed, one) = run(true);
    assert_eq!((none, one), (0, 1));
    assert_ne!(plain, echoed);
    assert_eq!(run(true).0, echoed, "echoes replay from the seed");
}
