//! Your shardkv clerk: the struct [`Clerk`] and its [`ShardKvClerk`]
//! implementation.
//!
//! This directory is yours; split your code into files as you like.

use crate::prelude::*;
use crate::server::{Reply, Request, Server};

// @solution 4B
/// After a full round of the group's servers without success, or a wrong
/// group, wait this long before asking the controller again.
const PAUSE: Duration = Duration::from_millis(100);

/// A shardkv clerk (the reference solution).
pub struct Clerk {
    /// This clerk's id, tagged on every request.
    client: u64,
    /// The sequence number of the current (or last) operation.
    seq: u64,
    /// The latest configuration it knows.
    config: Config,
    /// The operation under way.
    op: Option<Op>,
    /// The server of the key's group to try next.
    next: usize,
    /// Servers of the group tried in this round.
    tried: usize,
    /// Queries asked and not yet answered.
    asked: usize,
}

impl Clerk {
    /// Sends the operation to the next server of the group serving its key,
    /// or asks the controller if no group serves it.
    fn send(&mut self, ctx: &mut ShardClerkContext<'_, Self>) {
        let Some(op) = &self.op else { return };
        let gid = self.config.shards[key2shard(op.key())];
        match self.config.groups.get(&gid) {
            Some(servers) if !servers.is_empty() => {
                let server = servers[self.next % servers.len()].clone();
                let request = Request::Op {
                    client: self.client,
                    seq: self.seq,
                    op: op.clone(),
                };
                ctx.call(&server, request);
            }
            _ => self.pause(ctx),
        }
    }

    /// Waits, then asks the controller for the latest configuration.
    fn pause(&mut self, ctx: &mut ShardClerkContext<'_, Self>) {
        self.tried = 0;
        ctx.set_timer(PAUSE, self.seq);
    }
}
// @skeleton
// /// A shardkv clerk: add the configuration it knows, your client id and
// /// sequence number, and the operation under way.
// pub struct Clerk {}
// @end

impl ShardKvClerk for Clerk {
    type Server = Server;

    fn new(ctx: &mut ShardClerkContext<'_, Self>) -> Self {
        // @solution 4B
        Clerk {
            client: ctx.rng().random(),
            seq: 0,
            config: Config::default(),
            op: None,
            next: 0,
            tried: 0,
            asked: 0,
        }
        // @skeleton
        // let _ = ctx;
        // todo!("4B: create a clerk")
        // @end
    }

    fn begin(&mut self, ctx: &mut ShardClerkContext<'_, Self>, op: Op) {
        // @solution 4B
        self.seq += 1;
        self.op = Some(op);
        self.tried = 0;
        self.send(ctx);
        // @skeleton
        // let _ = (ctx, op);
        // todo!("4B: start an operation: send it to the group serving its key")
        // @end
    }

    fn handle_reply(
        &mut self,
        ctx: &mut ShardClerkContext<'_, Self>,
        _to: &str,
        request: Request,
        reply: Option<Reply>,
    ) {
        // @solution 4B
        let Request::Op { seq, .. } = request else {
            return;
        };
        if seq != self.seq || self.op.is_none() {
            return;
        }
        match reply {
            Some(Reply::Done(value)) => {
                self.op = None;
                ctx.complete(value);
            }
            Some(Reply::WrongGroup) => self.pause(ctx),
            _ => {
                self.next += 1;
                self.tried += 1;
                let servers = self.op.as_ref().map_or(0, |op| {
                    let gid = self.config.shards[key2shard(op.key())];
                    self.config.groups.get(&gid).map_or(0, Vec::len)
                });
                if self.tried >= servers {
                    self.pause(ctx);
                } else {
                    self.send(ctx);
                }
            }
        }
        // @skeleton
        // let _ = (ctx, request, reply);
        // todo!("4B: handle a server's answer (or a failed call)")
        // @end
    }

    fn handle_timer(&mut self, ctx: &mut ShardClerkContext<'_, Self>, tag: u64) {
        // @solution 4B
        if tag == self.seq && self.op.is_some() {
            self.asked += 1;
            ctx.query(None);
        }
        // @skeleton
        // let _ = (ctx, tag);
        // todo!("4B: handle a timer")
        // @end
    }

    fn handle_config(&mut self, ctx: &mut ShardClerkContext<'_, Self>, config: Config) {
        // @solution 4B
        self.asked = self.asked.saturating_sub(1);
        if config.num >= self.config.num {
            self.config = config;
        }
        if self.asked == 0 {
            self.send(ctx);
        }
        // @skeleton
        // let _ = (ctx, config);
        // todo!("4B: a configuration the controller gave")
        // @end
    }
}
