//! Echoes: copies the network keeps of a node's calls, to deliver again later.
//!
//! Real networks duplicate and delay messages, and Raft is built to survive it:
//! a request that arrives twice, or a reply that arrives long after its term
//! ended, must change nothing it should not. 6.824's labrpc never duplicates, so
//! its tests cannot show that a server ignores what is stale. A tester that asks
//! the simulator to keep copies of a node's calls ([`Sim::keep_copies`]) can
//! later deliver a request again to its server ([`Sim::echo_request`]) or a
//! reply again to its caller ([`Sim::echo_reply`]), at a moment it chooses.
//!
//! A copy is kept when the request is sent, whether or not the network delivered
//! it; its reply is added if one came back to the caller. An echo is recorded in
//! the trace (and its digest), so runs with echoes replay like any other.

use crate::codec::{DecodeError, Message};
use crate::node::{CallId, NodeId};
use crate::observer::Observer;
use crate::protocol::Protocol;
use crate::sim::{Event, Flight, Sim};
use crate::time::Time;
use crate::trace::{TraceEvent, kind};

/// A kept copy of one call.
#[derive(Clone, Debug)]
pub struct Kept {
    call: CallId,
    caller: NodeId,
    caller_incarnation: u32,
    server: NodeId,
    sent_at: Time,
    request: Vec<u8>,
    reply: Option<Vec<u8>>,
}

impl Kept {
    /// The node that made the call.
    pub fn caller(&self) -> NodeId {
        self.caller
    }

    /// The node it called.
    pub fn server(&self) -> NodeId {
        self.server
    }

    /// When the request was sent.
    pub fn sent_at(&self) -> Time {
        self.sent_at
    }

    /// Whether a reply came back to the caller (and so can be echoed).
    pub fn has_reply(&self) -> bool {
        self.reply.is_some()
    }

    /// The call's number in the trace.
    pub fn call(&self) -> CallId {
        self.call
    }

    /// The request's encoded bytes.
    pub fn request(&self) -> &[u8] {
        &self.request
    }
}

/// Why a kept copy could not be delivered again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EchoError {
    /// No copy has that index.
    #[error("no copy {index}: {kept} copies were kept")]
    NoCopy {
        /// The index asked for.
        index: usize,
        /// How many copies there are.
        kept: usize,
    },
    /// The copy's call got no reply to deliver again.
    #[error("copy {index} (a call from node {caller} to node {server}) has no reply to echo")]
    NoReply {
        /// The copy.
        index: usize,
        /// Who made the call.
        caller: NodeId,
        /// Whom it called.
        server: NodeId,
    },
    /// The kept bytes do not decode (they always should).
    #[error("copy {index} does not decode: {error}")]
    Decode {
        /// The copy.
        index: usize,
        /// Why.
        error: DecodeError,
    },
}

/// Which nodes' calls are kept, and the copies.
#[derive(Default)]
pub(crate) struct Echoes {
    keep: Vec<bool>,
    copies: Vec<Kept>,
    /// Copy index by call, for calls whose reply may still come.
    open: std::collections::BTreeMap<CallId, usize>,
}

impl Echoes {
    fn keeps(&self, node: NodeId) -> bool {
        self.keep.get(node).copied().unwrap_or(false)
    }

    /// Keeps a copy of a request `flight` carries, if its caller is kept.
    pub(crate) fn sent<P: Protocol>(&mut self, flight: &Flight<P>, bytes: &[u8], now: Time) {
        if !self.keeps(flight.from) {
            return;
        }
        self.open.insert(flight.call, self.copies.len());
        self.copies.push(Kept {
            call: flight.call,
            caller: flight.from,
            caller_incarnation: flight.from_incarnation,
            server: flight.to,
            sent_at: now,
            request: bytes.to_vec(),
            reply: None,
        });
    }

    /// Adds the reply of `call` to its copy, if it has one.
    pub(crate) fn returned(&mut self, call: CallId, reply: &[u8]) {
        if let Some(i) = self.open.remove(&call) {
            self.copies[i].reply = Some(reply.to_vec());
        }
    }

    /// The call failed at its caller: no reply will be added.
    pub(crate) fn failed(&mut self, call: CallId) {
        self.open.remove(&call);
    }
}

impl<P: Protocol, O: Observer<P>> Sim<P, O> {
    /// Starts (or stops) keeping a copy of every call `node` makes from now on.
    pub fn keep_copies(&mut self, node: NodeId, on: bool) {
        let keep = &mut self.echoes.keep;
        if keep.len() <= node {
            keep.resize(node + 1, false);
        }
        keep[node] = on;
    }

    /// The copies kept so far, oldest first.
    pub fn copies(&self) -> &[Kept] {
        &self.echoes.copies
    }

    /// Delivers the request of copy `index` again to its server, now, whatever
    /// the network's ends (it is already in the network), but only to a server
    /// that is running. With `answer`, the server's reply goes back to the
    /// caller (if it still runs the life that made the call), as the reply of a
    /// request that arrived late; otherwise the network loses it.
    pub fn echo_request(&mut self, index: usize, answer: bool) -> Result<(), EchoError> {
        let copy = self.copy(index)?.clone();
        let request = P::Request::from_wire(&copy.request)
            .map_err(|error| EchoError::Decode { index, error })?;
        self.next_id += 1;
        let call = CallId(self.next_id);
        self.note_echo(&copy, call, false, answer);
        let flight = Flight {
            call,
            from: copy.caller,
            from_incarnation: copy.caller_incarnation,
            to: copy.server,
            to_incarnation: self.incarnation(copy.server),
            request,
            echoed: true,
            mute: !answer,
        };
        self.queue.push(
            self.now,
            Event::Deliver {
                flight,
                bytes: copy.request,
                lost: false,
            },
        );
        Ok(())
    }

    /// Delivers the reply of copy `index` again to its caller, now, if the
    /// caller still runs the life that made the call (the caller's handler gets
    /// the request it sent and this reply, as for the first delivery).
    pub fn echo_reply(&mut self, index: usize) -> Result<(), EchoError> {
        let copy = self.copy(index)?.clone();
        let Some(reply) = copy.reply.clone() else {
            return Err(EchoError::NoReply {
                index,
                caller: copy.caller,
                server: copy.server,
            });
        };
        let request = P::Request::from_wire(&copy.request)
            .map_err(|error| EchoError::Decode { index, error })?;
        self.note_echo(&copy, copy.call, true, true);
        let flight = Flight {
            call: copy.call,
            from: copy.caller,
            from_incarnation: copy.caller_incarnation,
            to: copy.server,
            to_incarnation: 0,
            request,
            echoed: true,
            mute: false,
        };
        self.queue.push(
            self.now,
            Event::Return {
                flight,
                reply: Some(reply),
            },
        );
        Ok(())
    }

    fn copy(&self, index: usize) -> Result<&Kept, EchoError> {
        self.echoes.copies.get(index).ok_or(EchoError::NoCopy {
            index,
            kept: self.echoes.copies.len(),
        })
    }

    /// Notes that the network's copy `flight` of call `of` arrives.
    pub(crate) fn note_duplicate(&mut self, flight: &Flight<P>, of: CallId) {
        self.trace.mix(
            kind::ECHO,
            self.now,
            [
                flight.call.0,
                of.0,
                flight.from as u64,
                flight.to as u64 | (1 << 34),
            ],
        );
        self.trace.record(self.now, None, || TraceEvent::Echo {
            call: flight.call.0,
            of: of.0,
            caller: flight.from,
            server: flight.to,
            reply: false,
            answered: false,
            by_network: true,
        });
    }

    fn note_echo(&mut self, copy: &Kept, call: CallId, reply: bool, answered: bool) {
        self.trace.mix(
            kind::ECHO,
            self.now,
            [
                call.0,
                copy.call.0,
                copy.caller as u64,
                copy.server as u64 | (u64::from(reply) << 32) | (u64::from(answered) << 33),
            ],
        );
        self.trace.record(self.now, None, || TraceEvent::Echo {
            call: call.0,
            of: copy.call.0,
            caller: copy.caller,
            server: copy.server,
            reply,
            answered,
            by_network: false,
        });
    }
}
