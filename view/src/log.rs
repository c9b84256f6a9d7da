//! The per-node column log of a run: one column per server (clerks share one
//! extra column, tagged with their ids), virtual timestamps (`s.mmm`), a topic
//! tag, colour by topic on terminals, filters by node and topic.
//!
//! Tester actions and network changes are not a node's: they span the columns.
//! A burst of end changes at one instant (a partition) is shown as one line
//! giving the groups of servers that can still reach each other. Messages are
//! shortened ([`crate::text::compact`]); a delivery or a return names the
//! message of its call. The failure, if any, closes the log.

use std::fmt::Write as _;

use labrpc::trace::NetChange;
use labrpc::{NodeId, Time, TraceEvent, TraceRecord};

use std::collections::HashMap;

use crate::calls::drop_reason;
use crate::text::{compact, name, truncate};
use crate::{Run, Topic};

/// What to show and how.
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    /// Only these nodes (empty: every node).
    pub servers: Vec<usize>,
    /// Only these topics (empty: every topic).
    pub topics: Vec<Topic>,
    /// ANSI colours (for terminals).
    pub colour: bool,
    /// Only records at or after this virtual time.
    pub from: Option<Time>,
    /// Only records before this virtual time.
    pub to: Option<Time>,
}

/// The widest the log aims to be, in characters.
const TARGET_WIDTH: usize = 160;
/// The narrowest a column gets.
const MIN_COLUMN: usize = 28;
/// Width of the time stamp and topic tag before the columns.
const PREFIX: usize = 18;
const _: () = assert!(
    PREFIX == 8 + 1 + 9,
    "the prefix is the stamp, a space and the topic"
);
/// A message shown in a column wraps onto at most this many lines.
const MESSAGE_LINES: usize = 3;

/// Renders `run` as a column log.
pub fn render(run: &Run<'_>, options: &LogOptions) -> String {
    let wanted = |n: NodeId| options.servers.is_empty() || options.servers.contains(&n);
    let clerk_ids: std::collections::BTreeSet<NodeId> = run
        .records
        .iter()
        .filter_map(|r| r.node.filter(|&n| n >= run.servers))
        .collect();
    let clients = clerk_ids.iter().any(|&n| wanted(n));
    let mut log = Stream::new(run.servers, clients, options.clone()).with_names(run.names.to_vec());
    let mut title = format!("{} seed {}: {} servers", run.test, run.seed, run.servers);
    if !clerk_ids.is_empty() {
        let unit = if clerk_ids.len() == 1 {
            "clerk"
        } else {
            "clerks"
        };
        let _ = write!(title, ", {} {unit}", clerk_ids.len());
    }
    let _ = write!(title, ", {} records", run.records.len());
    let mut out = log.header(&title);
    for r in run.records {
        out.push_str(&log.push(r));
    }
    out.push_str(&log.finish(run.failure));
    out
}

/// Where a record goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// In this column.
    Column(usize),
    /// Across every column.
    Span,
}

/// What the log remembers of a call, to name it at its delivery and return.
#[derive(Clone, Debug)]
struct CallNote {
    from: NodeId,
    request: String,
    topic: Topic,
    reply: Option<String>,
}

/// The column log, rendered record by record as a run makes them (so a
/// replay can print its log as it goes, and a run that never ends still
/// shows what it did); [`render`] feeds it a whole recorded run.
#[derive(Debug)]
pub struct Stream {
    options: LogOptions,
    servers: usize,
    /// The servers with a column, in order.
    shown_servers: Vec<NodeId>,
    /// Whether clerks (nodes ≥ servers) get the last column.
    clients: bool,
    /// The servers' names (see [`Run::names`]).
    names: Vec<String>,
    width: usize,
    /// The calls seen so far, by number (looked up, never iterated).
    calls: HashMap<u64, CallNote>,
    /// Which ends are enabled, `ends[from][to]` (grown as nodes appear).
    ends: Vec<Vec<bool>>,
    /// A burst of end changes at this instant, not yet printed.
    ends_changed: Option<Time>,
    /// When the tester noted the failure, if it has.
    failed_at: Option<Time>,
    /// The tags of timers set and not yet fired or cancelled (to name a
    /// cancelled one).
    timers: HashMap<u64, String>,
    /// A tester line repeated (a poll): its text, first time, last time,
    /// and count, printed once as one line when a different line comes.
    repeated: Option<(String, Time, Time, usize)>,
}

impl Stream {
    /// A log of a run with `servers` servers (nodes `0..servers`), with a
    /// column for the clerks if `clients`.
    pub fn new(servers: usize, clients: bool, options: LogOptions) -> Stream {
        let wanted = |n: NodeId| options.servers.is_empty() || options.servers.contains(&n);
        let shown_servers: Vec<NodeId> = (0..servers).filter(|&n| wanted(n)).collect();
        let columns = (shown_servers.len() + usize::from(clients)).max(1);
        let width = ((TARGET_WIDTH - PREFIX) / columns).max(MIN_COLUMN);
        Stream {
            options,
            servers,
            shown_servers,
            clients,
            names: Vec::new(),
            width,
            calls: HashMap::new(),
            ends: vec![vec![true; servers]; servers],
            ends_changed: None,
            failed_at: None,
            timers: HashMap::new(),
            repeated: None,
        }
    }

    fn columns(&self) -> usize {
        self.shown_servers.len() + usize::from(self.clients)
    }

    fn wanted_node(&self, n: NodeId) -> bool {
        self.options.servers.is_empty() || self.options.servers.contains(&n)
    }

    fn wanted_topic(&self, t: Topic) -> bool {
        self.options.topics.is_empty() || self.options.topics.contains(&t)
    }

    /// The column of node `n`, if it has one.
    fn column(&self, n: NodeId) -> Option<usize> {
        if n < self.servers {
            self.shown_servers.iter().position(|&s| s == n)
        } else if self.clients && self.wanted_node(n) {
            Some(self.shown_servers.len())
        } else {
            None
        }
    }

    /// The same log, its server columns headed with `names` (see
    /// [`Run::names`]).
    pub fn with_names(mut self, names: Vec<String>) -> Stream {
        self.names = names;
        self
    }

    /// The title line and the column heads.
    pub fn header(&self, title: &str) -> String {
        let mut out = self.paint(Topic::Tester, title);
        out.push('\n');
        let mut head = format!("{:>8} {:<9}", "time", "topic");
        let mut names: Vec<String> = self
            .shown_servers
            .iter()
            .map(|&s| crate::server_name(&self.names, s))
            .collect();
        if self.clients {
            names.push("clerks".to_string());
        }
        for (c, n) in names.iter().enumerate() {
            if c + 1 < names.len() {
                let _ = write!(head, "{:<w$}", n, w = self.width);
            } else {
                head.push_str(n);
            }
        }
        out.push_str(head.trim_end());
        out.push('\n');
        out
    }

    /// The lines of one more record (none if it is filtered out; a burst of
    /// end changes at one instant prints as one line when it is over).
    pub fn push(&mut self, r: &TraceRecord) -> String {
        let mut out = String::new();
        let shown = self.options.from.is_none_or(|from| r.time >= from)
            && self.options.to.is_none_or(|to| r.time < to);
        if let TraceEvent::Network {
            change: NetChange::End { from, to, enabled },
        } = r.event
        {
            if self.ends_changed.is_some_and(|t| t != r.time) {
                self.partition_line(&mut out);
            }
            let need = from.max(to) + 1;
            if need > self.ends.len() {
                for row in &mut self.ends {
                    row.resize(need, true);
                }
                self.ends.resize(need, vec![true; need]);
            }
            self.ends[from][to] = enabled;
            if shown {
                self.ends_changed = Some(r.time);
            }
            return out;
        }
        self.partition_line(&mut out);
        self.note_call(r);
        if let TraceEvent::Tester { text } = &r.event
            && text.starts_with("FAILED")
        {
            self.failed_at = Some(r.time);
        }
        if shown {
            self.record(r, &mut out);
        }
        self.note_timer(r);
        out
    }

    /// Keeps the tags of pending timers.
    fn note_timer(&mut self, r: &TraceRecord) {
        match &r.event {
            TraceEvent::TimerSet { timer, tag, .. } => {
                self.timers.insert(*timer, tag.to_string());
            }
            TraceEvent::Timer { timer, .. } | TraceEvent::TimerCancel { timer } => {
                self.timers.remove(timer);
            }
            _ => {}
        }
    }

    /// The last lines: a pending partition, and the failure if the run failed.
    pub fn finish(&mut self, failure: Option<&str>) -> String {
        let mut out = String::new();
        self.partition_line(&mut out);
        self.flush_repeated(&mut out);
        if let Some(failure) = failure {
            let time = self
                .failed_at
                .map(|t| format!(" at {}", stamp(t).trim()))
                .unwrap_or_default();
            let text = format!("FAILED{time}: {failure}");
            out.push_str(&self.paint(Topic::Fault, &text));
            out.push('\n');
        }
        out
    }

    /// The line of a repeated tester line, with its count.
    fn flush_repeated(&mut self, out: &mut String) {
        if let Some((text, first, last, count)) = self.repeated.take() {
            let text = if count > 1 {
                format!("{text} (×{count}, to {})", stamp(last).trim())
            } else {
                text
            };
            self.line(out, first, Topic::Tester, Place::Span, &text, usize::MAX);
        }
    }

    /// The line for the end changes gathered at one instant, if any.
    fn partition_line(&mut self, out: &mut String) {
        if let Some(time) = self.ends_changed.take()
            && self.wanted_topic(Topic::Fault)
        {
            self.flush_repeated(out);
            let text = format!("network: {}", groups(&self.ends, self.servers));
            self.line(out, time, Topic::Fault, Place::Span, &text, usize::MAX);
        }
    }

    /// Remembers what a record says about its call.
    fn note_call(&mut self, r: &TraceRecord) {
        match &r.event {
            TraceEvent::Send {
                call,
                message,
                topic,
                ..
            } => {
                if let Some(from) = r.node {
                    self.calls.insert(
                        *call,
                        CallNote {
                            from,
                            request: name(message).to_string(),
                            topic: Topic::of_request(topic.as_deref(), message),
                            reply: None,
                        },
                    );
                }
            }
            TraceEvent::Reply { call, message, .. } => {
                if let Some(c) = self.calls.get_mut(call) {
                    c.reply = Some(name(message).to_string());
                }
            }
            _ => {}
        }
    }

    /// The topic of a record, with deliveries and returns classified by the
    /// message of their call.
    fn topic_of(&self, r: &TraceRecord) -> Topic {
        match &r.event {
            TraceEvent::Deliver { call, .. } | TraceEvent::Return { call, .. } => {
                self.calls.get(call).map_or(Topic::Rpc, |c| c.topic)
            }
            _ => Topic::of(r),
        }
    }

    fn record(&mut self, r: &TraceRecord, out: &mut String) {
        let topic = self.topic_of(r);
        if !self.wanted_topic(topic) {
            return;
        }
        let short = self.width.saturating_sub(1) * MESSAGE_LINES;
        // Where the record goes and what it says.
        let (node, text, limit): (Option<NodeId>, String, usize) = match &r.event {
            TraceEvent::Start => (r.node, format!("START (life {})", r.incarnation), 0),
            TraceEvent::Crash => (r.node, format!("CRASH (life {})", r.incarnation), 0),
            TraceEvent::Send {
                call, to, message, ..
            } => {
                let text = format!("→{to} #{call} {}", compact(message, short));
                (r.node, text, short)
            }
            TraceEvent::Deliver { call, from } => {
                let what = self.calls.get(call).map_or("?", |c| c.request.as_str());
                (r.node, format!("←{from} #{call} {what}"), short)
            }
            TraceEvent::Reply {
                call, to, message, ..
            } => {
                let text = format!("⇢{to} #{call} {}", compact(message, short));
                (r.node, text, short)
            }
            TraceEvent::Return { call, from, ok } => {
                let text = if *ok {
                    let what = self
                        .calls
                        .get(call)
                        .and_then(|c| c.reply.as_deref())
                        .unwrap_or("reply");
                    format!("⇠{from} #{call} {what}")
                } else {
                    format!("⇠{from} #{call} failed, no reply")
                };
                (r.node, text, short)
            }
            TraceEvent::Drop {
                call,
                from,
                to,
                reason,
            } => {
                let (shown, text) = match self.calls.get(call) {
                    Some(c) => (
                        c.from,
                        format!(
                            "✗ #{call} {from}→{to} {} dropped: {}",
                            c.request,
                            drop_reason(*reason)
                        ),
                    ),
                    None => (
                        *from,
                        format!("✗ #{call} {from}→{to}: {}", drop_reason(*reason)),
                    ),
                };
                if !self.wanted_node(*from) && !self.wanted_node(*to) {
                    return;
                }
                // Shown with the caller if it has a column, else with the server.
                let node = if self.column(shown).is_some() {
                    shown
                } else {
                    *to
                };
                (Some(node), text, short)
            }
            TraceEvent::Echo {
                call,
                of,
                caller,
                server,
                reply,
                answered,
                by_network,
            } => {
                let what = self.calls.get(of).map_or("?", |c| c.request.as_str());
                let (node, text) = if *reply {
                    (
                        *caller,
                        format!("⟲ #{of} {server}→{caller} {what}: its reply again"),
                    )
                } else if *by_network {
                    (
                        *server,
                        format!(
                            "⟲ #{of} {caller}→{server} {what} duplicated by the network as #{call}, unanswered"
                        ),
                    )
                } else {
                    let answer = if *answered { "" } else { ", unanswered" };
                    (
                        *server,
                        format!("⟲ #{of} {caller}→{server} {what} again as #{call}{answer}"),
                    )
                };
                if !self.wanted_node(*caller) && !self.wanted_node(*server) {
                    return;
                }
                (Some(node), text, short)
            }
            TraceEvent::Timer { timer, tag } => {
                (r.node, format!("timer #{timer} {tag} fired"), short)
            }
            TraceEvent::TimerSet { timer, tag, at } => (
                r.node,
                format!("set timer #{timer} {tag} for {}", stamp(*at).trim()),
                short,
            ),
            TraceEvent::TimerCancel { timer } => {
                let tag = self.timers.get(timer).map_or("", String::as_str);
                (r.node, format!("cancel timer #{timer} {tag}"), short)
            }
            TraceEvent::Persist {
                state_bytes,
                snapshot_bytes,
            } => (
                r.node,
                format!("persist state {state_bytes} B, snapshot {snapshot_bytes} B"),
                short,
            ),
            TraceEvent::Output { text } => (r.node, output(text, short), short),
            TraceEvent::Status { text } => (r.node, format!("= {text}"), short),
            TraceEvent::Log { text } => (r.node, strip_topic(text).to_string(), usize::MAX),
            TraceEvent::Network { change } => {
                let text = match change {
                    NetChange::End { from, to, enabled } => {
                        format!("network: end {from}→{to} {}", on_off(*enabled))
                    }
                    NetChange::Reliable { on } => format!("network: reliable {}", on_off(*on)),
                    NetChange::LongReordering { on } => {
                        format!("network: long reordering {}", on_off(*on))
                    }
                    NetChange::LongDelays { on } => {
                        format!("network: long delays {}", on_off(*on))
                    }
                    NetChange::Duplicating { on } => {
                        format!("network: duplication {}", on_off(*on))
                    }
                };
                (None, text, usize::MAX)
            }
            TraceEvent::Tester { text } => {
                // A tester line repeated at once (a poll) folds into one.
                let text = format!("── {text}");
                match &mut self.repeated {
                    Some((same, _, last, count)) if *same == text => {
                        *last = r.time;
                        *count += 1;
                    }
                    _ => {
                        self.flush_repeated(out);
                        self.repeated = Some((text, r.time, r.time, 1));
                    }
                }
                return;
            }
        };
        self.flush_repeated(out);
        let place = match node {
            None => Place::Span,
            Some(n) => {
                if !self.wanted_node(n) {
                    return;
                }
                let Some(c) = self.column(n) else { return };
                Place::Column(c)
            }
        };
        // Clerks share a column: say which one.
        let text = match node {
            Some(n) if n >= self.servers && !matches!(r.event, TraceEvent::Drop { .. }) => {
                format!("c{n} {text}")
            }
            _ => text,
        };
        self.line(out, r.time, topic, place, &text, limit);
    }

    /// Writes `text` at `place`, wrapped to its column (at most `limit` characters).
    fn line(
        &self,
        out: &mut String,
        time: Time,
        topic: Topic,
        place: Place,
        text: &str,
        limit: usize,
    ) {
        let text = if limit == 0 || limit == usize::MAX {
            text.to_string()
        } else {
            truncate(text, limit)
        };
        let (indent, width) = match place {
            Place::Column(c) => (c * self.width, self.width.saturating_sub(1).max(8)),
            Place::Span => (0, (self.columns() * self.width).max(self.width)),
        };
        let chunks = wrap(&text, width);
        // Every line, wrapped or not, starts with its time and topic, so a
        // window can be cut out of the log with ordinary tools.
        let prefix = format!("{} {:<9}", stamp(time), topic.name());
        for chunk in &chunks {
            let body = format!("{}{}", " ".repeat(indent), chunk);
            if self.options.colour {
                let _ = writeln!(
                    out,
                    "{}{}",
                    self.paint(topic, &prefix),
                    self.paint(topic, &body)
                );
            } else {
                let _ = writeln!(out, "{prefix}{body}");
            }
        }
    }

    /// `text` in the colour of `topic` (when colour is on).
    fn paint(&self, topic: Topic, text: &str) -> String {
        if self.options.colour {
            format!("\x1b[{}m{text}\x1b[0m", ansi(topic))
        } else {
            text.to_string()
        }
    }
}

/// The virtual time as `s.mmm`, right-aligned in 8 characters.
pub fn stamp(t: Time) -> String {
    let us = t.as_micros();
    format!("{:>4}.{:03}", us / 1_000_000, (us / 1000) % 1000)
}

/// When the run failed: the tester's `FAILED:` note, if there is one.
pub fn failure_time(records: &[TraceRecord]) -> Option<Time> {
    records.iter().rev().find_map(|r| match &r.event {
        TraceEvent::Tester { text } if text.starts_with("FAILED") => Some(r.time),
        _ => None,
    })
}

/// The ANSI colour code of a topic.
fn ansi(topic: Topic) -> &'static str {
    match topic {
        Topic::Election => "1;33",
        Topic::Vote => "35",
        Topic::Append => "34",
        Topic::Commit => "32",
        Topic::Apply => "92",
        Topic::Persist => "36",
        Topic::Snapshot => "96",
        Topic::Client => "94",
        Topic::Config => "33",
        Topic::Rpc => "37",
        Topic::Timer => "90",
        Topic::Fault => "1;31",
        Topic::Tester => "1;97",
        Topic::Log => "0",
    }
}

/// A log line without its `[topic]` prefix (the tag shows the topic).
fn strip_topic(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix('[')
        && let Some((name, line)) = rest.split_once(']')
        && Topic::parse(name).is_ok()
    {
        line.trim_start()
    } else {
        text
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// An applied command or snapshot, shortened: `apply 7: 4821` for an 8-byte
/// command (shown as the tester's number, little-endian), else the compact form.
fn output(text: &str, max: usize) -> String {
    if let Some(rest) = text.strip_prefix("Command { index: ")
        && let Some((index, rest)) = rest.split_once(", command: <8 bytes ")
        && let Some((hex, _)) = rest.split_once('>')
        && let Ok(number) = u64::from_str_radix(hex, 16)
    {
        return format!("apply {index}: {}", number.swap_bytes());
    }
    compact(text, max)
}

/// Groups of servers that can reach each other both ways, as `0 1 | 2 | 3 4`.
fn groups(ends: &[Vec<bool>], servers: usize) -> String {
    let mut group: Vec<Option<usize>> = vec![None; servers];
    let mut parts: Vec<Vec<usize>> = Vec::new();
    for i in 0..servers {
        if group[i].is_some() {
            continue;
        }
        let g = parts.len();
        let mut part = vec![i];
        group[i] = Some(g);
        let mut k = 0;
        while k < part.len() {
            let a = part[k];
            for b in 0..servers {
                if group[b].is_none() && a != b && ends[a][b] && ends[b][a] {
                    group[b] = Some(g);
                    part.push(b);
                }
            }
            k += 1;
        }
        part.sort_unstable();
        parts.push(part);
    }
    parts
        .iter()
        .map(|p| {
            p.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// `text` cut into pieces of at most `width` characters, at spaces when possible.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let chars: Vec<char> = paragraph.chars().collect();
        let mut start = 0;
        if chars.is_empty() {
            lines.push(String::new());
        }
        while start < chars.len() {
            let mut end = (start + width).min(chars.len());
            if end < chars.len()
                && let Some(space) = (start + width / 2..end).rev().find(|&i| chars[i] == ' ')
            {
                end = space + 1;
            }
            lines.push(
                chars[start..end]
                    .iter()
                    .collect::<String>()
                    .trim_end()
                    .to_string(),
            );
            start = end;
        }
    }
    lines
}
