//! The heartbeat limit, checked on every call one server makes to another:
//! a server that sends a peer the same request again as soon as the last one
//! was answered (an idle leader's heartbeat with nothing new in it, a vote
//! asked for again) more than [`MAX_REPEATS`] times in one virtual second
//! sends far more than the lab allows (about 10 heartbeats per second per
//! peer), and fails at the call that crosses the line.
//!
//! Only answered repeats count: a call that failed (a lost message, a peer
//! cut off or down) may be retried as it is, and a request that differs from
//! the last (new entries, a new commit index, a new term) is news.

use std::collections::BTreeMap;

use labrpc::{CallSeen, NodeId, Time};

/// Answered repeats of one request a server may send one peer in a virtual
/// second: five times the lab's limit on heartbeats, so that only a loop
/// (not a short heartbeat interval) fails.
pub const MAX_REPEATS: u32 = 50;

/// What the tester remembers of the calls from one server to another.
#[derive(Clone, Copy, Debug, Default)]
struct Pair {
    /// The hash of the last request.
    hash: u64,
    /// The number of the last call.
    call: Option<u64>,
    /// Whether the last call was answered (never before the first call).
    answered: bool,
    /// The virtual second `count` is for.
    second: u64,
    /// Answered repeats in that second.
    count: u32,
}

/// The calls of each server to each peer (the caller decides which calls
/// are between servers of one Raft group).
#[derive(Clone, Debug, Default)]
pub struct Repeats {
    pairs: BTreeMap<(NodeId, NodeId), Pair>,
}

impl Repeats {
    /// A server made `call`: fails if it is one repeat too many.
    pub fn called(&mut self, now: Time, call: &CallSeen) -> Result<(), String> {
        let pair = self.pairs.entry((call.from, call.to)).or_default();
        let second = now.as_micros() / 1_000_000;
        if pair.second != second {
            pair.second = second;
            pair.count = 0;
        }
        if pair.answered && pair.hash == call.hash {
            pair.count += 1;
            if pair.count > MAX_REPEATS {
                let what = call
                    .topic
                    .map_or("request".to_string(), |t| format!("{t} request"));
                return Err(format!(
                    "server {} sent server {} the same {what} {} times in the virtual second from \
                     {second} s, each time as soon as the previous one had been answered: a \
                     server sends a peer something again when it has news for it (entries, a \
                     commit index, a term) or when a heartbeat is due, and the lab allows about \
                     10 heartbeats per second per peer (6.824 Lab 2A: heartbeat about every \
                     100 ms); this tester fails more than {MAX_REPEATS} repeats",
                    call.from, call.to, pair.count
                ));
            }
        }
        pair.hash = call.hash;
        pair.call = Some(call.call);
        pair.answered = false;
        Ok(())
    }

    /// Call number `call` from `caller` to `server` came back, `answered` or
    /// not.
    pub fn returned(&mut self, caller: NodeId, server: NodeId, call: u64, answered: bool) {
        if let Some(pair) = self.pairs.get_mut(&(caller, server))
            && pair.call == Some(call)
        {
            pair.answered = answered;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: u64, hash: u64) -> CallSeen {
        CallSeen {
            from: 0,
            to: 1,
            call: id,
            hash,
            topic: Some("append"),
        }
    }

    /// Sends `n` calls of `hash` at 1 ms intervals from `at`, each answered
    /// (or not) before the next: the first error.
    fn send(r: &mut Repeats, at: u64, n: u64, hash: u64, answered: bool) -> Result<(), String> {
        for k in 0..n {
            let id = at * 1000 + k;
            r.called(Time::from_millis(at + k), &call(id, hash))?;
            r.returned(0, 1, id, answered);
        }
        Ok(())
    }

    #[test]
    fn a_heartbeat_every_millisecond_fails_naming_both_servers() {
        let mut r = Repeats::default();
        let err = send(&mut r, 0, 100, 7, true).unwrap_err();
        assert!(
            err.contains("server 0 sent server 1 the same append request 51 times"),
            "{err}"
        );
    }

    #[test]
    fn fifty_repeats_a_second_pass_and_the_count_starts_again_each_second() {
        let mut r = Repeats::default();
        // 51 calls: the first is new, 50 repeat it; in the next second all
        // 50 repeat it.
        send(&mut r, 0, 51, 7, true).unwrap();
        send(&mut r, 1000, 50, 7, true).unwrap();
        assert!(send(&mut r, 1050, 1, 7, true).is_err());
    }

    #[test]
    fn failed_calls_and_changed_requests_are_not_repeats() {
        let mut r = Repeats::default();
        send(&mut r, 0, 500, 7, false).unwrap();
        for k in 0..500 {
            send(&mut r, 500 + k, 1, k, true).unwrap();
        }
    }
}
