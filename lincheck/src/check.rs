//! [`check`]: a whole history against a model, part by part
//! (P-compositionality), under a step budget, with three outcomes.

use std::sync::Mutex;

use crate::model::{Model, Operation};
use crate::search::{PartEnd, PartSearch, Search};

/// The verdict on a history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every part has a linearization.
    Linearizable,
    /// Some part has none.
    NotLinearizable,
    /// The budget ran out before a verdict (no part was found not linearizable).
    Unknown,
}

/// What the search found in one part of the history.
#[derive(Clone, Debug)]
pub struct Part {
    /// The model's description of the part ("key 3").
    pub description: String,
    /// The part's operations (indices into the history), without those left
    /// out as constraining nothing.
    pub operations: Vec<usize>,
    /// Operations of the part left out of the search because they constrain
    /// nothing (reads whose result is unknown; see
    /// [`Model::constrains_nothing`]).
    pub left_out: Vec<usize>,
    /// `None` if the part was not searched to the end (another part had
    /// already failed).
    pub verdict: Option<Verdict>,
    /// The longest linearization found (indices into the history, in order).
    pub longest: Vec<usize>,
    /// An operation that could not be placed after `longest` (history index).
    pub stuck: Option<usize>,
    /// Search steps spent on it.
    pub steps: u64,
}

/// The result of a check.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// Each part's findings, in the model's order.
    pub parts: Vec<Part>,
    /// Steps spent in all.
    pub steps: u64,
}

impl Outcome {
    /// The first part found not linearizable.
    pub fn failed_part(&self) -> Option<&Part> {
        self.parts
            .iter()
            .find(|p| p.verdict == Some(Verdict::NotLinearizable))
    }
}

/// The per-part step budget of the first round.
const FIRST_ROUND: u64 = 10_000;

/// The smallest history whose first round is searched on several threads.
const PARALLEL_FROM: usize = 1_000;

/// Checks `history` against `model`, spending at most `budget` search steps in
/// all (a step is one move of the search; the count, unlike a clock, makes the
/// outcome reproducible). Errors on a malformed history (an operation returning
/// before its call, or a part index out of range).
///
/// The parts are searched in rounds with growing per-part budgets, so that a
/// small part that is not linearizable is found even when another part would
/// exhaust the budget; an undecided part goes on where it stopped (no step is
/// taken twice). A round's parts are searched on the machine's cores at once
/// when threads can be started (otherwise one after another): each part's
/// allowance is fixed before the round, so the verdict, the parts' findings
/// and the step counts are the same either way. The check stops after the
/// first round in which a part is found not linearizable.
pub fn check<M>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    budget: u64,
) -> Result<Outcome, String>
where
    M: Model + Sync,
    M::State: Send,
    M::Input: Sync,
    M::Output: Sync,
{
    for (i, op) in history.iter().enumerate() {
        if let Some(ret) = op.ret
            && ret < op.call
        {
            return Err(format!(
                "operation {i} (client {}) returns at {ret}, before its call at {}",
                op.client, op.call
            ));
        }
    }
    let partition = model.partition(history);
    if let Some(&bad) = partition.iter().flatten().find(|&&i| i >= history.len()) {
        return Err(format!(
            "the model's partition names operation {bad}, but the history has {}",
            history.len()
        ));
    }
    let mut parts: Vec<Part> = partition
        .into_iter()
        .map(|indices| {
            let (left_out, operations): (Vec<usize>, Vec<usize>) = indices
                .iter()
                .partition(|&&i| model.constrains_nothing(&history[i].input, &history[i].output));
            (indices, operations, left_out)
        })
        .map(|(indices, operations, left_out)| Part {
            description: model.describe_part(history, &indices),
            operations,
            left_out,
            verdict: None,
            longest: Vec::new(),
            stuck: None,
            steps: 0,
        })
        .collect();
    let mut searches: Vec<Option<Search<'_, M>>> = parts
        .iter()
        .map(|p| {
            let ops = p.operations.iter().map(|&i| &history[i]).collect();
            Some(Search::new(model, ops))
        })
        .collect();
    let mut steps = 0u64;
    let mut round_budget = FIRST_ROUND;
    let mut failed = false;
    loop {
        // This round's allowances, fixed in part order before it starts.
        let mut left = budget.saturating_sub(steps);
        let mut round: Vec<(usize, u64, &mut Search<'_, M>)> = Vec::new();
        for (k, search) in searches.iter_mut().enumerate() {
            if let Some(search) = search.as_mut() {
                let allowed = round_budget.min(left);
                left -= allowed;
                round.push((k, allowed, search));
            }
        }
        // Threads cost more than a small history's whole search: the first
        // round uses them only for large histories; later rounds (parts that
        // took 10,000 steps and more) always.
        let worth_threads = round_budget > FIRST_ROUND || history.len() >= PARALLEL_FROM;
        let found = run_round(round, worth_threads);
        let mut undecided = false;
        for (k, found, spent) in found {
            let part = &mut parts[k];
            steps += spent;
            part.steps = found.steps;
            part.longest = found.longest.iter().map(|&j| part.operations[j]).collect();
            part.stuck = found.stuck.map(|j| part.operations[j]);
            part.verdict = Some(match found.end {
                PartEnd::Linearizable => Verdict::Linearizable,
                PartEnd::NotLinearizable => {
                    failed = true;
                    Verdict::NotLinearizable
                }
                PartEnd::Unknown => {
                    undecided = true;
                    Verdict::Unknown
                }
            });
            if found.end != PartEnd::Unknown {
                // Decided: its memo is no longer needed.
                searches[k] = None;
            }
        }
        if failed || !undecided || steps >= budget {
            break;
        }
        round_budget = round_budget.saturating_mul(4);
    }
    let verdict = if failed {
        for part in parts
            .iter_mut()
            .filter(|p| p.verdict == Some(Verdict::Unknown))
        {
            part.verdict = None;
        }
        Verdict::NotLinearizable
    } else if parts
        .iter()
        .all(|p| p.verdict == Some(Verdict::Linearizable))
    {
        Verdict::Linearizable
    } else {
        Verdict::Unknown
    };
    Ok(Outcome {
        verdict,
        parts,
        steps,
    })
}

/// Resumes each search of a round by its allowance; returns, in part order,
/// each part's findings and the steps it took this round. Uses the cores when
/// threads can be started, and one thread otherwise: the results are the same.
fn run_round<'h, M>(
    round: Vec<(usize, u64, &mut Search<'h, M>)>,
    worth_threads: bool,
) -> Vec<(usize, PartSearch, u64)>
where
    M: Model + Sync,
    M::State: Send,
    M::Input: Sync,
    M::Output: Sync,
{
    let resume = |(k, allowed, search): (usize, u64, &mut Search<'h, M>)| {
        let before = search.steps();
        let found = search.resume(allowed);
        let spent = found.steps - before;
        (k, found, spent)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || round.len() < 2 || !worth_threads {
        return round.into_iter().map(resume).collect();
    }
    // Part k goes to worker k mod threads: which thread runs a part changes
    // nothing in what the part's search finds. A share whose thread cannot
    // start (a sandbox forbids threads) is searched here afterwards.
    let mut shares: Vec<Vec<(usize, u64, &mut Search<'h, M>)>> =
        (0..threads).map(|_| Vec::new()).collect();
    for (n, item) in round.into_iter().enumerate() {
        shares[n % threads].push(item);
    }
    let slots: Vec<Mutex<Option<Vec<_>>>> =
        shares.into_iter().map(|s| Mutex::new(Some(s))).collect();
    let take = |slot: &Mutex<Option<Vec<_>>>| {
        slot.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .unwrap_or_default()
    };
    let mut results: Vec<(usize, PartSearch, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = slots
            .iter()
            .filter_map(|slot| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, || {
                        take(slot).into_iter().map(resume).collect::<Vec<_>>()
                    })
                    .ok()
            })
            .collect();
        let mut results: Vec<_> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        for slot in &slots {
            results.extend(take(slot).into_iter().map(resume));
        }
        results
    });
    results.sort_by_key(|(k, _, _)| *k);
    results
}
