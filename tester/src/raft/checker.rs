//! The Raft tester's own state and the checks it runs on every event: what each
//! server applied (same command at the same index everywhere, in order), the 2D
//! snapshot checks, and election safety (at most one leader per term) after every
//! handler, and the checks on every call between servers ([`PeerCalls`]). It
//! watches from the outside: only `state()`, applied messages and the calls.

use std::any::Any;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use labrpc::{Action, NodeId, Observer, Sim, Time};
use raft::node::{RaftNode, RaftProtocol};
use raft::{ApplyMsg, Raft};

use crate::peer_calls::PeerCalls;
use crate::status::Described;

/// The simulated world of a Raft scenario.
pub type RaftSim<R> = Sim<RaftProtocol<R>, Tester<R>>;

/// What the world looked like when the tester gave up waiting, on one screen:
/// each server's term and role (or that it is down), whether the tester cut
/// it off, the last index it applied; whether the servers up and connected
/// are a majority; who led the last terms, and since when; and, for `index`,
/// which servers applied it.
pub fn world<R: Raft>(sim: &RaftSim<R>, index: Option<u64>) -> String {
    let tester = sim.observer();
    let n = tester.connected.len();
    let mut servers = Vec::new();
    let mut reachable = 0;
    for i in 0..n {
        let role = match sim.node::<RaftNode<R>>(i) {
            None => "down".to_string(),
            Some(node) => {
                reachable += usize::from(tester.connected[i]);
                match state_of(node) {
                    Ok((term, true)) => format!("term {term}, leader"),
                    Ok((term, false)) => format!("term {term}"),
                    Err(e) => e,
                }
            }
        };
        let cut = if tester.connected[i] { "" } else { ", cut off" };
        servers.push(format!(
            "server {i}: {role}{cut}, applied through {}",
            tester.last_applied[i]
        ));
    }
    let majority = if 2 * reachable > n {
        "a majority"
    } else {
        "no majority"
    };
    let mut text = format!(
        "{}; {reachable} of {n} servers up and connected ({majority})",
        servers.join("; ")
    );
    let leaders: Vec<String> = tester
        .leaders
        .iter()
        .rev()
        .take(3)
        .map(|(term, (node, since))| format!("term {term}: server {node} from {since}"))
        .collect();
    if leaders.is_empty() {
        text.push_str("; no server has led yet");
    } else {
        text.push_str(&format!(
            "; leaders of the last terms: {}",
            leaders.join(", ")
        ));
    }
    if let Some(index) = index {
        let applied: Vec<String> = (0..n)
            .filter(|&i| tester.logs[i].contains_key(&index))
            .map(|i| i.to_string())
            .collect();
        text.push_str(&format!(
            "; index {index} applied by {} server(s){}",
            applied.len(),
            if applied.is_empty() {
                String::new()
            } else {
                format!(" ({})", applied.join(", "))
            }
        ));
    }
    text
}

/// The tester calls `snapshot` on a server each time it applies an index `i` with
/// `(i + 1) % SNAPSHOT_INTERVAL == 0`.
pub const SNAPSHOT_INTERVAL: u64 = 10;

/// A tester command: `x` as 8 little-endian bytes.
pub fn cmd(x: u64) -> Vec<u8> {
    x.to_le_bytes().to_vec()
}

/// A command as a student wants to read it: the number, or its size and first bytes.
pub fn show(command: &[u8]) -> String {
    match <[u8; 8]>::try_from(command) {
        Ok(bytes) => u64::from_le_bytes(bytes).to_string(),
        Err(_) => {
            let head = hex::encode(&command[..command.len().min(8)]);
            format!("<{} bytes {head}..>", command.len())
        }
    }
}

/// The tester's image of a server's applied log, as it hands it to `snapshot`:
/// the last included index and the commands at indices 1 through it.
type Image = (u64, Vec<Vec<u8>>);

/// A server's `state()`, with a panic in it reported rather than propagated.
pub fn state_of<R: Raft>(node: &RaftNode<R>) -> Result<(u64, bool), String> {
    crate::crash_check::catching("state()", || node.raft().state())
}

/// What the tester knows and checks, shared with its scheduled actions.
pub struct Tester<R> {
    /// Which servers the tester has connected.
    pub connected: Vec<bool>,
    /// The tester's count of each server's incarnations (to aim follow-ups).
    incarnation: Vec<u32>,
    /// What each server applied, by index.
    logs: Vec<BTreeMap<u64, Vec<u8>>>,
    /// The last index each server applied (2D checks).
    last_applied: Vec<u64>,
    /// The highest index any server applied.
    pub max_index: u64,
    /// Snapshots servers delivered with `ApplyMsg::Snapshot` (installed from a
    /// leader's InstallSnapshot) that took them past the last index they had
    /// applied.
    pub snapshots_installed: u64,
    /// Whether this is a 2D scenario (snapshot checks, `snapshot` calls).
    snapshots: bool,
    /// In a 2D scenario, whether the service on each server calls `snapshot`
    /// (a scenario may keep one server's service from snapshotting).
    takes_snapshots: Vec<bool>,
    /// The index of the last snapshot the tester handed each server.
    snapshot_taken: Vec<u64>,
    /// The server that led each term (election safety), and when it was
    /// first seen leading.
    leaders: BTreeMap<u64, (NodeId, Time)>,
    /// For each index, the lowest term a leader gave a command there, by
    /// command (from `start`'s answers).
    started: BTreeMap<u64, BTreeMap<Vec<u8>, u64>>,
    /// The highest term of an entry each server applied in the current
    /// handler, and its index (checked against the server's term after it).
    applied_term: Vec<Option<(u64, u64)>>,
    /// The command each leader gave each index, by (term, index): a leader
    /// never gives an index of its term to two commands.
    given: BTreeMap<(u64, u64), (NodeId, Vec<u8>)>,
    /// Each server's term after its last handler, with the life it was in.
    terms: Vec<(u32, u64)>,
    /// `snapshot` calls to make right after the current event.
    pending: Vec<(NodeId, u32, u64, Vec<u8>)>,
    /// Roles and terms last written to the trace.
    described: Described,
    /// The checks on the calls between servers.
    calls: PeerCalls,
    _raft: PhantomData<fn() -> R>,
}

impl<R: Raft> Tester<R> {
    /// Server `i`'s `(term, is_leader)` after its last handler (see
    /// [`PeerCalls::seen`]).
    pub fn seen(&self, i: NodeId) -> Option<(u64, bool)> {
        self.calls.seen(i)
    }

    /// The state for `n` servers, all connected.
    pub fn new(n: usize, snapshots: bool) -> Tester<R> {
        Tester {
            connected: vec![true; n],
            incarnation: vec![1; n],
            logs: vec![BTreeMap::new(); n],
            last_applied: vec![0; n],
            max_index: 0,
            snapshots_installed: 0,
            snapshots,
            takes_snapshots: vec![true; n],
            snapshot_taken: vec![0; n],
            leaders: BTreeMap::new(),
            started: BTreeMap::new(),
            applied_term: vec![None; n],
            given: BTreeMap::new(),
            terms: vec![(1, 0); n],
            pending: Vec::new(),
            described: Described::default(),
            calls: PeerCalls::new(n),
            _raft: PhantomData,
        }
    }

    /// How many servers applied `index`, and the command they applied. Fails if two
    /// servers applied different commands there.
    pub fn n_committed(&self, index: u64) -> Result<(usize, Option<Vec<u8>>), String> {
        let mut count = 0;
        let mut agreed: Option<(usize, &Vec<u8>)> = None;
        for (i, log) in self.logs.iter().enumerate() {
            if let Some(command) = log.get(&index) {
                if let Some((j, other)) = agreed
                    && other != command
                {
                    return Err(format!(
                        "committed values do not match: index {index}, server {j} applied {}, server {i} applied {}",
                        show(other),
                        show(command)
                    ));
                }
                count += 1;
                agreed = Some((i, command));
            }
        }
        Ok((count, agreed.map(|(_, c)| c.clone())))
    }

    /// Server `i` restarts: its applied log is replayed from the start, or from the
    /// snapshot it saved (`snapshot` holds the persisted snapshot, maybe empty).
    pub fn restarted(&mut self, i: NodeId, snapshot: &[u8]) -> Result<(), String> {
        self.incarnation[i] += 1;
        self.last_applied[i] = 0;
        if !snapshot.is_empty() {
            self.ingest(i, snapshot, None)
        } else {
            Ok(())
        }
    }

    /// The last index server `i` applied in its current life (2D scenarios).
    pub fn last_applied(&self, i: NodeId) -> u64 {
        self.last_applied[i]
    }

    /// The index of the last snapshot the tester handed server `i` (2D
    /// scenarios; 0 if none).
    pub fn snapshot_taken(&self, i: NodeId) -> u64 {
        self.snapshot_taken[i]
    }

    /// Whether the service on server `i` calls `snapshot` every
    /// [`SNAPSHOT_INTERVAL`] applied commands (2D scenarios; on by default).
    pub fn set_takes_snapshots(&mut self, i: NodeId, on: bool) {
        self.takes_snapshots[i] = on;
    }

    /// Every server's applied commands, for failure messages.
    fn describe_logs(&self, index: u64) -> String {
        let lo = index.saturating_sub(2).max(1);
        let rows: Vec<String> = self
            .logs
            .iter()
            .enumerate()
            .map(|(i, log)| {
                let cells: Vec<String> = (lo..=index + 1)
                    .map(|k| log.get(&k).map_or("-".to_string(), |c| show(c)))
                    .collect();
                format!("server {i}: [{}]", cells.join(" "))
            })
            .collect();
        format!(
            "applied at indices {lo}..{}: {}",
            index + 1,
            rows.join("; ")
        )
    }

    /// Records that server `i` applied `command` at `index`, after checking it
    /// against every server's applied log.
    fn check_apply(&mut self, i: NodeId, index: u64, command: Vec<u8>) -> Result<(), String> {
        for (j, log) in self.logs.iter().enumerate() {
            if let Some(old) = log.get(&index)
                && *old != command
            {
                return Err(format!(
                    "apply error: commit index={index} server={i} {} != server={j} {} \
                     (State Machine Safety: servers must apply the same command at the same index); {}",
                    show(&command),
                    show(old),
                    self.describe_logs(index)
                ));
            }
        }
        if index == 0 {
            return Err(format!(
                "apply error: server {i} applied index 0; log indices start at 1"
            ));
        }
        let prev_ok = index == 1 || self.logs[i].contains_key(&(index - 1));
        self.logs[i].insert(index, command);
        self.max_index = self.max_index.max(index);
        if !prev_ok {
            return Err(format!(
                "apply error: server {i} apply out of order {index} (index {} was never applied)",
                index - 1
            ));
        }
        Ok(())
    }

    /// Replaces server `i`'s applied log with the tester's image in `snapshot`.
    fn ingest(&mut self, i: NodeId, snapshot: &[u8], index: Option<u64>) -> Result<(), String> {
        let (last, log): Image = labrpc::decode(snapshot).map_err(|e| {
            format!("apply error: server {i} delivered a snapshot the tester cannot decode ({e}); it must be the bytes given to snapshot()")
        })?;
        if let Some(index) = index
            && index != last
        {
            return Err(format!(
                "apply error: server {i} snapshot doesn't match m.SnapshotIndex: the message says index {index}, the snapshot was taken at {last}"
            ));
        }
        if log.len() as u64 != last {
            return Err(format!(
                "apply error: server {i} delivered a corrupted snapshot"
            ));
        }
        let mut image = BTreeMap::new();
        for (k, command) in (1..).zip(log) {
            for (j, other) in self.logs.iter().enumerate() {
                if j != i
                    && let Some(old) = other.get(&k)
                    && *old != command
                {
                    return Err(format!(
                        "apply error: server {i} installed a snapshot with {} at index {k}, but server {j} applied {}",
                        show(&command),
                        show(old)
                    ));
                }
            }
            image.insert(k, command);
        }
        self.logs[i] = image;
        self.last_applied[i] = last;
        self.max_index = self.max_index.max(last);
        Ok(())
    }

    /// Leader `i` answered `start(command)` with (`index`, `term`). Fails if
    /// its `state()` right after said otherwise (not leader, or another term),
    /// or if that index of that term was given to another command before.
    pub fn started(
        &mut self,
        i: NodeId,
        index: u64,
        term: u64,
        command: Vec<u8>,
    ) -> Result<(), String> {
        let seen = self.calls.seen(i);
        if seen != Some((term, true)) {
            let said = match seen {
                Some((t, true)) => format!("leader of term {t}"),
                Some((t, false)) => format!("not leader, in term {t}"),
                None => "nothing".to_string(),
            };
            return Err(format!(
                "server {i} answered start({}) with index {index} in term {term}, but its \
                 state() right after said {said} (start returns the index and current term \
                 only if this server is the leader, and None otherwise)",
                show(&command)
            ));
        }
        let (j, other) = self
            .given
            .entry((term, index))
            .or_insert_with(|| (i, command.clone()));
        if *other != command {
            return Err(format!(
                "server {i}, leader of term {term}, answered start({}) with index {index}, \
                 which server {j} had given to {} in the same term (Figure 3, Leader \
                 Append-Only: a leader never overwrites or deletes entries in its log, so an \
                 index it has given stays that command's)",
                show(&command),
                show(other)
            ));
        }
        let terms = self.started.entry(index).or_default();
        let lowest = terms.entry(command).or_insert(term);
        *lowest = (*lowest).min(term);
        Ok(())
    }

    fn on_apply(&mut self, i: NodeId, msg: ApplyMsg) -> Result<(), String> {
        match msg {
            ApplyMsg::Command { index, command } => {
                // The entry's term, if the tester started this command here:
                // the server's term must reach it (checked after the handler).
                if let Some(&term) = self.started.get(&index).and_then(|t| t.get(&command))
                    && self.applied_term[i].is_none_or(|(t, _)| t < term)
                {
                    self.applied_term[i] = Some((term, index));
                }
                if self.snapshots && index != self.last_applied[i] + 1 {
                    return Err(format!(
                        "apply error: server {i} apply out of order, expected index {}, got {index}",
                        self.last_applied[i] + 1
                    ));
                }
                self.check_apply(i, index, command)?;
                self.last_applied[i] = index;
                if self.snapshots && self.takes_snapshots[i] && (index + 1) % SNAPSHOT_INTERVAL == 0
                {
                    self.snapshot_taken[i] = index;
                    let log: Vec<Vec<u8>> = (1..=index)
                        .map(|k| self.logs[i].get(&k).cloned().unwrap_or_default())
                        .collect();
                    let image = labrpc::encode(&(index, log));
                    self.pending.push((i, self.incarnation[i], index, image));
                }
                Ok(())
            }
            ApplyMsg::Snapshot {
                index, snapshot, ..
            } => {
                // Evidence of an install is a snapshot that brings a server
                // state it had not applied: one it already has, delivered
                // again, brings nothing.
                if index > self.last_applied[i] {
                    self.snapshots_installed += 1;
                }
                if self.snapshots && index < self.last_applied[i] {
                    return Err(format!(
                        "apply error: server {i} delivered a snapshot of index {index} after \
                         applying index {}: its state machine would go back in time. A \
                         snapshot older than what a server has committed brings nothing and \
                         is refused (§7; applied entries are never undone)",
                        self.last_applied[i]
                    ));
                }
                if self.snapshots {
                    self.ingest(i, &snapshot, Some(index))
                } else {
                    Ok(())
                }
            }
        }
    }
}

impl<R: Raft> Observer<RaftProtocol<R>> for Tester<R> {
    crate::peer_calls::peer_call_hooks!();

    fn on_output(&mut self, _now: Time, node: NodeId, output: ApplyMsg) -> Result<(), String> {
        self.on_apply(node, output)
    }

    fn after_handler(&mut self, now: Time, node: NodeId, state: &dyn Any) -> Result<(), String> {
        let raft = state.downcast_ref::<RaftNode<R>>().expect("a Raft server");
        let (term, leader) = state_of(raft).map_err(|e| format!("server {node}'s {e}"))?;
        self.calls.handled(node, term, leader)?;
        if let Some((entry_term, index)) = self.applied_term[node].take()
            && term < entry_term
        {
            return Err(format!(
                "server {node} applied index {index}, an entry of term {entry_term}, while in term \
                 {term} (Figure 2: a server that accepts a leader's entries adopts its term \
                 (\"if RPC request contains term T > currentTerm: set currentTerm = T\"), so its \
                 currentTerm is never below the term of an entry in its log)"
            ));
        }
        let life = self.incarnation[node];
        let (seen_life, seen_term) = self.terms[node];
        if seen_life == life && term < seen_term {
            return Err(format!(
                "server {node}'s term went down from {seen_term} to {term} (Figure 2: \
                 currentTerm increases monotonically)"
            ));
        }
        self.terms[node] = (life, term);
        if leader {
            let (first, _) = *self.leaders.entry(term).or_insert((node, now));
            if first != node {
                return Err(format!(
                    "election safety violated: servers {first} and {node} are both leader in term {term} \
                     (Figure 2: at most one leader can be elected in a given term)"
                ));
            }
        }
        Ok(())
    }

    fn status(&mut self, node: NodeId, state: &dyn Any, out: &mut String) {
        if let Some(raft) = state.downcast_ref::<RaftNode<R>>() {
            self.described
                .describe(node, || (raft.raft().role(), raft.raft().state().0), out);
        }
    }

    fn follow_ups(&mut self) -> Vec<Action<RaftProtocol<R>, Self>> {
        self.pending
            .drain(..)
            .map(
                |(i, incarnation, index, image)| -> Action<RaftProtocol<R>, Self> {
                    Box::new(move |sim: &mut RaftSim<R>| {
                        if sim.is_alive(i) && sim.incarnation(i) == incarnation {
                            sim.invoke(i, |node: &mut RaftNode<R>, ctx| {
                                node.snapshot(ctx, index, image)
                            })
                            .map_err(|e| e.to_string())?;
                        }
                        Ok(())
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(index: u64) -> ApplyMsg {
        ApplyMsg::Command {
            index,
            command: cmd(index),
        }
    }

    #[test]
    fn a_leader_that_gives_an_index_of_its_term_twice_is_named() {
        let mut tester = Tester::<crate::registry::TreeRaft>::new(3, false);
        tester.calls.said(0, 2, true);
        tester.started(0, 4, 2, cmd(1)).unwrap();
        tester.started(0, 4, 2, cmd(1)).unwrap();
        tester.calls.said(1, 3, true);
        tester.started(1, 4, 3, cmd(2)).unwrap();
        let e = tester.started(0, 4, 2, cmd(3)).unwrap_err();
        assert!(
            e.contains("server 0, leader of term 2, answered start(3) with index 4")
                && e.contains("Leader Append-Only"),
            "{e}"
        );
    }

    #[test]
    fn a_start_answered_by_a_server_that_does_not_say_it_leads_is_named() {
        let mut tester = Tester::<crate::registry::TreeRaft>::new(3, false);
        tester.calls.said(2, 5, false);
        let e = tester.started(2, 7, 5, cmd(1)).unwrap_err();
        assert!(
            e.contains("server 2 answered start(1) with index 7 in term 5")
                && e.contains("said not leader, in term 5"),
            "{e}"
        );
        tester.calls.said(2, 6, true);
        let e = tester.started(2, 7, 5, cmd(1)).unwrap_err();
        assert!(e.contains("said leader of term 6"), "{e}");
        tester.calls.said(2, 5, true);
        tester.started(2, 7, 5, cmd(1)).unwrap();
    }

    #[test]
    fn a_snapshot_older_than_what_was_applied_is_named() {
        let mut tester = Tester::<crate::registry::TreeRaft>::new(3, true);
        for index in 1..=3 {
            tester.on_output(Time::ZERO, 1, apply(index)).unwrap();
        }
        let e = tester
            .on_output(
                Time::ZERO,
                1,
                ApplyMsg::Snapshot {
                    index: 2,
                    term: 1,
                    snapshot: Vec::new(),
                },
            )
            .unwrap_err();
        assert!(
            e.contains("server 1 delivered a snapshot of index 2 after applying index 3"),
            "{e}"
        );
    }
}
