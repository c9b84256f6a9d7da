//! The cost model: a handler's persists take virtual time, its sends and
//! timers wait for them, a node whose storage is busy takes no new event, and
//! links charge for bytes.

use std::time::Duration;

use labrpc::{Context, Costs, Node, NodeId, Protocol, ReplyTo, Sim, Time};

struct Disk;
impl Protocol for Disk {
    /// Bytes to persist (as many as it carries), then answer with their count.
    type Request = Vec<u8>;
    type Reply = u32;
    /// Persist this many bytes and set a 10 ms timer.
    type Timer = u32;
    type Output = (Time, Option<u32>);
}

struct Node1;
impl Node<Disk> for Node1 {
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, Disk>,
        _: NodeId,
        bytes: Vec<u8>,
        _: ReplyTo,
    ) -> Option<u32> {
        let n = bytes.len() as u32;
        ctx.persist(bytes);
        Some(n)
    }
    fn on_reply(&mut self, ctx: &mut Context<'_, Disk>, _: NodeId, _: Vec<u8>, reply: Option<u32>) {
        let now = ctx.now();
        ctx.emit((now, reply));
    }
    fn on_timer(&mut self, ctx: &mut Context<'_, Disk>, bytes: u32) {
        if bytes > 0 {
            ctx.persist(vec![1; bytes as usize]);
            ctx.set_timer(Duration::from_millis(10), 0);
        } else {
            let now = ctx.now();
            ctx.emit((now, None));
        }
    }
}

type World = Sim<Disk, Vec<(Time, NodeId, (Time, Option<u32>))>>;

fn world(costs: Costs) -> World {
    let mut sim = World::new(5, Vec::new());
    sim.set_costs(costs);
    sim.add_node(|_| Node1).unwrap();
    sim.add_node(|_| Node1).unwrap();
    sim
}

/// When node 0's calls to node 1 (one per entry of `sizes`, all sent at once)
/// returned.
fn returns(costs: Costs, sizes: &[u32]) -> Vec<Time> {
    let mut sim = world(costs);
    for &n in sizes {
        sim.invoke(0, |_: &mut Node1, ctx| {
            ctx.call(1, vec![7; n as usize]);
        })
        .unwrap();
    }
    sim.run_for(Duration::from_secs(10)).unwrap();
    sim.observer().iter().map(|(_, _, (at, _))| *at).collect()
}

#[test]
fn a_reply_leaves_when_its_handler_has_persisted_and_links_charge_for_bytes() {
    let costs = Costs {
        persist_latency: Duration::from_millis(3),
        persist_bandwidth: 1_000_000,
        link_bandwidth: 10_000_000,
        instruction_rate: 0,
    };
    let free = returns(Costs::FREE, &[100_000]);
    let charged = returns(costs, &[100_000]);
    // The same draws, so the same network delays: the difference is the
    // persist (3 ms + 100 ms) and the two messages' bytes over the link.
    let request = labrpc::encode(&vec![7u8; 100_000]).len();
    let reply = labrpc::encode(&100_000u32).len();
    let expected = costs.persist(100_000) + costs.transfer(request) + costs.transfer(reply);
    assert_eq!(charged[0] - free[0], expected);
    // 3 ms + 100 ms of persisting, 10 ms of carrying the request.
    assert!(expected >= Duration::from_millis(113), "{expected:?}");
}

#[test]
fn a_node_busy_persisting_takes_its_next_request_when_done() {
    let costs = Costs {
        persist_latency: Duration::from_millis(100),
        persist_bandwidth: 0,
        link_bandwidth: 0,
        instruction_rate: 0,
    };
    let free = returns(Costs::FREE, &[1, 1]);
    assert!(free[1] - free[0] < Duration::from_millis(2), "{free:?}");
    let charged = returns(costs, &[1, 1]);
    // The second request waited for the first one's persist, then persisted.
    assert!(
        charged[1] - charged[0] >= Duration::from_millis(99),
        "{charged:?}"
    );
    assert!(charged[0] - free[0] >= Duration::from_millis(100));
}

#[test]
fn timers_set_by_a_persisting_handler_count_from_its_completion() {
    let costs = Costs {
        persist_latency: Duration::from_millis(50),
        persist_bandwidth: 0,
        link_bandwidth: 0,
        instruction_rate: 0,
    };
    for (costs, fired_at) in [(Costs::FREE, 10), (costs, 60)] {
        let mut sim = world(costs);
        sim.invoke(0, |_: &mut Node1, ctx| {
            ctx.set_timer(Duration::from_millis(1), 64);
        })
        .unwrap();
        sim.run_for(Duration::from_secs(1)).unwrap();
        let (_, _, (at, _)) = sim.observer()[0];
        assert_eq!(
            at,
            Time::ZERO + Duration::from_millis(1 + fired_at),
            "{costs:?}"
        );
    }
}

#[test]
fn a_link_carries_one_message_at_a_time() {
    let costs = Costs {
        persist_latency: Duration::ZERO,
        persist_bandwidth: 0,
        link_bandwidth: 10_000_000,
        instruction_rate: 0,
    };
    let free = returns(Costs::FREE, &[1_000_000, 1_000_000]);
    assert!(free[1] - free[0] < Duration::from_millis(2), "{free:?}");
    // Each megabyte takes 100 ms on the link; the second waits for the first.
    let charged = returns(costs, &[1_000_000, 1_000_000]);
    assert!(
        charged[0] - free[0] >= Duration::from_millis(100),
        "{charged:?}"
    );
    assert!(
        charged[1] - charged[0] >= Duration::from_millis(99),
        "{charged:?}"
    );
}

/// Calls node 1 `n` times at once, each with `bytes` bytes, under `budgets`.
fn storm(budgets: labrpc::Budgets, n: usize, bytes: usize) -> Result<(), labrpc::SimError> {
    let mut sim = world(Costs::FREE);
    sim.set_budgets(budgets);
    sim.invoke(0, |_: &mut Node1, ctx| {
        for _ in 0..n {
            ctx.call(1, vec![1; bytes]);
        }
    })?;
    sim.run_for(Duration::from_secs(1))
}

#[test]
fn a_node_over_its_budget_stops_the_run_naming_node_figure_and_budget() {
    let budgets = labrpc::Budgets {
        rpcs_per_sec: 100,
        bytes_per_sec: 1_000_000,
    };
    assert!(storm(budgets, 100, 10).is_ok());
    let e = storm(budgets, 101, 10).unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, labrpc::SimError::OverBudget { node: 0, .. })
            && text
                .contains("made 101 calls in the virtual second from 0 s (budget 100 per second)")
            && text.contains("to node 1"),
        "{text}"
    );
    let e = storm(budgets, 3, 400_000).unwrap_err();
    assert!(
        e.to_string().contains(
            "sent 1.2 MB of requests in the virtual second from 0 s (budget 1.0 MB per second)"
        ),
        "{e}"
    );
}
