//! What the checker checks against: a [`Model`] (a sequential specification) and
//! the [`Operation`]s of a concurrent history.

use std::hash::Hash;

/// One operation of a history: what a client asked, what it observed, and when
/// (times in any unit, only their order matters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// The client (process) that performed it; used for the picture only.
    pub client: usize,
    /// What was asked.
    pub input: I,
    /// What was observed. A model decides what an unknown result looks like
    /// (for example `None`) and accepts any outcome for it.
    pub output: O,
    /// When it was called.
    pub call: u64,
    /// When it returned; `None` if it never did (it may have taken effect at
    /// any point after its call, or never).
    pub ret: Option<u64>,
}

/// A sequential specification.
pub trait Model {
    /// The state of the object.
    type State: Clone + Eq + Hash;
    /// What an operation asks.
    type Input;
    /// What an operation observed.
    type Output;

    /// The initial state.
    fn init(&self) -> Self::State;

    /// Performs `input` on `state`: the next state if the operation could have
    /// observed `output` there, `None` if not.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: &Self::Output,
    ) -> Option<Self::State>;

    /// Splits a history into independent sub-histories (P-compositionality):
    /// each is linearizable on its own iff the whole is. Returns the operations'
    /// indices, one list per part. The default keeps the history whole.
    fn partition(&self, history: &[Operation<Self::Input, Self::Output>]) -> Vec<Vec<usize>> {
        vec![(0..history.len()).collect()]
    }

    /// Whether an operation asked `input` and observed `output` constrains
    /// nothing: it changes no state and its result is unknown (a read that
    /// never returned or timed out). Such an operation could be placed
    /// anywhere without changing any verdict, so the checker leaves it out of
    /// the search (each one would double the states searched). The default:
    /// none.
    fn constrains_nothing(&self, input: &Self::Input, output: &Self::Output) -> bool {
        let _ = (input, output);
        false
    }

    /// A short description of a part (for the picture), e.g. "key 3".
    fn describe_part(
        &self,
        history: &[Operation<Self::Input, Self::Output>],
        part: &[usize],
    ) -> String {
        let _ = history;
        format!("{} operations", part.len())
    }

    /// How an operation reads in the picture.
    fn describe_operation(&self, input: &Self::Input, output: &Self::Output) -> String;

    /// How a state reads in the picture.
    fn describe_state(&self, state: &Self::State) -> String;
}
