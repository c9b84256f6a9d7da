//! [`Calls`]: every RPC of a run, assembled from the records that mention it
//! (send, deliver, reply, drop, return), so the views can show a delivery or a
//! return together with the message it belongs to.

use std::collections::HashMap;

use labrpc::{DropReason, NodeId, Time, TraceEvent, TraceRecord};

use crate::Topic;

/// One RPC, from its send to its return.
#[derive(Clone, Debug)]
pub struct Call<'a> {
    /// The call number.
    pub id: u64,
    /// The caller.
    pub from: NodeId,
    /// The server.
    pub to: NodeId,
    /// When it was sent.
    pub sent: Time,
    /// The request, as `Debug` printed it.
    pub request: &'a str,
    /// What the request is about.
    pub topic: Topic,
    /// When it reached the server's handler.
    pub delivered: Option<Time>,
    /// When the server answered, and the reply as `Debug` printed it.
    pub replied: Option<(Time, &'a str)>,
    /// When the call finished at the caller, and whether a reply came back.
    pub returned: Option<(Time, bool)>,
    /// When and why it was dropped.
    pub dropped: Option<(Time, DropReason)>,
}

/// The RPCs of a run, in the order they were sent.
#[derive(Clone, Debug, Default)]
pub struct Calls<'a> {
    /// Every call, by send time.
    pub list: Vec<Call<'a>>,
    by_id: HashMap<u64, usize>,
}

impl<'a> Calls<'a> {
    /// Gathers the calls of `records`.
    pub fn new(records: &'a [TraceRecord]) -> Calls<'a> {
        let mut calls = Calls::default();
        for r in records {
            match &r.event {
                TraceEvent::Send {
                    call,
                    to,
                    message,
                    topic,
                    ..
                } => {
                    let Some(from) = r.node else { continue };
                    calls.by_id.insert(*call, calls.list.len());
                    calls.list.push(Call {
                        id: *call,
                        from,
                        to: *to,
                        sent: r.time,
                        request: message,
                        topic: Topic::of_request(topic.as_deref(), message),
                        delivered: None,
                        replied: None,
                        returned: None,
                        dropped: None,
                    });
                }
                TraceEvent::Echo {
                    call,
                    of,
                    reply: false,
                    ..
                } => {
                    // An echoed request travels as a call of its own.
                    if let Some(original) = calls.get(*of).cloned() {
                        calls.by_id.insert(*call, calls.list.len());
                        calls.list.push(Call {
                            id: *call,
                            sent: r.time,
                            delivered: None,
                            replied: None,
                            returned: None,
                            dropped: None,
                            ..original
                        });
                    }
                }
                TraceEvent::Deliver { call, .. } => {
                    if let Some(c) = calls.get_mut(*call) {
                        c.delivered = Some(r.time);
                    }
                }
                TraceEvent::Reply { call, message, .. } => {
                    if let Some(c) = calls.get_mut(*call) {
                        c.replied = Some((r.time, message));
                    }
                }
                TraceEvent::Return { call, ok, .. } => {
                    if let Some(c) = calls.get_mut(*call) {
                        c.returned = Some((r.time, *ok));
                    }
                }
                TraceEvent::Drop { call, reason, .. } => {
                    if let Some(c) = calls.get_mut(*call) {
                        c.dropped.get_or_insert((r.time, *reason));
                    }
                }
                _ => {}
            }
        }
        calls
    }

    /// The call numbered `id`.
    pub fn get(&self, id: u64) -> Option<&Call<'a>> {
        self.by_id.get(&id).map(|&i| &self.list[i])
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut Call<'a>> {
        self.by_id.get(&id).map(|&i| &mut self.list[i])
    }

    /// The topic of a record, with deliveries and returns classified by the
    /// message of their call (a returned vote is about votes, not generic RPC).
    pub fn topic_of(&self, record: &TraceRecord) -> Topic {
        match &record.event {
            TraceEvent::Deliver { call, .. } | TraceEvent::Return { call, .. } => {
                self.get(*call).map_or(Topic::Rpc, |c| c.topic)
            }
            _ => Topic::of(record),
        }
    }
}

/// A short phrase for a drop reason.
pub fn drop_reason(reason: DropReason) -> &'static str {
    match reason {
        DropReason::EndDisabled => "end disabled",
        DropReason::ServerDown => "server down",
        DropReason::ServerRestarted => "server restarted",
        DropReason::RequestLost => "request lost",
        DropReason::ReplyLost => "reply lost",
        DropReason::CallerGone => "caller gone",
    }
}
