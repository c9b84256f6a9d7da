//! A Raft server inside a WebAssembly guest: what the host asks of it ([`Ask`]),
//! what the guest answers ([`Answer`]), and the guest's side ([`Served`]), which
//! runs the server's handlers on a [`Detached`] context and reports what they did.
//!
//! The host never sees the server's types: requests and replies cross as the
//! bytes the guest encoded, timers as the guest's numbers for them, and what a
//! recorded run prints of them as text the guest made. Nothing here is for your
//! Raft to call.

use std::collections::BTreeMap;
use std::time::Duration;

use labrpc::rand::SeedableRng;
use labrpc::{Detached, Done, Message, Persister, SimRng, Time};
use serde::{Deserialize, Serialize};

use crate::contract::{ApplyMsg, Raft, Role, RpcKind};
use crate::node::{RaftNode, RaftProtocol};

/// The moment a handler runs at, and whether the run is recorded (then the
/// guest prints what it sends, for the run's log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    /// Virtual time, in microseconds.
    pub now_us: u64,
    /// Whether the run's trace keeps full records.
    pub recording: bool,
}

/// A copy of the random stream the simulator holds for this server's life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    /// The ChaCha seed.
    pub seed: [u8; 32],
    /// The ChaCha stream.
    pub stream: u64,
    /// The position in the stream, in 32-bit words.
    pub word_pos: u128,
}

impl RngState {
    /// The state of `rng`, to carry on from the same place.
    pub fn of(rng: &SimRng) -> RngState {
        RngState {
            seed: rng.get_seed(),
            stream: rng.get_stream(),
            word_pos: rng.get_word_pos(),
        }
    }

    /// A generator that draws what `rng` would have drawn next.
    pub fn rng(&self) -> SimRng {
        let mut rng = SimRng::from_seed(self.seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(self.word_pos);
        rng
    }
}

// Byte strings cross as one block each (`serde_bytes`), not byte by byte.

/// What the host asks the guest.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Ask {
    /// Create server `me` of `peers` in its `incarnation`-th life, from what
    /// its persister holds.
    New {
        /// When.
        at: Moment,
        /// The server.
        me: u64,
        /// How many servers.
        peers: u64,
        /// Which life (1 for the first).
        incarnation: u32,
        /// Its random stream.
        rng: RngState,
        /// The persisted state.
        #[serde(with = "serde_bytes")]
        state: Vec<u8>,
        /// The persisted snapshot.
        #[serde(with = "serde_bytes")]
        snapshot: Vec<u8>,
    },
    /// A request from peer `from`, as its guest encoded it.
    Request {
        /// When.
        at: Moment,
        /// The caller.
        from: u64,
        /// The encoded request.
        #[serde(with = "serde_bytes")]
        request: Vec<u8>,
    },
    /// The call this server made to `peer` finished.
    Reply {
        /// When.
        at: Moment,
        /// The peer called.
        peer: u64,
        /// The encoded request, as sent.
        #[serde(with = "serde_bytes")]
        request: Vec<u8>,
        /// The encoded reply, or `None` for a failure.
        #[serde(with = "serde_bytes")]
        reply: Option<Vec<u8>>,
    },
    /// The timer the guest numbered `timer` fired.
    Timer {
        /// When.
        at: Moment,
        /// The guest's number for it.
        timer: u64,
    },
    /// [`Raft::start`].
    Start {
        /// When.
        at: Moment,
        /// The command.
        #[serde(with = "serde_bytes")]
        command: Vec<u8>,
    },
    /// [`Raft::snapshot`].
    Snapshot {
        /// When.
        at: Moment,
        /// The snapshot's last index.
        index: u64,
        /// The snapshot.
        #[serde(with = "serde_bytes")]
        snapshot: Vec<u8>,
    },
}

impl Ask {
    /// When the handler runs.
    pub fn at(&self) -> Moment {
        match self {
            Ask::New { at, .. }
            | Ask::Request { at, .. }
            | Ask::Reply { at, .. }
            | Ask::Timer { at, .. }
            | Ask::Start { at, .. }
            | Ask::Snapshot { at, .. } => *at,
        }
    }
}

/// What a handler returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Returned {
    /// Nothing (a reply, a timer, a snapshot, a new server).
    Nothing,
    /// The reply to a request, encoded, and printed if the run is recorded.
    Reply {
        /// The encoded reply.
        #[serde(with = "serde_bytes")]
        reply: Vec<u8>,
        /// How it prints.
        text: Option<String>,
    },
    /// What `start` returned.
    Started(Option<(u64, u64)>),
}

/// One thing a handler did, for the host to do on the simulator's side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Act {
    /// Send `request` to `to`.
    Call {
        /// The peer.
        to: u64,
        /// The encoded request.
        #[serde(with = "serde_bytes")]
        request: Vec<u8>,
        /// Which RPC it is, if the server says.
        kind: Option<RpcKindTag>,
        /// How it prints, if the run is recorded.
        text: Option<String>,
    },
    /// Set the timer the guest numbered `timer`.
    Timer {
        /// The guest's number for it.
        timer: u64,
        /// After how many microseconds it fires.
        after_us: u64,
        /// How its tag prints, if the run is recorded.
        text: Option<String>,
    },
    /// Cancel the timer the guest numbered `timer`.
    Cancel {
        /// The guest's number for it.
        timer: u64,
    },
    /// Persist `state` (and `snapshot`, if given).
    Persist {
        /// The state.
        #[serde(with = "serde_bytes")]
        state: Vec<u8>,
        /// The snapshot, if this save replaces it.
        #[serde(with = "serde_bytes")]
        snapshot: Option<Vec<u8>>,
    },
    /// Apply `msg`.
    Apply(ApplyMsg),
    /// A line for the run's log.
    Log(String),
}

/// [`RpcKind`] as it crosses to the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RpcKindTag {
    /// RequestVote.
    RequestVote,
    /// AppendEntries.
    AppendEntries,
    /// InstallSnapshot.
    InstallSnapshot,
}

impl From<RpcKind> for RpcKindTag {
    fn from(kind: RpcKind) -> RpcKindTag {
        match kind {
            RpcKind::RequestVote => RpcKindTag::RequestVote,
            RpcKind::AppendEntries => RpcKindTag::AppendEntries,
            RpcKind::InstallSnapshot => RpcKindTag::InstallSnapshot,
        }
    }
}

impl From<RpcKindTag> for RpcKind {
    fn from(tag: RpcKindTag) -> RpcKind {
        match tag {
            RpcKindTag::RequestVote => RpcKind::RequestVote,
            RpcKindTag::AppendEntries => RpcKind::AppendEntries,
            RpcKindTag::InstallSnapshot => RpcKind::InstallSnapshot,
        }
    }
}

/// What the server says of itself after a handler: `state()` and `role()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The current term.
    pub term: u64,
    /// Whether it believes it leads.
    pub leader: bool,
    /// Its role.
    pub role: Role,
}

/// The guest's answer to one [`Ask`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// What the handler returned.
    pub returned: Returned,
    /// What it did, in order.
    pub acts: Vec<Act>,
    /// The server's status afterwards.
    pub status: Status,
}

/// A Raft server of type `R` on the guest's side.
pub struct Served<R: Raft> {
    node: RaftNode<R>,
    context: Detached,
    /// The tags of the timers set and not yet fired or cancelled, by number.
    timers: BTreeMap<u64, R::Timer>,
    /// Brackets the work the host does not charge the server for.
    unmetered: fn(bool),
}

impl<R: Raft> Served<R> {
    /// Creates the server an [`Ask::New`] describes. `unmetered(true)` and
    /// `unmetered(false)` bracket the work done for the host alone (printing
    /// what a recorded run shows), which it does not charge the server for.
    pub fn create(ask: Ask, unmetered: fn(bool)) -> Result<(Served<R>, Answer), String> {
        let Ask::New {
            at,
            me,
            peers,
            incarnation,
            rng,
            state,
            snapshot,
        } = ask
        else {
            return Err(format!("the first ask must create the server, not {ask:?}"));
        };
        let (me, peers) = (index(me)?, index(peers)?);
        let mut persister = Persister::new();
        persister.save(state, snapshot);
        let mut context = Detached::new(me, incarnation, rng.rng(), persister);
        context.set_unmetered(unmetered);
        let (node, done) = context.run(time(at), at.recording, |ctx| {
            RaftNode::<R>::create(ctx, me, peers)
        });
        let mut served = Served {
            node,
            context,
            timers: BTreeMap::new(),
            unmetered,
        };
        let answer = served.answer(Returned::Nothing, done, at.recording);
        Ok((served, answer))
    }

    /// Runs the handler `ask` names.
    pub fn handle(&mut self, ask: Ask) -> Result<Answer, String> {
        let node = &mut self.node;
        let (returned, done, recording) = match ask {
            Ask::New { .. } => return Err("the server exists already".into()),
            Ask::Request { at, from, request } => {
                let request = decode::<R::Request>(&request, "request")?;
                let from = index(from)?;
                let (reply, done) = self.context.run(time(at), at.recording, |ctx| {
                    node.request(ctx, from, request)
                });
                let text = at.recording.then(|| self.printed(&reply));
                let reply = reply.to_wire();
                (Returned::Reply { reply, text }, done, at.recording)
            }
            Ask::Reply {
                at,
                peer,
                request,
                reply,
            } => {
                let request = decode::<R::Request>(&request, "request")?;
                let reply = match reply {
                    Some(bytes) => Some(decode::<R::Reply>(&bytes, "reply")?),
                    None => None,
                };
                let peer = index(peer)?;
                let ((), done) = self.context.run(time(at), at.recording, |ctx| {
                    node.reply(ctx, peer, request, reply)
                });
                (Returned::Nothing, done, at.recording)
            }
            Ask::Timer { at, timer } => {
                let tag = self
                    .timers
                    .remove(&timer)
                    .ok_or_else(|| format!("no timer numbered {timer} is set"))?;
                let ((), done) = self
                    .context
                    .run(time(at), at.recording, |ctx| node.timer(ctx, tag));
                (Returned::Nothing, done, at.recording)
            }
            Ask::Start { at, command } => {
                let (started, done) = self
                    .context
                    .run(time(at), at.recording, |ctx| node.start(ctx, command));
                (Returned::Started(started), done, at.recording)
            }
            Ask::Snapshot {
                at,
                index,
                snapshot,
            } => {
                let ((), done) = self.context.run(time(at), at.recording, |ctx| {
                    node.snapshot(ctx, index, snapshot)
                });
                (Returned::Nothing, done, at.recording)
            }
        };
        Ok(self.answer(returned, done, recording))
    }

    fn answer(
        &mut self,
        returned: Returned,
        done: Vec<Done<RaftProtocol<R>>>,
        recording: bool,
    ) -> Answer {
        let mut acts = Vec::with_capacity(done.len());
        for d in done {
            acts.push(match d {
                Done::Call { to, request, .. } => Act::Call {
                    to: to as u64,
                    kind: R::rpc_kind(&request).map(RpcKindTag::from),
                    text: recording.then(|| self.printed(&request)),
                    request: request.to_wire(),
                },
                Done::Reply { .. } => unreachable!("a Raft server answers every request at once"),
                Done::Timer { timer, after, tag } => {
                    let text = recording.then(|| self.printed(&tag));
                    self.timers.insert(timer.number(), tag);
                    Act::Timer {
                        timer: timer.number(),
                        after_us: micros(after),
                        text,
                    }
                }
                Done::Cancel(timer) => {
                    self.timers.remove(&timer.number());
                    Act::Cancel {
                        timer: timer.number(),
                    }
                }
                Done::Persist { state, snapshot } => Act::Persist { state, snapshot },
                Done::Output(msg) => Act::Apply(msg),
                Done::Log(line) => Act::Log(line),
            });
        }
        let raft = self.node.raft();
        let (term, leader) = raft.state();
        Answer {
            returned,
            acts,
            status: Status {
                term,
                leader,
                role: raft.role(),
            },
        }
    }
}

impl<R: Raft> Served<R> {
    /// `value` as `Debug` prints it, uncharged.
    fn printed(&self, value: &impl std::fmt::Debug) -> String {
        (self.unmetered)(true);
        let text = format!("{value:?}");
        (self.unmetered)(false);
        text
    }
}

fn time(at: Moment) -> Time {
    Time::from_micros(at.now_us)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn index(n: u64) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| format!("server number {n} is out of range"))
}

fn decode<M: Message>(bytes: &[u8], what: &str) -> Result<M, String> {
    M::from_wire(bytes).map_err(|e| format!("could not decode a {what}: {e}"))
}
