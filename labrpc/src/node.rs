//! The [`Node`] trait: a simulated server is a state machine driven by events.
//!
//! The simulator calls one handler at a time, with `&mut self` and a
//! [`Context`](crate::Context) through which the node acts on the world. Handlers
//! return quickly; they never block, sleep, spawn threads or read the wall clock.

use std::any::Any;

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::protocol::Protocol;

/// The index of a node in its simulation (servers first, by convention).
pub type NodeId = usize;

/// Identifies a timer set with [`Context::set_timer`], to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimerId(pub(crate) u64);

impl TimerId {
    /// The timer's number, unique within a run (or within a detached node).
    pub fn number(self) -> u64 {
        self.0
    }
}

/// Identifies one RPC from `call` to its reply or failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CallId(pub(crate) u64);

impl CallId {
    /// The call's number, unique within a run.
    pub fn number(self) -> u64 {
        self.0
    }
}

/// The handle of a request whose reply a node gives later, with
/// [`Context::reply`](crate::Context::reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplyTo(pub(crate) CallId);

impl ReplyTo {
    /// The call this handle answers.
    pub fn call(self) -> CallId {
        self.0
    }
}

/// A simulated server or client.
///
/// Each handler gets the node's [`Context`]. Anything the handler does through the
/// context (calls, replies, timers, outputs) takes effect when the handler returns;
/// persisting takes effect at once. If a handler panics the run stops with an error
/// naming the node, the event and the seed.
pub trait Node<P: Protocol>: Any {
    /// A request from `from` has arrived. Return `Some(reply)` to answer at once, or
    /// `None` to answer later with [`Context::reply`] and `reply_to` (a deferred
    /// reply fails for the caller if this node crashes or the end is disabled
    /// before it is given).
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, P>,
        from: NodeId,
        request: P::Request,
        reply_to: ReplyTo,
    ) -> Option<P::Reply>;

    /// The call this node made to `to` with `request` has finished: `Some(reply)`,
    /// or `None` if it failed. A failed call may have been dropped on the way there,
    /// dropped on the way back, or sent to a server that is down or cut off; the
    /// caller cannot tell which.
    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, P>,
        to: NodeId,
        request: P::Request,
        reply: Option<P::Reply>,
    );

    /// The timer with this tag has fired.
    fn on_timer(&mut self, ctx: &mut Context<'_, P>, tag: P::Timer);
}
