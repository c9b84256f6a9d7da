//! The rest of the world: timers, persistence across restarts, nested protocols,
//! the driving API, observers and trace records.

use std::any::Any;
use std::fmt::Write;
use std::time::Duration;

use labrpc::{
    Context, Embed, Node, NodeId, Observer, Protocol, ReplyTo, Sim, SimError, Time, TraceEvent,
};
use serde::{Deserialize, Serialize};

use crate::common::*;

#[test]
fn timers_fire_in_order_and_can_be_cancelled() {
    let mut sim = world(20, 1);
    sim.invoke(0, |_: &mut Peer, ctx| {
        ctx.set_timer(Duration::from_millis(30), Tick::Once(3));
        let t = ctx.set_timer(Duration::from_millis(20), Tick::Once(2));
        ctx.set_timer(Duration::from_millis(10), Tick::Once(1));
        ctx.cancel_timer(t);
    })
    .unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    let fired: Vec<_> = sim
        .observer()
        .iter()
        .map(|(t, _, o)| (t.as_millis(), o.clone()))
        .collect();
    assert_eq!(
        fired,
        vec![
            (
                10,
                Out::Fired {
                    at: Time::from_millis(10),
                    tag: Tick::Once(1)
                }
            ),
            (
                30,
                Out::Fired {
                    at: Time::from_millis(30),
                    tag: Tick::Once(3)
                }
            ),
        ]
    );
}

#[test]
fn timers_of_a_dead_life_never_fire() {
    let mut sim = world(21, 1);
    sim.invoke(0, |_: &mut Peer, ctx| {
        ctx.set_timer(Duration::from_millis(10), Tick::Once(1));
    })
    .unwrap();
    sim.restart(0).unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert!(sim.observer().is_empty());
}

/// A node that counts how often it was started and saves a counter on request.
struct Counter {
    value: u64,
}

impl Node<Test> for Counter {
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, Test>,
        _: NodeId,
        req: Req,
        _: ReplyTo,
    ) -> Option<Rep> {
        if let Req::Add(a, persist) = req {
            self.value += a;
            if persist == 1 {
                ctx.persist(self.value.to_le_bytes().to_vec());
            }
        }
        Some(Rep::Sum(self.value))
    }
    fn on_reply(&mut self, _: &mut Context<'_, Test>, _: NodeId, _: Req, _: Option<Rep>) {}
    fn on_timer(&mut self, _: &mut Context<'_, Test>, _: Tick) {}
}

#[test]
fn a_restart_sees_exactly_what_was_persisted() {
    let mut sim = World::new(22, Vec::new());
    let restore = |ctx: &mut Context<'_, Test>| {
        let saved = ctx.read_state();
        Counter {
            value: if saved.is_empty() {
                0
            } else {
                u64::from_le_bytes(saved.try_into().unwrap())
            },
        }
    };
    let server = sim.add_node(restore).unwrap();
    let client = sim.add_node(|_| Peer::default()).unwrap();
    call(&mut sim, client, server, Req::Add(5, 1));
    sim.run_for(Duration::from_millis(10)).unwrap();
    call(&mut sim, client, server, Req::Add(100, 0));
    sim.run_for(Duration::from_millis(10)).unwrap();
    assert_eq!(sim.node::<Counter>(server).unwrap().value, 105);
    assert_eq!(sim.persister(server).state_size(), 8);
    sim.restart(server).unwrap();
    assert_eq!(
        sim.node::<Counter>(server).unwrap().value,
        5,
        "unsaved state must be lost, saved state kept"
    );
    assert_eq!(sim.persister(server).saves(), 1);
}

// A host protocol that carries the test protocol inside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum HostReq {
    Inner(Req),
}
#[derive(Debug, Clone, Serialize, Deserialize)]
enum HostRep {
    Inner(Rep),
}
#[derive(Debug, Clone)]
enum HostTick {
    Inner(Tick),
}
struct Host;
impl Protocol for Host {
    type Request = HostReq;
    type Reply = HostRep;
    type Timer = HostTick;
    type Output = String;
}
impl Embed<Test> for Host {
    fn wrap_request(inner: Req) -> HostReq {
        HostReq::Inner(inner)
    }
    fn wrap_reply(inner: Rep) -> HostRep {
        HostRep::Inner(inner)
    }
    fn wrap_timer(inner: Tick) -> HostTick {
        HostTick::Inner(inner)
    }
}

/// Hosts a `Peer`, which numbers its peers from node `first`, and reports
/// the peer's outputs as its own, prefixed.
struct Hosting {
    inner: Peer,
    first: NodeId,
}

impl Hosting {
    fn report(ctx: &mut Context<'_, Host>, outputs: Vec<Out>) {
        for out in outputs {
            ctx.emit(format!("inner: {out:?}"));
        }
    }
}

impl Node<Host> for Hosting {
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, Host>,
        from: NodeId,
        req: HostReq,
        reply_to: ReplyTo,
    ) -> Option<HostRep> {
        let HostReq::Inner(req) = req;
        let from = from - self.first;
        let (reply, outputs) = ctx.scoped_among(self.first, |inner| {
            self.inner.on_request(inner, from, req, reply_to)
        });
        Self::report(ctx, outputs);
        reply.map(HostRep::Inner)
    }
    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, Host>,
        to: NodeId,
        req: HostReq,
        reply: Option<HostRep>,
    ) {
        let HostReq::Inner(req) = req;
        let reply = reply.map(|HostRep::Inner(r)| r);
        let to = to - self.first;
        let ((), outputs) = ctx.scoped_among(self.first, |inner| {
            self.inner.on_reply(inner, to, req, reply)
        });
        Self::report(ctx, outputs);
    }
    fn on_timer(&mut self, ctx: &mut Context<'_, Host>, tag: HostTick) {
        let HostTick::Inner(tag) = tag;
        let ((), outputs) = ctx.scoped_among(self.first, |inner| self.inner.on_timer(inner, tag));
        Self::report(ctx, outputs);
    }
}

#[test]
fn a_hosted_node_talks_through_its_host() {
    let mut sim: Sim<Host, Vec<(Time, NodeId, String)>> = Sim::new(23, Vec::new());
    let a = sim
        .add_node(|_| Hosting {
            inner: Peer::default(),
            first: 0,
        })
        .unwrap();
    let b = sim
        .add_node(|_| Hosting {
            inner: Peer::default(),
            first: 0,
        })
        .unwrap();
    sim.invoke(a, |h: &mut Hosting, ctx| {
        let ((), _) = ctx.scoped(|inner| {
            inner.call(b, Req::Add(2, 3));
            inner.call(b, Req::Hold(9));
            inner.set_timer(Duration::from_millis(50), Tick::Once(4));
        });
        assert!(h.inner.held.is_empty());
    })
    .unwrap();
    sim.run_for(Duration::from_millis(20)).unwrap();
    sim.invoke(b, |h: &mut Hosting, ctx| {
        let ((), _) = ctx.scoped(|inner| h.inner.release(inner));
    })
    .unwrap();
    sim.run_for(Duration::from_millis(100)).unwrap();
    let texts: Vec<&str> = sim
        .observer()
        .iter()
        .map(|(_, n, s)| {
            assert_eq!(*n, a);
            s.as_str()
        })
        .collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(texts[0].contains("Sum(5)"), "{texts:?}");
    assert!(texts[1].contains("Held(9)"), "{texts:?}");
    assert!(texts[2].contains("Once(4)"), "{texts:?}");
    assert_eq!(sim.node::<Hosting>(b).unwrap().inner.handled, 2);
}

#[test]
fn hosted_peers_numbered_from_zero_reach_the_nodes_of_their_group() {
    let mut sim: Sim<Host, Vec<(Time, NodeId, String)>> = Sim::new(27, Vec::new());
    let host = |first| {
        move |_: &mut Context<'_, Host>| Hosting {
            inner: Peer::default(),
            first,
        }
    };
    // Node 0 stands outside the group of nodes 1 and 2, whose peers call
    // each other 0 and 1.
    sim.add_node(host(0)).unwrap();
    let a = sim.add_node(host(1)).unwrap();
    let b = sim.add_node(host(1)).unwrap();
    sim.invoke(a, |_: &mut Hosting, ctx| {
        let ((), _) = ctx.scoped_among(1, |inner| {
            assert_eq!(inner.me(), 0);
            inner.call(1, Req::Add(2, 3));
            // Each Ping is answered and calls its sender back: a rally
            // between the two, as long as ids are translated both ways.
            inner.call(1, Req::Ping);
        });
    })
    .unwrap();
    sim.run_for(Duration::from_millis(50)).unwrap();
    let returned: Vec<&str> = sim
        .observer()
        .iter()
        .filter(|(_, n, _)| *n == a)
        .map(|(_, _, s)| s.as_str())
        .collect();
    assert!(
        returned
            .iter()
            .any(|r| r.contains("to: 1, request: Add(2, 3), reply: Some(Sum(5))")),
        "{returned:?}"
    );
    assert_eq!(
        sim.node::<Hosting>(0).unwrap().inner.handled,
        0,
        "node 0 is not in the group"
    );
    let (ha, hb) = (
        sim.node::<Hosting>(a).unwrap().inner.handled,
        sim.node::<Hosting>(b).unwrap().inner.handled,
    );
    assert!(ha >= 3 && hb >= 3, "the rally went on: {ha} and {hb}");
}

#[test]
fn run_until_stops_when_the_predicate_holds_or_at_the_limit() {
    let mut sim = world(24, 2);
    call(&mut sim, 1, 0, Req::Echo("a".into()));
    let done = sim
        .run_until(Duration::from_secs(1), |s| !s.observer().is_empty())
        .unwrap();
    assert!(done);
    assert!(sim.now().as_millis() < 5, "stopped at {}", sim.now());
    let done = sim
        .run_until(Duration::from_millis(300), |s| s.observer().len() > 1)
        .unwrap();
    assert!(!done);
    assert!(sim.now().as_micros() >= 300_000 && sim.now().as_micros() < 305_000);
}

#[test]
fn scheduled_actions_run_in_time_order_and_can_fail_the_run() {
    let mut sim = world(25, 2);
    sim.schedule(Duration::from_millis(20), "second", |s| {
        s.note(format!("second at {}", s.now()));
        Ok(())
    });
    sim.schedule(Duration::from_millis(10), "first", |s| {
        call(s, 1, 0, Req::Add(1, 1));
        Ok(())
    });
    sim.schedule(Duration::from_millis(30), "check", |s| {
        if returns(s).len() == 1 {
            Err("the tester's own check failed".into())
        } else {
            Ok(())
        }
    });
    let err = sim.run_for(Duration::from_secs(1)).unwrap_err();
    assert!(
        matches!(&err, SimError::CheckFailed { message, time, .. }
        if message == "the tester's own check failed" && time.as_millis() == 30),
        "{err}"
    );
}

/// Fails the run the first time any node reports a sum above a bound.
struct SumBound(u64);
impl Observer<Test> for SumBound {
    fn after_handler(&mut self, _: Time, node: NodeId, state: &dyn Any) -> Result<(), String> {
        match state.downcast_ref::<Counter>() {
            Some(c) if c.value > self.0 => {
                Err(format!("node {node} counted to {} > {}", c.value, self.0))
            }
            _ => Ok(()),
        }
    }
}

#[test]
fn an_observer_checks_after_every_handler() {
    let mut sim: Sim<Test, SumBound> = Sim::new(26, SumBound(10));
    let server = sim.add_node(|_| Counter { value: 0 }).unwrap();
    let client = sim.add_node(|_| Peer::default()).unwrap();
    for _ in 0..5 {
        sim.invoke(client, |_: &mut Peer, ctx| {
            ctx.call(server, Req::Add(3, 0));
        })
        .unwrap();
    }
    let err = sim.run_for(Duration::from_secs(1)).unwrap_err();
    assert!(
        err.to_string().contains("node 0 counted to 12 > 10"),
        "{err}"
    );
}

#[test]
fn records_tell_the_story_of_a_call() {
    let mut sim = world(27, 2);
    sim.set_recording(true);
    sim.set_end(1, 0, false);
    sim.set_end(1, 0, true);
    call(&mut sim, 1, 0, Req::Add(1, 2));
    sim.run_for(Duration::from_secs(1)).unwrap();
    let kinds: Vec<String> = sim
        .trace()
        .records()
        .iter()
        .map(|r| {
            serde_json::to_value(&r.event).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "network", "network", "send", "deliver", "reply", "return", "output"
        ]
        .map(String::from)
        .to_vec()
    );
    let send = &sim.trace().records()[2];
    assert_eq!((send.node, send.incarnation), (Some(1), 1));
    assert!(
        matches!(&send.event, TraceEvent::Send { message, to: 0, .. } if message == "Add(1, 2)")
    );
    // Records serialize to JSON and back.
    let json = serde_json::to_string(sim.trace().records()).unwrap();
    let back: Vec<labrpc::TraceRecord> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sim.trace().records());
}

/// Asks, after each output, for a tester action that calls the emitting node back.
#[derive(Default)]
struct CallBack {
    seen: Vec<(Time, NodeId, Out)>,
    pending: Vec<NodeId>,
}
impl Observer<Test> for CallBack {
    fn on_output(&mut self, now: Time, node: NodeId, output: Out) -> Result<(), String> {
        self.seen.push((now, node, output));
        self.pending.push(node);
        Ok(())
    }
    fn follow_ups(&mut self) -> Vec<labrpc::Action<Test, Self>> {
        self.pending
            .drain(..)
            .map(|node| -> labrpc::Action<Test, Self> {
                Box::new(move |sim: &mut Sim<Test, CallBack>| {
                    let now = sim.now();
                    sim.invoke(node, |p: &mut Peer, _| p.handled += 100)
                        .map_err(|e| e.to_string())?;
                    sim.note(format!("followed up at {now}"));
                    Ok(())
                })
            })
            .collect()
    }
}

#[test]
fn follow_ups_run_right_after_the_event_at_the_same_instant() {
    let mut sim: Sim<Test, CallBack> = Sim::new(28, CallBack::default());
    sim.set_recording(true);
    sim.add_node(|_| Peer::default()).unwrap();
    sim.invoke(0, |_: &mut Peer, ctx| {
        ctx.set_timer(Duration::from_millis(7), Tick::Once(1));
        ctx.set_timer(Duration::from_millis(7), Tick::Once(2));
    })
    .unwrap();
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(sim.observer().seen.len(), 2);
    assert_eq!(sim.node::<Peer>(0).unwrap().handled, 200);
    let notes: Vec<&TraceEvent> = sim
        .trace()
        .records()
        .iter()
        .filter(|r| matches!(&r.event, TraceEvent::Tester { text } if text.starts_with("followed")))
        .map(|r| &r.event)
        .collect();
    assert_eq!(notes.len(), 2);
    assert!(
        notes.iter().all(
            |e| matches!(e, TraceEvent::Tester { text } if text == "followed up at 0.007000s")
        )
    );
}

/// Describes a `Counter` by its value.
struct Describe;
impl Observer<Test> for Describe {
    fn status(&mut self, _: NodeId, state: &dyn Any, out: &mut String) {
        if let Some(c) = state.downcast_ref::<Counter>() {
            write!(out, "value {}", c.value).expect("writing to a String");
        }
    }
}

#[test]
fn status_changes_are_recorded_only_when_recording_and_never_digested() {
    let run = |recording: bool| {
        let mut sim: Sim<Test, Describe> = Sim::new(29, Describe);
        sim.set_recording(recording);
        let server = sim.add_node(|_| Counter { value: 0 }).unwrap();
        let client = sim.add_node(|_| Peer::default()).unwrap();
        for add in [0, 2, 0, 3] {
            sim.invoke(client, |_: &mut Peer, ctx| {
                ctx.call(server, Req::Add(add, 0));
            })
            .unwrap();
            sim.run_for(Duration::from_millis(10)).unwrap();
        }
        let statuses: Vec<String> = sim
            .trace()
            .records()
            .iter()
            .filter_map(|r| match &r.event {
                TraceEvent::Status { text } => Some(format!("{}:{text}", r.node.unwrap())),
                _ => None,
            })
            .collect();
        (sim.digest(), statuses)
    };
    let (quiet_digest, quiet) = run(false);
    let (digest, statuses) = run(true);
    assert!(quiet.is_empty());
    assert_eq!(quiet_digest, digest);
    assert_eq!(statuses, ["0:value 0", "0:value 2", "0:value 5"]);
}
