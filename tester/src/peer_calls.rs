//! [`PeerCalls`]: the checks on the calls between the servers of one Raft
//! group, which every tester (Raft, kvraft, the controller, shardkv) runs on
//! every call: the heartbeat limit ([`Repeats`]), the term rule on replies
//! ([`ReplyTerms`]) and a leader's quorum ([`LeaderQuorum`]). It knows which nodes are servers of which group: a
//! clerk's calls, and a shardkv server's calls to another group or to the
//! controller, are not Raft's and are not checked.

use std::collections::BTreeMap;

use labrpc::{CallId, CallSeen, NodeId, Time};

use crate::leader_quorum::LeaderQuorum;
use crate::repeats::Repeats;
use crate::reply_terms::ReplyTerms;

/// The calls between servers of one group, and what the tester checks of them.
#[derive(Clone, Debug, Default)]
pub struct PeerCalls {
    /// Each node's Raft group, if it is a server, by id.
    group: Vec<Option<usize>>,
    repeats: Repeats,
    terms: ReplyTerms,
    quorum: LeaderQuorum,
    /// The kind of each call between servers not yet back, by call number.
    topics: BTreeMap<u64, Option<&'static str>>,
    /// Each server's `(term, is_leader)` after its last handler, by id.
    seen: Vec<Option<(u64, bool)>>,
}

impl PeerCalls {
    /// Watches the calls among nodes `0..servers`, one Raft group.
    pub fn new(servers: usize) -> PeerCalls {
        let mut calls = PeerCalls::default();
        for i in 0..servers {
            calls.watch(i, 0);
        }
        calls
    }

    /// Watches the calls of server `node` to the other servers of Raft group
    /// `group`.
    pub fn watch(&mut self, node: NodeId, group: usize) {
        if self.group.len() <= node {
            self.group.resize(node + 1, None);
        }
        self.group[node] = Some(group);
    }

    /// Server `node`'s `(term, is_leader)` as its `state()` said right after
    /// its last handler (None if it never ran one). The scenarios read this,
    /// not `state()` again: between handlers an honest server's state does
    /// not change, and a `state()` that answers each caller differently
    /// cannot tell the checks one thing and the scenario another.
    pub fn seen(&self, node: NodeId) -> Option<(u64, bool)> {
        self.seen.get(node).copied().flatten()
    }

    /// Records that server `node`'s `state()` said `(term, leader)`, as if
    /// after a handler, without the checks (for the testers' unit tests).
    #[cfg(test)]
    pub fn said(&mut self, node: NodeId, term: u64, leader: bool) {
        if self.seen.len() <= node {
            self.seen.resize(node + 1, None);
        }
        self.seen[node] = Some((term, leader));
    }

    /// Whether `node` is a server of some Raft group.
    pub fn is_server(&self, node: NodeId) -> bool {
        self.group.get(node).copied().flatten().is_some()
    }

    fn peers(&self, from: NodeId, to: NodeId) -> bool {
        let group = |i: NodeId| self.group.get(i).copied().flatten();
        matches!((group(from), group(to)), (Some(a), Some(b)) if a == b)
    }

    /// A node made `call` ([`labrpc::Observer::on_call`]).
    pub fn called(&mut self, now: Time, call: &CallSeen) -> Result<(), String> {
        if !self.peers(call.from, call.to) {
            return Ok(());
        }
        self.topics.insert(call.call, call.topic);
        self.repeats.called(now, call)
    }

    /// A node answered a call ([`labrpc::Observer::on_reply`]).
    pub fn replied(&mut self, server: NodeId, caller: NodeId, call: u64) {
        if self.peers(caller, server) {
            self.terms.replied(server, call);
        }
    }

    /// A call came back ([`labrpc::Observer::on_return`]). A copy the tester
    /// delivered again is checked too: its reply is as much a reply (it is no
    /// repeat: [`Repeats`] knows only the calls servers made).
    pub fn returned(&mut self, caller: NodeId, server: NodeId, call: CallId, answered: bool) {
        if !self.peers(caller, server) {
            return;
        }
        let call = call.number();
        self.repeats.returned(caller, server, call, answered);
        let topic = self.topics.remove(&call).flatten();
        if let Some((server, term)) = self.terms.returned(caller, call, answered, topic) {
            self.quorum.answered(caller, server, term);
        }
    }

    /// Node `node` starts a new life ([`labrpc::Observer::on_start`]).
    pub fn started(&mut self, node: NodeId) {
        self.quorum.started(node);
    }

    /// Server `node` finished a handler in `term`, saying it leads if
    /// `leader` ([`labrpc::Observer::after_handler`]).
    pub fn handled(&mut self, node: NodeId, term: u64, leader: bool) -> Result<(), String> {
        if self.seen.len() <= node {
            self.seen.resize(node + 1, None);
        }
        self.seen[node] = Some((term, leader));
        self.terms.handled(node, term)?;
        let Some(group) = self.group.get(node).copied().flatten() else {
            return Ok(());
        };
        let servers = self.group.iter().filter(|g| **g == Some(group)).count();
        self.quorum.handled(node, term, leader, servers)
    }
}

/// The [`labrpc::Observer`] hooks that hand a tester's calls to its
/// `calls: PeerCalls` field, expanded inside each tester's `impl Observer`;
/// `peer_call_hooks!(clients)` also tells its `clients: Clients` field of each
/// reply a server's answer brought a clerk.
macro_rules! peer_call_hooks {
    () => {
        $crate::peer_calls::peer_call_hooks!(@hooks |_tester: &mut Self, _caller: NodeId, _server: NodeId, _answered: bool| {});
    };
    (clients) => {
        $crate::peer_calls::peer_call_hooks!(@hooks |tester: &mut Self, caller: NodeId, server: NodeId, answered: bool| {
            let from_server = tester.calls.is_server(server);
            tester.clients.returned(caller, answered && from_server);
        });
    };
    (@hooks $returned:expr) => {
        fn on_call(&mut self, now: labrpc::Time, call: &labrpc::CallSeen) -> Result<(), String> {
            self.calls.called(now, call)
        }

        fn on_reply(&mut self, _now: labrpc::Time, server: NodeId, caller: NodeId, call: u64) {
            self.calls.replied(server, caller, call);
        }

        fn on_return(
            &mut self,
            _now: labrpc::Time,
            caller: NodeId,
            server: NodeId,
            call: labrpc::CallId,
            answered: bool,
        ) {
            self.calls.returned(caller, server, call, answered);
            ($returned)(self, caller, server, answered);
        }

        fn on_start(&mut self, _now: labrpc::Time, node: NodeId) {
            self.calls.started(node);
        }
    };
}
pub(crate) use peer_call_hooks;
