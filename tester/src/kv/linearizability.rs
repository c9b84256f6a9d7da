//! The linearizability check of a kv scenario's history: every completed
//! operation, with its virtual call and return times, checked by lincheck
//! against the key/value model, one key at a time. "Not linearizable" fails
//! the scenario and keeps the HTML picture of the history in the report (the
//! harness writes it where the user's build goes; a graded job hands it to the
//! grader); "unknown" (the checker's budget ran out) fails it too: a history is
//! never passed unchecked.

use kvraft::Op;
use kvraft::world::KvWorld;
use lincheck::models::kv::{Kv, KvInput};
use lincheck::{Operation, Verdict};

use labrpc::{Observer, Protocol};

use crate::harness::Harness;
use crate::kv::config::KvConfig;
use crate::registry::RunSpec;
use crate::report::Check;

/// Search steps allowed per history: far above what the reference's histories
/// need (their keys are mostly written by one client at a time), low enough to
/// end in seconds.
pub const BUDGET: u64 = 20_000_000;

/// Checks the recorded history; never passes without a verdict.
pub fn check_history<W: KvWorld>(cfg: &mut KvConfig<W>, spec: &RunSpec) -> Check<()> {
    let recorded = cfg.h.sim.observer().history.clone();
    check_ops(&mut cfg.h, &recorded, spec)
}

/// Checks `recorded`, the history of a run of any world with key/value
/// clerks (kvraft's, or Lab 4B's); never passes without a verdict.
pub fn check_ops<P: Protocol, W: Observer<P>>(
    h: &mut Harness<P, W>,
    recorded: &[crate::kv::tester::Operation],
    spec: &RunSpec,
) -> Check<()> {
    let history: Vec<Operation<KvInput, Option<String>>> = recorded
        .iter()
        .map(|op| Operation {
            client: op.client,
            input: match &op.op {
                Op::Get { key } => KvInput::Get(key.clone()),
                Op::Put { key, value } => KvInput::Put(key.clone(), value.clone()),
                Op::Append { key, value } => KvInput::Append(key.clone(), value.clone()),
            },
            output: Some(match op.op {
                Op::Get { .. } => op.value.clone(),
                _ => String::new(),
            }),
            call: op.call.as_micros(),
            ret: Some(op.ret.as_micros()),
        })
        .collect();
    let model = Kv::by_key();
    let started = std::time::Instant::now();
    let checked = lincheck::check(&model, &history, BUDGET);
    h.checker_us = started.elapsed().as_micros() as u64;
    let outcome = checked.map_err(|e| h.failure(format!("the history cannot be checked: {e}")))?;
    match outcome.verdict {
        Verdict::Linearizable => Ok(()),
        Verdict::Unknown => Err(h.failure(format!(
            "linearizability unknown: the checker could not decide within its budget of {BUDGET} \
             steps ({} operations); this is not a pass",
            history.len()
        ))),
        Verdict::NotLinearizable => {
            let part = outcome.failed_part().expect("a failed part");
            let stuck = part.stuck.map_or(String::new(), |i| {
                let op = &history[i];
                format!(
                    "; client {} could not be placed: {:?} called at {} returned at {}",
                    op.client,
                    op.input,
                    labrpc::Time::from_micros(op.call),
                    labrpc::Time::from_micros(op.ret.unwrap_or(op.call))
                )
            });
            let title = format!("{} seed {}: history not linearizable", spec.test, spec.seed);
            h.linearizability = Some(lincheck::html::render(&model, &history, &outcome, &title));
            Err(h.failure(format!(
                "history is not linearizable: {} ({} of its operations linearized at most){stuck}",
                part.description,
                part.longest.len()
            )))
        }
    }
}
