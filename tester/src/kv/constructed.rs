//! raftlab's constructed kvraft scenarios: each puts the service, with
//! partitions, a whole-cluster restart and one request delivered again, exactly
//! where one rule of the lab decides, so that a server breaking it fails on
//! every seed rather than when load and timing happen to line up.

use std::time::Duration;

use kvraft::Op;
use kvraft::world::KvWorld;
use labrpc::NodeId;

use crate::kv::config::{KvConfig, leads};
use crate::kv::generic::check_sizes;
use crate::kv::part_3b::MAX_RAFT_STATE;
use crate::registry::RunSpec;
use crate::report::{Check, Report};

/// How long a request may take once a majority and its clerk are connected.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// How long a clerk that reaches only the cut-off leader may take to reach
/// it (its calls to the others fail first).
const REACH_WITHIN: Duration = Duration::from_millis(600);

/// How long a rejoining leader hears the others before they hear it: long
/// enough for a few heartbeats.
const ONE_WAY_FOR: Duration = Duration::from_millis(300);

impl<W: KvWorld> KvConfig<W> {
    /// Runs until `clerk`'s operation has finished, for at most `limit`:
    /// whether it finished.
    fn finishes_within(&mut self, clerk: NodeId, limit: Duration) -> Check<bool> {
        self.h
            .run_until_or(limit, |sim| sim.observer().has_finished(clerk))
    }
}

/// A request waiting at a cut-off leader whose index is taken by another
/// leader's command must be answered, so that its clerk tries elsewhere.
///
/// Three servers. Leader L is cut off alone; the other two elect a leader
/// and commit three Puts, at the indexes after the last one L shares with
/// them. Then a clerk that reaches only L hands it a Put: L, still leading
/// its old term, gives it the first of those indexes. 100 ms after L has
/// saved that entry (at most 600 ms after the Put was handed out) the
/// others can reach L (not yet L them): the new leader's AppendEntries
/// replaces L's entry at that index with its own. 300 ms later everyone is
/// connected. The clerk must get its answer (a refusal, then success
/// elsewhere) within 5 s, and the Put must have taken effect. Rule: a server
/// answers every request it takes; when a different command is applied at
/// the index `start` returned, leadership was lost and the clerk must be told
/// to try another server (the Lab 3A hints).
pub fn overwritten_request_answered_3a<W: KvWorld>(spec: &RunSpec) -> Report {
    KvConfig::<W>::run(spec, 3, false, None, |cfg| {
        let all = cfg.all();
        let first = cfg.make_client(&all, 0)?;
        cfg.put(first, "a", "0", true)?;
        // Heartbeats bring every server's log and commit up to the leader's.
        cfg.sleep(Duration::from_millis(500))?;
        let Some(old) = cfg.leader() else {
            return Err(cfg.failure("no server leads right after a Put completed"));
        };
        let rest: Vec<NodeId> = all.iter().copied().filter(|&i| i != old).collect();
        cfg.partition(&[old], &rest);
        let majority = cfg.make_client(&rest, 1)?;
        for j in 0..3 {
            cfg.put(majority, "b", &j.to_string(), true)?;
        }
        if !leads(&cfg.h.sim, old) {
            cfg.note(format!(
                "server {old}, cut off, no longer claims to lead: its clerk will be refused at once"
            ));
        }
        let alone = cfg.make_client(&[old], 2)?;
        let saved = cfg.h.sim.persister(old).state_size();
        cfg.start_op(
            alone,
            Op::Put {
                key: "c".to_string(),
                value: "lost".to_string(),
            },
            true,
        )?;
        // The clerk may first try the servers it cannot reach; L persists the
        // entry it gives the Put.
        cfg.h
            .run_until_or(REACH_WITHIN, |sim| sim.persister(old).state_size() != saved)?;
        cfg.sleep(Duration::from_millis(100))?;
        // First only the others reach L, so that L learns of the new term from
        // the new leader's AppendEntries, not from the replies to its own.
        cfg.note(format!("enable the ends from {rest:?} to {old}"));
        for &j in &rest {
            cfg.h.sim.set_end(j, old, true);
        }
        cfg.sleep(ONE_WAY_FOR)?;
        cfg.connect_all();
        cfg.connect_client(alone, &all);
        if !cfg.finishes_within(alone, ANSWER_WITHIN)? {
            return Err(cfg.failure(format!(
                "client 2's Put(c) was handed to server {old} while it led alone, cut off; \
                 {} s after everyone was connected again it has had no answer, although a \
                 leader and a majority were connected all that time. A server answers every \
                 request it takes: when another command is applied at the index start() \
                 returned, leadership was lost, and the clerk must be told to try another \
                 server (Lab 3A hints)",
                ANSWER_WITHIN.as_secs()
            )));
        }
        cfg.h.sim.observer_mut().take_finished(alone);
        cfg.check(first, "b", "2")?;
        cfg.check(first, "c", "lost")
    })
}

/// A write delivered again after every server restarted from a snapshot
/// that covers it must not take effect a second time.
///
/// Three servers, `maxraftstate` 1000. Client A appends "a" to key k through
/// leader S, and the request is kept. Client B then puts 100 values of 100
/// bytes, so that every server's snapshot covers A's append (a log still
/// holding it would be over 8 times `maxraftstate`). Server X is cut off and
/// B puts three more values, so that X's log is behind S's; then all three
/// servers are shut down and started again, only S and X connected: S is the
/// only server that can win. Once S leads, A's kept request is delivered to
/// it again, and k must still read "a". Rule: the snapshot holds the
/// duplicate table (each client's latest applied request) with the data, so
/// that a server restored from it still knows which writes it has applied
/// (the Lab 3B text; §8 of the Raft paper).
///
/// Premises: every server persisted a snapshot before the restart, and A's
/// request to S was kept.
pub fn retried_write_after_snapshot_restart_3b<W: KvWorld>(spec: &RunSpec) -> Report {
    KvConfig::<W>::run(spec, 3, false, Some(MAX_RAFT_STATE), |cfg| {
        let all = cfg.all();
        let b = cfg.make_client(&all, 0)?;
        cfg.put(b, "x", "0", true)?;
        let Some(s) = cfg.leader() else {
            return Err(cfg.failure("no server leads right after a Put completed"));
        };
        let a = cfg.make_client(&[s], 1)?;
        cfg.h.sim.keep_copies(a, true);
        cfg.append(a, "k", "a", true)?;
        cfg.h.sim.keep_copies(a, false);
        let kept: Vec<usize> = (cfg.h.sim.copies().iter().enumerate())
            .filter(|(_, c)| c.caller() == a && c.server() == s)
            .map(|(i, _)| i)
            .collect();
        cfg.h.premise(
            "the append's request to the leader was kept",
            !kept.is_empty(),
            format!("{} copies of client A's calls to server {s}", kept.len()),
        );
        let filler = "v".repeat(100);
        for j in 0..100 {
            cfg.put(b, &format!("f{j}"), &filler, false)?;
        }
        // A log that still held A's append would hold the 100 puts after it.
        check_sizes(cfg, Some(MAX_RAFT_STATE))?;
        let with = cfg.h.servers_with_snapshot(cfg.n);
        cfg.h.premise(
            "every server persisted a snapshot before the restart",
            with == cfg.n,
            format!("{with} of {} servers persisted a snapshot", cfg.n),
        );
        let behind = (s + 1) % cfg.n;
        cfg.disconnect(behind, &all);
        for j in 0..3 {
            cfg.put(b, "y", &j.to_string(), false)?;
        }
        for i in 0..cfg.n {
            cfg.shutdown_server(i);
        }
        for i in 0..cfg.n {
            cfg.start_server(i)?;
        }
        cfg.connect(s, &[behind]);
        let elected = cfg.h.run_until_or(ANSWER_WITHIN, |sim| leads(sim, s))?;
        if !elected {
            return Err(cfg.failure(format!(
                "after a restart of all servers, with only servers {s} and {behind} connected, \
                 server {s} did not become leader within {} s; its log is longer than server \
                 {behind}'s, so it is the only one that can win (§5.4.1), and it must",
                ANSWER_WITHIN.as_secs()
            )));
        }
        for &c in &kept {
            cfg.h
                .sim
                .echo_request(c, false)
                .map_err(|e| cfg.failure(format!("tester: {e}")))?;
        }
        cfg.sleep(Duration::from_millis(500))?;
        let reader = cfg.make_client(&[s], 2)?;
        let got = cfg.get(reader, "k", false)?;
        if got != "a" {
            return Err(cfg.failure(format!(
                "Get(k) read {got:?}, expected \"a\": client A's append to k, delivered again \
                 after every server had restarted from a snapshot that covers it, took effect \
                 again. The snapshot must hold the duplicate table (each client's latest \
                 applied request) with the data, so that a restored server still knows which \
                 writes it has applied (Lab 3B; Raft paper §8)"
            )));
        }
        Ok(())
    })
}
