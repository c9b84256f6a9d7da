//! An oracle for the checker: small key/value and register histories, some
//! made by a simulated linearizable store and some perturbed from those (a
//! changed read result, two results swapped, a return moved before another
//! operation's call, operations that never return), checked by lincheck and
//! by a deliberately simple exhaustive checker written here, which tries
//! every order of the operations that respects real time. The two must agree
//! on every history; proptest shrinks a disagreement to a minimal history.

use std::collections::BTreeMap;

use lincheck::models::kv::{Kv, KvInput, KvOutput};
use lincheck::models::register::{Register, RegisterInput, RegisterOutput};
use lincheck::{Operation, Verdict, check};
use proptest::prelude::*;

/// Enough for every history here by orders of magnitude.
const BUDGET: u64 = 10_000_000;

// ----- the exhaustive checker -----

/// Whether some order of all of `history`'s operations respects real time
/// (an operation that returned before another was called comes first; one
/// that never returned may come anywhere after the operations that returned
/// before its call) and is accepted by `apply` from `init` (which returns the
/// next state, or `None` if the operation could not have observed its output
/// there).
fn exhaustive<S: Clone, I, O>(
    history: &[Operation<I, O>],
    init: S,
    apply: &dyn Fn(&S, &I, &O) -> Option<S>,
) -> bool {
    fn extend<S: Clone, I, O>(
        history: &[Operation<I, O>],
        state: &S,
        placed: &mut Vec<bool>,
        left: usize,
        apply: &dyn Fn(&S, &I, &O) -> Option<S>,
    ) -> bool {
        if left == 0 {
            return true;
        }
        for i in 0..history.len() {
            if placed[i] {
                continue;
            }
            // Every operation that returned before i's call must be placed.
            let ready = (0..history.len())
                .all(|j| placed[j] || history[j].ret.is_none_or(|r| r >= history[i].call));
            if !ready {
                continue;
            }
            if let Some(next) = apply(state, &history[i].input, &history[i].output) {
                placed[i] = true;
                if extend(history, &next, placed, left - 1, apply) {
                    return true;
                }
                placed[i] = false;
            }
        }
        false
    }
    let mut placed = vec![false; history.len()];
    extend(history, &init, &mut placed, history.len(), apply)
}

/// The key/value store's specification, written again for the oracle.
fn kv_apply(
    state: &BTreeMap<String, String>,
    input: &KvInput,
    output: &KvOutput,
) -> Option<BTreeMap<String, String>> {
    let mut next = state.clone();
    match input {
        KvInput::Get(k) => {
            let value = state.get(k).cloned().unwrap_or_default();
            if output.as_ref().is_some_and(|o| *o != value) {
                return None;
            }
        }
        KvInput::Put(k, v) => {
            next.insert(k.clone(), v.clone());
        }
        KvInput::Append(k, v) => {
            let old = next.remove(k).unwrap_or_default();
            next.insert(k.clone(), old + v);
        }
    }
    Some(next)
}

/// The register's specification, written again for the oracle.
fn register_apply(
    state: &Option<i64>,
    input: &RegisterInput,
    output: &RegisterOutput,
) -> Option<Option<i64>> {
    use RegisterInput as I;
    use RegisterOutput as O;
    match input {
        I::Read => match output {
            O::Unknown => Some(*state),
            O::Read(v) if v == state => Some(*state),
            _ => None,
        },
        I::Write(v) => matches!(output, O::Ok | O::Unknown).then_some(Some(*v)),
        I::Cas { from, to } => {
            let swaps = *state == Some(*from);
            match output {
                O::Ok if swaps => Some(Some(*to)),
                O::Failed if !swaps => Some(*state),
                O::Unknown => Some(if swaps { Some(*to) } else { *state }),
                _ => None,
            }
        }
    }
}

// ----- histories -----

/// One operation as generated: who, what, when, and where in its interval it
/// takes effect in the simulated store.
#[derive(Clone, Debug)]
struct Planned<I> {
    client: usize,
    input: I,
    /// Time from the client's previous return to this call.
    gap: u64,
    /// How long the call takes.
    length: u64,
    /// Where in [call, return] it takes effect, in 1/1000ths.
    point: u64,
    /// It never returns (its client issues nothing more).
    lost: bool,
}

/// A history a linearizable store could produce: each operation takes effect
/// at one instant inside its interval (for one that never returns, at that
/// instant or never), and observes the state there.
fn simulate<S: Clone, I: Clone, O>(
    plan: &[Planned<I>],
    init: S,
    effect: &dyn Fn(&S, &I) -> (S, O),
    unknown: &dyn Fn(&I) -> O,
) -> Vec<Operation<I, O>> {
    let mut free_at: BTreeMap<usize, Option<u64>> = BTreeMap::new();
    let mut timed = Vec::new();
    for (k, p) in plan.iter().enumerate() {
        let at = free_at.entry(p.client).or_insert(Some(0));
        let Some(start) = *at else { continue };
        let call = start + p.gap;
        let ret = call + p.length;
        let point = call * 1000 + p.length * p.point;
        *at = if p.lost { None } else { Some(ret + 1) };
        timed.push((point, k, call, ret));
    }
    timed.sort_unstable();
    let mut state = init;
    let mut ops: Vec<(usize, Operation<I, O>)> = Vec::new();
    for (_, k, call, ret) in timed {
        let p = &plan[k];
        let (next, output) = effect(&state, &p.input);
        state = next;
        ops.push((
            k,
            Operation {
                client: p.client,
                input: p.input.clone(),
                output: if p.lost { unknown(&p.input) } else { output },
                call,
                ret: (!p.lost).then_some(ret),
            },
        ));
    }
    ops.sort_by_key(|(k, _)| *k);
    ops.into_iter().map(|(_, op)| op).collect()
}

/// How a generated history is changed before it is checked.
#[derive(Clone, Debug)]
enum Perturb {
    /// Left as the store made it.
    None,
    /// Operation `a`'s output replaced by operation `b`'s.
    CopyOutput(usize, usize),
    /// Operation `a`'s return moved to just before operation `b`'s call.
    ReturnEarly(usize, usize),
    /// Operation `a` never returns (its result unknown).
    Lose(usize),
    /// Operation `a`, if it reads, reads the value operation `b` writes (a
    /// stale or future read).
    ReadWritten(usize, usize),
}

fn perturb<I, O: Clone>(
    history: &mut [Operation<I, O>],
    how: &Perturb,
    unknown: &dyn Fn(&I) -> O,
    read_of: &dyn Fn(&I, &I) -> Option<O>,
) {
    let n = history.len();
    if n == 0 {
        return;
    }
    match *how {
        Perturb::None => {}
        Perturb::CopyOutput(a, b) => {
            history[a % n].output = history[b % n].output.clone();
        }
        Perturb::ReturnEarly(a, b) => {
            let call_b = history[b % n].call;
            let op = &mut history[a % n];
            if op.ret.is_some() && call_b > op.call {
                op.ret = Some(call_b - 1);
            }
        }
        Perturb::Lose(a) => {
            let op = &mut history[a % n];
            op.ret = None;
            op.output = unknown(&op.input);
        }
        Perturb::ReadWritten(a, b) => {
            // The first pair from (a, b) on, cyclically, that is a read and a write.
            let pairs = (0..n).flat_map(|i| (0..n).map(move |j| ((a + i) % n, (b + j) % n)));
            for (r, w) in pairs {
                if let Some(output) = read_of(&history[r].input, &history[w].input) {
                    history[r].output = output;
                    break;
                }
            }
        }
    }
}

fn perturbation() -> impl Strategy<Value = Perturb> {
    prop_oneof![
        1 => Just(Perturb::None),
        2 => (0..8usize, 0..8usize).prop_map(|(a, b)| Perturb::CopyOutput(a, b)),
        2 => (0..8usize, 0..8usize).prop_map(|(a, b)| Perturb::ReturnEarly(a, b)),
        1 => (0..8usize).prop_map(Perturb::Lose),
        3 => (0..8usize, 0..8usize).prop_map(|(a, b)| Perturb::ReadWritten(a, b)),
    ]
}

fn timing() -> impl Strategy<Value = (usize, u64, u64, u64, bool)> {
    (
        0..3usize,
        0..8u64,
        1..5u64,
        0..=1000u64,
        prop::bool::weighted(0.15),
    )
}

fn kv_input() -> impl Strategy<Value = KvInput> {
    let key = prop::sample::select(vec!["x", "y"]).prop_map(str::to_string);
    let value = prop::sample::select(vec!["1", "2", "3"]).prop_map(str::to_string);
    prop_oneof![
        2 => key.clone().prop_map(KvInput::Get),
        1 => (key.clone(), value.clone()).prop_map(|(k, v)| KvInput::Put(k, v)),
        1 => (key, value).prop_map(|(k, v)| KvInput::Append(k, v)),
    ]
}

fn register_input() -> impl Strategy<Value = RegisterInput> {
    prop_oneof![
        2 => Just(RegisterInput::Read),
        1 => (1..4i64).prop_map(RegisterInput::Write),
        1 => (1..4i64, 1..4i64).prop_map(|(from, to)| RegisterInput::Cas { from, to }),
    ]
}

fn plan<I: std::fmt::Debug + Clone>(
    input: impl Strategy<Value = I>,
) -> impl Strategy<Value = Vec<Planned<I>>> {
    prop::collection::vec((input, timing()), 2..=7).prop_map(|ops| {
        ops.into_iter()
            .map(|(input, (client, gap, length, point, lost))| Planned {
                client,
                input,
                gap,
                length,
                point,
                lost,
            })
            .collect()
    })
}

/// What a get `a` reads if it reads the value `b` writes.
fn kv_read_of(a: &KvInput, b: &KvInput) -> Option<KvOutput> {
    match (a, b) {
        (KvInput::Get(_), KvInput::Put(_, v) | KvInput::Append(_, v)) => Some(Some(v.clone())),
        _ => None,
    }
}

/// What a read `a` reads if it reads the value `b` writes.
fn register_read_of(a: &RegisterInput, b: &RegisterInput) -> Option<RegisterOutput> {
    match (a, b) {
        (RegisterInput::Read, RegisterInput::Write(v) | RegisterInput::Cas { to: v, .. }) => {
            Some(RegisterOutput::Read(Some(*v)))
        }
        _ => None,
    }
}

fn verdict(linearizable: bool) -> Verdict {
    if linearizable {
        Verdict::Linearizable
    } else {
        Verdict::NotLinearizable
    }
}

fn kv_effect(
    state: &BTreeMap<String, String>,
    input: &KvInput,
) -> (BTreeMap<String, String>, KvOutput) {
    let read = state.get(input.key()).cloned().unwrap_or_default();
    let next = kv_apply(state, input, &None).expect("the oracle's store accepts every operation");
    let output = match input {
        KvInput::Get(_) => Some(read),
        _ => Some(String::new()),
    };
    (next, output)
}

fn register_effect(state: &Option<i64>, input: &RegisterInput) -> (Option<i64>, RegisterOutput) {
    match input {
        RegisterInput::Read => (*state, RegisterOutput::Read(*state)),
        RegisterInput::Write(v) => (Some(*v), RegisterOutput::Ok),
        RegisterInput::Cas { from, to } if *state == Some(*from) => (Some(*to), RegisterOutput::Ok),
        RegisterInput::Cas { .. } => (*state, RegisterOutput::Failed),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn kv_histories_agree_with_the_exhaustive_checker(plan in plan(kv_input()), how in perturbation()) {
        let unknown = |_: &KvInput| None;
        let mut history = simulate(&plan, BTreeMap::new(), &kv_effect, &unknown);
        let made_by_store = matches!(how, Perturb::None);
        perturb(&mut history, &how, &unknown, &kv_read_of);
        let want = verdict(exhaustive(&history, BTreeMap::new(), &kv_apply));
        if made_by_store {
            prop_assert_eq!(want, Verdict::Linearizable, "the oracle rejects a store's history");
        }
        for model in [Kv::by_key(), Kv::whole()] {
            let got = check(&model, &history, BUDGET).unwrap().verdict;
            prop_assert_eq!(got, want, "{:?} on {:#?}", model, history);
        }
    }

    #[test]
    fn register_histories_agree_with_the_exhaustive_checker(plan in plan(register_input()), how in perturbation()) {
        let unknown = |_: &RegisterInput| RegisterOutput::Unknown;
        let mut history = simulate(&plan, None, &register_effect, &unknown);
        let made_by_store = matches!(how, Perturb::None);
        perturb(&mut history, &how, &unknown, &register_read_of);
        let want = verdict(exhaustive(&history, None, &register_apply));
        if made_by_store {
            prop_assert_eq!(want, Verdict::Linearizable, "the oracle rejects a store's history");
        }
        let got = check(&Register, &history, BUDGET).unwrap().verdict;
        prop_assert_eq!(got, want, "{:#?}", history);
    }
}

/// The generator is not vacuous: both verdicts occur often.
#[test]
fn perturbed_histories_are_often_not_linearizable() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (plan(kv_input()), perturbation());
    let mut counts = [0usize; 2];
    for _ in 0..2000 {
        let (plan, how) = strategy.new_tree(&mut runner).unwrap().current();
        let unknown = |_: &KvInput| None;
        let mut history = simulate(&plan, BTreeMap::new(), &kv_effect, &unknown);
        perturb(&mut history, &how, &unknown, &kv_read_of);
        counts[usize::from(exhaustive(&history, BTreeMap::new(), &kv_apply))] += 1;
    }
    eprintln!(
        "of 2000 generated kv histories: {} not linearizable, {} linearizable",
        counts[0], counts[1]
    );
    assert!(
        counts[0] > 200 && counts[1] > 200,
        "not linearizable {}, linearizable {} of 2000",
        counts[0],
        counts[1]
    );
}
