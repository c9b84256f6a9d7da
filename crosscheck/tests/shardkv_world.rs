// @solution-file
//! A Lab 4B world with a toy service in it, before the reference exists:
//! three controllers (the reference controller), two replica groups of three
//! servers on the reference Raft, the tester's controller clerk and one
//! shardkv clerk. It checks the plumbing: each group elects its own leader
//! among its own nodes and commits through its own Raft; servers learn
//! configurations through their controller clerks and reach another group's
//! server by name; a clerk finds the group that serves a key. (It runs the
//! reference, so the handout leaves it out.)

use std::time::Duration;

use labrpc::{NodeId, ReplyTo};
use serde::{Deserialize, Serialize};
use shardctrler::CtrlerOp;
use shardkv::node::{
    GroupServerNode, GroupSpec, MckNode, ShardClerkNode, ShardOutput, server_name,
};
use shardkv::prelude::*;

mod common;
use common::{Ctrl, Setup, World};

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Request {
    /// A clerk asks whether this group serves the key.
    Who(String),
    /// Another group's server says hello.
    Ping(Gid),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Reply {
    Mine(Gid),
    NotMine,
    Pong(Gid),
}

#[derive(Debug, Clone)]
struct Tick;

/// Knows the latest configuration, commits a tick through its group's Raft
/// now and then, and greets the first server of another group.
struct Owner {
    gid: Gid,
    config: Config,
    applied: u64,
    pongs: u64,
}

impl ShardKvServer for Owner {
    type Raft = raft::Peer;
    type Request = Request;
    type Reply = Reply;
    type Timer = Tick;

    fn new(
        ctx: &mut ShardKvContext<'_, Self>,
        _me: usize,
        _servers: usize,
        gid: Gid,
        _max_raft_state: Option<usize>,
        _snapshot: Vec<u8>,
    ) -> Self {
        ctx.set_timer(Duration::from_millis(100), Tick);
        Owner {
            gid,
            config: Config::default(),
            applied: 0,
            pongs: 0,
        }
    }

    fn handle_request(
        &mut self,
        ctx: &mut ShardKvContext<'_, Self>,
        _from: NodeId,
        request: Request,
        _reply_to: ReplyTo,
    ) -> Option<Reply> {
        Some(match request {
            Request::Who(key) => {
                if ctx.raft_state().1 && self.config.shards[key2shard(&key)] == self.gid {
                    Reply::Mine(self.gid)
                } else {
                    Reply::NotMine
                }
            }
            Request::Ping(_) => Reply::Pong(self.gid),
        })
    }

    fn handle_reply(
        &mut self,
        _ctx: &mut ShardKvContext<'_, Self>,
        to: &str,
        _request: Request,
        reply: Option<Reply>,
    ) {
        if let Some(Reply::Pong(gid)) = reply {
            assert_ne!(gid, self.gid, "{to} is in another group");
            assert!(to.starts_with(&format!("server-{gid}-")), "{to}");
            self.pongs += 1;
        }
    }

    fn handle_apply(&mut self, _ctx: &mut ShardKvContext<'_, Self>, msg: ApplyMsg) {
        if let ApplyMsg::Command { command, .. } = msg {
            let gid: Gid = decode(&command).unwrap();
            assert_eq!(gid, self.gid, "a group applies only its own commands");
            self.applied += 1;
        }
    }

    fn handle_timer(&mut self, ctx: &mut ShardKvContext<'_, Self>, _timer: Tick) {
        ctx.query(None);
        if ctx.raft_state().1 {
            ctx.start(encode(&self.gid));
            let other = self.config.groups.keys().find(|&&g| g != self.gid);
            if let Some(&other) = other {
                assert!(
                    ctx.call(&server_name(other, 0), Request::Ping(self.gid))
                        .is_some()
                );
            }
            assert!(
                ctx.call("no-such-server", Request::Ping(self.gid))
                    .is_none()
            );
        }
        ctx.set_timer(Duration::from_millis(100), Tick);
    }

    fn handle_config(&mut self, _ctx: &mut ShardKvContext<'_, Self>, config: Config) {
        if config.num >= self.config.num {
            self.config = config;
        }
    }
}

/// Finds the group serving a key: asks the controller, then the group's
/// servers in turn; completes with the gid.
#[derive(Default)]
struct Finder {
    key: Option<String>,
    config: Config,
    next: usize,
}

impl Finder {
    fn ask(&mut self, ctx: &mut ShardClerkContext<'_, Self>) {
        let Some(key) = self.key.clone() else { return };
        let gid = self.config.shards[key2shard(&key)];
        match self.config.groups.get(&gid) {
            Some(names) => {
                let name = names[self.next % names.len()].clone();
                ctx.call(&name, Request::Who(key));
            }
            None => ctx.query(None),
        }
    }
}

impl ShardKvClerk for Finder {
    type Server = Owner;

    fn new(_ctx: &mut ShardClerkContext<'_, Self>) -> Self {
        Finder::default()
    }

    fn begin(&mut self, ctx: &mut ShardClerkContext<'_, Self>, op: Op) {
        self.key = Some(op.key().to_string());
        ctx.query(None);
    }

    fn handle_reply(
        &mut self,
        ctx: &mut ShardClerkContext<'_, Self>,
        _to: &str,
        _request: Request,
        reply: Option<Reply>,
    ) {
        if let Some(Reply::Mine(gid)) = reply {
            self.key = None;
            ctx.complete(gid.to_string());
        } else {
            self.next += 1;
            ctx.set_timer(Duration::from_millis(50), 0);
        }
    }

    fn handle_timer(&mut self, ctx: &mut ShardClerkContext<'_, Self>, _tag: u64) {
        self.ask(ctx);
    }

    fn handle_config(&mut self, ctx: &mut ShardClerkContext<'_, Self>, config: Config) {
        self.config = config;
        self.ask(ctx);
    }
}

fn outputs_after(sim: &World<Owner>, before: usize) -> Vec<ShardOutput> {
    sim.observer()[before..]
        .iter()
        .map(|(_, _, o)| o.clone())
        .collect()
}

#[test]
fn groups_controllers_and_clerks_reach_each_other() {
    let mut setup = Setup::<Owner>::new(5, &[100, 101], None);
    let clerk = setup.clerk::<Finder>();
    let specs = setup.groups.clone();
    let (sim, mck) = (&mut setup.sim, setup.mck);
    let join = CtrlerOp::Join(
        specs
            .iter()
            .map(|s| (s.gid, (0..3).map(|i| server_name(s.gid, i)).collect()))
            .collect(),
    );
    sim.invoke(mck, |node: &mut MckNode<Owner, Ctrl>, ctx| {
        node.begin(ctx, join)
    })
    .unwrap();
    sim.run_for(Duration::from_secs(2)).unwrap();
    assert_eq!(
        outputs_after(sim, 0),
        vec![ShardOutput::Ctrl(kvraft::node::Completed { value: None })],
        "the join completed"
    );

    for spec in &specs {
        let nodes: Vec<&GroupServerNode<Owner, Ctrl>> =
            (0..3).map(|i| sim.node(spec.first + i).unwrap()).collect();
        let leaders = nodes
            .iter()
            .filter(|n| raft::Raft::state(n.raft()).1)
            .count();
        assert_eq!(leaders, 1, "group {} has one leader", spec.gid);
        for n in &nodes {
            assert_eq!(n.gid(), spec.gid);
        }
    }

    sim.invoke(mck, |node: &mut MckNode<Owner, Ctrl>, ctx| {
        node.begin(ctx, CtrlerOp::Query(None))
    })
    .unwrap();
    let before = sim.observer().len();
    sim.run_for(Duration::from_secs(1)).unwrap();
    let [ShardOutput::Ctrl(latest)] = &outputs_after(sim, before)[..] else {
        panic!("one query answered: {:?}", outputs_after(sim, before));
    };
    let latest = latest.value.clone().expect("a configuration");
    assert_eq!(latest.num, 1);

    for key in 0..10 {
        let key = key.to_string();
        let before = sim.observer().len();
        let op = Op::Get { key: key.clone() };
        sim.invoke(clerk, |node: &mut ShardClerkNode<Finder, Ctrl>, ctx| {
            node.begin(ctx, op)
        })
        .unwrap();
        sim.run_for(Duration::from_secs(2)).unwrap();
        let owner = latest.shards[key2shard(&key)];
        assert_eq!(
            outputs_after(sim, before),
            vec![ShardOutput::Kv(kvraft::node::Completed {
                value: owner.to_string()
            })],
            "key {key} is served by group {owner}"
        );
    }

    let owners = |sim: &World<Owner>, spec: &GroupSpec| -> Vec<(u64, u64)> {
        (0..3)
            .map(|i| {
                let node: &GroupServerNode<Owner, Ctrl> = sim.node(spec.first + i).unwrap();
                let owner = node.server();
                (owner.applied, owner.pongs)
            })
            .collect()
    };
    for spec in &specs {
        let figures = owners(sim, spec);
        assert!(
            figures.iter().all(|&(applied, _)| applied >= 10),
            "every server of group {} applied its group's commands: {figures:?}",
            spec.gid
        );
        assert!(
            figures.iter().any(|&(_, pongs)| pongs > 0),
            "group {}'s leader reached the other group by name: {figures:?}",
            spec.gid
        );
    }
}
