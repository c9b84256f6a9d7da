//! What happens to each event and to each effect of a handler: the life of a call
//! (send, deliver, reply, return or fail), timers firing, tester actions running.
//! This is where the network semantics of [`crate::network`] are applied.

use std::time::Duration;

use crate::codec::Message;
use crate::context::Effect;
use crate::error::SimError;
use crate::node::{CallId, NodeId, ReplyTo};
use crate::observer::{CallSeen, Observer};
use crate::payload::Payload;
use crate::protocol::Protocol;
use crate::sim::{Event, Flight, Sim};
use crate::time::Time;
use crate::trace::{self, DropReason, TraceEvent, kind};

impl<P: Protocol, O: Observer<P>> Sim<P, O> {
    /// A one-line description of an event, for livelock reports.
    pub(crate) fn describe(&self, event: &Event<P, O>) -> String {
        match event {
            Event::Deliver { flight, .. } => {
                format!("a request from node {} to node {}", flight.from, flight.to)
            }
            Event::Duplicate { flight, .. } => {
                format!(
                    "a duplicated request from node {} to node {}",
                    flight.from, flight.to
                )
            }
            Event::Return { flight, .. } => {
                format!(
                    "the return of a call from node {} to node {}",
                    flight.from, flight.to
                )
            }
            Event::Timer { node, tag, .. } => format!("timer {tag:?} of node {node}"),
            Event::Action { label, .. } => format!("tester action \"{label}\""),
        }
    }

    pub(crate) fn dispatch(&mut self, event: Event<P, O>) -> Result<(), SimError> {
        // A node whose storage is still busy with its last handler's persists
        // takes the event when it is done.
        let target = match &event {
            Event::Deliver { flight, .. } => Some((flight.to, flight.to_incarnation)),
            Event::Return { flight, .. } => Some((flight.from, flight.from_incarnation)),
            Event::Timer {
                node, incarnation, ..
            } => Some((*node, *incarnation)),
            Event::Duplicate { .. } | Event::Action { .. } => None,
        };
        if let Some((node, incarnation)) = target
            && self.runs(node, incarnation)
            && self.slots[node].busy_until > self.now
        {
            let at = self.slots[node].busy_until;
            self.queue.push(at, event);
            return Ok(());
        }
        match event {
            Event::Deliver {
                flight,
                bytes,
                lost,
            } => self.deliver(flight, bytes, lost),
            Event::Duplicate {
                mut flight,
                bytes,
                of,
            } => {
                flight.to_incarnation = self.incarnation(flight.to);
                self.note_duplicate(&flight, of);
                self.queue.push(
                    self.now,
                    Event::Deliver {
                        flight,
                        bytes,
                        lost: false,
                    },
                );
                Ok(())
            }
            Event::Return { flight, reply } => self.finish(flight, reply),
            Event::Timer {
                node,
                incarnation,
                timer,
                tag,
            } => {
                let cancelled = !self.armed.remove(&timer);
                if cancelled || !self.runs(node, incarnation) {
                    return Ok(());
                }
                self.trace
                    .mix(kind::TIMER, self.now, [node as u64, timer.0, 0, 0]);
                if self.trace.is_recording() {
                    let tag = self.trace.debug_text(&tag);
                    self.trace
                        .record(self.now, Some((node, incarnation)), || TraceEvent::Timer {
                            timer: timer.0,
                            tag,
                        });
                }
                let described = tag.clone();
                self.with_context(
                    node,
                    || format!("timer {described:?}"),
                    |handle, ctx| {
                        handle
                            .node
                            .as_deref_mut()
                            .expect("alive")
                            .on_timer(ctx, tag)
                    },
                )
            }
            Event::Action { label, action } => {
                self.trace
                    .mix(kind::TESTER, self.now, [trace::hash_str(&label), 1, 0, 0]);
                self.trace
                    .record(self.now, None, || TraceEvent::Tester { text: label });
                action(self).map_err(|message| self.fail(message))
            }
        }
    }

    /// Whether `node` is running in life `incarnation`.
    fn runs(&self, node: NodeId, incarnation: u32) -> bool {
        let slot = &self.slots[node];
        slot.handle.node.is_some() && slot.incarnation == incarnation
    }

    /// Applies what the handler of `id` (in life `incarnation`) did, in order.
    /// What the handler sends, replies and sets a timer for takes effect when
    /// its persists are done (at once if it persisted nothing); see [`crate::Costs`].
    pub(crate) fn apply_effects(&mut self, id: NodeId, incarnation: u32) -> Result<(), SimError> {
        let mut effects = std::mem::take(&mut self.effects);
        let mut result = Ok(());
        let work: std::time::Duration = effects
            .iter()
            .map(|e| match e {
                Effect::Persisted { written, .. } => {
                    if let Some(progress) = &self.progress {
                        progress.persisted(*written);
                    }
                    self.costs.persist(*written)
                }
                Effect::Computed(instructions) => self.costs.compute(*instructions),
                _ => std::time::Duration::ZERO,
            })
            .sum();
        let at = if work.is_zero() {
            self.now
        } else {
            let slot = &mut self.slots[id];
            slot.persisting += work;
            slot.busy_until = slot.busy_until.max(self.now) + work;
            slot.busy_until
        };
        self.completion = at;
        for effect in effects.drain(..) {
            if result.is_err() {
                continue;
            }
            match effect {
                Effect::Call { call, to, request } => {
                    let to_incarnation = self.slots.get(to).map_or(0, |s| s.incarnation);
                    result = self.send(
                        Flight {
                            call,
                            from: id,
                            from_incarnation: incarnation,
                            to,
                            to_incarnation,
                            request,
                            echoed: false,
                            mute: false,
                        },
                        at,
                    );
                }
                Effect::Reply { reply_to, reply } => self.reply_deferred(reply_to, reply, at),
                Effect::Timer { timer, after, tag } => {
                    self.armed.insert(timer);
                    if self.trace.is_recording() {
                        let text = self.trace.debug_text(&tag);
                        self.trace.record(self.now, Some((id, incarnation)), || {
                            TraceEvent::TimerSet {
                                timer: timer.0,
                                tag: text,
                                at: at + after,
                            }
                        });
                    }
                    self.queue.push(
                        at + after,
                        Event::Timer {
                            node: id,
                            incarnation,
                            timer,
                            tag,
                        },
                    );
                }
                Effect::Cancel(timer) => {
                    if self.armed.remove(&timer) {
                        self.trace.record(self.now, Some((id, incarnation)), || {
                            TraceEvent::TimerCancel { timer: timer.0 }
                        });
                    }
                }
                Effect::Persisted {
                    state_bytes,
                    snapshot_bytes,
                    digest,
                    ..
                } => {
                    self.trace.mix(
                        kind::PERSIST,
                        self.now,
                        [id as u64, state_bytes as u64, snapshot_bytes as u64, digest],
                    );
                    self.trace
                        .record(self.now, Some((id, incarnation)), || TraceEvent::Persist {
                            state_bytes,
                            snapshot_bytes,
                        });
                }
                Effect::Output(output) => {
                    self.trace.mix(kind::OUTPUT, self.now, [id as u64, 0, 0, 0]);
                    if self.trace.is_recording() {
                        let text = self.trace.debug_text(&output);
                        self.trace.record(self.now, Some((id, incarnation)), || {
                            TraceEvent::Output { text: text.into() }
                        });
                    }
                    if let Err(message) = self.observer.on_output(self.now, id, output) {
                        result = Err(self.fail(message));
                    }
                }
                Effect::Computed(_) => {}
                Effect::Log(text) => {
                    self.trace
                        .record(self.now, Some((id, incarnation)), || TraceEvent::Log {
                            text,
                        });
                }
            }
        }
        self.effects = effects;
        result
    }

    /// Puts a call on the wire when its sender's handler completes (`at`):
    /// count it, then deliver it later or fail it later.
    fn send(&mut self, flight: Flight<P>, at: Time) -> Result<(), SimError> {
        let bytes = flight.request.to_wire();
        let (call, from, to) = (flight.call, flight.from, flight.to);
        let (rpcs, sent) = self.net.count_call(from, self.now, bytes.len());
        let budgets = self.budgets;
        if rpcs > budgets.rpcs_per_sec || sent > budgets.bytes_per_sec {
            return Err(self.over_budget(&flight, bytes.len(), rpcs, sent));
        }
        let hash = trace::hash_bytes(&bytes);
        self.trace
            .mix(kind::SEND, self.now, [call.0, from as u64, to as u64, hash]);
        let topic = P::topic(&flight.request);
        let seen = CallSeen {
            from,
            to,
            call: call.number(),
            hash,
            topic,
        };
        if let Err(message) = self.observer.on_call(self.now, &seen) {
            return Err(self.fail(message));
        }
        self.echoes.sent(&flight, &bytes, self.now);
        let unreachable = if !self.net.is_enabled(from, to) {
            Some(DropReason::EndDisabled)
        } else if !self.is_alive(to) {
            Some(DropReason::ServerDown)
        } else {
            None
        };
        // The record keeps the bytes: a copy if they travel on, else the bytes
        // themselves (most requests of an unreliable scenario go nowhere).
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let (bytes, recorded) = match unreachable {
            Some(_) => (Vec::new(), bytes),
            None if self.trace.is_recording() => (bytes.clone(), bytes),
            None => (bytes, Vec::new()),
        };
        self.trace
            .record(self.now, Some((from, flight.from_incarnation)), || {
                TraceEvent::Send {
                    call: call.0,
                    to,
                    bytes: len,
                    message: Payload::of(&flight.request, recorded),
                    topic: topic.map(std::borrow::Cow::Borrowed),
                }
            });
        match unreachable {
            Some(reason) => {
                self.note_drop(&flight, reason);
                let delay = self.net.failure_delay_us();
                self.return_after(flight, None, at, delay);
            }
            None => {
                let plan = self.net.plan_request();
                let sent = self
                    .net
                    .occupy(from, to, at, self.costs.transfer(bytes.len()));
                if let Some(after_us) = self.net.plan_duplicate() {
                    self.duplicate(&flight, &bytes, sent + Duration::from_micros(after_us))?;
                }
                let at = sent + std::time::Duration::from_micros(plan.delay_us);
                self.queue.push(
                    at,
                    Event::Deliver {
                        flight,
                        bytes,
                        lost: plan.lost,
                    },
                );
            }
        }
        Ok(())
    }

    /// Sends a copy of the request `flight` carries (encoded as `bytes`),
    /// made by the network, to arrive at `at`: a call of its own whose reply
    /// is lost.
    fn duplicate(&mut self, flight: &Flight<P>, bytes: &[u8], at: Time) -> Result<(), SimError> {
        let request: P::Request = P::Request::from_wire(bytes)
            .map_err(|message| self.decode_error(flight.to, message))?;
        self.next_id += 1;
        let copy = Flight {
            call: CallId(self.next_id),
            from: flight.from,
            from_incarnation: flight.from_incarnation,
            to: flight.to,
            to_incarnation: flight.to_incarnation,
            request,
            echoed: false,
            mute: true,
        };
        self.queue.push(
            at,
            Event::Duplicate {
                flight: copy,
                bytes: bytes.to_vec(),
                of: flight.call,
            },
        );
        Ok(())
    }

    /// A request arrives: check the end and the server are as they were, then run
    /// the handler and send its reply (or hold the call for a deferred reply).
    fn deliver(&mut self, flight: Flight<P>, bytes: Vec<u8>, lost: bool) -> Result<(), SimError> {
        let (from, to) = (flight.from, flight.to);
        let dropped = if !flight.echoed && !self.net.is_enabled(from, to) {
            Some(DropReason::EndDisabled)
        } else if !self.is_alive(to) {
            Some(DropReason::ServerDown)
        } else if self.slots[to].incarnation != flight.to_incarnation {
            Some(DropReason::ServerRestarted)
        } else if lost {
            Some(DropReason::RequestLost)
        } else {
            None
        };
        if let Some(reason) = dropped {
            self.note_drop(&flight, reason);
            self.return_after(flight, None, self.now, 0);
            return Ok(());
        }
        let request: P::Request =
            P::Request::from_wire(&bytes).map_err(|message| self.decode_error(to, message))?;
        self.net.count_delivery(to);
        let call = flight.call;
        self.trace
            .mix(kind::DELIVER, self.now, [call.0, from as u64, to as u64, 0]);
        self.trace
            .record(self.now, Some((to, flight.to_incarnation)), || {
                TraceEvent::Deliver { call: call.0, from }
            });
        let reply = self.with_context(
            to,
            || format!("a request from node {from}"),
            |handle, ctx| {
                handle.node.as_deref_mut().expect("alive").on_request(
                    ctx,
                    from,
                    request,
                    ReplyTo(call),
                )
            },
        )?;
        match reply {
            Some(reply) => self.send_reply(flight, reply, self.completion),
            None => {
                self.deferred.insert(call, flight);
            }
        }
        Ok(())
    }

    /// A node answers a request it deferred (the answer leaves at `at`).
    fn reply_deferred(&mut self, reply_to: ReplyTo, reply: P::Reply, at: Time) {
        if let Some(flight) = self.deferred.remove(&reply_to.0) {
            self.send_reply(flight, reply, at);
        }
    }

    /// Fails, in call order, every deferred call that `which` selects.
    pub(crate) fn fail_deferred(&mut self, which: impl Fn(&Flight<P>) -> bool) {
        let calls: Vec<_> = self
            .deferred
            .iter()
            .filter(|(_, f)| which(f))
            .map(|(c, _)| *c)
            .collect();
        for call in calls {
            let flight = self.deferred.remove(&call).expect("listed");
            let reason = if self.is_alive(flight.to) {
                DropReason::EndDisabled
            } else {
                DropReason::ServerRestarted
            };
            self.note_drop(&flight, reason);
            self.return_after(flight, None, self.now, 0);
        }
    }

    /// Sends a reply back when its handler completes (`at`): it may be lost
    /// (unreliable) or held (long reordering).
    fn send_reply(&mut self, flight: Flight<P>, reply: P::Reply, at: Time) {
        let bytes = reply.to_wire();
        let (call, to) = (flight.call, flight.from);
        if !flight.mute {
            self.observer
                .on_reply(self.now, flight.to, to, call.number());
        }
        self.trace.mix(
            kind::REPLY,
            self.now,
            [
                call.0,
                flight.to as u64,
                to as u64,
                trace::hash_bytes(&bytes),
            ],
        );
        let plan = self.net.plan_reply();
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let (bytes, recorded) = match plan {
            None => (Vec::new(), bytes),
            Some(_) if self.trace.is_recording() => (bytes.clone(), bytes),
            Some(_) => (bytes, Vec::new()),
        };
        self.trace
            .record(self.now, Some((flight.to, flight.to_incarnation)), || {
                TraceEvent::Reply {
                    call: call.0,
                    to,
                    bytes: len,
                    message: Payload::of(&reply, recorded),
                }
            });
        match plan {
            None => {
                self.note_drop(&flight, DropReason::ReplyLost);
                self.return_after(flight, None, at, 0);
            }
            Some(delay) => {
                let sent = self
                    .net
                    .occupy(flight.to, to, at, self.costs.transfer(bytes.len()));
                self.return_after(flight, Some(bytes), sent, delay);
            }
        }
    }

    fn return_after(
        &mut self,
        flight: Flight<P>,
        reply: Option<Vec<u8>>,
        from: Time,
        delay_us: u64,
    ) {
        let at = from + std::time::Duration::from_micros(delay_us);
        self.queue.push(at, Event::Return { flight, reply });
    }

    /// A call finishes at its caller (if the caller still lives).
    fn finish(&mut self, flight: Flight<P>, reply: Option<Vec<u8>>) -> Result<(), SimError> {
        if flight.mute {
            return Ok(());
        }
        match &reply {
            Some(bytes) => {
                self.net.count_reply_bytes(bytes.len());
                self.echoes.returned(flight.call, bytes);
            }
            None => self.echoes.failed(flight.call),
        }
        let (caller, server, call) = (flight.from, flight.to, flight.call);
        if !self.runs(caller, flight.from_incarnation) {
            if reply.is_some() {
                self.note_drop(&flight, DropReason::CallerGone);
            }
            return Ok(());
        }
        let reply: Option<P::Reply> = match reply {
            Some(bytes) => Some(
                P::Reply::from_wire(&bytes)
                    .map_err(|message| self.decode_error(caller, message))?,
            ),
            None => None,
        };
        let ok = reply.is_some();
        self.observer.on_return(self.now, caller, server, call, ok);
        self.trace.mix(
            kind::RETURN,
            self.now,
            [call.0, server as u64, caller as u64, u64::from(ok)],
        );
        self.trace
            .record(self.now, Some((caller, flight.from_incarnation)), || {
                TraceEvent::Return {
                    call: call.0,
                    from: server,
                    ok,
                }
            });
        let request = flight.request;
        let during = || {
            format!(
                "the {} of its call to node {server}",
                if ok { "reply" } else { "failure" }
            )
        };
        self.with_context(caller, during, |handle, ctx| {
            handle
                .node
                .as_deref_mut()
                .expect("alive")
                .on_reply(ctx, server, request, reply)
        })
    }

    /// The failure of a node that went over its budget with `flight`.
    fn over_budget(&mut self, flight: &Flight<P>, len: usize, rpcs: u64, sent: u64) -> SimError {
        let second = self.now.as_micros() / 1_000_000;
        let budgets = self.budgets;
        let what = if rpcs > budgets.rpcs_per_sec {
            format!(
                "made {rpcs} calls in the virtual second from {second} s (budget {} per second)",
                budgets.rpcs_per_sec
            )
        } else {
            format!(
                "sent {} of requests in the virtual second from {second} s (budget {} per second)",
                megabytes(sent),
                megabytes(budgets.bytes_per_sec)
            )
        };
        let mut last = format!("{:?}", flight.request);
        if let Some((cut, _)) = last.char_indices().nth(80) {
            last.truncate(cut);
            last.push('…');
        }
        let err = SimError::OverBudget {
            seed: self.seed,
            time: self.now,
            node: flight.from,
            message: format!(
                "{what}; the last, to node {}, was {last} ({len} bytes): is it calling again \
                 without waiting for replies, or sending its whole log every time?",
                flight.to
            ),
        };
        self.failure = Some(err.clone());
        err
    }

    fn note_drop(&mut self, flight: &Flight<P>, reason: DropReason) {
        let (call, from, to) = (flight.call.0, flight.from, flight.to);
        self.trace.mix(
            kind::DROP,
            self.now,
            [call, from as u64, to as u64, reason as u64],
        );
        self.trace.record(self.now, None, || TraceEvent::Drop {
            call,
            from,
            to,
            reason,
        });
    }

    fn decode_error(&mut self, node: NodeId, error: crate::DecodeError) -> SimError {
        let err = SimError::Decode {
            seed: self.seed,
            time: self.now,
            node,
            message: error.to_string(),
        };
        self.failure = Some(err.clone());
        err
    }
}

/// Bytes as megabytes, to one decimal.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
