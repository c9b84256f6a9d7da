//! 2A: leader election.

use labrpc::rand::RngExt;

use crate::raft::config::{Config, ELECTION_TIMEOUT, Net};
use crate::raft::storm::in_storm;
use crate::registry::RunSpec;
use crate::report::Report;

/// A leader appears, and with no failures keeps its term.
///
/// Premises: none beyond its own steps, which require a leader and a term of at least 1.
pub fn initial_election_2a<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        cfg.check_one_leader()?;

        // Give the followers a moment to hear of the election; all agree on the term.
        cfg.sleep(std::time::Duration::from_millis(50))?;
        let term1 = cfg.check_terms()?;
        if term1 < 1 {
            return Err(cfg.failure(format!("term is {term1}, but should be at least 1")));
        }

        // Without failures, the leader and the term should stay as they are.
        cfg.sleep(2 * ELECTION_TIMEOUT)?;
        let term2 = cfg.check_terms()?;
        if term1 != term2 {
            cfg.warn(format!(
                "term changed from {term1} to {term2} even though there were no failures"
            ));
        }
        cfg.check_one_leader()?;
        Ok(())
    })
}

/// Losing the leader elects another; losing the majority elects none.
///
/// Premises: none beyond its own steps, which require a new leader after each loss
/// and none without a majority.
pub fn reelection_2a<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        let leader1 = cfg.check_one_leader()?;

        // The leader is cut off: the other two elect a new one.
        cfg.disconnect(leader1);
        cfg.check_one_leader()?;

        // The old leader returns: it must not disturb the new one.
        cfg.connect(leader1);
        let leader2 = cfg.check_one_leader()?;

        // Two of three are cut off: no quorum, so no leader.
        cfg.disconnect(leader2);
        cfg.disconnect((leader2 + 1) % n);
        cfg.sleep(2 * ELECTION_TIMEOUT)?;
        cfg.check_no_leader()?;

        // A quorum forms again: it elects a leader.
        cfg.connect((leader2 + 1) % n);
        cfg.check_one_leader()?;

        // The last server rejoins: there is still a leader.
        cfg.connect(leader2);
        cfg.check_one_leader()?;
        Ok(())
    })
}

/// Seven servers, repeatedly losing three of them at random.
///
/// Premise: at least one round cut the leader off, so that a new leader had to
/// be elected. Stricter than 6.824, whose random cuts miss the leader in every
/// round on about 1.6% of seeds: if no round has cut the leader off by the
/// last one, the last round cuts it off (in place of its first random pick).
pub fn many_elections_2a<R: raft::Raft>(spec: &RunSpec) -> Report {
    many_elections::<R>(spec, false)
}

/// [`many_elections_2a`]; with `storm`, in a storm of stale calls (see
/// [`crate::raft::storm`]) from the first leader on.
pub(crate) fn many_elections<R: raft::Raft>(spec: &RunSpec, storm: bool) -> Report {
    Config::<R>::run(spec, 7, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        let mut leader = cfg.check_one_leader()?;
        let storm = storm.then(|| cfg.start_storm());
        let mut leader_cut = 0;
        const ROUNDS: usize = 9;
        for round in 0..ROUNDS {
            // Cut off three random servers (perhaps the same one twice): either the
            // leader survives, or the rest elect a new one.
            let mut cut: Vec<usize> = (0..3).map(|_| cfg.rng().random_range(0..n)).collect();
            if round == ROUNDS - 1 && leader_cut == 0 {
                cut[0] = leader;
            }
            leader_cut += usize::from(cut.contains(&leader));
            for &i in &cut {
                cfg.disconnect(i);
            }
            leader = match (cfg.check_one_leader(), &storm) {
                (Err(failure), Some(_)) => return Err(in_storm(failure, round + 1)),
                (result, _) => result?,
            };
            for &i in &cut {
                cfg.connect(i);
            }
        }
        cfg.check_one_leader()?;
        if let Some(storm) = &storm {
            cfg.stop_storm(storm);
        }
        cfg.h.premise(
            "a round cut the leader off",
            leader_cut > 0,
            format!("{leader_cut} of {ROUNDS} rounds cut the leader off"),
        );
        Ok(())
    })
}
