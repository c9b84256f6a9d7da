//! A leader's quorum, seen in the network's record: a server that says it
//! leads term T (its `state()` after a handler) must have heard, by then, in
//! this life, answers to its own calls from enough peers of its Raft group
//! that were in term T right after answering, to make a majority with itself.
//! A winner of an election has (§5.2: "a candidate wins an election if it
//! receives votes from a majority of the servers in the full cluster for the
//! same term", and a voter that grants a vote in term T is in term T);
//! a server that only says it leads has not, however it answers `state()`.
//!
//! This is evidence of contact with a majority in T, not proof of a won vote
//! (the tester cannot read a student's messages); the election-safety check
//! and the scenarios' own checks do the rest.

use std::collections::{BTreeMap, BTreeSet};

use labrpc::NodeId;

/// What each server heard in each term, and which claims were shown.
#[derive(Clone, Debug, Default)]
pub struct LeaderQuorum {
    /// The peers that answered a server's calls in each term, by (server,
    /// term), for terms not below the server's own.
    heard: BTreeMap<(NodeId, u64), BTreeSet<NodeId>>,
    /// (server, term) claims already shown, in each server's current life.
    shown: BTreeSet<(NodeId, u64)>,
}

impl LeaderQuorum {
    /// `server` answered a call of `caller` and the answer came back;
    /// `server` was in `term` right after answering.
    pub fn answered(&mut self, caller: NodeId, server: NodeId, term: u64) {
        if caller != server {
            self.heard.entry((caller, term)).or_default().insert(server);
        }
    }

    /// `node` starts a new life: what it heard before is gone with it.
    pub fn started(&mut self, node: NodeId) {
        self.heard.retain(|(n, _), _| *n != node);
        self.shown.retain(|(n, _)| *n != node);
    }

    /// Server `node`, of a group of `servers`, finished a handler in `term`,
    /// saying it leads if `leader`: fails if it claims a term in which it has
    /// not heard from a majority.
    pub fn handled(
        &mut self,
        node: NodeId,
        term: u64,
        leader: bool,
        servers: usize,
    ) -> Result<(), String> {
        // Older terms can no longer be claimed by it.
        self.heard.retain(|(n, t), _| *n != node || *t >= term);
        if !leader || self.shown.contains(&(node, term)) {
            return Ok(());
        }
        let heard = self.heard.get(&(node, term)).map_or(0, BTreeSet::len);
        let needed = servers / 2;
        if heard >= needed {
            self.shown.insert((node, term));
            return Ok(());
        }
        let peers = servers.saturating_sub(1);
        Err(format!(
            "server {node} says it leads term {term}, but the network shows no election that \
             put it there: by now it has heard answers in term {term} from {heard} of its \
             {peers} peers, and a leader needs the votes of a majority of the {servers} servers \
             (itself and {needed} others) in its term (§5.2: a candidate becomes leader when \
             it receives votes from a majority of the servers for the same term; a server \
             that grants a vote in term T is in term T). `state()` must report what the \
             server is, not what the tests look for"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_without_answers_fails_naming_the_rule() {
        let mut q = LeaderQuorum::default();
        let err = q.handled(0, 1, true, 5).unwrap_err();
        assert!(
            err.contains("server 0 says it leads term 1")
                && err.contains("from 0 of its 4 peers")
                && err.contains("(itself and 2 others)")
                && err.contains("§5.2"),
            "{err}"
        );
    }

    #[test]
    fn a_claim_with_a_majority_in_its_term_passes() {
        let mut q = LeaderQuorum::default();
        q.answered(0, 1, 2);
        q.handled(0, 2, false, 5).unwrap();
        // One peer, one in an older term, itself: not enough.
        q.answered(0, 2, 1);
        q.answered(0, 0, 2);
        assert!(q.handled(0, 2, true, 5).is_err());
        q.answered(0, 3, 2);
        q.handled(0, 2, true, 5).unwrap();
        q.handled(0, 2, true, 5).unwrap();
        // A group of three needs one peer.
        q.answered(4, 5, 7);
        q.handled(4, 7, true, 3).unwrap();
        // Alone, a server is its own majority.
        q.handled(9, 1, true, 1).unwrap();
    }

    #[test]
    fn a_restart_forgets_what_the_last_life_heard() {
        let mut q = LeaderQuorum::default();
        q.answered(0, 1, 3);
        q.handled(0, 3, true, 3).unwrap();
        q.started(0);
        assert!(q.handled(0, 3, true, 3).is_err());
    }
}
