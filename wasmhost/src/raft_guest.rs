//! [`GuestRaft`]: a [`Raft`] whose code runs in a guest. The tester drives it as
//! it drives any Raft; each handler becomes an ask to the guest, and what the
//! guest did comes back as acts, which this side checks and carries out on the
//! simulator's context, in order.
//!
//! What the host checks of a guest's acts: a call goes to one of the servers, a
//! cancelled timer is one this life set. A guest that breaks the host's
//! protocol fails its handler, as a panic does, naming the server.

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use labrpc::{Encoded, TimerId};
use raft::guest::{Act, Answer, Ask, Moment, Returned, RngState, Status};
use raft::{Persisted, Raft, RaftContext, Role, RpcKind};

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

/// A Raft server whose code runs in a guest behind backend `B`.
pub struct GuestRaft<B: Backend> {
    backend: B,
    me: usize,
    peers: usize,
    status: Status,
    /// The host's timers for the guest's numbers, while set.
    timers: BTreeMap<u64, TimerId>,
}

impl<B: Backend> GuestRaft<B> {
    fn ask(&mut self, ctx: &mut RaftContext<'_, '_, Self>, ask: Ask, during: &str) -> Returned {
        let answer = self.backend.ask(&ask);
        self.carry_out(ctx, answer, during)
    }

    /// Carries out what the guest did, or fails the handler if it failed.
    fn carry_out(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        answer: Result<Answer, Fault>,
        during: &str,
    ) -> Returned {
        let answer =
            answer.unwrap_or_else(|fault| panic!("server {}'s Raft {fault} ({during})", self.me));
        for act in answer.acts {
            match act {
                Act::Call {
                    to,
                    request,
                    kind,
                    text,
                } => {
                    let to = usize::try_from(to)
                        .ok()
                        .filter(|&to| to < self.peers)
                        .unwrap_or_else(|| {
                            panic!(
                                "server {} called server {to}, but there are {} servers ({during})",
                                self.me, self.peers
                            )
                        });
                    let topic = kind.map(|k| RpcKind::from(k).topic());
                    ctx.call(to, Encoded::new(request).with_topic(topic).with_text(text));
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
                Act::Apply(msg) => ctx.apply(msg),
                Act::Log(line) => ctx.log(format_args!("{line}")),
            }
        }
        self.status = answer.status;
        answer.returned
    }
}

fn moment<R: Raft>(ctx: &mut RaftContext<'_, '_, R>) -> Moment {
    Moment {
        now_us: ctx.now().as_micros(),
        recording: ctx.host().is_recording(),
    }
}

impl<B: Backend> Raft for GuestRaft<B> {
    type Request = Encoded;
    type Reply = Encoded;
    type Timer = GuestTimer;

    fn new(
        ctx: &mut RaftContext<'_, '_, Self>,
        me: usize,
        peers: usize,
        persisted: Persisted,
    ) -> Self {
        let ask = Ask::New {
            at: moment(ctx),
            me: me as u64,
            peers: peers as u64,
            incarnation: ctx.host().incarnation(),
            rng: RngState::of(ctx.rng()),
            state: persisted.state,
            snapshot: persisted.snapshot,
        };
        let created = B::create(&ask);
        let (backend, answer) = match created {
            Ok((backend, answer)) => (backend, Ok(answer)),
            Err(fault) => panic!("server {me}'s Raft {fault} (starting)"),
        };
        let mut raft = GuestRaft {
            backend,
            me,
            peers,
            status: Status {
                term: 0,
                leader: false,
                role: Role::Follower,
            },
            timers: BTreeMap::new(),
        };
        raft.carry_out(ctx, answer, "starting");
        raft
    }

    fn start(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        command: Vec<u8>,
    ) -> Option<(u64, u64)> {
        let ask = Ask::Start {
            at: moment(ctx),
            command,
        };
        match self.ask(ctx, ask, "in start") {
            Returned::Started(started) => started,
            other => panic!(
                "server {}'s Raft broke the host's protocol: start returned {other:?}",
                self.me
            ),
        }
    }

    fn state(&self) -> (u64, bool) {
        (self.status.term, self.status.leader)
    }

    fn role(&self) -> Role {
        self.status.role
    }

    fn rpc_kind(request: &Encoded) -> Option<RpcKind> {
        match request.topic()? {
            "vote" => Some(RpcKind::RequestVote),
            "append" => Some(RpcKind::AppendEntries),
            "snapshot" => Some(RpcKind::InstallSnapshot),
            _ => None,
        }
    }

    fn snapshot(&mut self, ctx: &mut RaftContext<'_, '_, Self>, index: u64, snapshot: Vec<u8>) {
        let ask = Ask::Snapshot {
            at: moment(ctx),
            index,
            snapshot,
        };
        self.ask(ctx, ask, "in snapshot");
    }

    fn handle_request(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        from: usize,
        request: Encoded,
    ) -> Encoded {
        let ask = Ask::Request {
            at: moment(ctx),
            from: from as u64,
            request: request.into_bytes(),
        };
        match self.ask(ctx, ask, "handling a request") {
            Returned::Reply { reply, text } => Encoded::new(reply).with_text(text),
            other => panic!(
                "server {}'s Raft broke the host's protocol: a request returned {other:?}",
                self.me
            ),
        }
    }

    fn handle_reply(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        peer: usize,
        request: Encoded,
        reply: Option<Encoded>,
    ) {
        let ask = Ask::Reply {
            at: moment(ctx),
            peer: peer as u64,
            request: request.into_bytes(),
            reply: reply.map(Encoded::into_bytes),
        };
        self.ask(ctx, ask, "handling a reply");
    }

    fn handle_timer(&mut self, ctx: &mut RaftContext<'_, '_, Self>, timer: GuestTimer) {
        self.timers.remove(&timer.number);
        let ask = Ask::Timer {
            at: moment(ctx),
            timer: timer.number,
        };
        self.ask(ctx, ask, "handling a timer");
    }
}
