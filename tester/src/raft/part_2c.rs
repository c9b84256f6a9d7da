//! 2C: persistence.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use labrpc::rand::RngExt;

use crate::raft::checker::{cmd, show};
use crate::raft::config::{Config, ELECTION_TIMEOUT, Net};
use crate::raft::tasks::{ChurnClient, Outcome};
use crate::registry::RunSpec;
use crate::report::Report;

/// Restarts of everyone, of the leader, of a cut-off leader and of a follower.
///
/// Premise: every one of the 6 restarts found persisted state.
pub fn persist1_2c<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(11), n, true)?;

        // Crash and restart everyone.
        for i in 0..n {
            cfg.start1(i)?;
        }
        for i in 0..n {
            cfg.disconnect(i);
            cfg.connect(i);
        }
        cfg.one(cmd(12), n, true)?;

        // Restart the leader.
        let leader1 = cfg.check_one_leader()?;
        cfg.disconnect(leader1);
        cfg.start1(leader1)?;
        cfg.connect(leader1);
        cfg.one(cmd(13), n, true)?;

        // Cut the leader off, agree without it, then restart it.
        let leader2 = cfg.check_one_leader()?;
        cfg.disconnect(leader2);
        cfg.one(cmd(14), n - 1, true)?;
        cfg.start1(leader2)?;
        cfg.connect(leader2);
        cfg.wait(4, n, None)?; // leader2 must catch up before the next crash

        // The same with a follower.
        let i3 = (cfg.check_one_leader()? + 1) % n;
        cfg.disconnect(i3);
        cfg.one(cmd(15), n - 1, true)?;
        cfg.start1(i3)?;
        cfg.connect(i3);
        cfg.one(cmd(16), n, true)?;
        cfg.h.premise_restarts_with_state(6);
        Ok(())
    })
}

/// Five servers, five rounds of crashing and restarting three in patterns.
///
/// Premise: every one of the 15 restarts found persisted state.
pub fn persist2_2c<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        let mut index = 1;
        for _ in 0..5 {
            cfg.one(cmd(10 + index), n, true)?;
            index += 1;

            let leader1 = cfg.check_one_leader()?;
            cfg.disconnect((leader1 + 1) % n);
            cfg.disconnect((leader1 + 2) % n);
            cfg.one(cmd(10 + index), n - 2, true)?;
            index += 1;

            cfg.disconnect(leader1);
            cfg.disconnect((leader1 + 3) % n);
            cfg.disconnect((leader1 + 4) % n);

            cfg.start1((leader1 + 1) % n)?;
            cfg.start1((leader1 + 2) % n)?;
            cfg.connect((leader1 + 1) % n);
            cfg.connect((leader1 + 2) % n);
            cfg.sleep(ELECTION_TIMEOUT)?;

            cfg.start1((leader1 + 3) % n)?;
            cfg.connect((leader1 + 3) % n);
            cfg.one(cmd(10 + index), n - 2, true)?;
            index += 1;

            cfg.connect((leader1 + 4) % n);
            cfg.connect(leader1);
        }
        cfg.one(cmd(1000), n, true)?;
        cfg.h.premise_restarts_with_state(15);
        Ok(())
    })
}

/// A partitioned leader and one follower crash; the leader restarts.
///
/// Premise: both restarts found persisted state.
pub fn persist3_2c<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 3, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        cfg.one(cmd(101), 3, true)?;

        let leader = cfg.check_one_leader()?;
        cfg.disconnect((leader + 2) % n);
        cfg.one(cmd(102), 2, true)?;

        cfg.crash1(leader);
        cfg.crash1((leader + 1) % n);
        cfg.connect((leader + 2) % n);
        cfg.start1(leader)?;
        cfg.connect(leader);
        cfg.one(cmd(103), 2, true)?;

        cfg.start1((leader + 1) % n)?;
        cfg.connect((leader + 1) % n);
        cfg.one(cmd(104), n, true)?;
        cfg.h.premise_restarts_with_state(2);
        Ok(())
    })
}

/// Figure 8 of the extended Raft paper: leaders crash quickly, often before
/// committing; new leaders must not commit an older term's entries by counting.
///
/// Premises: leaders crashed right after accepting an entry, and crashed
/// servers restarted from persisted state.
pub fn figure8_2c<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Reliable, false, |cfg| {
        let n = cfg.n;
        let x = cfg.rng().random();
        cfg.one(cmd(x), 1, true)?;

        let mut up = n;
        let mut leaders_crashed = 0;
        for _ in 0..1000 {
            let mut leader = None;
            for i in 0..n {
                let x = cfg.rng().random();
                if cfg.start(i, cmd(x))?.is_some() {
                    leader = Some(i);
                }
            }
            pause(cfg)?;
            if let Some(leader) = leader {
                cfg.crash1(leader);
                leaders_crashed += 1;
                up -= 1;
            }
            if up < 3 {
                let s = cfg.rand(n as u64) as usize;
                if !cfg.is_up(s) {
                    cfg.start1(s)?;
                    cfg.connect(s);
                    up += 1;
                }
            }
        }

        for i in 0..n {
            if !cfg.is_up(i) {
                cfg.start1(i)?;
                cfg.connect(i);
            }
        }
        let x = cfg.rng().random();
        cfg.one(cmd(x), n, true)?;
        cfg.h.premise(
            "leaders crashed right after accepting an entry",
            leaders_crashed > 0,
            format!("{leaders_crashed} leaders crashed"),
        );
        cfg.h.premise_restarts_with_state(1);
        Ok(())
    })
}

/// The figure-8 pause: usually 0-12 ms, one time in ten up to half an election timeout.
fn pause<R: raft::Raft>(cfg: &mut Config<R>) -> crate::report::Check<()> {
    let ms = if cfg.rand(1000) < 100 {
        cfg.rand(ELECTION_TIMEOUT.as_millis() as u64 / 2)
    } else {
        cfg.rand(13)
    };
    cfg.sleep(Duration::from_millis(ms))
}

/// Many concurrent agreements on an unreliable network.
///
/// Premise: the network lost requests and replies.
pub fn unreliable_agree_2c<R: raft::Raft>(spec: &RunSpec) -> Report {
    Config::<R>::run(spec, 5, Net::Unreliable, false, |cfg| {
        let n = cfg.n;
        let mut background: Vec<Outcome<u64>> = Vec::new();
        for iters in 1..50 {
            for j in 0..4 {
                background.push(cfg.spawn_one(cmd(100 * iters + j), 1, true)?);
            }
            cfg.one(cmd(iters), 1, true)?;
        }
        cfg.h.premise_unreliable();
        cfg.set_unreliable(false);
        cfg.run_until(|_| background.iter().all(|b| b.borrow().is_some()))?;
        for b in &background {
            if let Some(Err(message)) = b.borrow_mut().take() {
                return Err(cfg.failure(message));
            }
        }
        cfg.one(cmd(100), n, true)?;
        Ok(())
    })
}

/// Figure 8 on an unreliable network with long reordering: leaders are cut off
/// rather than crashed.
///
/// Premises: the network lost requests and replies, long reordering held
/// replies back, and leaders were cut off right after accepting an entry.
pub fn figure8_unreliable_2c<R: raft::Raft>(spec: &RunSpec) -> Report {
    figure8_on::<R>(spec, Net::Unreliable, false)
}

/// The body of [`figure8_unreliable_2c`] on network `net`, with a storm of
/// stale calls while leaders are cut off if `storm` (see
/// [`crate::raft::storm`]).
pub(crate) fn figure8_on<R: raft::Raft>(spec: &RunSpec, net: Net, storm: bool) -> Report {
    Config::<R>::run(spec, 5, net, false, |cfg| {
        let n = cfg.n;
        let storm = storm.then(|| cfg.start_storm());
        let x = cfg.rand(10_000);
        cfg.one(cmd(x), 1, true)?;
        let mut up = n;
        let mut leaders_cut = 0;
        for iters in 0..1000 {
            if iters == 200 {
                cfg.set_long_reordering(true);
            }
            let mut leader = None;
            for i in 0..n {
                let x = cfg.rand(10_000);
                if cfg.start(i, cmd(x))?.is_some() && cfg.is_connected(i) {
                    leader = Some(i);
                }
            }
            pause(cfg)?;
            if let Some(leader) = leader
                && cfg.rand(1000) < ELECTION_TIMEOUT.as_millis() as u64 / 2
            {
                cfg.disconnect(leader);
                leaders_cut += 1;
                up -= 1;
            }
            if up < 3 {
                let s = cfg.rand(n as u64) as usize;
                if !cfg.is_connected(s) {
                    cfg.connect(s);
                    up += 1;
                }
            }
        }

        if let Some(storm) = &storm {
            cfg.stop_storm(storm);
        }
        for i in 0..n {
            if !cfg.is_connected(i) {
                cfg.connect(i);
            }
        }
        cfg.premise_net(net);
        if net != Net::Hostile {
            cfg.h.premise_reordered();
        }
        cfg.h.premise(
            "leaders were cut off right after accepting an entry",
            leaders_cut > 0,
            format!("{leaders_cut} leaders cut off"),
        );
        let x = cfg.rand(10_000);
        cfg.one(cmd(x), n, true)?;
        Ok(())
    })
}

/// Three clients keep offering commands while servers are cut off, crashed and
/// restarted at random; in the end every value a client saw committed is in the log.
///
/// Premises: servers crashed and restarted from persisted state, and clients
/// saw values committed (and, unreliable, the network lost requests and
/// replies). Stricter than 6.824, whose random crashes miss every round (or
/// hit only servers that had saved nothing) on about 1.5% of seeds: if no
/// restart has found persisted state by the end, and no server that is down
/// has any, a server with persisted state is crashed before all are restarted.
pub(crate) fn churn<R: raft::Raft>(spec: &RunSpec, net: Net) -> Report {
    Config::<R>::run(spec, 5, net, false, |cfg| {
        let n = cfg.n;
        let stop = Rc::new(Cell::new(false));
        let seen = Rc::new(Cell::new(0u64));
        let mut clients: Vec<Outcome<Vec<Vec<u8>>>> = Vec::new();
        for me in 0..3 {
            let result: Outcome<Vec<Vec<u8>>> = Default::default();
            ChurnClient::new(me, Rc::clone(&stop), Rc::clone(&seen), Rc::clone(&result))
                .step(&mut cfg.h.sim)
                .map_err(|m| cfg.failure(m))?;
            clients.push(result);
        }

        for _ in 0..20 {
            if cfg.rand(1000) < 200 {
                let i = cfg.rand(n as u64) as usize;
                cfg.disconnect(i);
            }
            if cfg.rand(1000) < 500 {
                let i = cfg.rand(n as u64) as usize;
                if !cfg.is_up(i) {
                    cfg.start1(i)?;
                }
                cfg.connect(i);
            }
            if cfg.rand(1000) < 200 {
                let i = cfg.rand(n as u64) as usize;
                if cfg.is_up(i) {
                    cfg.crash1(i);
                }
            }
            // Changes come often enough that the peers are rarely settled, but
            // not so often that nothing gets done.
            cfg.sleep(ELECTION_TIMEOUT * 7 / 10)?;
        }
        // Unless a restart has found persisted state, or a server that is down
        // has some (the restarts below find it), crash one that has.
        let has_state = |cfg: &Config<R>, i: usize| cfg.h.sim.persister(i).state_size() > 0;
        if cfg.h.restarted.with_state == 0 && !(0..n).any(|i| !cfg.is_up(i) && has_state(cfg, i)) {
            let candidates: Vec<usize> = (0..n).filter(|&i| has_state(cfg, i)).collect();
            if !candidates.is_empty() {
                let i = candidates[cfg.rand(candidates.len() as u64) as usize];
                cfg.crash1(i);
            }
        }
        cfg.sleep(ELECTION_TIMEOUT)?;
        // A hostile network keeps duplicating once healed (a churn that left
        // its servers down most of the time may have had nothing to
        // duplicate), and its premises are checked at the end.
        if net != Net::Hostile {
            cfg.premise_net(net);
        }
        cfg.heal_net();
        for i in 0..n {
            if !cfg.is_up(i) {
                cfg.start1(i)?;
            }
            cfg.connect(i);
        }

        // Stricter than 6.824: on the healed network the clients go on until one
        // has seen a value committed (on about 0.1% of seeds none has yet), for
        // at most 10 s, as long as `one` waits.
        if !cfg
            .h
            .run_until_or(Duration::from_secs(10), |_| seen.get() > 0)?
        {
            let world = crate::raft::checker::world(&cfg.h.sim, None);
            return Err(cfg.failure(format!(
                "failed to reach agreement: no client's command was committed within 10 s \
                 of the network healing. When it gave up: {world}"
            )));
        }
        stop.set(true);
        cfg.run_until(|_| clients.iter().all(|c| c.borrow().is_some()))?;
        let mut values = Vec::new();
        for c in &clients {
            match c.borrow_mut().take().expect("finished") {
                Ok(v) => values.extend(v),
                Err(message) => return Err(cfg.failure(format!("client failed: {message}"))),
            }
        }

        cfg.sleep(ELECTION_TIMEOUT)?;
        let x = cfg.rng().random();
        let last_index = cfg.one(cmd(x), n, true)?;
        let mut really = Vec::new();
        for index in 1..=last_index {
            if let Some(command) = cfg.wait(index, n, None)? {
                really.push(command);
            }
        }
        if net == Net::Hostile {
            cfg.premise_net(net);
        }
        cfg.h.premise_restarts_with_state(1);
        cfg.h.premise(
            "clients saw values committed",
            !values.is_empty(),
            format!("{} values", values.len()),
        );
        for v in &values {
            if !really.contains(v) {
                return Err(cfg.failure(format!(
                    "didn't find a value: {} was reported committed to a client but is not in the final log",
                    show(v)
                )));
            }
        }
        Ok(())
    })
}

/// Churn on a reliable network.
pub fn reliable_churn_2c<R: raft::Raft>(spec: &RunSpec) -> Report {
    churn::<R>(spec, Net::Reliable)
}

/// Churn on an unreliable network.
pub fn unreliable_churn_2c<R: raft::Raft>(spec: &RunSpec) -> Report {
    churn::<R>(spec, Net::Unreliable)
}
