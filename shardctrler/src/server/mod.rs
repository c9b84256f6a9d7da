//! Your shard controller server: the struct [`Server`] and its
//! [`KvServer`]`<`[`CtrlerOps`]`>` implementation, and the RPC types your clerk
//! and server share.
//!
//! This directory is yours; split your code into files as you like.

// @solution 4A
mod rebalance;
// @end

use crate::prelude::*;

// @solution 4A
/// A clerk's request: one operation, tagged so that a retry is recognised.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// The clerk's id (random).
    pub client: u64,
    /// The clerk's sequence number for this operation (1, 2, ...).
    pub seq: u64,
    /// The operation.
    pub op: CtrlerOp,
}

/// A server's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The operation took effect; for a `Query`, the configuration read.
    Done(Option<Config>),
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
const GIVE_UP_AFTER: Duration = Duration::from_millis(1000);

/// An operation: its clerk's id and sequence number.
type OpId = (u64, u64);

/// A clerk's request whose operation this server, as leader in `term`, handed
/// to Raft. It is answered when that operation is applied, at whatever index
/// (duplicate detection makes a write take effect once; a query reads the
/// configurations as of the instant it is applied), and failed once `term`
/// is over here.
struct Handed {
    term: u64,
    at: Time,
    reply_to: ReplyTo,
}

/// A shard controller server (the reference solution).
pub struct Server {
    /// Every configuration so far; configuration `n` at index `n`.
    configs: Vec<Config>,
    /// Each client's latest applied sequence number (duplicate detection).
    applied_seq: BTreeMap<u64, u64>,
    /// The last log index applied.
    last_applied: u64,
    /// Requests handed to Raft, by operation.
    handed: BTreeMap<OpId, Handed>,
    /// A Check timer is set.
    timer_set: bool,
}

impl Server {
    /// Applies a committed request: a new configuration for a write (once per
    /// client and sequence number), the configuration asked for by a query.
    fn apply(&mut self, request: &Request) -> Option<Config> {
        let latest = self.configs.last().expect("configuration 0").clone();
        if let CtrlerOp::Query(num) = request.op {
            return Some(match num {
                Some(n) if (n as usize) < self.configs.len() => self.configs[n as usize].clone(),
                _ => latest,
            });
        }
        let seen = self.applied_seq.get(&request.client).copied().unwrap_or(0);
        if request.seq <= seen {
            return None;
        }
        self.applied_seq.insert(request.client, request.seq);
        let mut next = latest;
        next.num += 1;
        match &request.op {
            CtrlerOp::Join(groups) => {
                for (&gid, servers) in groups {
                    next.groups.insert(gid, servers.clone());
                }
                rebalance::rebalance(&mut next);
            }
            CtrlerOp::Leave(gids) => {
                for gid in gids {
                    next.groups.remove(gid);
                }
                rebalance::rebalance(&mut next);
            }
            CtrlerOp::Move { shard, gid } => {
                if *shard < NSHARDS {
                    next.shards[*shard] = *gid;
                }
            }
            CtrlerOp::Query(_) => unreachable!("answered above"),
        }
        self.configs.push(next);
        None
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
// /// A shard controller server: add the configurations, the duplicate table
// /// and the requests waiting for Raft.
// pub struct Server {}
// @end

impl KvServer<CtrlerOps> for Server {
    type Raft = raft::Peer;
    type Request = Request;
    type Reply = Reply;
    type Timer = Timer;

    fn new(
        ctx: &mut CtrlerContext<'_, '_, Self>,
        me: usize,
        servers: usize,
        max_raft_state: Option<usize>,
        snapshot: Vec<u8>,
    ) -> Self {
        // @solution 4A
        let _ = (max_raft_state, snapshot);
        ctx.log(format_args!("[client] controller {me} of {servers} starts"));
        Server {
            configs: vec![Config::default()],
            applied_seq: BTreeMap::new(),
            last_applied: 0,
            handed: BTreeMap::new(),
            timer_set: false,
        }
        // @skeleton
        // let _ = (ctx, me, servers, max_raft_state, snapshot);
        // todo!("4A: create a shard controller server, holding configuration 0")
        // @end
    }

    fn handle_request(
        &mut self,
        ctx: &mut CtrlerContext<'_, '_, Self>,
        _from: NodeId,
        request: Request,
        reply_to: ReplyTo,
    ) -> Option<Reply> {
        // @solution 4A
        let is_write = !matches!(request.op, CtrlerOp::Query(_));
        if is_write
            && self
                .applied_seq
                .get(&request.client)
                .is_some_and(|&seq| request.seq <= seq)
        {
            return Some(Reply::Done(None));
        }
        let id = (request.client, request.seq);
        let Some((_, term)) = ctx.start(encode(&request)) else {
            return Some(Reply::WrongLeader);
        };
        let handed = Handed {
            term,
            at: ctx.now(),
            reply_to,
        };
        // A retry of an operation already handed over replaces it.
        if let Some(earlier) = self.handed.insert(id, handed) {
            ctx.reply(earlier.reply_to, Reply::WrongLeader);
        }
        if !self.timer_set {
            self.timer_set = true;
            ctx.set_timer(CHECK_EVERY, Timer::Check);
        }
        None
        // @skeleton
        // let _ = (ctx, request, reply_to);
        // todo!("4A: hand the clerk's operation to Raft and answer once it is applied")
        // @end
    }

    fn handle_apply(&mut self, ctx: &mut CtrlerContext<'_, '_, Self>, msg: ApplyMsg) {
        // @solution 4A
        if let ApplyMsg::Command { index, command } = msg {
            if index <= self.last_applied {
                return;
            }
            let request: Request = decode(&command)
                .unwrap_or_else(|e| panic!("log entry {index} is not a controller command: {e}"));
            let made = self.configs.len();
            let value = self.apply(&request);
            self.last_applied = index;
            if let Some(config) = self.configs.get(made) {
                ctx.log(format_args!(
                    "[config] configuration {} made (index {index}): shards {:?}",
                    config.num, config.shards
                ));
            }
            if let Some(h) = self.handed.remove(&(request.client, request.seq)) {
                ctx.reply(h.reply_to, Reply::Done(value));
            }
        }
        // @skeleton
        // let _ = (ctx, msg);
        // todo!("4A: apply a committed operation")
        // @end
    }

    fn handle_timer(&mut self, ctx: &mut CtrlerContext<'_, '_, Self>, timer: Timer) {
        // @solution 4A
        let Timer::Check = timer;
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
        self.timer_set = !self.handed.is_empty();
        if self.timer_set {
            ctx.set_timer(CHECK_EVERY, Timer::Check);
        }
        // @skeleton
        // let _ = (ctx, timer);
        // todo!("4A: handle a timer")
        // @end
    }
}
