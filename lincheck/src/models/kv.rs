//! A key/value store with get, put and append (the kvraft service). Missing
//! keys read as "". Partitioned by key ([`Kv::by_key`]) or checked whole.

use std::collections::BTreeMap;

use crate::model::{Model, Operation};

/// A key/value operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvInput {
    /// Read a key.
    Get(String),
    /// Replace a key's value.
    Put(String, String),
    /// Append to a key's value.
    Append(String, String),
}

impl KvInput {
    /// The key the operation is about.
    pub fn key(&self) -> &str {
        match self {
            KvInput::Get(k) | KvInput::Put(k, _) | KvInput::Append(k, _) => k,
        }
    }
}

/// What a key/value operation observed: the value a `Get` read, `Some("")`
/// for a completed `Put`/`Append`, `None` if unknown.
pub type KvOutput = Option<String>;

/// The key/value model.
#[derive(Clone, Copy, Debug)]
pub struct Kv {
    by_key: bool,
}

impl Kv {
    /// The model checked one key at a time (P-compositionality).
    pub fn by_key() -> Kv {
        Kv { by_key: true }
    }

    /// The model checked as one history.
    pub fn whole() -> Kv {
        Kv { by_key: false }
    }
}

impl Model for Kv {
    type State = BTreeMap<String, String>;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn step(&self, state: &Self::State, input: &KvInput, output: &KvOutput) -> Option<Self::State> {
        match input {
            KvInput::Get(k) => match output {
                Some(v) => (state.get(k).map_or("", String::as_str) == v).then(|| state.clone()),
                None => Some(state.clone()),
            },
            KvInput::Put(k, v) => {
                let mut next = state.clone();
                next.insert(k.clone(), v.clone());
                Some(next)
            }
            KvInput::Append(k, v) => {
                let mut next = state.clone();
                next.entry(k.clone()).or_default().push_str(v);
                Some(next)
            }
        }
    }

    fn constrains_nothing(&self, input: &KvInput, output: &KvOutput) -> bool {
        matches!(input, KvInput::Get(_)) && output.is_none()
    }

    fn partition(&self, history: &[Operation<KvInput, KvOutput>]) -> Vec<Vec<usize>> {
        if !self.by_key {
            return vec![(0..history.len()).collect()];
        }
        let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, op) in history.iter().enumerate() {
            by_key.entry(op.input.key()).or_default().push(i);
        }
        by_key.into_values().collect()
    }

    fn describe_part(&self, history: &[Operation<KvInput, KvOutput>], part: &[usize]) -> String {
        match (self.by_key, part.first()) {
            (true, Some(&i)) => format!(
                "key {:?} ({} operations)",
                history[i].input.key(),
                part.len()
            ),
            _ => format!("all keys ({} operations)", part.len()),
        }
    }

    fn describe_operation(&self, input: &KvInput, output: &KvOutput) -> String {
        let out = output
            .as_deref()
            .map_or("?".to_string(), |v| format!("{v:?}"));
        match input {
            KvInput::Get(k) => format!("get({k:?}) -> {out}"),
            KvInput::Put(k, v) => format!("put({k:?}, {v:?})"),
            KvInput::Append(k, v) => format!("append({k:?}, {v:?})"),
        }
    }

    fn describe_state(&self, state: &Self::State) -> String {
        let pairs: Vec<String> = state.iter().map(|(k, v)| format!("{k:?}: {v:?}")).collect();
        format!("{{{}}}", pairs.join(", "))
    }
}
