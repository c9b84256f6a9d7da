//! Your shard controller clerk: the struct [`Clerk`] and its
//! [`KvClerk`]`<`[`CtrlerOps`]`>` implementation.
//!
//! This directory is yours; split your code into files as you like.

use crate::prelude::*;
use crate::server::{Reply, Request, Server};

// @solution 4A
/// How long to wait after every server failed or refused before a new round.
const RETRY_AFTER: Duration = Duration::from_millis(100);
// @end

// @solution 4A
/// A controller clerk (the reference solution): it tags each operation with
/// its id and a sequence number, and tries the servers in turn until one
/// answers.
pub struct Clerk {
    servers: Vec<NodeId>,
    client: u64,
    seq: u64,
    /// The server to try next (the last one that answered, first).
    next: usize,
    /// Servers tried in this round.
    tried: usize,
    /// The operation in progress.
    current: Option<Request>,
}

impl Clerk {
    fn send(&mut self, ctx: &mut CtrlerClerkContext<'_, '_, Server>) {
        if let Some(request) = &self.current {
            ctx.call(self.servers[self.next], request.clone());
        }
    }
}
// @skeleton
// /// A controller clerk: add what it needs to find the leader and to tag its
// /// operations.
// pub struct Clerk {}
// @end

impl KvClerk<CtrlerOps> for Clerk {
    type Server = Server;

    fn new(ctx: &mut CtrlerClerkContext<'_, '_, Server>, servers: Vec<NodeId>) -> Self {
        // @solution 4A
        Clerk {
            servers,
            client: ctx.rng().random(),
            seq: 0,
            next: 0,
            tried: 0,
            current: None,
        }
        // @skeleton
        // let _ = (ctx, servers);
        // todo!("4A: create a clerk")
        // @end
    }

    fn begin(&mut self, ctx: &mut CtrlerClerkContext<'_, '_, Server>, op: CtrlerOp) {
        // @solution 4A
        self.seq += 1;
        self.tried = 0;
        self.current = Some(Request {
            client: self.client,
            seq: self.seq,
            op,
        });
        self.send(ctx);
        // @skeleton
        // let _ = (ctx, op);
        // todo!("4A: start an operation: send it until a server answers")
        // @end
    }

    fn handle_reply(
        &mut self,
        ctx: &mut CtrlerClerkContext<'_, '_, Server>,
        _server: NodeId,
        request: Request,
        reply: Option<Reply>,
    ) {
        // @solution 4A
        if request.seq != self.seq || self.current.is_none() {
            return;
        }
        if let Some(Reply::Done(value)) = reply {
            self.current = None;
            ctx.complete(value);
            return;
        }
        self.next = (self.next + 1) % self.servers.len();
        self.tried += 1;
        if self.tried >= self.servers.len() {
            self.tried = 0;
            ctx.set_timer(RETRY_AFTER, self.seq);
        } else {
            self.send(ctx);
        }
        // @skeleton
        // let _ = (ctx, request, reply);
        // todo!("4A: handle a server's answer (or a failed call)")
        // @end
    }

    fn handle_timer(&mut self, ctx: &mut CtrlerClerkContext<'_, '_, Server>, tag: u64) {
        // @solution 4A
        if tag == self.seq {
            self.send(ctx);
        }
        // @skeleton
        // let _ = (ctx, tag);
        // todo!("4A: handle a timer")
        // @end
    }
}
