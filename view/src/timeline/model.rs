//! The data a timeline page draws, built from a run's records and serialised
//! compactly as JSON: lanes, role bands, lives, connectivity, calls, marks and
//! tester lines.
//!
//! Sequences are stored column by column (one array per field) and times are
//! integers in microseconds, delta-encoded where a column is sorted, so the
//! largest scenarios stay a few megabytes. Texts (messages, log lines) are kept
//! once in a table and referred to by index.

use std::collections::{BTreeMap, HashMap};

use labrpc::trace::NetChange;
use labrpc::{DropReason, NodeId, Time, TraceEvent, TraceRecord};
use serde::Serialize;

use crate::calls::{Calls, drop_reason};
use crate::log::failure_time;
use crate::{Run, Topic};

/// Longest text kept for a tooltip.
const MAX_TEXT: usize = 4000;

/// Role codes of [`Model::bands`].
pub mod role {
    /// A follower.
    pub const FOLLOWER: u8 = 0;
    /// A candidate.
    pub const CANDIDATE: u8 = 1;
    /// A leader.
    pub const LEADER: u8 = 2;
    /// Crashed (between a crash and the next start).
    pub const DOWN: u8 = 3;
    /// Running, role not (yet) reported.
    pub const UNKNOWN: u8 = 4;
}

/// Mark kinds of [`Marks::k`].
pub mod mark {
    /// A command applied.
    pub const APPLY: u8 = 0;
    /// A snapshot applied or installed.
    pub const SNAPSHOT: u8 = 1;
    /// A log line about commits.
    pub const COMMIT: u8 = 2;
    /// Any other log line.
    pub const LOG: u8 = 3;
    /// State persisted.
    pub const PERSIST: u8 = 4;
    /// A timer fired.
    pub const TIMER: u8 = 5;
    /// A clerk's operation finished.
    pub const DONE: u8 = 6;
    /// A log line about configurations (a sharded service's).
    pub const CONFIG: u8 = 7;
}

/// Kinds of [`Model::tester`] items.
pub mod note {
    /// A remark or poll.
    pub const NOTE: u8 = 0;
    /// An action on the servers or the network (crash, start, connect, partition).
    pub const ACTION: u8 = 1;
    /// The failure.
    pub const FAILURE: u8 = 2;
    /// A network setting (reliable, long delays, long reordering).
    pub const NETWORK: u8 = 3;
    /// A command started, or a check.
    pub const CHECK: u8 = 4;
}

/// Everything the page draws.
#[derive(Debug, Default, Serialize)]
pub struct Model {
    /// The scenario.
    pub test: String,
    /// The seed.
    pub seed: u64,
    /// Servers: nodes `0..servers` have a lane each.
    pub servers: usize,
    /// Lane names (servers, then one lane for every clerk if there are any).
    pub lanes: Vec<String>,
    /// Clerks (nodes from `servers` on).
    pub clerks: usize,
    /// The last record's time (µs).
    pub end: u64,
    /// How many records the run has.
    pub records: usize,
    /// The failure: time (µs) and message.
    pub failure: Option<(u64, String)>,
    /// Topic names, indexed by the topic codes used below.
    pub topics: Vec<&'static str>,
    /// `[lane, from, to, role, term]` intervals (µs).
    pub bands: Vec<[u64; 5]>,
    /// `[lane, time, 0 start | 1 crash, incarnation]`.
    pub lives: Vec<[u64; 4]>,
    /// `[lane, from, to, mask]`: the servers a server lane can send to.
    pub conn: Vec<[u64; 4]>,
    /// `[time, text, kind]` tester lines and network settings.
    pub tester: Vec<[u64; 3]>,
    /// `[lane, set, end, how, text]`: a server's timer from when it was set
    /// to when it ended; `how` is 0 fired, 1 cancelled, 2 still set when the
    /// run ended, 3 lost in a crash; `text` its tag.
    pub timers: Vec<[u64; 5]>,
    /// The calls.
    pub calls: CallColumns,
    /// Marks on the lanes.
    pub marks: Marks,
    /// The text table.
    pub text: Vec<String>,
}

/// The calls, one array per field, in send order. `-1` means "did not happen".
#[derive(Debug, Default, Serialize)]
pub struct CallColumns {
    /// Call number.
    pub id: Vec<u64>,
    /// Caller node.
    pub a: Vec<usize>,
    /// Server node.
    pub b: Vec<usize>,
    /// Send time, delta from the previous call's.
    pub ts: Vec<u64>,
    /// Delivery, µs after the send.
    pub td: Vec<i64>,
    /// Reply, µs after the delivery.
    pub tr: Vec<i64>,
    /// Return at the caller, µs after the send.
    pub tb: Vec<i64>,
    /// Whether the return brought a reply (1) or a failure (0); -1 no return.
    pub ok: Vec<i8>,
    /// Drop reason code (index in [`CallColumns::reasons`]), -1 none.
    pub dr: Vec<i8>,
    /// Drop, µs after the send.
    pub dt: Vec<i64>,
    /// Request text index.
    pub m: Vec<usize>,
    /// Reply text index, -1 none.
    pub r: Vec<i64>,
    /// Topic code.
    pub k: Vec<u8>,
    /// Drop reasons, by code.
    pub reasons: Vec<&'static str>,
    /// The longest span (µs) from a send to the last thing its call did.
    pub span: u64,
}

/// Marks on the lanes, one array per field, in time order.
#[derive(Debug, Default, Serialize)]
pub struct Marks {
    /// Node.
    pub n: Vec<usize>,
    /// Time, delta from the previous mark's.
    pub t: Vec<u64>,
    /// Kind ([`mark`]).
    pub k: Vec<u8>,
    /// Text index.
    pub x: Vec<usize>,
}

const REASONS: [DropReason; 6] = [
    DropReason::EndDisabled,
    DropReason::ServerDown,
    DropReason::ServerRestarted,
    DropReason::RequestLost,
    DropReason::ReplyLost,
    DropReason::CallerGone,
];

/// Builds the model of `run`.
pub fn build(run: &Run<'_>) -> Model {
    let records = run.records;
    let nodes = node_count(run);
    let clerks = nodes.saturating_sub(run.servers);
    let mut lanes: Vec<String> = (0..run.servers)
        .map(|s| crate::server_name(run.names, s))
        .collect();
    if clerks > 0 {
        lanes.push(format!("{clerks} clerks"));
    }
    let end = records.last().map_or(0, |r| r.time.as_micros()).max(1000);
    let mut model = Model {
        test: run.test.to_string(),
        seed: run.seed,
        servers: run.servers,
        lanes,
        clerks,
        end,
        records: records.len(),
        failure: run.failure.map(|f| {
            let t = failure_time(records).map_or(end, Time::as_micros);
            (t, f.to_string())
        }),
        topics: Topic::all().map(Topic::name).collect(),
        ..Model::default()
    };
    let mut texts = Texts::default();
    bands_and_lives(run, &mut model);
    connectivity(run, nodes, &mut model);
    calls(records, &mut model, &mut texts);
    marks_and_notes(run, &mut model, &mut texts);
    timers(run, &mut model, &mut texts);
    model.text = texts.list;
    model
}

/// How many nodes the run has (servers, and clerks if any appear).
fn node_count(run: &Run<'_>) -> usize {
    run.records
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Network {
                change: NetChange::End { from, to, .. },
            } => Some((*from).max(*to) + 1),
            TraceEvent::Send { to, .. } => Some(r.node.map_or(0, |n| n + 1).max(to + 1)),
            _ => r.node.map(|n| n + 1),
        })
        .max()
        .unwrap_or(0)
        .max(run.servers)
}

/// Servers' timers, from set to fired, cancelled, lost in a crash, or the end.
fn timers(run: &Run<'_>, model: &mut Model, texts: &mut Texts) {
    // Pending timers by number: (server, set time, text).
    let mut pending: BTreeMap<u64, (usize, u64, usize)> = BTreeMap::new();
    for r in run.records {
        let now = r.time.as_micros();
        let Some(node) = r.node.filter(|&n| n < run.servers) else {
            continue;
        };
        let end = |how: u64, t: u64, (lane, set, text): (usize, u64, usize)| {
            [lane as u64, set, t, how, text as u64]
        };
        match &r.event {
            TraceEvent::TimerSet { timer, tag, .. } => {
                pending.insert(*timer, (node, now, texts.id(tag)));
            }
            TraceEvent::Timer { timer, .. } => {
                if let Some(p) = pending.remove(timer) {
                    model.timers.push(end(0, now, p));
                }
            }
            TraceEvent::TimerCancel { timer } => {
                if let Some(p) = pending.remove(timer) {
                    model.timers.push(end(1, now, p));
                }
            }
            TraceEvent::Crash => {
                let lost: Vec<u64> = pending
                    .iter()
                    .filter(|(_, p)| p.0 == node)
                    .map(|(&t, _)| t)
                    .collect();
                for t in lost {
                    let p = pending.remove(&t).expect("just found");
                    model.timers.push(end(3, now, p));
                }
            }
            _ => {}
        }
    }
    for p in pending.into_values() {
        model
            .timers
            .push([p.0 as u64, p.1, model.end, 2, p.2 as u64]);
    }
}

/// The text table: each distinct text once.
#[derive(Default)]
struct Texts {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Texts {
    fn id(&mut self, text: &str) -> usize {
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        let kept = crate::text::truncate(text, MAX_TEXT);
        let i = self.list.len();
        self.list.push(kept);
        self.index.insert(text.to_string(), i);
        i
    }
}

/// Role and term from a status text such as `leader 3`.
fn parse_status(text: &str) -> (u8, u64) {
    let mut words = text.split_whitespace();
    let role = match words.next() {
        Some("follower") => role::FOLLOWER,
        Some("candidate") => role::CANDIDATE,
        Some("leader") => role::LEADER,
        _ => role::UNKNOWN,
    };
    let term = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
    (role, term)
}

fn bands_and_lives(run: &Run<'_>, model: &mut Model) {
    // Per server: the open interval (start, role, term).
    let mut open: Vec<Option<(u64, u8, u64)>> = vec![None; run.servers];
    let close = |open: &mut [Option<(u64, u8, u64)>],
                 model: &mut Model,
                 lane: usize,
                 now: u64,
                 next: Option<(u8, u64)>| {
        let term_before = open[lane].map_or(0, |(_, _, term)| term);
        if let Some((from, role, term)) = open[lane].take()
            && now > from
        {
            model
                .bands
                .push([lane as u64, from, now, u64::from(role), term]);
        }
        open[lane] = next.map(|(role, term)| {
            // A restarted server keeps its last known term until it reports.
            let term = if role == role::DOWN || role == role::UNKNOWN {
                term_before
            } else {
                term
            };
            (now, role, term)
        });
    };
    for r in run.records {
        let Some(n) = r.node.filter(|&n| n < run.servers) else {
            continue;
        };
        let now = r.time.as_micros();
        match &r.event {
            TraceEvent::Start => {
                model
                    .lives
                    .push([n as u64, now, 0, u64::from(r.incarnation)]);
                close(&mut open, model, n, now, Some((role::UNKNOWN, 0)));
            }
            TraceEvent::Crash => {
                model
                    .lives
                    .push([n as u64, now, 1, u64::from(r.incarnation)]);
                close(&mut open, model, n, now, Some((role::DOWN, 0)));
            }
            TraceEvent::Status { text } => {
                let (role, term) = parse_status(text);
                if open[n].is_some_and(|(_, r, t)| r == role && t == term) {
                    continue;
                }
                close(&mut open, model, n, now, Some((role, term)));
            }
            _ => {}
        }
    }
    for lane in 0..run.servers {
        close(&mut open, model, lane, model.end, None);
    }
    model.bands.sort_by_key(|b| (b[1], b[0]));
}

fn connectivity(run: &Run<'_>, nodes: usize, model: &mut Model) {
    let servers = run.servers.min(64);
    let mut ends = vec![vec![true; nodes]; nodes];
    let mask = |ends: &[Vec<bool>], i: usize| -> u64 {
        (0..servers)
            .filter(|&j| ends[i][j])
            .fold(0u64, |m, j| m | (1 << j))
    };
    let mut since: Vec<(u64, u64)> = (0..servers).map(|i| (0, mask(&ends, i))).collect();
    for r in run.records {
        if let TraceEvent::Network {
            change: NetChange::End { from, to, enabled },
        } = r.event
        {
            ends[from][to] = enabled;
            if from < servers {
                let now = r.time.as_micros();
                let m = mask(&ends, from);
                let (t0, old) = since[from];
                if m != old {
                    if now > t0 {
                        model.conn.push([from as u64, t0, now, old]);
                    }
                    since[from] = (now, m);
                }
            }
        }
    }
    for (lane, &(t0, m)) in since.iter().enumerate() {
        model.conn.push([lane as u64, t0, model.end.max(t0), m]);
    }
    model.conn.sort_by_key(|c| (c[1], c[0]));
}

fn calls(records: &[TraceRecord], model: &mut Model, texts: &mut Texts) {
    let calls = Calls::new(records);
    let cols = &mut model.calls;
    cols.reasons = REASONS.iter().map(|r| drop_reason(*r)).collect();
    let mut last = 0u64;
    let after = |t: Option<Time>, base: u64| t.map_or(-1, |t| t.as_micros() as i64 - base as i64);
    for c in &calls.list {
        let sent = c.sent.as_micros();
        cols.id.push(c.id);
        cols.a.push(c.from);
        cols.b.push(c.to);
        cols.ts.push(sent - last);
        last = sent;
        cols.td.push(after(c.delivered, sent));
        let delivered = c.delivered.map_or(sent, Time::as_micros);
        cols.tr.push(after(c.replied.map(|(t, _)| t), delivered));
        cols.tb.push(after(c.returned.map(|(t, _)| t), sent));
        cols.ok.push(c.returned.map_or(-1, |(_, ok)| i8::from(ok)));
        let reason = c
            .dropped
            .and_then(|(_, r)| REASONS.iter().position(|&x| x == r));
        cols.dr.push(reason.map_or(-1, |i| i as i8));
        cols.dt.push(after(c.dropped.map(|(t, _)| t), sent));
        cols.m.push(texts.id(c.request));
        cols.r
            .push(c.replied.map_or(-1, |(_, m)| texts.id(m) as i64));
        cols.k.push(topic_code(c.topic));
        let last_time = [
            c.delivered,
            c.replied.map(|(t, _)| t),
            c.returned.map(|(t, _)| t),
            c.dropped.map(|(t, _)| t),
        ]
        .into_iter()
        .flatten()
        .max()
        .map_or(sent, Time::as_micros);
        cols.span = cols.span.max(last_time - sent);
    }
}

fn topic_code(topic: Topic) -> u8 {
    Topic::all().position(|t| t == topic).unwrap_or(0) as u8
}

/// Whether a tester line changes the world (drawn across the lanes).
fn is_action(text: &str) -> bool {
    const WORDS: [&str; 9] = [
        "crash",
        "start1",
        "connect",
        "disconnect",
        "partition",
        "shutdown",
        "start server",
        "restart",
        "reconnect",
    ];
    let lower = text.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.starts_with(w))
}

fn marks_and_notes(run: &Run<'_>, model: &mut Model, texts: &mut Texts) {
    let mut last = 0u64;
    let mut push = |model: &mut Model, node: NodeId, time: Time, kind: u8, text: usize| {
        let t = time.as_micros();
        let m = &mut model.marks;
        m.n.push(node);
        m.t.push(t - last);
        last = t;
        m.k.push(kind);
        m.x.push(text);
    };
    for r in run.records {
        let now = r.time.as_micros();
        match &r.event {
            TraceEvent::Tester { text } => {
                let kind = if text.starts_with("FAILED") {
                    note::FAILURE
                } else if is_action(text) {
                    note::ACTION
                } else if text.starts_with("start(") || text.starts_with("check") {
                    note::CHECK
                } else {
                    note::NOTE
                };
                model
                    .tester
                    .push([now, texts.id(text) as u64, u64::from(kind)]);
            }
            TraceEvent::Network { change } => {
                let text = match change {
                    NetChange::End { .. } => continue,
                    NetChange::Reliable { on } => format!("reliable {}", on_off(*on)),
                    NetChange::LongReordering { on } => {
                        format!("long reordering {}", on_off(*on))
                    }
                    NetChange::LongDelays { on } => format!("long delays {}", on_off(*on)),
                    NetChange::Duplicating { on } => format!("duplication {}", on_off(*on)),
                };
                let id = texts.id(&format!("network: {text}"));
                model
                    .tester
                    .push([now, id as u64, u64::from(note::NETWORK)]);
            }
            TraceEvent::Echo {
                of,
                caller,
                server,
                reply,
                by_network,
                ..
            } => {
                // On the lane of the server that receives the copy.
                let (node, text) = if *reply {
                    (
                        *caller,
                        format!("echo: the reply of #{of} from {server}, again"),
                    )
                } else if *by_network {
                    (
                        *server,
                        format!("duplicate: the request #{of} from {caller}, again"),
                    )
                } else {
                    (
                        *server,
                        format!("echo: the request #{of} from {caller}, again"),
                    )
                };
                let id = texts.id(&text);
                push(model, node, r.time, mark::LOG, id);
            }
            _ => {
                let Some(node) = r.node else { continue };
                let (kind, text) = match &r.event {
                    TraceEvent::Output { text } if node >= run.servers => {
                        (mark::DONE, text.clone())
                    }
                    TraceEvent::Output { text } if text.starts_with("Snapshot") => {
                        (mark::SNAPSHOT, text.clone())
                    }
                    TraceEvent::Output { text } => (mark::APPLY, text.clone()),
                    TraceEvent::Log { text } => {
                        let kind = match Topic::of_line(text) {
                            Topic::Commit => mark::COMMIT,
                            Topic::Config => mark::CONFIG,
                            _ => mark::LOG,
                        };
                        (kind, text.clone())
                    }
                    TraceEvent::Persist {
                        state_bytes,
                        snapshot_bytes,
                    } => (
                        mark::PERSIST,
                        format!("persist: state {state_bytes} B, snapshot {snapshot_bytes} B"),
                    ),
                    TraceEvent::Timer { tag, .. } => (mark::TIMER, format!("timer {tag}")),
                    _ => continue,
                };
                let id = texts.id(&text);
                push(model, node, r.time, kind, id);
            }
        }
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}
