//! Your key/value server: the struct [`Server`] and its [`KvServer`]
//! implementation, and the RPC types your clerk and server share.
//!
//! This directory is yours; split your code into files as you like.

// @solution 3A
mod state;

use std::collections::BTreeMap;

use self::state::{Command, Store};
// @end

use crate::prelude::*;

// @solution 3A
/// A clerk's request: one operation, tagged so that a retry is recognised.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// The clerk's id (random).
    pub client: u64,
    /// The clerk's sequence number for this operation (1, 2, ...).
    pub seq: u64,
    /// The operation.
    pub op: Op,
}

/// A server's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The operation took effect; for a `Get`, the value read.
    Done(String),
    /// This server is not (or no longer) the leader that can commit it: try
    /// another.
    WrongLeader,
}

/// The server's timers.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Check on the requests waiting for their operation to be applied.
    Check,
}

/// How often waiting requests are checked for lost leadership.
const CHECK_EVERY: Duration = Duration::from_millis(50);
/// A request waits at most this long before the clerk is told to try elsewhere.
const MAX_WAIT: Duration = Duration::from_millis(1000);

/// A clerk's request whose operation was handed to Raft.
struct Waiting {
    /// The term in which Raft accepted it.
    term: u64,
    client: u64,
    seq: u64,
    since: Time,
    reply_to: ReplyTo,
}

/// A key/value server (the reference solution).
pub struct Server {
    /// Snapshot when the persisted Raft state reaches this size.
    max_raft_state: Option<usize>,
    /// The state machine.
    store: Store,
    /// Requests waiting for the log index Raft gave their operation.
    waiting: BTreeMap<u64, Waiting>,
    /// A Check timer is set.
    checking: bool,
}

impl Server {
    /// Answers the request waiting at `index`, if any.
    fn answer(
        &mut self,
        ctx: &mut KvContext<'_, '_, Self>,
        index: u64,
        command: &Command,
        value: &str,
    ) {
        if let Some(w) = self.waiting.remove(&index) {
            let reply = if w.client == command.client && w.seq == command.seq {
                Reply::Done(value.to_string())
            } else {
                Reply::WrongLeader
            };
            ctx.reply(w.reply_to, reply);
        }
    }

    /// Fails every request waiting at an index up to `index`.
    fn fail_through(&mut self, ctx: &mut KvContext<'_, '_, Self>, index: u64) {
        while let Some(entry) = self.waiting.first_entry() {
            if *entry.key() > index {
                break;
            }
            ctx.reply(entry.remove().reply_to, Reply::WrongLeader);
        }
    }

    /// Snapshots when Raft's persisted state nears `max_raft_state`.
    fn maybe_snapshot(&mut self, ctx: &mut KvContext<'_, '_, Self>) {
        if let Some(max) = self.max_raft_state
            && ctx.raft_state_size() * 10 >= max * 9
        {
            ctx.snapshot(self.store.last_applied, self.store.encode());
        }
    }
}
// @skeleton
// /// What your clerk sends: for example the operation, tagged with the clerk's
// /// id and a sequence number so that a retry can be recognised.
// #[derive(Debug, Clone, Serialize, Deserialize)]
// pub struct Request {}
//
// /// What your server answers.
// #[derive(Debug, Clone, Serialize, Deserialize)]
// pub struct Reply {}
//
// /// Your server's timers.
// #[derive(Debug, Clone)]
// pub enum Timer {}
//
// /// A key/value server: add the key/value map, the duplicate table and the
// /// requests waiting for Raft.
// pub struct Server {}
// @end

impl KvServer for Server {
    type Raft = raft::Peer;
    type Request = Request;
    type Reply = Reply;
    type Timer = Timer;

    fn new(
        ctx: &mut KvContext<'_, '_, Self>,
        me: usize,
        servers: usize,
        max_raft_state: Option<usize>,
        snapshot: Vec<u8>,
    ) -> Self {
        // @solution 3A
        let store = Store::decode(&snapshot);
        ctx.log(format_args!(
            "[client] kv server {me} of {servers} starts from a snapshot through {}",
            store.last_applied
        ));
        Server {
            max_raft_state,
            store,
            waiting: BTreeMap::new(),
            checking: false,
        }
        // @skeleton
        // let _ = (ctx, me, servers, max_raft_state, snapshot);
        // todo!("3A: create a key/value server (3B: restore it from the snapshot)")
        // @end
    }

    fn handle_request(
        &mut self,
        ctx: &mut KvContext<'_, '_, Self>,
        _from: NodeId,
        request: Request,
        reply_to: ReplyTo,
    ) -> Option<Reply> {
        // @solution 3A
        let is_write = !matches!(request.op, Op::Get { .. });
        if is_write && self.store.is_duplicate(request.client, request.seq) {
            return Some(Reply::Done(String::new()));
        }
        let command = Command {
            client: request.client,
            seq: request.seq,
            op: request.op,
        };
        let Some((index, term)) = ctx.start(labrpc::encode(&command)) else {
            return Some(Reply::WrongLeader);
        };
        let waiting = Waiting {
            term,
            client: command.client,
            seq: command.seq,
            since: ctx.now(),
            reply_to,
        };
        if let Some(old) = self.waiting.insert(index, waiting) {
            ctx.reply(old.reply_to, Reply::WrongLeader);
        }
        if !self.checking {
            self.checking = true;
            ctx.set_timer(CHECK_EVERY, Timer::Check);
        }
        None
        // @skeleton
        // let _ = (ctx, request, reply_to);
        // todo!("3A: hand the clerk's operation to Raft and answer once it is applied")
        // @end
    }

    fn handle_apply(&mut self, ctx: &mut KvContext<'_, '_, Self>, msg: ApplyMsg) {
        // @solution 3A
        match msg {
            ApplyMsg::Command { index, command } => {
                if index <= self.store.last_applied {
                    return;
                }
                let command: Command = labrpc::decode(&command)
                    .unwrap_or_else(|e| panic!("log entry {index} is not a kv command: {e}"));
                let value = self.store.apply(&command);
                self.store.last_applied = index;
                self.fail_through(ctx, index - 1);
                self.answer(ctx, index, &command, &value);
                self.maybe_snapshot(ctx);
            }
            ApplyMsg::Snapshot {
                index, snapshot, ..
            } => {
                if index <= self.store.last_applied {
                    return;
                }
                self.store = Store::decode(&snapshot);
                ctx.log(format_args!(
                    "[snapshot] kv state replaced by a snapshot through {index}"
                ));
                self.fail_through(ctx, index);
            }
        }
        // @skeleton
        // let _ = (ctx, msg);
        // todo!("3A: apply a committed operation (3B: install a snapshot)")
        // @end
    }

    fn handle_timer(&mut self, ctx: &mut KvContext<'_, '_, Self>, timer: Timer) {
        // @solution 3A
        let Timer::Check = timer;
        let (term, leader) = ctx.raft_state();
        let now = ctx.now();
        let stale: Vec<u64> = self
            .waiting
            .iter()
            .filter(|(_, w)| !leader || w.term != term || now.saturating_since(w.since) >= MAX_WAIT)
            .map(|(&index, _)| index)
            .collect();
        for index in stale {
            if let Some(w) = self.waiting.remove(&index) {
                ctx.reply(w.reply_to, Reply::WrongLeader);
            }
        }
        self.checking = !self.waiting.is_empty();
        if self.checking {
            ctx.set_timer(CHECK_EVERY, Timer::Check);
        }
        // @skeleton
        // let _ = (ctx, timer);
        // todo!("3A: handle a timer")
        // @end
    }
}
