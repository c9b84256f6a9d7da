//! [`check`]: a whole history against a model, part by part
//! (P-compositionality), under a step budget, with three outcomes.

use crate::model::{Model, Operation};
use crate::search::{PartEnd, search};

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

/// Checks `history` against `model`, spending at most `budget` search steps in
/// all (a step is one move of the search; the count, unlike a clock, makes the
/// outcome reproducible). Errors on a malformed history (an operation returning
/// before its call, or a part index out of range).
pub fn check<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    budget: u64,
) -> Result<Outcome, String> {
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
    // Rounds with growing per-part budgets, so that a small part that is not
    // linearizable is found even when another part would exhaust the budget;
    // an undecided part is searched again from scratch with a larger one (at
    // most a third of the work is repeated).
    let mut steps = 0u64;
    let mut round_budget = FIRST_ROUND;
    let mut failed = false;
    loop {
        let mut undecided = false;
        for part in parts.iter_mut() {
            if failed
                || matches!(
                    part.verdict,
                    Some(Verdict::Linearizable | Verdict::NotLinearizable)
                )
            {
                continue;
            }
            let allowed = round_budget.min(budget.saturating_sub(steps));
            let ops: Vec<&Operation<M::Input, M::Output>> =
                part.operations.iter().map(|&i| &history[i]).collect();
            let found = search(model, &ops, allowed);
            steps += found.steps;
            part.steps += found.steps;
            part.longest = found.longest.iter().map(|&k| part.operations[k]).collect();
            part.stuck = found.stuck.map(|k| part.operations[k]);
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
