//! What one run of a scenario produced: [`Report`] (outcome and figures) and
//! [`Failure`] (why a check failed, with the replay command).

use std::fmt;

use labrpc::{SimError, Time, TraceRecord};
use serde::{Deserialize, Serialize};

/// Why a run failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// A check of the tester failed (a Raft rule was broken, or agreement did not
    /// happen in time).
    Check,
    /// The implementation panicked (including `todo!()`).
    Panicked,
    /// Virtual time stopped advancing.
    Livelock,
    /// The scenario ran past its 120-second virtual-time limit.
    TimeLimit,
    /// A message could not be decoded.
    Decode,
    /// The run passed its checks but did not exercise what the scenario exists
    /// to test (a premise did not hold).
    Vacuous,
    /// A server sent more in one virtual second than any correct Raft needs.
    OverBudget,
    /// The run was stopped at a chosen virtual time (to see a run that was
    /// killed for wall-clock time up to where it was).
    Stopped,
}

/// A failed run: what went wrong, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The message, naming the broken rule, servers, index and term.
    pub message: String,
    /// Virtual time of the failure, when known.
    pub time: Option<Time>,
}

impl Failure {
    /// A failed check.
    pub fn check(message: impl Into<String>) -> Failure {
        Failure {
            kind: FailureKind::Check,
            message: message.into(),
            time: None,
        }
    }

    /// A failed check with `context` (the situation and the rule it tests)
    /// added in parentheses; other failures (a panic, a livelock, ...) as
    /// they are, since the rule did not decide them.
    pub fn in_context(mut self, context: impl std::fmt::Display) -> Failure {
        if self.kind == FailureKind::Check {
            self.message = format!("{} ({context})", self.message);
        }
        self
    }
}

impl From<SimError> for Failure {
    fn from(e: SimError) -> Failure {
        let kind = match &e {
            SimError::Panicked { .. } => FailureKind::Panicked,
            SimError::Livelock { .. } => FailureKind::Livelock,
            SimError::CheckFailed { .. } => FailureKind::Check,
            SimError::Decode { .. } => FailureKind::Decode,
            SimError::OverBudget { .. } => FailureKind::OverBudget,
            SimError::Stopped { .. } => FailureKind::Stopped,
        };
        let message = match &e {
            // The seed goes into the report's replay line; keep the rest.
            SimError::CheckFailed { message, .. } => message.clone(),
            SimError::Panicked {
                node,
                incarnation,
                during,
                message,
                ..
            } => format!(
                "server {node} (incarnation {incarnation}) panicked while handling {during}: {message}"
            ),
            SimError::OverBudget { node, message, .. } => format!("server {node} {message}"),
            other => other.to_string(),
        };
        Failure {
            kind,
            message,
            time: Some(e.time()),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(t) = self.time {
            write!(f, " (at virtual time {t})")?;
        }
        Ok(())
    }
}

/// The result of a check: `Err` ends the scenario.
pub type Check<T> = Result<T, Failure>;

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Every check held.
    Passed,
    /// A check failed.
    Failed {
        /// What kind of failure.
        kind: FailureKind,
        /// The message.
        message: String,
    },
}

/// What one run of one scenario with one seed produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// The scenario's name.
    pub test: String,
    /// The seed.
    pub seed: u64,
    /// Pass or fail, and why.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Virtual time the scenario took, in milliseconds.
    pub virtual_ms: u64,
    /// RPCs sent.
    pub rpcs: u64,
    /// Bytes sent (requests) and delivered (replies).
    pub bytes: u64,
    /// Agreements reached (highest index applied, Go's "cmds").
    pub commands: u64,
    /// Servers in the scenario.
    pub servers: usize,
    /// The servers' names for the views, by node id ("ctrler 0", "g101 ·
    /// 2"); empty where servers are just numbered.
    pub names: Vec<String>,
    /// Simulator events processed.
    pub events: u64,
    /// The faults the network injected.
    #[serde(default)]
    pub faults: labrpc::Faults,
    /// The faults it drew, injected or spared (see [`labrpc::FaultSet`]).
    #[serde(default)]
    pub faults_drawn: u64,
    /// The words of the seed's stream the tester's choices read (see
    /// [`labrpc::Choices`]).
    #[serde(default)]
    pub choices_read: u64,
    /// Digest of the run's trace (equal digests: identical runs).
    pub trace_digest: u64,
    /// Non-fatal remarks (for example "term changed even though there were no failures").
    pub warnings: Vec<String>,
    /// The one command that replays this run.
    pub replay: String,
    /// The command that shrinks this run, if it is a seed's own.
    #[serde(default)]
    pub shrink: Option<String>,
    /// The full trace, when recording was asked for.
    #[serde(skip)]
    pub records: Vec<TraceRecord>,
    /// The HTML picture of a kvraft history found not linearizable.
    #[serde(skip)]
    pub linearizability: Option<String>,
    /// The restarts kept for the crash check.
    #[serde(skip)]
    pub restarts: Vec<jobwire::restart::Restart>,
    /// The scenario's premises, as checked (none if it failed before).
    #[serde(skip)]
    pub premises: Vec<crate::premise::Premise>,
    /// The most any node sent in one virtual second: calls, request bytes.
    #[serde(skip)]
    pub peaks: labrpc::Peaks,
    /// The largest share of the run one node's stable storage spent
    /// persisting, in thousandths.
    pub storage_busy_permille: u64,
    /// Wall time the linearizability check took, in µs (0 for Raft).
    pub checker_us: u64,
}

impl Report {
    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }

    /// The Go tester's summary line: outcome, virtual seconds, peers, RPCs, bytes,
    /// agreements.
    pub fn summary(&self) -> String {
        let verdict = if self.passed() { "Passed" } else { "FAILED" };
        format!(
            "{:<40} seed {:<6} ... {verdict} -- {:5.1}s {} {:5} {:8} {:5}",
            self.test,
            self.seed,
            self.virtual_ms as f64 / 1000.0,
            self.servers,
            self.rpcs,
            self.bytes,
            self.commands,
        )
    }

    /// The failure, the seed and the replay command, for a student to act on.
    pub fn explain(&self) -> String {
        match &self.outcome {
            Outcome::Passed => self.summary(),
            Outcome::Failed { message, .. } => {
                let mut out = format!(
                    "{} failed with seed {}:\n  {message}\n  replay: {}",
                    self.test, self.seed, self.replay
                );
                if let Some(shrink) = &self.shrink {
                    out.push_str(&format!("\n  shrink: {shrink}"));
                }
                out
            }
        }
    }
}

/// The name of the run of `test` with `seed` that keeps the faults `faults`
/// and edits the tester's choices by `choices`, in this tree: what replays
/// and shrinks it.
pub fn run_name(
    test: &str,
    seed: u64,
    faults: &labrpc::FaultSet,
    choices: &labrpc::ChoiceEdits,
) -> jobwire::replay::RunName {
    jobwire::replay::RunName {
        faults: (!faults.is_all()).then(|| faults.to_string()),
        choices: (!choices.is_none()).then(|| choices.to_string()),
        ..jobwire::replay::RunName::new(test, seed)
    }
}
