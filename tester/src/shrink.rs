//! Shrinking a failed run: the smallest set of the network's faults found
//! that still fails the same rule ([`minimise`]), and what "the same rule"
//! means for two failures ([`Rule`]).
//!
//! A run's faults are numbered in the order the network draws them (see
//! [`labrpc::FaultSet`]); a candidate keeps some and spares the others, and
//! is a genuine run of the same code from the same seed. The search is
//! delta debugging (Zeller's ddmin): try to spare each of n chunks of the
//! faults kept, keep any candidate that fails the same rule, and split the
//! chunks finer when none does, until single faults cannot be spared or the
//! budget of runs is spent. A candidate is kept only if it is also no
//! longer (in events) than the smallest run so far.

use labrpc::FaultSet;

use crate::report::{FailureKind, Outcome, Report};

/// What a failure broke, without the particulars (servers, terms, indices,
/// values) that change from one run to the next: its kind and the words of
/// its message that carry no number, up to the first [`Rule::WORDS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The failure's kind.
    pub kind: FailureKind,
    /// The message's first words without digits.
    pub words: Vec<String>,
}

impl Rule {
    /// How many words of a message name its rule.
    pub const WORDS: usize = 6;

    /// The rule `outcome` broke, or `None` for a run that passed.
    pub fn of(outcome: &Outcome) -> Option<Rule> {
        let Outcome::Failed { kind, message } = outcome else {
            return None;
        };
        let words = message
            .split_whitespace()
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .take(Rule::WORDS)
            .map(str::to_string)
            .collect();
        Some(Rule { kind: *kind, words })
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {} …", self.kind, self.words.join(" "))
    }
}

/// A failed run and its shrunk self.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The rule both break.
    pub rule: Rule,
    /// The seed's own run.
    pub original: Report,
    /// The run with only `kept`'s faults (recorded if asked for).
    pub shrunk: Report,
    /// The faults the shrunk run keeps.
    pub kept: FaultSet,
    /// Runs it took, the two above included.
    pub runs: usize,
    /// Whether the budget of runs ran out first.
    pub exhausted: bool,
}

/// Why a run could not be shrunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShrinkError {
    /// The run passed: there is nothing to shrink.
    Passed,
    /// The shrunk run, run again, did not fail as it did during the search:
    /// the runs are not deterministic.
    Diverged(Outcome),
}

/// Shrinks the failed run that `run` runs with every fault kept: `run(kept,
/// record)` runs it with the faults `kept`, recorded if `record`; at most
/// `max_runs` candidates are tried, and `better` hears of each one kept: a
/// run with fewer faults and no more events that fails the same rule.
pub fn shrink(
    mut run: impl FnMut(FaultSet, bool) -> Report,
    max_runs: usize,
    record: bool,
    mut better: impl FnMut(usize, &Report),
) -> Result<Shrunk, ShrinkError> {
    let original = run(FaultSet::All, false);
    let rule = Rule::of(&original.outcome).ok_or(ShrinkError::Passed)?;
    // A candidate must also be no longer than the smallest run so far: with
    // fewer faults, a wrong server may take longer to fail (a lost message
    // it never sees can be what ended its run early).
    let mut events = original.events;
    let found = minimise((0..original.faults_drawn).collect(), max_runs, |kept| {
        let report = run(FaultSet::only(kept.iter().copied()), false);
        let smaller = Rule::of(&report.outcome).as_ref() == Some(&rule) && report.events <= events;
        if smaller {
            events = report.events;
            better(kept.len(), &report);
        }
        smaller
    });
    let kept = FaultSet::only(found.kept.iter().copied());
    let shrunk = run(kept.clone(), record);
    if Rule::of(&shrunk.outcome).as_ref() != Some(&rule) {
        return Err(ShrinkError::Diverged(shrunk.outcome));
    }
    Ok(Shrunk {
        rule,
        original,
        shrunk,
        kept,
        runs: found.runs + 2,
        exhausted: found.exhausted,
    })
}

/// The smallest subset of `kept` found for which `fails` holds, with at most
/// `budget` calls of `fails` (each a run). `fails(&kept)` is assumed to hold.
pub fn minimise(kept: Vec<u64>, budget: usize, mut fails: impl FnMut(&[u64]) -> bool) -> Minimised {
    let mut kept = kept;
    let mut runs = 0;
    // Sparing every fault at once is the cheapest win; try it first.
    if !kept.is_empty() && runs < budget {
        runs += 1;
        if fails(&[]) {
            return Minimised {
                kept: Vec::new(),
                runs,
                exhausted: false,
            };
        }
    }
    let mut chunks = 2usize;
    while kept.len() >= 2 {
        let size = kept.len().div_ceil(chunks);
        let mut spared_one = false;
        let mut start = 0;
        while start < kept.len() {
            if runs >= budget {
                return Minimised {
                    kept,
                    runs,
                    exhausted: true,
                };
            }
            let end = (start + size).min(kept.len());
            let candidate: Vec<u64> = kept[..start].iter().chain(&kept[end..]).copied().collect();
            runs += 1;
            if fails(&candidate) {
                kept = candidate;
                spared_one = true;
                chunks = (chunks - 1).max(2);
                // The next chunk now begins where this one did.
            } else {
                start = end;
            }
        }
        if !spared_one {
            if chunks >= kept.len() {
                break;
            }
            chunks = (chunks * 2).min(kept.len());
        }
    }
    // One fault left: sparing it is the empty set, which failed above.
    Minimised {
        kept,
        runs,
        exhausted: false,
    }
}

/// What [`minimise`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Minimised {
    /// The faults kept.
    pub kept: Vec<u64>,
    /// Runs it took.
    pub runs: usize,
    /// Whether the budget ran out before no single fault could be spared.
    pub exhausted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_finds_the_faults_a_failure_needs() {
        let needed = [5u64, 17, 230];
        let all: Vec<u64> = (0..1000).collect();
        let found = minimise(all, 1000, |k| needed.iter().all(|n| k.contains(n)));
        assert_eq!(found.kept, needed);
        assert!(!found.exhausted);
        assert!(found.runs < 200, "{} runs", found.runs);
    }

    #[test]
    fn a_failure_that_needs_no_fault_keeps_none_in_one_run() {
        let found = minimise((0..50).collect(), 10, |_| true);
        assert_eq!(
            found,
            Minimised {
                kept: vec![],
                runs: 1,
                exhausted: false
            }
        );
    }

    #[test]
    fn it_stops_at_its_budget_with_a_failing_set() {
        let needed = [1u64, 300, 600, 900];
        let found = minimise((0..1000).collect(), 12, |k| {
            needed.iter().all(|n| k.contains(n))
        });
        assert!(found.exhausted && found.runs == 12);
        assert!(needed.iter().all(|n| found.kept.contains(n)));
        assert!(found.kept.len() < 1000);
    }

    /// A report of a run that fails if it kept fault 7 (and sends fewer
    /// messages the fewer faults it keeps), or passes.
    fn fake(kept: &FaultSet) -> Report {
        let drawn = 40;
        let n = (0..drawn).filter(|&i| kept.contains(i)).count() as u64;
        let outcome = if kept.contains(7) {
            Outcome::Failed {
                kind: FailureKind::Check,
                message: format!("expected one leader, got {n}"),
            }
        } else {
            Outcome::Passed
        };
        Report {
            test: "fake_2a".into(),
            seed: 1,
            outcome,
            virtual_ms: 10 * n,
            rpcs: 3 * n,
            bytes: 0,
            commands: 0,
            servers: 3,
            names: Vec::new(),
            events: 100 + 50 * n,
            faults: labrpc::Faults::default(),
            faults_drawn: drawn,
            trace_digest: 0,
            warnings: Vec::new(),
            replay: String::new(),
            records: Vec::new(),
            linearizability: None,
            restarts: Vec::new(),
            premises: Vec::new(),
            peaks: labrpc::Peaks::default(),
            storage_busy_permille: 0,
            checker_us: 0,
        }
    }

    #[test]
    fn a_failed_run_shrinks_to_the_one_fault_it_needs() {
        let mut heard = Vec::new();
        let found = shrink(|kept, _| fake(&kept), 100, false, |n, _| heard.push(n)).unwrap();
        assert_eq!(found.kept, FaultSet::only([7]));
        assert_eq!(found.original.events, 2100);
        assert_eq!(found.shrunk.events, 150);
        assert_eq!(heard.last(), Some(&1));
        assert!(heard.windows(2).all(|w| w[0] > w[1]));
        // A run that fails later with fewer faults is not smaller.
        let longer = |kept: FaultSet| {
            let mut r = fake(&kept);
            r.events = 10_000 - r.events;
            r
        };
        let found = shrink(|kept, _| longer(kept), 100, false, |_, _| {}).unwrap();
        assert_eq!(found.kept, FaultSet::only(0..40));
        assert_eq!(found.shrunk.events, found.original.events);
        let passing = shrink(|_, _| fake(&FaultSet::only([])), 100, false, |_, _| {});
        assert_eq!(passing.unwrap_err(), ShrinkError::Passed);
    }

    #[test]
    fn a_rule_leaves_out_the_particulars() {
        let failed = |message: &str| Outcome::Failed {
            kind: FailureKind::Check,
            message: message.into(),
        };
        let a = Rule::of(&failed(
            "apply error: commit index=7 server=2 1 != server=0 3 (State Machine Safety)",
        ));
        let b = Rule::of(&failed(
            "apply error: commit index=12 server=1 5 != server=4 9 (State Machine Safety)",
        ));
        let c = Rule::of(&failed(
            "election safety violated: servers 1 and 2 are both leader in term 4",
        ));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(Rule::of(&Outcome::Passed), None);
    }
}
