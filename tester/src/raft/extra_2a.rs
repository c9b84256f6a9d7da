//! raftlab's own 2A scenarios: elections where stale messages arrive again
//! (a few, or a storm) and a term is learnt only from replies. Each puts the
//! servers exactly where one rule of Figure 2 decides whether a leader is
//! elected, with the simulator's echoes and one-way ends (which 6.824's
//! tester does not have).

use std::time::Duration;

use labrpc::NodeId;
use raft::Raft;

use crate::raft::config::{Config, Net};
use crate::raft::storm::{TIMER_RULE, in_storm};
use crate::registry::RunSpec;
use crate::report::{Check, Report};

/// How often the stale messages are delivered again.
const ECHO_EVERY: Duration = Duration::from_millis(50);
/// How long the servers have to elect a leader through them.
const ELECT_WITHIN: Duration = Duration::from_secs(5);

/// The calls of a deposed leader, delivered again and again, must not keep
/// the others from electing a new leader.
///
/// Every call is kept from the start: the first election's RequestVotes and
/// the first leader L's heartbeats. L is cut off; the others elect a leader of
/// a later term, who is then cut off too. The three left must elect a leader
/// while every kept call to them (all of terms they have left) reaches them
/// again every 50 ms. Rule: a follower restarts its election timer only on
/// AppendEntries from the current leader or on granting a vote; a request of an
/// older term is refused and changes nothing (Figure 2, Rules for Servers,
/// Followers; AppendEntries and RequestVote receiver 1; the Students' Guide).
pub fn stale_heartbeats_echoed_2a<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        cfg.keep_all_copies(true);
        let old = cfg.check_one_leader()?;
        let old_term = cfg.settled_term()?;
        cfg.sleep(Duration::from_millis(500))?;
        cfg.keep_all_copies(false);
        let until = cfg.now();
        cfg.disconnect(old);
        let new = cfg.check_one_leader()?;
        cfg.settled_term()?;
        cfg.disconnect(new);
        let rest: Vec<NodeId> = (0..cfg.n).filter(|&i| i != old && i != new).collect();
        let stale = kept_for(cfg, &rest, until);
        echo_until_elected(
            cfg,
            &rest,
            old_term,
            &stale,
            &format!(
                "the calls of the first election and of server {old}'s leadership (terms up \
                 to {old_term})"
            ),
        )
    })
}

/// The calls of an earlier election, delivered again and again, must not
/// keep the others from electing a new leader.
///
/// Every call is kept from the start. Server C is cut off and campaigns alone
/// for a few terms. C rejoins and a leader of a later term is elected (should C
/// win the term it campaigned in, it is cut off again and the others elect
/// one); it and C are cut off. The three left must elect a leader while every kept call to
/// them (the first leader's heartbeats, C's RequestVotes: all of terms they
/// have left) reaches them again every 50 ms. Rule: a server restarts its
/// election timer when it grants a vote, not when it refuses one (Figure 2,
/// Rules for Servers, Followers).
pub fn stale_vote_requests_echoed_2a<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        cfg.keep_all_copies(true);
        let leader = cfg.check_one_leader()?;
        let term = cfg.settled_term()?;
        let candidate = (leader + 1) % cfg.n;
        cfg.disconnect(candidate);
        let campaigned = cfg.wait_for_term(candidate, term + 3, Duration::from_secs(5))?;
        cfg.keep_all_copies(false);
        let until = cfg.now();
        let stale_term = cfg.term(candidate)?.unwrap_or(0);
        cfg.h.premise(
            "the cut-off server campaigned for three terms",
            campaigned,
            format!("from term {term} to {stale_term} in 5 s"),
        );
        cfg.connect(candidate);
        let mut leader = cfg.check_one_leader()?;
        if cfg.settled_term()? <= stale_term {
            // C won the term it campaigned in: its kept RequestVotes are of the
            // others' current term, not stale. Cut it off again so that the
            // others elect a leader of a later term.
            cfg.disconnect(leader);
            leader = cfg.check_one_leader()?;
            cfg.settled_term()?;
        }
        let other = if leader == candidate {
            (candidate + 1) % cfg.n
        } else {
            candidate
        };
        cfg.disconnect(leader);
        cfg.disconnect(other);
        let rest: Vec<NodeId> = (0..cfg.n).filter(|&i| i != leader && i != other).collect();
        let stale = kept_for(cfg, &rest, until);
        echo_until_elected(
            cfg,
            &rest,
            stale_term,
            &stale,
            &format!(
                "server {candidate}'s RequestVotes of terms up to {stale_term} and the calls \
                 before them"
            ),
        )
    })
}

/// Votes granted in an earlier election, delivered again to a candidate of a
/// later term, must not count.
///
/// Server L wins an election; the replies to its calls are kept. L is cut off,
/// the others elect a leader of a later term, L rejoins and learns that term,
/// and is cut off again: alone, it campaigns. Its old granted votes are
/// delivered to it again: it must not become leader, having no vote of this
/// term but its own. Rule: a candidate wins with votes from a majority for
/// the same term; a reply to a request of an earlier term is dropped (§5.2;
/// the Students' Guide, term confusion).
pub fn stale_vote_replies_echoed_2a<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        for i in 0..cfg.n {
            cfg.keep_copies(i, true);
        }
        let old = cfg.check_one_leader()?;
        let old_term = cfg.settled_term()?;
        for i in 0..cfg.n {
            cfg.keep_copies(i, false);
        }
        let until = cfg.now();
        let mut replies = Vec::new();
        for j in (0..cfg.n).filter(|&j| j != old) {
            let copies = cfg.copies(Some(old), j, labrpc::Time::ZERO, until);
            replies.extend(cfg.answered(&copies));
        }
        cfg.h.premise(
            "the first leader's calls were answered",
            !replies.is_empty(),
            format!("{} answered calls kept", replies.len()),
        );
        // Cut the first leader off and bring it back as a follower (it may
        // win again on its return: then again).
        let mut follows = false;
        for _ in 0..5 {
            cfg.disconnect(old);
            cfg.check_one_leader()?;
            cfg.connect(old);
            if cfg.check_one_leader()? != old {
                follows = true;
                break;
            }
        }
        cfg.h.premise(
            "the first leader came back as a follower",
            follows,
            format!("server {old} won again 5 times"),
        );
        let term = cfg.settled_term()?;
        cfg.disconnect(old);
        let cut_at = cfg.now();
        let campaigned = cfg.wait_for_term(old, term + 1, Duration::from_secs(5))?;
        let now_term = cfg.term(old)?.unwrap_or(0);
        cfg.h.premise(
            "the cut-off server campaigned",
            campaigned,
            format!("server {old} from term {term} to {now_term} in 5 s"),
        );
        for &r in &replies {
            cfg.echo_reply(r)?;
        }
        cfg.sleep(Duration::from_millis(10))?;
        if let Some((t, true)) = cfg.state(old)?
            && t > term
        {
            return Err(cfg.failure(format!(
                "server {old}, cut off from every server since {cut_at}, became leader of \
                 term {t} (a candidate of term {now_term}) when the replies granting it votes \
                 in term {old_term} were delivered to it again: a candidate wins with votes \
                 from a majority for the same term; drop a reply to a request of an earlier \
                 term (§5.2; the Students' Guide, term confusion)"
            )));
        }
        cfg.connect(old);
        cfg.check_one_leader()?;
        Ok(())
    })
}

/// A candidate that hears of a higher term only in the replies to its own
/// RequestVotes must adopt it at once.
///
/// Server C leads; its followers are cut off and campaign alone for 2 s,
/// ahead in term. C restarts, and now only the ends from C to them work: C
/// hears their terms only in the replies to its calls. When C stands for
/// election, both refuse with their higher terms, and 20 ms later C must be
/// in the highest of them. Then everyone is connected and a leader must
/// emerge. (No command is started: `start` belongs to 2B.)
/// Rule: if an RPC request or response contains a term T > currentTerm, set
/// currentTerm = T and convert to follower (Figure 2, Rules for All Servers).
pub fn term_from_replies_2a<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let (c, others) = lead_alone(cfg)?;
        cfg.sleep(Duration::from_secs(2))?;
        cfg.start1(c)?;
        let restarted = cfg.term(c)?.unwrap_or(0);
        let Ahead {
            lowest,
            highest,
            terms: ahead,
        } = open_one_way(cfg, c, &others)?;
        cfg.h.premise(
            "the cut-off servers campaigned past the leader's next term",
            lowest > restarted + 1,
            format!("server {c}: term {restarted}; {ahead}"),
        );
        let campaigned = cfg.wait_for_term(c, restarted + 1, Duration::from_secs(5))?;
        if !campaigned {
            return Err(cfg.failure(format!(
                "server {c}, restarted in term {restarted}, did not stand for election within \
                 5 s without a leader (Figure 2, Rules for Servers, Followers: if the election \
                 timeout elapses without AppendEntries from the current leader or granting a \
                 vote, convert to candidate)"
            )));
        }
        let asked = cfg.term(c)?.unwrap_or(0);
        cfg.sleep(Duration::from_millis(20))?;
        let after = cfg.term(c)?.unwrap_or(0);
        if after < highest {
            return Err(cfg.failure(format!(
                "server {c} stood for election in term {asked} and both servers it asked \
                 refused from higher terms ({ahead}), yet 20 ms later it is in term {after}: if \
                 an RPC request or response contains a term T > currentTerm, set currentTerm = \
                 T and convert to follower (Figure 2, Rules for All Servers)"
            )));
        }
        reconnect_all(cfg)
    })
}

/// A leader cut off from the others, who moved on to later terms, and whose
/// links to them then work one way only, hears of their terms only in the
/// replies to its heartbeats: it must step down.
///
/// Server L leads; the other two are cut off and campaign alone for 2 s. Then
/// only the ends from L to them work: their replies to L's AppendEntries carry
/// their higher terms. 500 ms later L must no longer lead and must be in the
/// highest of those terms. Rule: if an RPC request or response contains a term
/// T > currentTerm, set currentTerm = T and convert to follower (Figure 2,
/// Rules for All Servers).
pub fn deposed_by_replies_2a<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let (l, others) = lead_alone(cfg)?;
        cfg.sleep(Duration::from_secs(2))?;
        let old = cfg.term(l)?.unwrap_or(0);
        let Ahead {
            highest,
            terms: ahead,
            ..
        } = open_one_way(cfg, l, &others)?;
        cfg.h.premise(
            "the cut-off servers campaigned past the leader's term",
            highest > old,
            format!("server {l}: term {old}; {ahead}"),
        );
        cfg.sleep(Duration::from_millis(500))?;
        if let Some((t, leading)) = cfg.state(l)?
            && (leading && t == old || t < highest)
        {
            return Err(cfg.failure(format!(
                "server {l}, leader of term {old}, still {} in term {t} 500 ms after its \
                 heartbeats began to reach servers of higher terms ({ahead}), whose replies \
                 say so: if an RPC request or response contains a term T > currentTerm, set \
                 currentTerm = T and convert to follower (Figure 2, Rules for All Servers)",
                if leading { "leads" } else { "is" }
            )));
        }
        reconnect_all(cfg)
    })
}

/// Leaders cut off one after another in a storm of stale calls: each time,
/// the rest must elect one new leader within 5 s.
///
/// Five servers on a reliable network. Once the first leader is elected a
/// storm of stale calls begins (see [`crate::raft::storm`]): every 20 ms up
/// to three kept calls whose caller has since moved on to a later term are
/// delivered again to servers in that term or later that the caller can
/// reach now, and one answered call's reply reaches its caller again. Eight
/// times: the leader and one other server are cut off, the three left must
/// elect one leader, and both rejoin (one leader again). Every round adds the calls of a deposed leader and of an
/// election to the storm. Rule: a request of an older term is refused and
/// does not restart the election timer; a reply to a request of an earlier
/// term is ignored, so an earlier election's votes do not count in this one
/// (Figure 2, Rules for Servers; §5.2; the Students' Guide, term confusion).
///
/// Premises: stale requests and replies were delivered again.
pub fn stale_storm_elections_2a<R: Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        const ROUNDS: usize = 8;
        let n = cfg.n;
        let mut leader = cfg.check_one_leader()?;
        let storm = cfg.start_storm();
        for round in 1..=ROUNDS {
            let other = (leader + 1 + cfg.rand(n as u64 - 1) as usize) % n;
            cfg.disconnect(leader);
            cfg.disconnect(other);
            cfg.check_one_leader().map_err(|f| in_storm(f, round))?;
            cfg.connect(leader);
            cfg.connect(other);
            leader = cfg.check_one_leader().map_err(|f| in_storm(f, round))?;
        }
        cfg.stop_storm(&storm);
        Ok(())
    })
}

/// Elects a leader and cuts every other server off: the leader and the
/// others.
fn lead_alone<R: Raft>(cfg: &mut Config<R>) -> Check<(NodeId, Vec<NodeId>)> {
    let leader = cfg.check_one_leader()?;
    let others: Vec<NodeId> = (0..cfg.n).filter(|&i| i != leader).collect();
    for &i in &others {
        cfg.disconnect(i);
    }
    Ok((leader, others))
}

/// The terms of the servers `from` reaches one way.
struct Ahead {
    lowest: u64,
    highest: u64,
    /// "server 1: term 7, server 2: term 9".
    terms: String,
}

/// Enables only the ends from `from` to each of `others` (they cannot call
/// it), and says in which terms they are.
fn open_one_way<R: Raft>(cfg: &mut Config<R>, from: NodeId, others: &[NodeId]) -> Check<Ahead> {
    let mut ahead = Ahead {
        lowest: u64::MAX,
        highest: 0,
        terms: String::new(),
    };
    let mut terms = Vec::new();
    for &i in others {
        cfg.set_end(from, i, true);
        let t = cfg.term(i)?.unwrap_or(0);
        ahead.lowest = ahead.lowest.min(t);
        ahead.highest = ahead.highest.max(t);
        terms.push(format!("server {i}: term {t}"));
    }
    ahead.terms = terms.join(", ");
    Ok(ahead)
}

/// Connects every server and waits for one leader.
fn reconnect_all<R: Raft>(cfg: &mut Config<R>) -> Check<()> {
    for i in 0..cfg.n {
        cfg.connect(i);
    }
    cfg.check_one_leader()?;
    Ok(())
}

/// The kept copies of calls to each of `servers` sent before `until`: one
/// list per server, in the order of `servers`.
fn kept_for(
    cfg: &mut Config<impl Raft>,
    servers: &[NodeId],
    until: labrpc::Time,
) -> Vec<Vec<usize>> {
    let stale: Vec<Vec<usize>> = servers
        .iter()
        .map(|&s| cfg.copies(None, s, labrpc::Time::ZERO, until))
        .collect();
    let counts: Vec<String> = servers
        .iter()
        .zip(&stale)
        .map(|(s, c)| format!("{} to server {s}", c.len()))
        .collect();
    cfg.h.premise(
        "calls to deliver again were kept for every server",
        stale.iter().all(|c| !c.is_empty()),
        counts.join(", "),
    );
    stale
}

/// Delivers every kept `stale` call again to `servers` (all in terms above
/// `stale_term`) every [`ECHO_EVERY`] until one of them leads, and fails
/// naming the timer rule if none does within [`ELECT_WITHIN`].
fn echo_until_elected<R: Raft>(
    cfg: &mut Config<R>,
    servers: &[NodeId],
    stale_term: u64,
    stale: &[Vec<usize>],
    what: &str,
) -> Check<()> {
    let mut terms = Vec::new();
    for &i in servers {
        terms.push((i, cfg.term(i)?.unwrap_or(0)));
    }
    let listed: Vec<String> = terms
        .iter()
        .map(|(i, t)| format!("server {i}: term {t}"))
        .collect();
    cfg.h.premise(
        "the servers left were past the stale messages' term",
        terms.iter().all(|&(_, t)| t > stale_term),
        format!("stale term {stale_term}; {}", listed.join(", ")),
    );
    let deadline = cfg.now() + ELECT_WITHIN;
    while cfg.now() < deadline {
        for &copy in stale.iter().flatten() {
            cfg.echo_request(copy, false)?;
        }
        cfg.sleep(ECHO_EVERY)?;
        for &i in servers {
            if cfg.is_leader(i)? {
                cfg.check_one_leader()?;
                return Ok(());
            }
        }
    }
    Err(cfg.failure(format!(
        "no leader among servers {servers:?} ({}) within 5 s, while {what} (stale) were \
         delivered to them again every 50 ms: {TIMER_RULE}",
        listed.join(", ")
    )))
}

/// Seven servers losing three at random, nine times (as `many_elections_2a`),
/// in a storm of stale calls (see [`crate::raft::storm`]) from the first
/// leader on: every 20 ms up to three kept calls whose caller has since moved
/// on to a later term reach their servers again, and one answered call's
/// reply reaches its caller again. After each cut a leader must emerge within
/// `check_one_leader`'s limit. Rule: a request of an older term is refused
/// and changes nothing (the election timer is restarted only on AppendEntries
/// from the current leader, on granting a vote, or on standing for
/// election), and a vote of an earlier election does not count (Figure 2;
/// the Students' Guide).
///
/// Premises: those of `many_elections_2a`, and stale requests and replies
/// were delivered again.
pub fn stale_storm_many_elections_2a<R: Raft>(spec: &RunSpec) -> Report {
    crate::raft::part_2a::many_elections::<R>(spec, true)
}
