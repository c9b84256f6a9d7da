//! The term rule on replies, checked on every reply one server sends
//! another: a server that gets a reply from a peer in a higher term adopts
//! that term while handling it (Figure 2, Rules for All Servers: "if RPC
//! request or response contains term T > currentTerm: set currentTerm = T,
//! convert to follower"). The tester cannot read the reply (its type is
//! yours), but a reply carries the replier's `current_term` (Figure 2), and
//! the tester sees the replier's term right after the handler that answered.
//!
//! Only replies are checked, not requests: a PreVote (the thesis' §9.6)
//! legitimately asks with a term its receiver does not adopt.

use std::collections::BTreeMap;

use labrpc::NodeId;

/// A reply on its way back, and the call it answers.
#[derive(Clone, Copy, Debug)]
struct Answer {
    /// The replier.
    server: NodeId,
    /// The replier's term right after it answered.
    term: u64,
}

/// A reply the caller is handling: its term must be reached.
#[derive(Clone, Copy, Debug)]
struct Owed {
    caller: NodeId,
    server: NodeId,
    term: u64,
    topic: Option<&'static str>,
}

/// The replies among servers, and what each caller owes.
#[derive(Clone, Debug, Default)]
pub struct ReplyTerms {
    /// Each server's term after its last handler, by id.
    known: Vec<Option<u64>>,
    /// Replies sent and not yet back, by call number.
    answers: BTreeMap<u64, Answer>,
    /// The reply being handled, if it carried a higher term than its
    /// caller's.
    owed: Option<Owed>,
}

impl ReplyTerms {
    /// `server` answered call number `call` (right after its handler).
    pub fn replied(&mut self, server: NodeId, call: u64) {
        if let Some(Some(term)) = self.known.get(server) {
            self.answers.insert(
                call,
                Answer {
                    server,
                    term: *term,
                },
            );
        }
    }

    /// Call number `call` of `caller` came back, `answered` or not; its
    /// kind is `topic`. Returns the replier and its term right after it
    /// answered, if it did and the tester knew its term.
    pub fn returned(
        &mut self,
        caller: NodeId,
        call: u64,
        answered: bool,
        topic: Option<&'static str>,
    ) -> Option<(NodeId, u64)> {
        let answer = self.answers.remove(&call)?;
        let behind = self
            .known
            .get(caller)
            .copied()
            .flatten()
            .is_some_and(|term| term < answer.term);
        if answered && behind {
            self.owed = Some(Owed {
                caller,
                server: answer.server,
                term: answer.term,
                topic,
            });
        }
        answered.then_some((answer.server, answer.term))
    }

    /// Server `node` finished a handler in `term`: fails if it was handling
    /// a reply of a higher term and did not adopt it.
    pub fn handled(&mut self, node: NodeId, term: u64) -> Result<(), String> {
        if self.known.len() <= node {
            self.known.resize(node + 1, None);
        }
        self.known[node] = Some(term);
        let Some(owed) = self.owed.take() else {
            return Ok(());
        };
        if owed.caller != node || term >= owed.term {
            return Ok(());
        }
        let what = owed
            .topic
            .map_or("call".to_string(), |t| format!("{t} call"));
        Err(format!(
            "server {} handled server {}'s reply to its {what}, which server {} sent in term \
             {} (a reply carries the replier's currentTerm), and stayed in term {term} \
             (Figure 2, Rules for All Servers: if RPC request or response contains term \
             T > currentTerm: set currentTerm = T, convert to follower; the Students' Guide: \
             record the reply's term first, then drop the reply if it is stale)",
            owed.caller, owed.server, owed.server, owed.term
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Server 1 (term `t1`) answers a call of server 0 (term `t0`), which
    /// then ends its handler in `after`.
    fn exchange(t0: u64, t1: u64, after: u64) -> Result<(), String> {
        let mut r = ReplyTerms::default();
        r.handled(0, t0)?;
        r.handled(1, t1)?;
        r.replied(1, 9);
        r.returned(0, 9, true, Some("vote"));
        r.handled(0, after)
    }

    #[test]
    fn a_caller_that_keeps_its_term_after_a_reply_of_a_higher_one_fails() {
        let err = exchange(3, 5, 3).unwrap_err();
        assert!(
            err.contains("server 0 handled server 1's reply to its vote call"),
            "{err}"
        );
        assert!(
            err.contains("term 5") && err.contains("stayed in term 3"),
            "{err}"
        );
    }

    #[test]
    fn adopting_the_term_or_a_reply_of_no_higher_term_passes() {
        exchange(3, 5, 5).unwrap();
        exchange(3, 5, 6).unwrap();
        exchange(5, 3, 5).unwrap();
        exchange(5, 5, 5).unwrap();
    }

    #[test]
    fn a_failed_call_or_an_unknown_replier_owes_nothing() {
        let mut r = ReplyTerms::default();
        r.handled(0, 3).unwrap();
        r.handled(1, 5).unwrap();
        r.replied(1, 9);
        r.returned(0, 9, false, None);
        r.replied(2, 10);
        r.returned(0, 10, true, None);
        r.handled(0, 3).unwrap();
    }
}
