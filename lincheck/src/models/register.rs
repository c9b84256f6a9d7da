//! A single register with read, write and compare-and-set (the Jepsen etcd
//! histories). The register starts empty (`None`).

use crate::model::Model;

/// A register operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterInput {
    /// Read the value.
    Read,
    /// Write a value.
    Write(i64),
    /// Swap `from` for `to` if the register holds `from`.
    Cas {
        /// Expected value.
        from: i64,
        /// New value.
        to: i64,
    },
}

/// What a register operation observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterOutput {
    /// The value read (`None`: empty).
    Read(Option<i64>),
    /// The write or cas completed (a cas that swapped).
    Ok,
    /// The cas did not swap.
    Failed,
    /// Unknown: the operation timed out or never returned.
    Unknown,
}

/// The register model.
#[derive(Clone, Copy, Debug, Default)]
pub struct Register;

impl Model for Register {
    type State = Option<i64>;
    type Input = RegisterInput;
    type Output = RegisterOutput;

    fn init(&self) -> Option<i64> {
        None
    }

    fn constrains_nothing(&self, input: &RegisterInput, output: &RegisterOutput) -> bool {
        matches!(
            (input, output),
            (RegisterInput::Read, RegisterOutput::Unknown)
        )
    }

    fn step(
        &self,
        state: &Option<i64>,
        input: &RegisterInput,
        output: &RegisterOutput,
    ) -> Option<Option<i64>> {
        match (input, output) {
            (RegisterInput::Read, RegisterOutput::Read(v)) => (v == state).then_some(*state),
            (RegisterInput::Read, RegisterOutput::Unknown) => Some(*state),
            (RegisterInput::Write(v), RegisterOutput::Ok | RegisterOutput::Unknown) => {
                Some(Some(*v))
            }
            (RegisterInput::Cas { from, to }, RegisterOutput::Ok) => {
                (*state == Some(*from)).then_some(Some(*to))
            }
            (RegisterInput::Cas { from, .. }, RegisterOutput::Failed) => {
                (*state != Some(*from)).then_some(*state)
            }
            (RegisterInput::Cas { from, to }, RegisterOutput::Unknown) => {
                Some(if *state == Some(*from) {
                    Some(*to)
                } else {
                    *state
                })
            }
            _ => None,
        }
    }

    fn describe_operation(&self, input: &RegisterInput, output: &RegisterOutput) -> String {
        let out = match output {
            RegisterOutput::Read(Some(v)) => v.to_string(),
            RegisterOutput::Read(None) => "nil".into(),
            RegisterOutput::Ok => "ok".into(),
            RegisterOutput::Failed => "failed".into(),
            RegisterOutput::Unknown => "?".into(),
        };
        match input {
            RegisterInput::Read => format!("read() -> {out}"),
            RegisterInput::Write(v) => format!("write({v}) -> {out}"),
            RegisterInput::Cas { from, to } => format!("cas({from}, {to}) -> {out}"),
        }
    }

    fn describe_state(&self, state: &Option<i64>) -> String {
        state.map_or("nil".into(), |v| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        let r = Register;
        assert_eq!(
            r.step(&None, &RegisterInput::Read, &RegisterOutput::Read(None)),
            Some(None)
        );
        assert_eq!(
            r.step(&Some(1), &RegisterInput::Read, &RegisterOutput::Read(None)),
            None
        );
        let cas = RegisterInput::Cas { from: 1, to: 2 };
        assert_eq!(r.step(&Some(1), &cas, &RegisterOutput::Ok), Some(Some(2)));
        assert_eq!(r.step(&Some(1), &cas, &RegisterOutput::Failed), None);
        assert_eq!(
            r.step(&Some(3), &cas, &RegisterOutput::Failed),
            Some(Some(3))
        );
        assert_eq!(
            r.step(&Some(3), &cas, &RegisterOutput::Unknown),
            Some(Some(3))
        );
    }
}
