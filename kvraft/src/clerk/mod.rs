//! Your clerk: the struct [`Clerk`] and its [`KvClerk`] implementation.
//!
//! This directory is yours; split your code into files as you like.

use crate::prelude::*;
use crate::server::{Reply, Request, Server};

// @solution 3A
/// After asking every server in turn without success, wait this long before the
/// next round (an election is probably under way).
const ROUND_PAUSE: Duration = Duration::from_millis(100);

/// A clerk (the reference solution).
pub struct Clerk {
    /// The servers, in the order the tester gave them.
    servers: Vec<NodeId>,
    /// The server that answered last (an index into `servers`).
    leader: usize,
    /// This clerk's id, tagged on every request.
    client: u64,
    /// The sequence number of the current (or last) operation.
    seq: u64,
    /// The operation under way.
    op: Option<Op>,
    /// Servers asked in the current round without success.
    tried: usize,
}

impl Clerk {
    /// Sends the current operation to the server believed to lead.
    fn send(&mut self, ctx: &mut ClerkContext<'_, '_, Server>) {
        if let Some(op) = &self.op {
            let request = Request {
                client: self.client,
                seq: self.seq,
                op: op.clone(),
            };
            ctx.call(self.servers[self.leader], request);
        }
    }

    /// The server failed to do it: try the next one, pausing after a full round.
    fn try_next(&mut self, ctx: &mut ClerkContext<'_, '_, Server>) {
        self.leader = (self.leader + 1) % self.servers.len();
        self.tried += 1;
        if self.tried >= self.servers.len() {
            self.tried = 0;
            ctx.set_timer(ROUND_PAUSE, self.seq);
        } else {
            self.send(ctx);
        }
    }
}
// @skeleton
// /// A clerk: remember which server led last, your client id and sequence number,
// /// and the operation under way.
// pub struct Clerk {}
// @end

impl KvClerk for Clerk {
    type Server = Server;

    fn new(ctx: &mut ClerkContext<'_, '_, Server>, servers: Vec<NodeId>) -> Self {
        // @solution 3A
        Clerk {
            leader: ctx.rng().random_range(0..servers.len()),
            servers,
            client: ctx.rng().random(),
            seq: 0,
            op: None,
            tried: 0,
        }
        // @skeleton
        // let _ = (ctx, servers);
        // todo!("3A: create a clerk")
        // @end
    }

    fn begin(&mut self, ctx: &mut ClerkContext<'_, '_, Server>, op: Op) {
        // @solution 3A
        self.seq += 1;
        self.tried = 0;
        self.op = Some(op);
        self.send(ctx);
        // @skeleton
        // let _ = (ctx, op);
        // todo!("3A: start an operation")
        // @end
    }

    fn handle_reply(
        &mut self,
        ctx: &mut ClerkContext<'_, '_, Server>,
        server: NodeId,
        request: Request,
        reply: Option<Reply>,
    ) {
        // @solution 3A
        if self.op.is_none() || request.seq != self.seq {
            return;
        }
        match reply {
            Some(Reply::Done(value)) => {
                self.op = None;
                self.tried = 0;
                ctx.log(format_args!(
                    "[client] op {} done by server {server}",
                    self.seq
                ));
                ctx.complete(value);
            }
            Some(Reply::WrongLeader) | None => self.try_next(ctx),
        }
        // @skeleton
        // let _ = (ctx, server, request, reply);
        // todo!("3A: handle a server's reply")
        // @end
    }

    fn handle_timer(&mut self, ctx: &mut ClerkContext<'_, '_, Server>, tag: u64) {
        // @solution 3A
        if tag == self.seq && self.op.is_some() {
            self.send(ctx);
        }
        // @skeleton
        // let _ = (ctx, tag);
        // todo!("3A: handle a timer")
        // @end
    }
}
