//! Your shardkv server: the struct [`Server`] and its [`ShardKvServer`]
//! implementation, and the RPC types your clerk and servers share.
//!
//! This directory is yours; split your code into files as you like.

// @solution 4B
mod state;

use self::state::{Command, Outcome, ShardData, State, Status};
// @end

use crate::prelude::*;

// @solution 4B
/// What clerks and other groups' servers send.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// A clerk's operation, tagged so that a retry is recognised.
    Op {
        /// The clerk's id (random).
        client: u64,
        /// The clerk's sequence number for this operation (1, 2, ...).
        seq: u64,
        /// The operation.
        op: Op,
    },
    /// From a group these shards moved to in configuration `num`: send them.
    Pull {
        /// The configuration they moved in.
        num: u64,
        /// The shards.
        shards: Vec<usize>,
    },
    /// From a group these shards moved to in configuration `num`, which has
    /// them now: delete them.
    Delete {
        /// The configuration they moved in.
        num: u64,
        /// The shards.
        shards: Vec<usize>,
    },
}

/// A server's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The operation took effect; for a `Get`, the value read.
    Done(String),
    /// This group does not serve the key's shard now: ask the controller.
    WrongGroup,
    /// This server is not (or no longer) its group's leader: try another.
    WrongLeader,
    /// The shards pulled, as of configuration `num`.
    Shards {
        /// The configuration they moved in.
        num: u64,
        /// The shards.
        shards: BTreeMap<usize, ShardData>,
    },
    /// Not yet (this group has not reached the configuration, or is deleting
    /// the shards): ask again later.
    NotYet,
    /// The shards are deleted.
    Deleted,
}

/// The server's timer.
#[derive(Debug, Clone)]
pub struct Tick;

/// How often a leader polls the controller, pulls shards and tells groups to
/// delete them, and waiting requests are checked.
const TICK: Duration = Duration::from_millis(100);
/// A request waits at most this long before the clerk is told to try
/// elsewhere.
const GIVE_UP_AFTER: Duration = Duration::from_millis(1000);

/// A clerk's request handed to Raft, answered when its operation is applied
/// (at whatever index), failed once its term is over here.
struct Handed {
    term: u64,
    at: Time,
    reply_to: ReplyTo,
}

/// A server of a replica group (the reference solution).
pub struct Server {
    /// Snapshot when the persisted Raft state nears this size.
    max_raft_state: Option<usize>,
    /// The replicated state.
    state: State,
    /// Requests handed to Raft, by (client, seq).
    handed: BTreeMap<(u64, u64), Handed>,
    /// The last term in which this server, as leader, started a no-op.
    noop_term: u64,
}

impl Server {
    /// Answers the clerk waiting for operation `(client, seq)`, if any.
    fn answer(&mut self, ctx: &mut ShardKvContext<'_, Self>, id: (u64, u64), outcome: Outcome) {
        if let Some(h) = self.handed.remove(&id) {
            let reply = match outcome {
                Outcome::Done(value) => Reply::Done(value),
                Outcome::WrongGroup => Reply::WrongGroup,
            };
            ctx.reply(h.reply_to, reply);
        }
    }

    /// Snapshots when Raft's persisted state nears `max_raft_state`.
    fn maybe_snapshot(&mut self, ctx: &mut ShardKvContext<'_, Self>) {
        if let Some(max) = self.max_raft_state
            && ctx.raft_state_size() * 10 >= max * 9
        {
            ctx.snapshot(self.state.last_applied, self.state.encode());
        }
    }

    /// A leader's duties: ask for the next configuration once no shard is on
    /// the move; pull the shards this configuration gives the group; tell
    /// the groups they came from to delete them.
    fn lead(&mut self, ctx: &mut ShardKvContext<'_, Self>) {
        if self.state.settled() {
            ctx.query(Some(self.state.config.num + 1));
        }
        let num = self.state.config.num;
        for (status, ask) in [(Status::Pulling, true), (Status::Settling, false)] {
            for (gid, shards) in self.state.by_previous_owner(status) {
                let request = if ask {
                    Request::Pull { num, shards }
                } else {
                    Request::Delete { num, shards }
                };
                for name in self.state.prev.groups.get(&gid).into_iter().flatten() {
                    ctx.call(name, request.clone());
                }
            }
        }
    }

    /// Another group pulls `shards`, which moved to it in configuration `num`.
    fn pull(&self, num: u64, shards: &[usize]) -> Reply {
        if self.state.config.num < num {
            return Reply::NotYet;
        }
        Reply::Shards {
            num,
            shards: shards
                .iter()
                .map(|&s| (s, self.state.shards[s].clone()))
                .collect(),
        }
    }

    /// Another group, which has `shards` since configuration `num`, tells
    /// this one to delete them.
    fn delete(&self, ctx: &mut ShardKvContext<'_, Self>, num: u64, shards: Vec<usize>) -> Reply {
        let current = self.state.config.num;
        let leaving = shards
            .iter()
            .any(|&s| self.state.status[s] == Status::Leaving);
        if current > num || (current == num && !leaving) {
            return Reply::Deleted;
        }
        if current == num {
            ctx.start(encode(&Command::Delete { num, shards }));
        }
        Reply::NotYet
    }
}
// @skeleton
// /// What your clerk and other groups' servers send.
// #[derive(Debug, Clone, Serialize, Deserialize)]
// pub struct Request {}
//
// /// What your server answers.
// #[derive(Debug, Clone, Serialize, Deserialize)]
// pub struct Reply {}
//
// /// Your server's timers.
// #[derive(Debug, Clone)]
// pub enum Tick {}
//
// /// A shardkv server: add the shards, the configuration, the duplicate
// /// tables and the requests waiting for Raft.
// pub struct Server {}
// @end

impl ShardKvServer for Server {
    type Raft = raft::Peer;
    type Request = Request;
    type Reply = Reply;
    type Timer = Tick;

    fn new(
        ctx: &mut ShardKvContext<'_, Self>,
        me: usize,
        servers: usize,
        gid: Gid,
        max_raft_state: Option<usize>,
        snapshot: Vec<u8>,
    ) -> Self {
        // @solution 4B
        let state = State::decode(gid, &snapshot);
        ctx.log(format_args!(
            "[client] server {me} of {servers} of group {gid} starts in configuration {} (index {})",
            state.config.num, state.last_applied
        ));
        ctx.set_timer(TICK, Tick);
        Server {
            max_raft_state,
            state,
            handed: BTreeMap::new(),
            noop_term: 0,
        }
        // @skeleton
        // let _ = (ctx, me, servers, gid, max_raft_state, snapshot);
        // todo!("4B: create a shardkv server (restore it from the snapshot)")
        // @end
    }

    fn handle_request(
        &mut self,
        ctx: &mut ShardKvContext<'_, Self>,
        _from: NodeId,
        request: Request,
        reply_to: ReplyTo,
    ) -> Option<Reply> {
        // @solution 4B
        let (term, leader) = ctx.raft_state();
        if !leader {
            return Some(Reply::WrongLeader);
        }
        match request {
            Request::Op { client, seq, op } => {
                if self.state.config.shards[key2shard(op.key())] != self.state.gid {
                    return Some(Reply::WrongGroup);
                }
                if ctx
                    .start(encode(&Command::Op { client, seq, op }))
                    .is_none()
                {
                    return Some(Reply::WrongLeader);
                }
                let handed = Handed {
                    term,
                    at: ctx.now(),
                    reply_to,
                };
                if let Some(earlier) = self.handed.insert((client, seq), handed) {
                    ctx.reply(earlier.reply_to, Reply::WrongLeader);
                }
                None
            }
            Request::Pull { num, shards } => Some(self.pull(num, &shards)),
            Request::Delete { num, shards } => Some(self.delete(ctx, num, shards)),
        }
        // @skeleton
        // let _ = (ctx, request, reply_to);
        // todo!("4B: serve a clerk's operation, or another group's request")
        // @end
    }

    fn handle_reply(
        &mut self,
        ctx: &mut ShardKvContext<'_, Self>,
        _to: &str,
        request: Request,
        reply: Option<Reply>,
    ) {
        // @solution 4B
        let command = match (request, reply) {
            (Request::Pull { .. }, Some(Reply::Shards { num, shards })) => {
                Command::Insert { num, shards }
            }
            (Request::Delete { num, shards }, Some(Reply::Deleted)) => {
                Command::Settled { num, shards }
            }
            _ => return,
        };
        if ctx.raft_state().1 {
            ctx.start(encode(&command));
        }
        // @skeleton
        // let _ = (ctx, request, reply);
        // todo!("4B: handle another group's answer")
        // @end
    }

    fn handle_apply(&mut self, ctx: &mut ShardKvContext<'_, Self>, msg: ApplyMsg) {
        // @solution 4B
        match msg {
            ApplyMsg::Command { index, command } => {
                if index <= self.state.last_applied {
                    return;
                }
                let command: Command = decode(&command)
                    .unwrap_or_else(|e| panic!("log entry {index} is not a shardkv command: {e}"));
                let id = match &command {
                    Command::Op { client, seq, .. } => Some((*client, *seq)),
                    _ => None,
                };
                let was = self.state.config.num;
                let outcome = self.state.apply(command);
                self.state.last_applied = index;
                if self.state.config.num != was {
                    ctx.log(format_args!(
                        "[config] group {} enters configuration {}: shards {:?}",
                        self.state.gid, self.state.config.num, self.state.config.shards
                    ));
                }
                if let (Some(id), Some(outcome)) = (id, outcome) {
                    self.answer(ctx, id, outcome);
                }
                self.maybe_snapshot(ctx);
            }
            ApplyMsg::Snapshot {
                index, snapshot, ..
            } => {
                if index > self.state.last_applied {
                    self.state = State::decode(self.state.gid, &snapshot);
                }
            }
        }
        // @skeleton
        // let _ = (ctx, msg);
        // todo!("4B: apply what your group's Raft committed")
        // @end
    }

    fn handle_timer(&mut self, ctx: &mut ShardKvContext<'_, Self>, timer: Tick) {
        // @solution 4B
        let Tick = timer;
        let (term, leader) = ctx.raft_state();
        let now = ctx.now();
        let over = |h: &Handed| !leader || h.term != term || h.at + GIVE_UP_AFTER <= now;
        let failed: Vec<Handed> = self
            .handed
            .extract_if(.., |_, h| over(h))
            .map(|(_, h)| h)
            .collect();
        for h in failed {
            ctx.reply(h.reply_to, Reply::WrongLeader);
        }
        if leader {
            if self.noop_term != term {
                self.noop_term = term;
                ctx.start(encode(&Command::Noop));
            }
            self.lead(ctx);
        }
        ctx.set_timer(TICK, Tick);
        // @skeleton
        // let _ = (ctx, timer);
        // todo!("4B: handle a timer")
        // @end
    }

    fn handle_config(&mut self, ctx: &mut ShardKvContext<'_, Self>, config: Config) {
        // @solution 4B
        if config.num == self.state.config.num + 1 && self.state.settled() && ctx.raft_state().1 {
            ctx.start(encode(&Command::Config(config)));
        }
        // @skeleton
        // let _ = (ctx, config);
        // todo!("4B: a configuration the controller gave")
        // @end
    }
}
