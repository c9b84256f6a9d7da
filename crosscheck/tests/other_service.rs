// @solution-file
//! The machinery that hosts kvraft's servers and clerks carries any service
//! whose clerks take other operations and complete with other values (Lab 4's
//! shard controller will): here a counter, replicated on the reference Raft,
//! whose clerk's additions come back with the total. (It runs the reference
//! Raft, so the handout leaves it out.)

use std::time::Duration;

use kvraft::node::{ClerkNode, Completed, KvProtocol, KvServerNode};
use kvraft::{
    ApplyMsg, ClerkContext, KvClerk, KvContext, KvServer, NodeId, Ops, ReplyTo, decode, encode,
};
use labrpc::{Sim, Time};
use serde::{Deserialize, Serialize};

/// The counter's operations: add a number; completed with the new total.
struct CounterOps;

impl Ops for CounterOps {
    type Op = u64;
    type Value = u64;
    const SERVICE: &'static str = "counter";
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Add(u64);

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Answer {
    Total(u64),
    NotLeader,
}

struct Counter {
    total: u64,
    waiting: Vec<(u64, ReplyTo)>,
}

impl KvServer<CounterOps> for Counter {
    type Raft = raft::Peer;
    type Request = Add;
    type Reply = Answer;
    type Timer = ();

    fn new(
        _: &mut KvContext<'_, '_, Self, CounterOps>,
        _: usize,
        _: usize,
        _: Option<usize>,
        _: Vec<u8>,
    ) -> Self {
        Counter {
            total: 0,
            waiting: Vec::new(),
        }
    }

    fn handle_request(
        &mut self,
        ctx: &mut KvContext<'_, '_, Self, CounterOps>,
        _: NodeId,
        Add(n): Add,
        reply_to: ReplyTo,
    ) -> Option<Answer> {
        match ctx.start(encode(&n)) {
            None => Some(Answer::NotLeader),
            Some((index, _)) => {
                self.waiting.push((index, reply_to));
                None
            }
        }
    }

    fn handle_apply(&mut self, ctx: &mut KvContext<'_, '_, Self, CounterOps>, msg: ApplyMsg) {
        if let ApplyMsg::Command { index, command } = msg {
            self.total += decode::<u64>(&command).expect("a number");
            let (done, rest) = self.waiting.drain(..).partition(|(i, _)| *i == index);
            self.waiting = rest;
            for (_, reply_to) in done {
                ctx.reply(reply_to, Answer::Total(self.total));
            }
        }
    }

    fn handle_timer(&mut self, _: &mut KvContext<'_, '_, Self, CounterOps>, (): ()) {}
}

/// Tries each server in turn until one answers with the total.
struct Adder {
    servers: Vec<NodeId>,
    next: usize,
    adding: Option<u64>,
}

impl KvClerk<CounterOps> for Adder {
    type Server = Counter;

    fn new(_: &mut ClerkContext<'_, '_, Counter, CounterOps>, servers: Vec<NodeId>) -> Self {
        Adder {
            servers,
            next: 0,
            adding: None,
        }
    }

    fn begin(&mut self, ctx: &mut ClerkContext<'_, '_, Counter, CounterOps>, n: u64) {
        self.adding = Some(n);
        ctx.call(self.servers[self.next], Add(n));
    }

    fn handle_reply(
        &mut self,
        ctx: &mut ClerkContext<'_, '_, Counter, CounterOps>,
        _: NodeId,
        request: Add,
        reply: Option<Answer>,
    ) {
        match reply {
            Some(Answer::Total(total)) => {
                self.adding = None;
                ctx.complete(total);
            }
            _ => {
                self.next = (self.next + 1) % self.servers.len();
                ctx.call(self.servers[self.next], request);
            }
        }
    }

    fn handle_timer(&mut self, _: &mut ClerkContext<'_, '_, Counter, CounterOps>, _: u64) {}
}

type World = Sim<KvProtocol<Counter, CounterOps>, Vec<(Time, NodeId, Completed<u64>)>>;

#[test]
fn a_counter_runs_on_the_kvraft_host_with_its_own_operations_and_values() {
    let mut sim: World = Sim::new(7, Vec::new());
    for i in 0..3 {
        sim.add_node(move |ctx| KvServerNode::<Counter, CounterOps>::create(ctx, i, 3, None))
            .unwrap();
    }
    let clerk = sim
        .add_node(|ctx| ClerkNode::<Adder, CounterOps>::create(ctx, vec![0, 1, 2]))
        .unwrap();
    sim.run_for(Duration::from_secs(2)).unwrap();
    for n in [5, 2, 10] {
        sim.invoke(clerk, |node: &mut ClerkNode<Adder, CounterOps>, ctx| {
            node.begin(ctx, n)
        })
        .unwrap();
        sim.run_for(Duration::from_secs(2)).unwrap();
    }
    let totals: Vec<u64> = sim.observer().iter().map(|(_, _, c)| c.value).collect();
    assert_eq!(totals, vec![5, 7, 17]);
}
