//! Shrinking a failed run: edits to the tester's own choices that make it
//! fail sooner ([`shrink`]), the smallest set of the network's faults found
//! that still fails the same rule ([`minimise`]), and what "the same rule"
//! means for two failures ([`Rule`]).
//!
//! A candidate is a genuine run of the same code from the same seed, with
//! two kinds of edit (see [`labrpc::ChoiceEdits`] and [`labrpc::FaultSet`]):
//!
//! 1. *The tester's choices.* Blocks of the words its random stream read,
//!    from the whole stream down to single words, are read as zero (the
//!    smallest choice: no wait, the first server) or passed over (the choices
//!    after them move up). A candidate is kept if it fails the same rule in
//!    fewer events: its scenario reached the failure by a shorter way.
//! 2. *The network's faults.* They are numbered in the order the network
//!    draws them; delta debugging (Zeller's ddmin) tries to spare each of n
//!    chunks of the faults kept, keeps any candidate that fails the same rule
//!    and is no longer (in events) than the smallest run so far, and splits
//!    the chunks finer when none does, until single faults cannot be spared
//!    or the budget of runs is spent.
//!
//! The first phase may use half the budget (all of it if the run draws no
//! fault), the second what is left; whatever the second leaves goes to a
//! second pass over the choices, as sparing faults may have made more of
//! them unnecessary.

use labrpc::{ChoiceEdits, Edit, FaultSet};

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

/// The edits that make a candidate run of the same scenario and seed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Candidate {
    /// The faults the network injects.
    pub faults: FaultSet,
    /// The edits of the tester's choices.
    pub choices: ChoiceEdits,
}

/// Which phase found a smaller run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Editing the tester's choices.
    Choices,
    /// Sparing the network's faults.
    Faults,
}

/// A failed run and its shrunk self.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The rule both break.
    pub rule: Rule,
    /// The seed's own run.
    pub original: Report,
    /// The run `found` makes (recorded if asked for).
    pub shrunk: Report,
    /// The edits that make the shrunk run.
    pub found: Candidate,
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

/// Shrinks the failed run that `run` runs with no edit: `run(candidate,
/// record)` runs it with `candidate`'s edits, recorded if `record`; at most
/// `max_runs` candidates are tried, and `better` hears of each one kept.
pub fn shrink(
    mut run: impl FnMut(&Candidate, bool) -> Report,
    max_runs: usize,
    record: bool,
    mut better: impl FnMut(Phase, &Candidate, &Report),
) -> Result<Shrunk, ShrinkError> {
    let original = run(&Candidate::default(), false);
    let rule = Rule::of(&original.outcome).ok_or(ShrinkError::Passed)?;
    let fails = |report: &Report| Rule::of(&report.outcome).as_ref() == Some(&rule);

    // 1. The tester's choices: each block of the words read, largest first,
    //    read as zero or passed over.
    let choices_budget = if original.faults_drawn == 0 {
        max_runs
    } else {
        max_runs / 2
    };
    let mut search = Search {
        best: Candidate::default(),
        smallest: original.clone(),
        runs: 0,
    };
    let mut exhausted = !search.edit_choices(&mut run, &fails, choices_budget, &mut better);

    // 2. The network's faults, with the choices found. A candidate must also
    //    be no longer than the smallest run so far: with fewer faults, a
    //    wrong server may take longer to fail (a lost message it never sees
    //    can be what ended its run early).
    let drawn_count = search.smallest.faults_drawn;
    let found = minimise(
        (0..drawn_count).collect(),
        max_runs.saturating_sub(search.runs),
        |kept| {
            let candidate = Candidate {
                faults: FaultSet::only(kept.iter().copied()),
                ..search.best.clone()
            };
            let report = run(&candidate, false);
            let smaller = fails(&report) && report.events <= search.smallest.events;
            if smaller {
                better(Phase::Faults, &candidate, &report);
                search.smallest = report;
            }
            smaller
        },
    );
    search.runs += found.runs;
    if found.kept.len() as u64 != drawn_count {
        search.best.faults = FaultSet::only(found.kept.iter().copied());
    }
    // 3. The choices again, with what is left of the budget: sparing faults
    //    may have made more of them unnecessary.
    if !found.exhausted && search.runs < max_runs {
        exhausted = !search.edit_choices(&mut run, &fails, max_runs, &mut better);
    }
    let Search {
        mut best,
        smallest,
        runs,
    } = search;
    // Edits past the words the run read change nothing: leave them out.
    best.choices = best.choices.below(smallest.choices_read);
    let shrunk = run(&best, record);
    if !fails(&shrunk) {
        return Err(ShrinkError::Diverged(shrunk.outcome));
    }
    Ok(Shrunk {
        rule,
        original,
        shrunk,
        found: best,
        runs: runs + 2,
        exhausted: exhausted || found.exhausted,
    })
}

/// The smallest failing run found so far, and the runs spent.
struct Search {
    best: Candidate,
    smallest: Report,
    runs: usize,
}

impl Search {
    /// One pass over the tester's choices: each block of the words the
    /// smallest run read, from all of them down to single words, read as zero
    /// or passed over; a candidate that `fails` in fewer events is kept.
    /// Returns whether the pass ended before `budget` runs in all were spent.
    fn edit_choices(
        &mut self,
        run: &mut impl FnMut(&Candidate, bool) -> Report,
        fails: &impl Fn(&Report) -> bool,
        budget: usize,
        better: &mut impl FnMut(Phase, &Candidate, &Report),
    ) -> bool {
        let mut size = self.smallest.choices_read.max(1);
        loop {
            let mut start = 0;
            while start < self.smallest.choices_read {
                for edit in [Edit::Zero, Edit::Skip] {
                    let end = (start + size).min(self.smallest.choices_read) - 1;
                    let choices = self.best.choices.with(start..=end, edit);
                    if choices == self.best.choices {
                        continue;
                    }
                    if self.runs >= budget {
                        return false;
                    }
                    let candidate = Candidate {
                        choices,
                        ..self.best.clone()
                    };
                    let report = run(&candidate, false);
                    self.runs += 1;
                    if fails(&report) && report.events < self.smallest.events {
                        better(Phase::Choices, &candidate, &report);
                        self.best = candidate;
                        self.smallest = report;
                        break;
                    }
                }
                start += size;
            }
            if size == 1 {
                return true;
            }
            size = size.div_ceil(2);
        }
    }
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

    /// A report of a fake run that reads 64 words of the tester's stream
    /// and draws 40 faults: it fails if it kept fault 7 and did not pass
    /// over word 5 (zero there is fine), or passes; each fault kept costs 50
    /// events, and each word read that is not zero 10.
    fn fake(candidate: &Candidate) -> Report {
        let drawn = 40;
        let n = (0..drawn).filter(|&i| candidate.faults.contains(i)).count() as u64;
        let edits = &candidate.choices;
        let mut read = 0;
        let mut nonzero = 0;
        let mut position = 0;
        while read < 64 {
            match edits.at(position) {
                Some(Edit::Skip) => {}
                Some(Edit::Zero) => read += 1,
                None => {
                    read += 1;
                    nonzero += 1;
                }
            }
            position += 1;
        }
        let outcome = if candidate.faults.contains(7) && edits.at(5) != Some(Edit::Skip) {
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
            events: 100 + 50 * n + 10 * nonzero,
            faults: labrpc::Faults::default(),
            faults_drawn: drawn,
            choices_read: position,
            trace_digest: 0,
            warnings: Vec::new(),
            replay: String::new(),
            shrink: None,
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
    fn a_failed_run_shrinks_to_the_choices_and_the_fault_it_needs() {
        let mut heard = Vec::new();
        let found = shrink(
            |c, _| fake(c),
            200,
            false,
            |phase, _, report| heard.push((phase, report.events)),
        )
        .unwrap();
        assert_eq!(found.found.choices.to_string(), "zero:0-63");
        assert_eq!(found.found.faults, FaultSet::only([7]));
        assert_eq!(found.original.events, 100 + 50 * 40 + 640);
        assert_eq!(found.shrunk.events, 150);
        assert_eq!(heard.first(), Some(&(Phase::Choices, 2100)));
        assert_eq!(heard.last(), Some(&(Phase::Faults, 150)));
        assert!(heard.windows(2).all(|w| w[0].1 > w[1].1));
        // A run that fails later with fewer faults or zeros is not smaller.
        let longer = |c: &Candidate| {
            let mut r = fake(c);
            r.events = 10_000 - r.events;
            r
        };
        let found = shrink(|c, _| longer(c), 200, false, |_, _, _| {}).unwrap();
        assert_eq!(found.found, Candidate::default());
        assert_eq!(found.shrunk.events, found.original.events);
        let passing = shrink(
            |_, _| {
                fake(&Candidate {
                    faults: FaultSet::only([]),
                    ..Candidate::default()
                })
            },
            100,
            false,
            |_, _, _| {},
        );
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
