//! Simulated request/reply round trips per second on one core.
//!
//! A client keeps 8 calls outstanding to an echo server and issues a new one as
//! each returns, until 10,000 have returned; reliable and unreliable networks,
//! 100-byte and 5,000-byte payloads. Throughput is reported in round trips
//! (elements) per second.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use labrpc::{Context, Node, NodeId, Protocol, ReplyTo, Sim};
use serde::{Deserialize, Serialize};

const ROUND_TRIPS: u64 = 10_000;
const WINDOW: usize = 8;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload(#[serde(with = "serde_bytes")] Vec<u8>);

struct Bench;
impl Protocol for Bench {
    type Request = Payload;
    type Reply = Payload;
    type Timer = ();
    type Output = ();
}

struct Echo;
impl Node<Bench> for Echo {
    fn on_request(
        &mut self,
        _: &mut Context<'_, Bench>,
        _: NodeId,
        req: Payload,
        _: ReplyTo,
    ) -> Option<Payload> {
        Some(req)
    }
    fn on_reply(&mut self, _: &mut Context<'_, Bench>, _: NodeId, _: Payload, _: Option<Payload>) {}
    fn on_timer(&mut self, _: &mut Context<'_, Bench>, _: ()) {}
}

struct Pinger {
    server: NodeId,
    size: usize,
    sent: u64,
    returned: u64,
}

impl Pinger {
    fn send(&mut self, ctx: &mut Context<'_, Bench>) {
        if self.sent < ROUND_TRIPS {
            self.sent += 1;
            ctx.call(self.server, Payload(vec![7; self.size]));
        }
    }
}

impl Node<Bench> for Pinger {
    fn on_request(
        &mut self,
        _: &mut Context<'_, Bench>,
        _: NodeId,
        _: Payload,
        _: ReplyTo,
    ) -> Option<Payload> {
        None
    }
    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, Bench>,
        _: NodeId,
        req: Payload,
        _: Option<Payload>,
    ) {
        self.returned += 1;
        drop(req);
        self.send(ctx);
    }
    fn on_timer(&mut self, _: &mut Context<'_, Bench>, _: ()) {}
}

fn run(reliable: bool, size: usize) -> u64 {
    let mut sim: Sim<Bench> = Sim::new(1, ());
    let server = sim.add_node(|_| Echo).unwrap();
    let client = sim
        .add_node(move |_| Pinger {
            server,
            size,
            sent: 0,
            returned: 0,
        })
        .unwrap();
    sim.set_reliable(reliable);
    sim.invoke(client, |p: &mut Pinger, ctx| {
        (0..WINDOW).for_each(|_| p.send(ctx))
    })
    .unwrap();
    while sim.step().unwrap() {}
    let returned = sim.node::<Pinger>(client).unwrap().returned;
    assert_eq!(returned, ROUND_TRIPS);
    sim.run_for(Duration::ZERO).unwrap();
    sim.digest()
}

fn round_trips(c: &mut Criterion) {
    let mut group = c.benchmark_group("round_trips");
    group.throughput(Throughput::Elements(ROUND_TRIPS));
    for reliable in [true, false] {
        for size in [100, 5000] {
            let name = if reliable { "reliable" } else { "unreliable" };
            group.bench_with_input(BenchmarkId::new(name, size), &size, |b, &size| {
                b.iter(|| run(reliable, size))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, round_trips);
criterion_main!(benches);
