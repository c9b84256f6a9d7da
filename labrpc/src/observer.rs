//! The [`Observer`]: the tester's window on a run, called after every event.
//!
//! The simulator hands every output (an applied command, a finished client
//! operation) to the observer as it is emitted, and after every handler lets it look
//! at the node that just ran. Either hook can fail the run with a message; that is
//! how invariants such as "at most one leader per term" are checked on every event
//! rather than only when a test polls.

use std::any::Any;

use crate::node::{CallId, NodeId};
use crate::protocol::Protocol;
use crate::sim::Action;
use crate::time::Time;

/// A call as [`Observer::on_call`] sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSeen {
    /// The calling node.
    pub from: NodeId,
    /// The node called.
    pub to: NodeId,
    /// The call's number ([`CallId::number`], as [`Observer::on_return`]
    /// names it).
    pub call: u64,
    /// A hash of the request's encoded bytes: equal requests hash equally.
    pub hash: u64,
    /// The protocol's name for the request's kind ([`Protocol::topic`]).
    pub topic: Option<&'static str>,
}

/// Hooks the simulator calls as a run proceeds. An `Err` stops the run with
/// [`SimError::CheckFailed`](crate::SimError::CheckFailed).
pub trait Observer<P: Protocol>: 'static {
    /// Node `node` emitted `output` at `now`.
    fn on_output(&mut self, now: Time, node: NodeId, output: P::Output) -> Result<(), String> {
        let _ = (now, node, output);
        Ok(())
    }

    /// A node has just made `call` (its own call: not a copy the network or
    /// the tester delivers again). Checked before the call travels.
    fn on_call(&mut self, now: Time, call: &CallSeen) -> Result<(), String> {
        let _ = (now, call);
        Ok(())
    }

    /// `server` has just sent its reply to call number `call` of `caller`
    /// (after the handler that made it, unless the reply was deferred; not
    /// for a copy whose reply the network loses).
    fn on_reply(&mut self, now: Time, server: NodeId, caller: NodeId, call: u64) {
        let _ = (now, server, caller, call);
    }

    /// Call `call` of `caller` to `server` has come back to the caller:
    /// `answered` if with a reply, not as a failure.
    fn on_return(
        &mut self,
        now: Time,
        caller: NodeId,
        server: NodeId,
        call: CallId,
        answered: bool,
    ) {
        let _ = (now, caller, server, call, answered);
    }

    /// Node `node` is starting a new incarnation (its first, or a restart):
    /// its constructor runs next. What the observer kept of its last life is
    /// the past.
    fn on_start(&mut self, now: Time, node: NodeId) {
        let _ = (now, node);
    }

    /// A handler of `node` has just returned; `state` is the node (downcast it to
    /// its concrete type to inspect it).
    fn after_handler(&mut self, now: Time, node: NodeId, state: &dyn Any) -> Result<(), String> {
        let _ = (now, node, state);
        Ok(())
    }

    /// Writes a short description of `node`'s visible state (a Raft server's
    /// role and term, say) into `out`, which is empty on entry; leaving it empty
    /// says nothing. Recorded in the trace as a [`TraceEvent::Status`] whenever
    /// it changes. Asked after every handler, but only while full records are
    /// kept; it never affects the run or its digest. (`out` is one buffer reused
    /// for every call, so describing costs no allocation.)
    ///
    /// [`TraceEvent::Status`]: crate::TraceEvent::Status
    fn status(&mut self, node: NodeId, state: &dyn Any, out: &mut String) {
        let _ = (node, state, out);
    }

    /// Tester actions to run right after the current event, at the same instant,
    /// in order (the 2D tester calling `snapshot` on a server that has just
    /// applied index 9, say). Asked after every handler.
    fn follow_ups(&mut self) -> Vec<Action<P, Self>>
    where
        Self: Sized,
    {
        Vec::new()
    }
}

/// The observer that ignores everything.
impl<P: Protocol> Observer<P> for () {}

/// An observer that collects every output with its time and node.
impl<P: Protocol> Observer<P> for Vec<(Time, NodeId, P::Output)> {
    fn on_output(&mut self, now: Time, node: NodeId, output: P::Output) -> Result<(), String> {
        self.push((now, node, output));
        Ok(())
    }
}
