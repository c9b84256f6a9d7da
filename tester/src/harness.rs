//! [`Harness`]: what every scenario's configuration shares, whatever the protocol:
//! the simulated world, the 120-second virtual-time limit, the figures counted
//! from `begin`, warnings, and the [`Report`] at the end.

use std::time::Duration;

use jobwire::restart::Restart;
use labrpc::{Budgets, Faults, NodeId, Observer, Peaks, Protocol, Sim, SimError, Time};

use crate::crash_check::{Sampler, persisted};
use crate::premise::{Premise, vacuous};
use crate::registry::RunSpec;
use crate::report::{Check, Failure, FailureKind, Outcome, Report, run_name};
use crate::waste;

/// Every scenario must finish within this much virtual time.
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

/// What a server may send in one virtual second before the run stops as over
/// budget: at least 3 times the peaks of the correct controls of the mutant
/// catalogue over 1,000 seeds of every scenario (the chattiest,
/// `broadcast_every_start`, which sends every unacknowledged entry to every
/// follower on every `start`: 29,725 calls and 130 MB in one virtual second;
/// docs/simulator.md gives the figures and the command), and far below a
/// message storm's.
pub const BUDGETS: Budgets = Budgets {
    rpcs_per_sec: 100_000,
    bytes_per_sec: 400_000_000,
};

/// The election timeout the tests reason with: they wait multiples of it.
pub const ELECTION_TIMEOUT: Duration = Duration::from_millis(1000);

/// A simulated world under test, with its time limit and figures.
pub struct Harness<P: Protocol, O: Observer<P>> {
    /// The world.
    pub sim: Sim<P, O>,
    deadline: Time,
    t0: Time,
    rpcs0: u64,
    bytes0: u64,
    warnings: Vec<String>,
    /// The HTML picture of a history found not linearizable (kvraft).
    pub linearizability: Option<String>,
    /// Wall time the linearizability check took, in µs (kvraft; a figure for
    /// reports, never read by the run).
    pub checker_us: u64,
    /// The restarts kept for the crash check.
    restarts: Sampler,
    test: &'static str,
    premises: Vec<Premise>,
    faults0: Faults,
    /// Restarts since `begin`, and how many found state, and a snapshot, in
    /// their persister.
    pub restarted: Restarted,
    /// The servers' names for the views (see [`Report::names`]).
    pub names: Vec<String>,
}

/// Restarts counted since a scenario began.
#[derive(Clone, Copy, Debug, Default)]
pub struct Restarted {
    /// Restarts.
    pub total: u64,
    /// Restarts whose persister held Raft state.
    pub with_state: u64,
    /// Restarts whose persister held a snapshot.
    pub with_snapshot: u64,
}

impl<P: Protocol, O: Observer<P>> Harness<P, O> {
    /// A world for `spec`, with full trace records if the spec asks for them.
    pub fn new(spec: &RunSpec, observer: O) -> Self {
        let mut sim = Sim::new(spec.seed, observer);
        sim.set_recording(spec.record);
        // Work costs virtual time (labrpc::Costs): a server that writes its
        // whole log at every change slows down, as it would on a real machine.
        sim.set_costs(spec.costs);
        sim.set_budgets(BUDGETS);
        if let Some(progress) = &spec.progress {
            sim.set_progress(std::sync::Arc::clone(progress));
        }
        if let Some(at) = spec.stop_at {
            sim.set_stop_at(at);
        }
        sim.set_kept_faults(spec.faults.clone());
        sim.set_choices(spec.choices.clone());
        if let Some(live) = &spec.live_log {
            sim.set_trace_sink(live.sink());
        }
        Harness {
            sim,
            deadline: Time::ZERO + TIME_LIMIT,
            t0: Time::ZERO,
            rpcs0: 0,
            bytes0: 0,
            warnings: Vec::new(),
            linearizability: None,
            checker_us: 0,
            restarts: Sampler::new(spec.sample),
            test: spec.test,
            premises: Vec::new(),
            faults0: Faults::default(),
            restarted: Restarted::default(),
            names: Vec::new(),
        }
    }

    /// Restarts server `i` of `servers` from its persister and, if the crash
    /// check's sample takes this restart, keeps what the persister held and the
    /// `state()` the new incarnation reports (`state` reads it; `None` or an
    /// error keeps nothing). `max_raft_state` is a kv world's.
    pub fn restart(
        &mut self,
        i: NodeId,
        servers: usize,
        max_raft_state: Option<usize>,
        state: impl FnOnce(&Sim<P, O>) -> Option<Result<(u64, bool), String>>,
    ) -> Result<(), SimError> {
        let persister = self.sim.persister(i);
        self.restarted.total += 1;
        self.restarted.with_state += u64::from(persister.state_size() > 0);
        self.restarted.with_snapshot += u64::from(persister.snapshot_size() > 0);
        let slot = self.restarts.admit();
        let saved = slot.map(|_| persisted(self.sim.persister(i)));
        let at = self.sim.now();
        self.sim.restart(i)?;
        if let (Some(slot), Some((saved_state, snapshot))) = (slot, saved)
            && let Some(Ok(reported)) = state(&self.sim)
        {
            let restart = Restart {
                test: self.test.to_string(),
                seed: self.sim.seed(),
                server: i,
                servers,
                incarnation: self.sim.incarnation(i),
                at_us: at.saturating_since(Time::ZERO).as_micros() as u64,
                state: saved_state,
                snapshot,
                max_raft_state,
                reported,
            };
            self.restarts.put(slot, restart);
        }
        Ok(())
    }

    /// Starts the scenario proper, with `servers` servers (and clerks if
    /// `clerks`): its time limit and figures count from here, and a live
    /// log writes its header.
    pub fn begin(&mut self, spec: &RunSpec, servers: usize, clerks: bool) {
        if let Some(live) = &spec.live_log {
            live.begin(spec.test, spec.seed, servers, clerks, &self.names);
        }
        self.sim.note(spec.title.to_string());
        self.t0 = self.sim.now();
        self.deadline = self.t0 + TIME_LIMIT;
        self.rpcs0 = self.sim.net().rpc_total();
        self.bytes0 = self.sim.net().bytes_total();
        self.faults0 = self.sim.net().faults();
        self.restarted = Restarted::default();
    }

    /// Records a premise of the scenario: `held` says whether what it exists
    /// to exercise happened; `observed` what was seen, for the message. A
    /// premise that does not hold fails a run that passed otherwise.
    pub fn premise(&mut self, name: &'static str, held: bool, observed: impl Into<String>) {
        self.premises.push(Premise {
            name,
            held,
            observed: observed.into(),
        });
    }

    /// How many of servers `0..servers` have a snapshot in their persister.
    pub fn servers_with_snapshot(&self, servers: usize) -> usize {
        (0..servers)
            .filter(|&i| self.sim.persister(i).snapshot_size() > 0)
            .count()
    }

    /// The premise of a scenario with clients side by side: `overlapping`
    /// recorded operations overlapped another in time (`name` says whose).
    pub fn premise_overlapped(&mut self, name: &'static str, overlapping: usize) {
        self.premise(
            name,
            overlapping > 0,
            format!("{overlapping} operations overlapped another"),
        );
    }

    /// What the network lost or held back since `begin`.
    pub fn faults(&self) -> Faults {
        let now = self.sim.net().faults();
        Faults {
            requests_lost: now.requests_lost - self.faults0.requests_lost,
            replies_lost: now.replies_lost - self.faults0.replies_lost,
            replies_held: now.replies_held - self.faults0.replies_held,
            requests_duplicated: now.requests_duplicated - self.faults0.requests_duplicated,
        }
    }

    /// The premise of an unreliable scenario: the network lost requests and
    /// replies.
    pub fn premise_unreliable(&mut self) {
        let f = self.faults();
        self.premise(
            "the unreliable network lost requests and replies",
            f.requests_lost > 0 && f.replies_lost > 0,
            format!(
                "{} requests and {} replies lost",
                f.requests_lost, f.replies_lost
            ),
        );
    }

    /// The premise of a long-reordering scenario: replies were held back.
    pub fn premise_reordered(&mut self) {
        let held = self.faults().replies_held;
        self.premise(
            "long reordering held replies back",
            held > 0,
            format!("{held} replies held"),
        );
    }

    /// The premise of a duplicating scenario: requests arrived twice.
    pub fn premise_duplicated(&mut self) {
        let copies = self.faults().requests_duplicated;
        self.premise(
            "the network delivered requests twice",
            copies > 0,
            format!("{copies} requests duplicated"),
        );
    }

    /// The premise of a persistence scenario: at least `min` restarts found
    /// persisted Raft state (crashes that hit servers with nothing saved test
    /// nothing).
    pub fn premise_restarts_with_state(&mut self, min: u64) {
        let r = self.restarted;
        self.premise(
            "restarted servers had persisted state to restart from",
            r.with_state >= min,
            format!(
                "{} of {} restarts found persisted state; at least {min} needed",
                r.with_state, r.total
            ),
        );
    }

    /// The premise of a snapshot-and-restart scenario: at least `min`
    /// restarts found a snapshot.
    pub fn premise_restarts_with_snapshot(&mut self, min: u64) {
        let r = self.restarted;
        self.premise(
            "restarted servers had a snapshot to restart from",
            r.with_snapshot >= min,
            format!(
                "{} of {} restarts found a snapshot; at least {min} needed",
                r.with_snapshot, r.total
            ),
        );
    }

    /// Records a non-fatal remark.
    pub fn warn(&mut self, text: String) {
        self.sim.note(format!("warning: {text}"));
        self.warnings.push(text);
    }

    /// A failed check at the current time.
    pub fn failure(&self, message: impl Into<String>) -> Failure {
        Failure {
            kind: FailureKind::Check,
            message: message.into(),
            time: Some(self.sim.now()),
        }
    }

    fn time_limit(&self) -> Failure {
        Failure {
            kind: FailureKind::TimeLimit,
            message: format!(
                "test took longer than {} seconds of virtual time",
                TIME_LIMIT.as_secs()
            ),
            time: Some(self.sim.now()),
        }
    }

    /// Lets the world run for `d` of virtual time.
    pub fn sleep(&mut self, d: Duration) -> Check<()> {
        let target = self.sim.now() + d;
        if target > self.deadline {
            self.sim.run_until_time(self.deadline)?;
            return Err(self.time_limit());
        }
        Ok(self.sim.run_until_time(target)?)
    }

    /// Runs until `done` holds, within the time limit.
    pub fn run_until(&mut self, done: impl FnMut(&Sim<P, O>) -> bool) -> Check<()> {
        let left = self.deadline.saturating_since(self.sim.now());
        if self.sim.run_until(left, done)? {
            Ok(())
        } else {
            Err(self.time_limit())
        }
    }

    /// Runs until `done` holds or `limit` passes (whichever first, within the time
    /// limit); returns whether `done` held.
    pub fn run_until_or(
        &mut self,
        limit: Duration,
        done: impl FnMut(&Sim<P, O>) -> bool,
    ) -> Check<bool> {
        let left = self.deadline.saturating_since(self.sim.now());
        if limit > left {
            return match self.sim.run_until(left, done)? {
                true => Ok(true),
                false => Err(self.time_limit()),
            };
        }
        Ok(self.sim.run_until(limit, done)?)
    }

    /// The report of this run: `result` is the scenario's, `commands` its count of
    /// agreements or operations, `servers` how many servers it ran.
    pub fn report(
        mut self,
        spec: &RunSpec,
        result: Check<()>,
        commands: u64,
        servers: usize,
    ) -> Report {
        let unmet = self.premises.iter().find(|p| !p.held);
        let outcome = match (result, unmet) {
            (Ok(()), Some(premise)) => {
                let message = vacuous(spec.test, premise);
                self.sim.note(format!("FAILED: {message}"));
                Outcome::Failed {
                    kind: FailureKind::Vacuous,
                    message,
                }
            }
            (Ok(()), None) => Outcome::Passed,
            (Err(failure), _) => {
                let message = failure.to_string();
                self.sim.note(format!("FAILED: {message}"));
                Outcome::Failed {
                    kind: failure.kind,
                    message,
                }
            }
        };
        let elapsed = self.sim.now().saturating_since(Time::ZERO);
        self.warnings
            .extend(waste::warnings(self.sim.net().peaks()));
        let storage_busy_permille = (0..self.sim.net().peaks().len())
            .map(|node| waste::busy_permille(self.sim.persisting(node), elapsed))
            .max()
            .unwrap_or(0);
        let net = self.sim.net();
        let peaks = net.peaks().iter().fold(Peaks::default(), |a, p| Peaks {
            rpcs_per_sec: a.rpcs_per_sec.max(p.rpcs_per_sec),
            bytes_per_sec: a.bytes_per_sec.max(p.bytes_per_sec),
            largest_request: a.largest_request.max(p.largest_request),
        });
        let name = run_name(spec.test, spec.seed, &spec.faults, &spec.choices);
        Report {
            test: spec.test.to_string(),
            seed: spec.seed,
            outcome,
            virtual_ms: self.sim.now().saturating_since(self.t0).as_millis() as u64,
            rpcs: net.rpc_total() - self.rpcs0,
            bytes: net.bytes_total() - self.bytes0,
            commands,
            servers,
            names: self.names,
            events: self.sim.events(),
            faults: net.faults(),
            faults_drawn: net.faults_drawn(),
            trace_digest: self.sim.digest(),
            warnings: self.warnings,
            replay: name.replay(),
            shrink: name.shrink(),
            choices_read: self.sim.choices_read(),
            records: self.sim.trace_mut().take_records(),
            linearizability: self.linearizability,
            restarts: self.restarts.into_restarts(),
            premises: self.premises,
            peaks,
            storage_busy_permille,
            checker_us: self.checker_us,
        }
    }
}
