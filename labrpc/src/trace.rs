//! The [`Trace`] of a run: a 64-bit digest of every event, and optionally the full
//! structured records.
//!
//! The digest always runs. It folds in each event's kind, virtual time, nodes,
//! ids and a hash of the bytes involved (encoded messages, persisted state), so two
//! runs with equal digests took the same steps with the same contents. It is how a
//! test proves a run is reproducible, and how a non-deterministic node (one that
//! reads the wall clock or iterates a `HashMap`) is caught.
//!
//! Full records ([`TraceRecord`]) are kept only when recording is switched on;
//! they are serde types for logs, timelines and tools.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::node::NodeId;
use crate::payload::Payload;
use crate::time::Time;

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The end from caller to server is disabled (a partition).
    EndDisabled,
    /// The server is not running (crashed, or never started).
    ServerDown,
    /// The server crashed or restarted while the request was in flight.
    ServerRestarted,
    /// The unreliable network lost the request.
    RequestLost,
    /// The unreliable network lost the reply.
    ReplyLost,
    /// The caller crashed or restarted before the reply arrived.
    CallerGone,
}

/// A change of the network made by the tester.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "setting", rename_all = "snake_case")]
pub enum NetChange {
    /// The end `from` → `to` was enabled or disabled.
    End {
        /// Caller side.
        from: NodeId,
        /// Server side.
        to: NodeId,
        /// New state.
        enabled: bool,
    },
    /// Reliability switched.
    Reliable {
        /// New state.
        on: bool,
    },
    /// Long reordering switched.
    LongReordering {
        /// New state.
        on: bool,
    },
    /// Long delays switched.
    LongDelays {
        /// New state.
        on: bool,
    },
    /// Duplication switched.
    Duplicating {
        /// New state.
        on: bool,
    },
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceEvent {
    /// A node instance started (its record carries the incarnation).
    Start,
    /// A node instance crashed.
    Crash,
    /// The node called `to`.
    Send {
        /// Call number.
        call: u64,
        /// Destination.
        to: NodeId,
        /// Encoded request size.
        bytes: u32,
        /// The request (printed as `Debug` prints it, when read).
        message: Payload,
        /// What the request is about, as its protocol tags it
        /// ([`crate::Protocol::topic`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<std::borrow::Cow<'static, str>>,
    },
    /// A request reached the node's handler.
    Deliver {
        /// Call number.
        call: u64,
        /// The caller.
        from: NodeId,
    },
    /// The node answered a request.
    Reply {
        /// Call number.
        call: u64,
        /// The caller.
        to: NodeId,
        /// Encoded reply size.
        bytes: u32,
        /// The reply (printed as `Debug` prints it, when read).
        message: Payload,
    },
    /// A message was dropped; the call fails for its caller.
    Drop {
        /// Call number.
        call: u64,
        /// The caller.
        from: NodeId,
        /// The server.
        to: NodeId,
        /// Why.
        reason: DropReason,
    },
    /// A call finished at its caller.
    Return {
        /// Call number.
        call: u64,
        /// The server.
        from: NodeId,
        /// Whether a reply came back (otherwise the call failed).
        ok: bool,
    },
    /// The tester had the network deliver a kept copy of call `of` again:
    /// its request to `server` (as call `call`), or its reply to `caller`.
    Echo {
        /// The number the echoed request travels under (`of` for a reply).
        call: u64,
        /// The call copied.
        of: u64,
        /// Who made that call.
        caller: NodeId,
        /// Whom it called.
        server: NodeId,
        /// The reply is echoed (otherwise the request).
        reply: bool,
        /// The echoed request's reply goes back to the caller.
        answered: bool,
        /// The network made this copy (duplication), not the tester.
        #[serde(default)]
        by_network: bool,
    },
    /// A timer fired.
    Timer {
        /// Timer number.
        timer: u64,
        /// The tag, as `Debug` prints it.
        tag: Box<str>,
    },
    /// A handler set a timer (recorded only: the digest has it when it fires).
    TimerSet {
        /// Timer number.
        timer: u64,
        /// The tag, as `Debug` prints it.
        tag: Box<str>,
        /// When it will fire unless cancelled.
        at: Time,
    },
    /// A handler cancelled a timer that had not fired (recorded only).
    TimerCancel {
        /// Timer number.
        timer: u64,
    },
    /// The node saved its state.
    Persist {
        /// Size of the saved state.
        state_bytes: usize,
        /// Size of the saved snapshot.
        snapshot_bytes: usize,
    },
    /// The node emitted an output (an applied command, a finished operation).
    Output {
        /// The output, as `Debug` prints it.
        text: String,
    },
    /// The node's visible state changed (as the observer describes it).
    Status {
        /// The new state.
        text: String,
    },
    /// A line the node logged.
    Log {
        /// The line.
        text: String,
    },
    /// The tester changed the network.
    Network {
        /// What changed.
        change: NetChange,
    },
    /// The tester did something (a label, or a line it noted).
    Tester {
        /// What.
        text: String,
    },
}

/// One traced event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRecord {
    /// When it happened.
    pub time: Time,
    /// The node it happened at, if any.
    pub node: Option<NodeId>,
    /// That node's incarnation (0 when there is no node).
    pub incarnation: u32,
    /// What happened.
    pub event: TraceEvent,
}

/// Digest codes of event kinds.
pub(crate) mod kind {
    pub const START: u64 = 1;
    pub const CRASH: u64 = 2;
    pub const SEND: u64 = 3;
    pub const DELIVER: u64 = 4;
    pub const REPLY: u64 = 5;
    pub const DROP: u64 = 6;
    pub const RETURN: u64 = 7;
    pub const TIMER: u64 = 8;
    pub const PERSIST: u64 = 9;
    pub const OUTPUT: u64 = 10;
    pub const NETWORK: u64 = 11;
    pub const TESTER: u64 = 12;
    pub const INVOKE: u64 = 13;
    pub const ECHO: u64 = 14;
}

/// Records a recorded run makes room for at its start.
const RECORDS_RESERVED: usize = 1 << 16;

/// Receives each record as the run keeps it (see [`crate::Sim::set_trace_sink`]).
pub type TraceSink = Box<dyn FnMut(&TraceRecord)>;

/// The digest and (optionally) the records of a run.
pub struct Trace {
    digest: u64,
    events: u64,
    records: Option<Vec<TraceRecord>>,
    scratch: String,
    sink: Option<TraceSink>,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("digest", &self.digest)
            .field("events", &self.events)
            .field("records", &self.records.as_ref().map(Vec::len))
            .field("sink", &self.sink.is_some())
            .finish()
    }
}

impl Trace {
    pub(crate) fn new(seed: u64) -> Trace {
        Trace {
            digest: seed,
            events: 0,
            records: None,
            scratch: String::new(),
            sink: None,
        }
    }

    /// The 64-bit digest of everything that happened so far.
    pub fn digest(&self) -> u64 {
        self.digest
    }

    /// How many events were folded into the digest.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Whether full records are being kept.
    pub fn is_recording(&self) -> bool {
        self.records.is_some()
    }

    /// The records kept so far (empty unless recording was on).
    pub fn records(&self) -> &[TraceRecord] {
        self.records.as_deref().unwrap_or(&[])
    }

    /// Takes the records kept so far, leaving an empty list.
    pub fn take_records(&mut self) -> Vec<TraceRecord> {
        self.records
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    pub(crate) fn set_recording(&mut self, on: bool) {
        match (on, self.records.is_some()) {
            // Room for a large scenario's records up front (`figure8_unreliable_2c`
            // keeps about 33,000), so the list is not regrown as the run goes.
            (true, false) => self.records = Some(Vec::with_capacity(RECORDS_RESERVED)),
            (false, true) => self.records = None,
            _ => {}
        }
    }

    pub(crate) fn set_sink(&mut self, sink: TraceSink) {
        self.set_recording(true);
        self.sink = Some(sink);
    }

    /// Folds one event into the digest.
    pub(crate) fn mix(&mut self, kind: u64, time: Time, words: [u64; 4]) {
        let mut buf = [0u8; 48];
        buf[..8].copy_from_slice(&kind.to_le_bytes());
        buf[8..16].copy_from_slice(&time.as_micros().to_le_bytes());
        for (i, w) in words.iter().enumerate() {
            buf[16 + 8 * i..24 + 8 * i].copy_from_slice(&w.to_le_bytes());
        }
        self.digest = xxh3_64_with_seed(&buf, self.digest);
        self.events += 1;
    }

    /// `value` as `Debug` prints it, in a string of exactly its length: the
    /// printing goes through one reused buffer, so a text costs one allocation.
    pub(crate) fn debug_text(&mut self, value: &dyn std::fmt::Debug) -> Box<str> {
        use std::fmt::Write;
        self.scratch.clear();
        write!(self.scratch, "{value:?}").expect("writing to a String");
        self.scratch.as_str().into()
    }

    /// Keeps a record if recording; `make` runs only then.
    pub(crate) fn record(
        &mut self,
        time: Time,
        node: Option<(NodeId, u32)>,
        make: impl FnOnce() -> TraceEvent,
    ) {
        if let Some(records) = &mut self.records {
            let (node, incarnation) = match node {
                Some((n, i)) => (Some(n), i),
                None => (None, 0),
            };
            records.push(TraceRecord {
                time,
                node,
                incarnation,
                event: make(),
            });
            if let Some(sink) = &mut self.sink
                && let Some(last) = records.last()
            {
                sink(last);
            }
        }
    }
}

/// A short hash of some bytes, for folding into the digest.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// A hash of a label, for folding tester actions into the digest.
pub(crate) fn hash_str(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}
