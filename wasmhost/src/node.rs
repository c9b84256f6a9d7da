//! [`GuestNode`]: the host's side of one node whose code runs in a guest. Each
//! handler the simulator runs becomes an ask to the guest; what the guest did
//! comes back as acts, which this side checks and carries out on the node's
//! context, in order, after charging the node for the instructions it ran.
//!
//! A recorded run (a replay with its log) prints what it sends and logs, which
//! is work a plain run does not do. So that recording changes nothing, the
//! node's instance always runs as in a plain run, and is charged for that; a
//! second instance, its printer, is asked the same things and prints: what it
//! did, with the text, is carried out, once the host has checked that it did
//! the same as the node.
//!
//! What the host checks of a guest's acts: a call goes to a node it may reach,
//! a reply answers a request still waiting for one, a cancelled timer is one
//! this life set, an output and a status decode. A guest that breaks the host's
//! protocol fails its handler, as a panic does, naming the node.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;

use labrpc::guest::{Act, Answer, Ask, Asked, Moment, Returned, RngState, known_topic};
use labrpc::{Context, Encoded, Node, NodeId, Protocol, ReplyTo, TimerId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::{Backend, Fault};

/// A timer a guest set: the guest's number for it, and how its tag prints
/// (in a recorded run).
#[derive(Clone)]
pub struct GuestTimer {
    number: u64,
    text: Option<Rc<str>>,
}

impl fmt::Debug for GuestTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => f.write_str(text),
            None => write!(f, "timer {}", self.number),
        }
    }
}

/// A protocol whose nodes run in guests: messages cross as the guest encoded
/// them, timers as the guest's numbers, and outputs as the host decodes them.
pub trait GuestProtocol:
    Protocol<Request = Encoded, Reply = Encoded, Timer = GuestTimer, Output: DeserializeOwned>
{
}

impl<P> GuestProtocol for P where
    P: Protocol<Request = Encoded, Reply = Encoded, Timer = GuestTimer, Output: DeserializeOwned>
{
}

/// The protocol of a world whose nodes all run in guests, handing outputs `O`
/// to the tester: requests are about what their guest said.
pub struct InGuests<O>(PhantomData<O>);

impl<O: fmt::Debug + 'static> Protocol for InGuests<O> {
    type Request = Encoded;
    type Reply = Encoded;
    type Timer = GuestTimer;
    type Output = O;

    fn topic(request: &Encoded) -> Option<&'static str> {
        request.topic()
    }
}

/// One node of protocol `P` whose code runs in a guest behind backend `B`,
/// saying `S` of itself after every handler.
pub struct GuestNode<B: Backend, P, S> {
    backend: B,
    /// In a recorded run, the instance that prints (see the module's
    /// documentation).
    printer: Option<B>,
    /// How messages name the node ("server 2's Raft", "clerk 7").
    name: String,
    /// The nodes it may call: `0..reach`.
    reach: usize,
    status: S,
    /// The host's timers for the guest's numbers, while set.
    timers: BTreeMap<u64, TimerId>,
    /// The requests waiting for a reply the node gives later, by number.
    deferred: BTreeMap<u64, ReplyTo>,
    protocol: PhantomData<fn() -> P>,
}

impl<B: Backend, P: GuestProtocol, S: DeserializeOwned> GuestNode<B, P, S> {
    /// Creates, in a guest, the node of `kind` made from `setup` and what
    /// `ctx`'s persister holds. `name` is how messages name it; it may call
    /// the nodes `0..reach`.
    pub fn create(
        ctx: &mut Context<'_, P>,
        kind: &str,
        setup: &impl Serialize,
        name: String,
        reach: usize,
    ) -> Self {
        let recording = ctx.is_recording();
        let mut ask = Ask {
            at: moment(ctx),
            asked: Asked::New {
                kind: kind.to_owned(),
                me: ctx.me() as u64,
                incarnation: ctx.incarnation(),
                rng: RngState::of(ctx.rng()),
                state: ctx.read_state(),
                snapshot: ctx.read_snapshot(),
                setup: labrpc::encode(setup),
            },
        };
        let (backend, answer) = match B::create(&ask) {
            Ok(created) => created,
            Err(fault) => panic!("{name} {fault} (starting)"),
        };
        let instructions = backend.instructions();
        let (printer, answer) = if recording {
            ask.at.recording = true;
            match B::create(&ask) {
                Ok((printer, printed)) => {
                    (Some(printer), merged(&name, answer, printed, "starting"))
                }
                Err(fault) => panic!("{name} {fault} (printing for the log, starting)"),
            }
        } else {
            (None, answer)
        };
        let status = decode_status(&name, &answer.status);
        let mut node = GuestNode {
            backend,
            printer,
            name,
            reach,
            status,
            timers: BTreeMap::new(),
            deferred: BTreeMap::new(),
            protocol: PhantomData,
        };
        node.carry_out(ctx, Ok(answer), instructions, "starting");
        node
    }

    /// What the node said of itself after its last handler.
    pub fn status(&self) -> &S {
        &self.status
    }

    /// Asks the node what else its host may ask of it (`call`), and returns
    /// what that returned.
    pub fn invoke<T: DeserializeOwned>(
        &mut self,
        ctx: &mut Context<'_, P>,
        call: &impl Serialize,
        during: &str,
    ) -> T {
        let asked = Asked::Invoke {
            call: labrpc::encode(call),
        };
        match self.ask(ctx, asked, during) {
            Returned::Invoked(result) => labrpc::decode(&result).unwrap_or_else(|e| {
                panic!(
                    "{} broke the host's protocol: what it returned does not decode: {e} ({during})",
                    self.name
                )
            }),
            other => self.broke(&format!("it returned {other:?}"), during),
        }
    }

    /// Runs the node's handler of a request from `from`: its reply, or `None`
    /// if it answers later through `reply_to`. A node given no `reply_to` (a
    /// Raft server, say) must answer at once.
    pub fn request(
        &mut self,
        ctx: &mut Context<'_, P>,
        from: NodeId,
        request: Encoded,
        reply_to: Option<ReplyTo>,
    ) -> Option<Encoded> {
        // Calls are numbered from 1: 0 names no call.
        let number = reply_to.map_or(0, |r| r.call().number());
        if let Some(reply_to) = reply_to {
            self.deferred.insert(number, reply_to);
        }
        let asked = Asked::Request {
            from: from as u64,
            reply_to: number,
            request: request.into_bytes(),
        };
        const DURING: &str = "handling a request";
        match self.ask(ctx, asked, DURING) {
            Returned::Reply { reply, text } => {
                self.deferred.remove(&number);
                Some(Encoded::new(reply).with_text(text))
            }
            Returned::Nothing if reply_to.is_some() => None,
            Returned::Nothing => self.broke("it did not answer a request at once", DURING),
            other => self.broke(&format!("a request returned {other:?}"), DURING),
        }
    }

    /// Runs the node's handler of the reply (or failure) of its call to `to`.
    pub fn reply(
        &mut self,
        ctx: &mut Context<'_, P>,
        to: NodeId,
        request: Encoded,
        reply: Option<Encoded>,
    ) {
        let asked = Asked::Reply {
            peer: to as u64,
            request: request.into_bytes(),
            reply: reply.map(Encoded::into_bytes),
        };
        self.ask(ctx, asked, "handling a reply");
    }

    /// Runs the node's handler of `timer`.
    pub fn timer(&mut self, ctx: &mut Context<'_, P>, timer: GuestTimer) {
        self.timers.remove(&timer.number);
        let asked = Asked::Timer {
            timer: timer.number,
        };
        self.ask(ctx, asked, "handling a timer");
    }

    fn ask(&mut self, ctx: &mut Context<'_, P>, asked: Asked, during: &str) -> Returned {
        let mut ask = Ask {
            at: moment(ctx),
            asked,
        };
        let answer = self.backend.ask(&ask);
        let instructions = self.backend.instructions();
        let answer = match (answer, &mut self.printer) {
            (Ok(answer), Some(printer)) => {
                ask.at.recording = true;
                match printer.ask(&ask) {
                    Ok(printed) => Ok(merged(&self.name, answer, printed, during)),
                    Err(fault) => panic!("{} {fault} (printing for the log, {during})", self.name),
                }
            }
            (answer, _) => answer,
        };
        self.carry_out(ctx, answer, instructions, during)
    }

    /// Charges the node for its work and carries out what it did, or fails
    /// the handler if it failed.
    fn carry_out(
        &mut self,
        ctx: &mut Context<'_, P>,
        answer: Result<Answer, Fault>,
        instructions: u64,
        during: &str,
    ) -> Returned {
        let answer = answer.unwrap_or_else(|fault| panic!("{} {fault} ({during})", self.name));
        ctx.compute(instructions);
        for act in answer.acts {
            match act {
                Act::Call {
                    to,
                    request,
                    topic,
                    text,
                } => {
                    let to = usize::try_from(to)
                        .ok()
                        .filter(|&to| to < self.reach)
                        .unwrap_or_else(|| {
                            panic!(
                                "{} called node {to}, but it may call only nodes 0 to {} ({during})",
                                self.name,
                                self.reach.saturating_sub(1)
                            )
                        });
                    let topic = topic.as_deref().and_then(known_topic);
                    ctx.call(to, Encoded::new(request).with_topic(topic).with_text(text));
                }
                Act::Reply {
                    reply_to,
                    reply,
                    text,
                } => {
                    let Some(reply_to) = self.deferred.remove(&reply_to) else {
                        self.broke(
                            &format!("it answered call {reply_to}, which waits for no answer"),
                            during,
                        )
                    };
                    ctx.reply(reply_to, Encoded::new(reply).with_text(text));
                }
                Act::Timer {
                    timer,
                    after_us,
                    text,
                } => {
                    let tag = GuestTimer {
                        number: timer,
                        text: text.map(Rc::from),
                    };
                    let id = ctx.set_timer(Duration::from_micros(after_us), tag);
                    self.timers.insert(timer, id);
                }
                Act::Cancel { timer } => {
                    if let Some(id) = self.timers.remove(&timer) {
                        ctx.cancel_timer(id);
                    }
                }
                Act::Persist {
                    state,
                    snapshot: None,
                } => ctx.persist(state),
                Act::Persist {
                    state,
                    snapshot: Some(snapshot),
                } => ctx.persist_with_snapshot(state, snapshot),
                Act::PersistAt { .. } => {
                    self.broke("a persisted region reached the node unread", during)
                }
                Act::Output(output) => match labrpc::decode(&output) {
                    Ok(output) => ctx.emit(output),
                    Err(e) => self.broke(&format!("an output does not decode: {e}"), during),
                },
                Act::Log(line) => ctx.log(format_args!("{line}")),
            }
        }
        self.status = decode_status(&self.name, &answer.status);
        answer.returned
    }

    fn broke(&self, what: &str, during: &str) -> ! {
        panic!("{} broke the host's protocol: {what} ({during})", self.name)
    }
}

/// What the printer did, once checked to be what the node did, but for the
/// text: the node's answer with the printer's text and log lines.
fn merged(name: &str, node: Answer, printer: Answer, during: &str) -> Answer {
    fn bare(answer: &Answer) -> (Returned, Vec<Act>) {
        let returned = match &answer.returned {
            Returned::Reply { reply, .. } => Returned::Reply {
                reply: reply.clone(),
                text: None,
            },
            other => other.clone(),
        };
        let acts = answer
            .acts
            .iter()
            .filter(|act| !matches!(act, Act::Log(_)))
            .map(|act| {
                let mut act = act.clone();
                if let Act::Call { text, .. } | Act::Reply { text, .. } | Act::Timer { text, .. } =
                    &mut act
                {
                    *text = None;
                }
                act
            })
            .collect();
        (returned, acts)
    }
    if node.status != printer.status || bare(&node) != bare(&printer) {
        panic!(
            "{name} did not do the same when its run was recorded: its code depends on whether it prints for the log ({during})"
        );
    }
    Answer {
        status: node.status,
        ..printer
    }
}

fn decode_status<S: DeserializeOwned>(name: &str, status: &[u8]) -> S {
    labrpc::decode(status).unwrap_or_else(|e| {
        panic!("{name} broke the host's protocol: its status does not decode: {e}")
    })
}

/// When a handler runs; a node's own instance runs as in a plain run.
fn moment<P: Protocol>(ctx: &mut Context<'_, P>) -> Moment {
    Moment {
        now_us: ctx.now().as_micros(),
        recording: false,
    }
}

impl<B: Backend, P: GuestProtocol, S: DeserializeOwned + 'static> Node<P> for GuestNode<B, P, S> {
    fn on_request(
        &mut self,
        ctx: &mut Context<'_, P>,
        from: NodeId,
        request: Encoded,
        reply_to: ReplyTo,
    ) -> Option<Encoded> {
        self.request(ctx, from, request, Some(reply_to))
    }

    fn on_reply(
        &mut self,
        ctx: &mut Context<'_, P>,
        to: NodeId,
        request: Encoded,
        reply: Option<Encoded>,
    ) {
        self.reply(ctx, to, request, reply);
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, P>, timer: GuestTimer) {
        self.timer(ctx, timer);
    }
}
