//! Calls that work: basic, typed, counted, many at once, deferred.

use std::time::Duration;

use labrpc::encode;

use crate::common::*;

#[test]
fn basic_call_returns_reply_and_original_request() {
    let mut sim = world(1, 2);
    call(&mut sim, 1, 0, Req::Echo("hi".into()));
    sim.run_for(Duration::from_secs(1)).unwrap();
    let r = returns(&sim);
    assert_eq!(r.len(), 1);
    let (at, caller, server, request, reply) = &r[0];
    assert_eq!((*caller, *server), (1, 0));
    assert_eq!(request, &Req::Echo("hi".into()));
    assert_eq!(reply, &Some(Rep::Echo("echo:hi".into())));
    assert!(
        at.as_micros() > 0 && at.as_millis() <= 2,
        "a reliable round trip takes at most 2 ms, took {at}"
    );
}

#[test]
fn typed_messages_are_decoded_per_variant() {
    let mut sim = world(2, 2);
    call(&mut sim, 1, 0, Req::Add(40, 2));
    call(&mut sim, 1, 0, Req::Bytes(vec![9; 300]));
    call(&mut sim, 1, 0, Req::Echo(String::new()));
    sim.run_for(Duration::from_secs(1)).unwrap();
    let mut replies: Vec<_> = returns(&sim).into_iter().map(|r| r.4.unwrap()).collect();
    replies.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(
        replies,
        vec![Rep::Echo("echo:".into()), Rep::Len(300), Rep::Sum(42)]
    );
}

#[test]
fn counts_every_call_and_every_delivery() {
    let mut sim = world(3, 3);
    for i in 0..17 {
        call(&mut sim, 1, 0, Req::Add(i, 1));
    }
    call(&mut sim, 2, 1, Req::Add(0, 0));
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(sim.net().rpc_count(0), 17);
    assert_eq!(sim.net().rpc_count(1), 1);
    assert_eq!(sim.net().rpc_count(2), 0);
    assert_eq!(sim.net().rpc_total(), 18);
    assert_eq!(handled(&sim, 0), 17);
}

#[test]
fn counts_request_and_reply_bytes() {
    let mut sim = world(4, 2);
    let mut expected = 0;
    for n in [1, 100, 5000] {
        let req = Req::Bytes(vec![1; n]);
        expected += encode(&req).len() + encode(&Rep::Len(n)).len();
        call(&mut sim, 1, 0, req);
    }
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(sim.net().bytes_total(), expected as u64);
    assert!(sim.net().bytes_total() > 5100);

    // A call to a disabled end costs its request bytes (counted before the drop
    // decision) and no reply bytes.
    sim.set_end(1, 0, false);
    let req = Req::Bytes(vec![1; 77]);
    expected += encode(&req).len();
    call(&mut sim, 1, 0, req);
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(sim.net().bytes_total(), expected as u64);
    assert_eq!(sim.net().rpc_total(), 4);
}

#[test]
fn many_concurrent_calls_all_return() {
    let clients = 20;
    let mut sim = world(5, clients + 1);
    for c in 1..=clients {
        for i in 0..10 {
            call(&mut sim, c, 0, Req::Add(c as u64, i));
        }
    }
    sim.run_for(Duration::from_secs(1)).unwrap();
    let r = returns(&sim);
    assert_eq!(r.len(), clients * 10);
    for (_, caller, _, request, reply) in r {
        let Req::Add(a, b) = request else {
            panic!("unexpected request")
        };
        assert_eq!(a, caller as u64);
        assert_eq!(reply, Some(Rep::Sum(a + b)));
    }
    assert_eq!(sim.net().rpc_count(0), (clients * 10) as u64);
}

#[test]
fn deferred_reply_arrives_when_given() {
    let mut sim = world(6, 2);
    call(&mut sim, 1, 0, Req::Hold(7));
    sim.run_for(Duration::from_secs(5)).unwrap();
    assert!(
        returns(&sim).is_empty(),
        "a held request must not return before it is answered"
    );
    sim.invoke(0, |p: &mut Peer, ctx| p.release(ctx)).unwrap();
    sim.run_for(Duration::from_millis(10)).unwrap();
    let r = returns(&sim);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].4, Some(Rep::Held(7)));
    assert!(r[0].0.as_millis() >= 5000);
}

#[test]
fn deferred_call_fails_when_its_end_is_disabled() {
    let mut sim = world(7, 3);
    call(&mut sim, 1, 0, Req::Hold(1));
    call(&mut sim, 2, 0, Req::Hold(2));
    sim.run_for(Duration::from_millis(100)).unwrap();
    sim.set_end(1, 0, false);
    sim.run_for(Duration::from_millis(1)).unwrap();
    let r = returns(&sim);
    assert_eq!(r.len(), 1, "only the call on the disabled end fails");
    assert_eq!((r[0].1, r[0].4.clone()), (1, None));
    // The server's late answer to the failed call is discarded; the other arrives.
    sim.invoke(0, |p: &mut Peer, ctx| p.release(ctx)).unwrap();
    sim.run_for(Duration::from_millis(10)).unwrap();
    let r = returns(&sim);
    assert_eq!(r.len(), 2);
    assert_eq!((r[1].1, r[1].4.clone()), (2, Some(Rep::Held(2))));
}
