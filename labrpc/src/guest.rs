//! A node inside a WebAssembly guest: what the host asks of it ([`Ask`]), what
//! the guest answers ([`Answer`]), and the guest's side ([`Served`]), which runs
//! the node's handlers on a [`Detached`] context and reports what they did as
//! [`Act`]s for the host to carry out on the simulator's side.
//!
//! Any [`Node`] can be served so, once it says how it is made, what else its
//! host may ask of it and how it reports on itself ([`Hosted`]): a Raft server
//! (asked to `start` a command), a key/value server with its Raft inside, a
//! clerk (asked to begin an operation). The host never sees the node's types:
//! requests and replies cross as the bytes the guest encoded, timers as the
//! guest's numbers for them, outputs and reports in postcard, and what a
//! recorded run prints of them as text the guest made. What a handler
//! persisted stays where the node's context saved it: a WebAssembly guest's
//! answer says where ([`Act::PersistAt`]), and the host copies it out once.

use std::collections::BTreeMap;

use rand::SeedableRng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::codec::{Message, decode, encode};
use crate::context::Context;
use crate::detached::{Detached, Done};
use crate::node::{CallId, Node, NodeId, ReplyTo};
use crate::persister::Persister;
use crate::protocol::Protocol;
use crate::seed::SimRng;
use crate::time::Time;

/// The moment a handler runs at, and whether the run is recorded (then the
/// guest prints what it sends, for the run's log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    /// Virtual time, in microseconds.
    pub now_us: u64,
    /// Whether the run's trace keeps full records.
    pub recording: bool,
}

/// A copy of the random stream the simulator holds for a node's life.
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

/// What the host asks the guest, and when.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ask {
    /// When the handler runs.
    pub at: Moment,
    /// What it is asked.
    pub asked: Asked,
}

/// The handlers a host asks a guest to run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Asked {
    /// Create a node of `kind`, node `me` in its `incarnation`-th life, from
    /// what its persister holds and the node's own `setup`.
    New {
        /// Which of the module's kinds of node (see [`Hosted::kind`]).
        kind: String,
        /// The node's id.
        me: u64,
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
        /// The node's [`Hosted::Setup`], encoded.
        #[serde(with = "serde_bytes")]
        setup: Vec<u8>,
    },
    /// A request from node `from`, as its guest encoded it; `reply_to` is the
    /// host's number for it, should the node answer later.
    Request {
        /// The caller.
        from: u64,
        /// The host's number for the call.
        reply_to: u64,
        /// The encoded request.
        #[serde(with = "serde_bytes")]
        request: Vec<u8>,
    },
    /// The call this node made to `peer` finished.
    Reply {
        /// The node called.
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
        /// The guest's number for it.
        timer: u64,
    },
    /// What else the node's host may ask of it: its [`Hosted::Call`], encoded.
    Invoke {
        /// The call.
        #[serde(with = "serde_bytes")]
        call: Vec<u8>,
    },
}

/// Bytes in a WebAssembly guest's own memory: where they start and how many
/// there are. They stay there, unchanged, until the guest's next ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// The address of the first byte.
    pub at: u32,
    /// How many bytes.
    pub len: u32,
}

impl Region {
    /// Where `bytes` are, in a guest whose addresses are 32-bit.
    fn of(bytes: &[u8]) -> Region {
        let fit = |n: usize| u32::try_from(n).expect("a guest with regions has 32-bit addresses");
        Region {
            at: fit(bytes.as_ptr() as usize),
            len: fit(bytes.len()),
        }
    }
}

/// What a handler returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Returned {
    /// Nothing (a reply, a timer, a new node, a request answered later).
    Nothing,
    /// The reply to a request, encoded, and printed if the run is recorded.
    Reply {
        /// The encoded reply.
        #[serde(with = "serde_bytes")]
        reply: Vec<u8>,
        /// How it prints.
        text: Option<String>,
    },
    /// What an [`Asked::Invoke`] returned: the node's [`Hosted::Result`], encoded.
    Invoked(#[serde(with = "serde_bytes")] Vec<u8>),
}

/// One thing a handler did, for the host to do on the simulator's side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Act {
    /// Send `request` to node `to`.
    Call {
        /// The node called.
        to: u64,
        /// The encoded request.
        #[serde(with = "serde_bytes")]
        request: Vec<u8>,
        /// What it is about ([`Protocol::topic`]).
        topic: Option<String>,
        /// How it prints, if the run is recorded.
        text: Option<String>,
    },
    /// Answer the request the host numbered `reply_to`.
    Reply {
        /// The host's number for the call.
        reply_to: u64,
        /// The encoded reply.
        #[serde(with = "serde_bytes")]
        reply: Vec<u8>,
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
    /// Persist what the guest holds at `state` (and at `snapshot`, if given):
    /// [`Act::Persist`] as a WebAssembly guest answers it, the bytes left in
    /// its own memory for the host to copy out once.
    PersistAt {
        /// Where the state is.
        state: Region,
        /// Where the snapshot is, if this save replaces it.
        snapshot: Option<Region>,
    },
    /// Hand an output to the layer above: the protocol's output, encoded.
    Output(#[serde(with = "serde_bytes")] Vec<u8>),
    /// A line for the run's log.
    Log(String),
}

/// The guest's answer to one [`Ask`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// What the handler returned.
    pub returned: Returned,
    /// What it did, in order.
    pub acts: Vec<Act>,
    /// What the node says of itself afterwards: its [`Hosted::Status`], encoded.
    #[serde(with = "serde_bytes")]
    pub status: Vec<u8>,
}

/// A node a guest can serve: how it is made, what else its host may ask of
/// it, and what it says of itself after every handler.
pub trait Hosted: Node<Self::Protocol> + Sized {
    /// The protocol it speaks.
    type Protocol: Protocol<Output: Serialize>;
    /// What it is made from, besides its id and its persister.
    type Setup: Serialize + DeserializeOwned;
    /// What else its host may ask of it.
    type Call: Serialize + DeserializeOwned;
    /// What that returns.
    type Result: Serialize + DeserializeOwned;
    /// What it says of itself (a Raft: its term and whether it leads).
    type Status: Serialize + DeserializeOwned;

    /// The name a host creates it by (a module serves several kinds).
    fn kind() -> String;

    /// Creates node `me` from `setup` and what `ctx`'s persister holds.
    fn create(ctx: &mut Context<'_, Self::Protocol>, me: NodeId, setup: Self::Setup) -> Self;

    /// Runs what its host asked.
    fn invoke(&mut self, ctx: &mut Context<'_, Self::Protocol>, call: Self::Call) -> Self::Result;

    /// What it says of itself.
    fn status(&self) -> Self::Status;
}

/// A served node of any kind, as the guest's exports hold it.
pub trait Serve {
    /// Runs the handler `ask` names.
    fn handle(&mut self, ask: Ask) -> Result<Answer, String>;
}

/// The kinds of node a module serves, and how it creates one.
pub trait Module: 'static {
    /// Creates the node of the kind `ask` (an [`Asked::New`]) names, served
    /// as `glue` says.
    fn create(ask: Ask, glue: Glue) -> Result<(Box<dyn Serve>, Answer), String>;
}

/// How the glue around a module serves its nodes.
#[derive(Clone, Copy, Debug)]
pub struct Glue {
    /// The hook the handlers call as [`Detached::set_unmetered`] says, where
    /// the host counts instructions.
    pub unmetered: Option<fn(bool)>,
    /// Whether the host reads what a handler persisted from the guest's own
    /// memory (a WebAssembly guest): answers then carry [`Act::PersistAt`].
    pub regions: bool,
}

impl Glue {
    /// The glue run in the host's own process (to test it): nothing counts
    /// instructions, and answers carry the bytes persisted.
    pub const IN_PROCESS: Glue = Glue {
        unmetered: None,
        regions: false,
    };
}

/// A node of type `H` on the guest's side.
pub struct Served<H: Hosted> {
    node: H,
    glue: Glue,
    context: Detached,
    /// The tags of the timers set and not yet fired or cancelled, by number.
    timers: BTreeMap<u64, <H::Protocol as Protocol>::Timer>,
}

type Effects<H> = Vec<Done<<H as Hosted>::Protocol>>;

impl<H: Hosted> Served<H> {
    /// Creates the node an [`Asked::New`] describes. Its handlers call
    /// `glue`'s hook as [`Detached::set_unmetered`] says: a host that counts
    /// instructions counts the handlers' own work, never the glue's (reading
    /// an ask, writing the answer, printing what it sent for a recorded run).
    pub fn create(ask: Ask, glue: Glue) -> Result<(Served<H>, Answer), String> {
        let Ask {
            at,
            asked:
                Asked::New {
                    kind,
                    me,
                    incarnation,
                    rng,
                    state,
                    snapshot,
                    setup,
                },
        } = ask
        else {
            return Err(format!("the first ask must create the node, not {ask:?}"));
        };
        if kind != H::kind() {
            return Err(format!("asked for a {kind}, but this is a {}", H::kind()));
        }
        let me = index(me)?;
        let setup: H::Setup = decoded(&setup, "setup")?;
        let mut persister = Persister::new();
        persister.save(state, snapshot);
        let mut context = Detached::new(me, incarnation, rng.rng(), persister);
        if let Some(unmetered) = glue.unmetered {
            context.set_unmetered(unmetered);
        }
        let (node, done) = context.run(time(at), at.recording, |ctx| H::create(ctx, me, setup));
        let mut served = Served {
            node,
            glue,
            context,
            timers: BTreeMap::new(),
        };
        let answer = served.answer(Returned::Nothing, done, at.recording);
        Ok((served, answer))
    }

    fn answer(&mut self, returned: Returned, done: Effects<H>, recording: bool) -> Answer {
        let mut acts = Vec::with_capacity(done.len());
        for d in done {
            acts.push(match d {
                Done::Call { to, request, .. } => Act::Call {
                    to: to as u64,
                    topic: <H::Protocol as Protocol>::topic(&request).map(str::to_owned),
                    text: recording.then(|| format!("{request:?}")),
                    request: request.to_wire(),
                },
                Done::Reply { reply_to, reply } => Act::Reply {
                    reply_to: reply_to.call().number(),
                    text: recording.then(|| format!("{reply:?}")),
                    reply: reply.to_wire(),
                },
                Done::Timer { timer, after, tag } => {
                    let text = recording.then(|| format!("{tag:?}"));
                    self.timers.insert(timer.number(), tag);
                    Act::Timer {
                        timer: timer.number(),
                        after_us: u64::try_from(after.as_micros()).unwrap_or(u64::MAX),
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
                Done::PersistHeld { with_snapshot } => {
                    let persister = self.context.persister();
                    if self.glue.regions {
                        Act::PersistAt {
                            state: Region::of(persister.state()),
                            snapshot: with_snapshot.then(|| Region::of(persister.snapshot())),
                        }
                    } else {
                        Act::Persist {
                            state: persister.read_state(),
                            snapshot: with_snapshot.then(|| persister.read_snapshot()),
                        }
                    }
                }
                Done::Output(output) => Act::Output(encode(&output)),
                Done::Log(line) => Act::Log(line),
            });
        }
        let status = encode(&self.node.status());
        Answer {
            returned,
            acts,
            status,
        }
    }
}

impl<H: Hosted> Serve for Served<H> {
    fn handle(&mut self, ask: Ask) -> Result<Answer, String> {
        type Request<H> = <<H as Hosted>::Protocol as Protocol>::Request;
        type Reply<H> = <<H as Hosted>::Protocol as Protocol>::Reply;
        let Ask { at, asked } = ask;
        let node = &mut self.node;
        let context = &mut self.context;
        let (returned, done) = match asked {
            Asked::New { .. } => return Err("the node exists already".into()),
            Asked::Request {
                from,
                reply_to,
                request,
            } => {
                let request = message::<Request<H>>(&request, "request")?;
                let from = index(from)?;
                let reply_to = ReplyTo(CallId(reply_to));
                let (reply, done) = context.run(time(at), at.recording, |ctx| {
                    node.on_request(ctx, from, request, reply_to)
                });
                let returned = match reply {
                    Some(reply) => Returned::Reply {
                        text: at.recording.then(|| format!("{reply:?}")),
                        reply: reply.to_wire(),
                    },
                    None => Returned::Nothing,
                };
                (returned, done)
            }
            Asked::Reply {
                peer,
                request,
                reply,
            } => {
                let request = message::<Request<H>>(&request, "request")?;
                let reply = match reply {
                    Some(bytes) => Some(message::<Reply<H>>(&bytes, "reply")?),
                    None => None,
                };
                let peer = index(peer)?;
                let ((), done) = context.run(time(at), at.recording, |ctx| {
                    node.on_reply(ctx, peer, request, reply)
                });
                (Returned::Nothing, done)
            }
            Asked::Timer { timer } => {
                let tag = self
                    .timers
                    .remove(&timer)
                    .ok_or_else(|| format!("no timer numbered {timer} is set"))?;
                let ((), done) = context.run(time(at), at.recording, |ctx| node.on_timer(ctx, tag));
                (Returned::Nothing, done)
            }
            Asked::Invoke { call } => {
                let call: H::Call = decoded(&call, "call")?;
                let (result, done) =
                    context.run(time(at), at.recording, |ctx| node.invoke(ctx, call));
                (Returned::Invoked(encode(&result)), done)
            }
        };
        Ok(self.answer(returned, done, at.recording))
    }
}

/// Creates the node of type `H` that `ask` (an [`Asked::New`]) describes.
pub fn serve<H: Hosted + 'static>(
    ask: Ask,
    glue: Glue,
) -> Result<(Box<dyn Serve>, Answer), String> {
    let (served, answer) = Served::<H>::create(ask, glue)?;
    Ok((Box::new(served), answer))
}

/// The kind of node `ask` creates, if it creates one.
pub fn kind_of(ask: &Ask) -> Option<&str> {
    match &ask.asked {
        Asked::New { kind, .. } => Some(kind),
        _ => None,
    }
}

/// The topics a guest's calls may carry, as the host keeps them: the ones
/// raftlab's views know ([`Protocol::topic`] of every lab). Others are dropped.
pub fn known_topic(topic: &str) -> Option<&'static str> {
    const KNOWN: [&str; 4] = ["vote", "append", "snapshot", "client"];
    KNOWN.into_iter().find(|&k| k == topic)
}

fn time(at: Moment) -> Time {
    Time::from_micros(at.now_us)
}

fn index(n: u64) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| format!("node number {n} is out of range"))
}

fn message<M: Message>(bytes: &[u8], what: &str) -> Result<M, String> {
    M::from_wire(bytes).map_err(|e| format!("could not decode a {what}: {e}"))
}

fn decoded<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, String> {
    decode(bytes).map_err(|e| format!("could not decode a {what}: {e}"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::seed;

    struct Words;
    impl Protocol for Words {
        type Request = String;
        type Reply = String;
        type Timer = u8;
        type Output = u32;
        fn topic(_: &String) -> Option<&'static str> {
            Some("client")
        }
    }

    /// Answers a request when its timer fires; counts what it is told.
    struct Deferring {
        waiting: Option<(ReplyTo, String)>,
        told: u32,
    }

    impl Node<Words> for Deferring {
        fn on_request(
            &mut self,
            ctx: &mut Context<'_, Words>,
            _: NodeId,
            request: String,
            reply_to: ReplyTo,
        ) -> Option<String> {
            self.waiting = Some((reply_to, request.to_uppercase()));
            ctx.set_timer(Duration::from_millis(5), 1);
            None
        }
        fn on_reply(
            &mut self,
            _: &mut Context<'_, Words>,
            _: NodeId,
            _: String,
            _: Option<String>,
        ) {
        }
        fn on_timer(&mut self, ctx: &mut Context<'_, Words>, _: u8) {
            let (reply_to, text) = self.waiting.take().unwrap();
            ctx.reply(reply_to, text);
            ctx.emit(self.told);
        }
    }

    impl Hosted for Deferring {
        type Protocol = Words;
        type Setup = u32;
        type Call = u32;
        type Result = u32;
        type Status = u32;
        fn kind() -> String {
            "deferring".into()
        }
        fn create(ctx: &mut Context<'_, Words>, _: NodeId, setup: u32) -> Self {
            ctx.call(0, "hello".into());
            Deferring {
                waiting: None,
                told: setup,
            }
        }
        fn invoke(&mut self, _: &mut Context<'_, Words>, call: u32) -> u32 {
            self.told += call;
            self.told
        }
        fn status(&self) -> u32 {
            self.told
        }
    }

    fn at(now_us: u64, asked: Asked) -> Ask {
        Ask {
            at: Moment {
                now_us,
                recording: true,
            },
            asked,
        }
    }

    #[test]
    fn a_served_node_answers_later_by_the_hosts_number_and_reports_itself() {
        let new = at(
            0,
            Asked::New {
                kind: "deferring".into(),
                me: 1,
                incarnation: 1,
                rng: RngState::of(&seed::derive(3, 1)),
                state: Vec::new(),
                snapshot: Vec::new(),
                setup: encode(&10u32),
            },
        );
        let (mut node, answer) = serve::<Deferring>(new, Glue::IN_PROCESS).unwrap();
        assert_eq!(decode::<u32>(&answer.status).unwrap(), 10);
        let [
            Act::Call {
                to: 0, topic, text, ..
            },
        ] = &answer.acts[..]
        else {
            panic!("{:?}", answer.acts)
        };
        assert_eq!(
            (topic.as_deref(), text.as_deref()),
            (Some("client"), Some("\"hello\""))
        );

        let request = at(
            1_000,
            Asked::Request {
                from: 0,
                reply_to: 42,
                request: "hi".to_string().to_wire(),
            },
        );
        let answer = node.handle(request).unwrap();
        assert_eq!(answer.returned, Returned::Nothing);
        let [Act::Timer { timer, .. }] = answer.acts[..] else {
            panic!("{:?}", answer.acts)
        };

        let invoked = node
            .handle(at(
                2_000,
                Asked::Invoke {
                    call: encode(&5u32),
                },
            ))
            .unwrap();
        assert_eq!(invoked.returned, Returned::Invoked(encode(&15u32)));

        let fired = node.handle(at(6_000, Asked::Timer { timer })).unwrap();
        assert_eq!(
            fired.acts,
            [
                Act::Reply {
                    reply_to: 42,
                    reply: "HI".to_string().to_wire(),
                    text: Some("\"HI\"".into()),
                },
                Act::Output(encode(&15u32)),
            ]
        );
        let again = node.handle(at(7_000, Asked::Timer { timer }));
        assert_eq!(
            again.unwrap_err(),
            format!("no timer numbered {timer} is set")
        );
    }

    #[test]
    fn a_module_serves_only_the_kind_it_is_asked_for() {
        let new = at(
            0,
            Asked::New {
                kind: "raft".into(),
                me: 0,
                incarnation: 1,
                rng: RngState::of(&seed::derive(3, 1)),
                state: Vec::new(),
                snapshot: Vec::new(),
                setup: encode(&0u32),
            },
        );
        let refused = serve::<Deferring>(new, Glue::IN_PROCESS).err().unwrap();
        assert_eq!(refused, "asked for a raft, but this is a deferring");
    }
}
