//! A scriptable test node: it answers requests as a server and reports the returns
//! of its own calls and its timers as outputs.

use std::time::Duration;

use labrpc::{Context, Node, NodeId, Protocol, ReplyTo, Sim, Time};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Req {
    Echo(String),
    Add(u64, u64),
    Bytes(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The server defers its answer until the tester releases it.
    Hold(u64),
    /// The server panics.
    Panic,
    /// The server calls the caller back (zero-latency ping-pong in livelock tests).
    Ping,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Rep {
    Echo(String),
    Sum(u64),
    Len(usize),
    Held(u64),
    Pong,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tick {
    Once(u32),
    /// Re-arms itself with a zero duration every time it fires.
    Rearm,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Returned {
        at: Time,
        to: NodeId,
        request: Req,
        reply: Option<Rep>,
    },
    Fired {
        at: Time,
        tag: Tick,
    },
}

pub struct Test;
impl Protocol for Test {
    type Request = Req;
    type Reply = Rep;
    type Timer = Tick;
    type Output = Out;
}

/// Outputs with the time and node that emitted them.
pub type Outputs = Vec<(Time, NodeId, Out)>;
pub type World = Sim<Test, Outputs>;

#[derive(Default)]
pub struct Peer {
    pub handled: u64,
    pub held: Vec<(ReplyTo, u64)>,
}

impl Node<Test> for Peer {
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, Test>,
        from: NodeId,
        req: Req,
        reply_to: ReplyTo,
    ) -> Option<Rep> {
        self.handled += 1;
        match req {
            Req::Echo(s) => Some(Rep::Echo(format!("echo:{s}"))),
            Req::Add(a, b) => Some(Rep::Sum(a + b)),
            Req::Bytes(b) => Some(Rep::Len(b.len())),
            Req::Hold(n) => {
                self.held.push((reply_to, n));
                None
            }
            Req::Panic => panic!("deliberate panic in on_request"),
            Req::Ping => {
                ctx.call(from, Req::Ping);
                Some(Rep::Pong)
            }
        }
    }

    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, Test>,
        to: NodeId,
        request: Req,
        reply: Option<Rep>,
    ) {
        let at = ctx.now();
        ctx.emit(Out::Returned {
            at,
            to,
            request,
            reply,
        });
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Test>, tag: Tick) {
        let at = ctx.now();
        if tag == Tick::Rearm {
            ctx.set_timer(Duration::ZERO, Tick::Rearm);
        }
        ctx.emit(Out::Fired { at, tag });
    }
}

impl Peer {
    /// Releases every held request with its number.
    pub fn release(&mut self, ctx: &mut Context<'_, Test>) {
        for (reply_to, n) in self.held.drain(..) {
            ctx.reply(reply_to, Rep::Held(n));
        }
    }
}

/// A world with `n` peers.
pub fn world(seed: u64, n: usize) -> World {
    let mut sim = World::new(seed, Vec::new());
    for _ in 0..n {
        sim.add_node(|_| Peer::default()).unwrap();
    }
    sim
}

/// Has `from` call `to` with `req` now.
pub fn call(sim: &mut World, from: NodeId, to: NodeId, req: Req) {
    sim.invoke(from, |_: &mut Peer, ctx| {
        ctx.call(to, req);
    })
    .unwrap()
    .expect("caller is up");
}

/// The returns seen so far: (time, caller, server, request, reply).
pub fn returns(sim: &World) -> Vec<(Time, NodeId, NodeId, Req, Option<Rep>)> {
    sim.observer()
        .iter()
        .filter_map(|(_, node, out)| match out {
            Out::Returned {
                at,
                to,
                request,
                reply,
            } => Some((*at, *node, *to, request.clone(), reply.clone())),
            Out::Fired { .. } => None,
        })
        .collect()
}

pub fn handled(sim: &World, id: NodeId) -> u64 {
    sim.node::<Peer>(id).map_or(0, |p| p.handled)
}
