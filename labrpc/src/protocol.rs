//! The [`Protocol`] of a simulated world: which messages, timer tags and outputs its
//! nodes use, and how one protocol nests inside another ([`Embed`]).
//!
//! A protocol is a marker type. Every node of one simulation speaks the same
//! protocol; a world with several kinds of node (key/value servers and clerks, say)
//! uses enums for its requests and replies.

use std::fmt::Debug;

use crate::codec::Message;

/// The types a simulated world is made of.
pub trait Protocol: 'static {
    /// What a node sends with `call`.
    type Request: Message;
    /// What a node answers to a request.
    type Reply: Message;
    /// The tag a node attaches to a timer; handed back when the timer fires.
    type Timer: Debug + Clone + 'static;
    /// What a node hands to the layer above it (the tester, or an enclosing node):
    /// Raft's `ApplyMsg`, a clerk's completed operation.
    type Output: Debug + 'static;

    /// What `request` is about, as a short tag the trace keeps with it
    /// (`"vote"`, `"append"`, `"snapshot"`, `"client"`, ...) so that views
    /// need not read its printed form; `None` if the protocol does not say.
    fn topic(request: &Self::Request) -> Option<&'static str> {
        let _ = request;
        None
    }
}

/// An outer protocol that carries an inner one, so that a node can host another
/// node's logic (a key/value server hosting its Raft instance) and route the inner
/// node's I/O through its own context. See [`crate::Context::scoped`].
pub trait Embed<Inner: Protocol>: Protocol {
    /// Wraps an inner request for the wire.
    fn wrap_request(inner: Inner::Request) -> Self::Request;
    /// Wraps an inner reply for the wire.
    fn wrap_reply(inner: Inner::Reply) -> Self::Reply;
    /// Wraps an inner timer tag.
    fn wrap_timer(inner: Inner::Timer) -> Self::Timer;
}
