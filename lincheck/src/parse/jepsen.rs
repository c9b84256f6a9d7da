//! Jepsen etcd logs: `INFO  jepsen.util - <process> <:invoke|:ok|:fail|:info>
//! <:read|:write|:cas> <value>`, the fields separated by any whitespace (tabs
//! in most published logs, spaces in some). Line order is time order. An
//! `:info` line ends an operation whose outcome is unknown (it never returns),
//! as does the end of the file for one still open. Every line must be such an
//! operation line (blank lines aside): anything else is an error naming the
//! line, so that a log is never read as shorter than it is.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::Operation;
use crate::models::register::{RegisterInput, RegisterOutput};

/// A register history.
pub type RegisterHistory = Vec<Operation<RegisterInput, RegisterOutput>>;

/// Parses a Jepsen etcd log.
pub fn parse(text: &str) -> Result<RegisterHistory, String> {
    let mut ops: RegisterHistory = Vec::new();
    let mut open: BTreeMap<usize, usize> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |msg: String| format!("line {}: {msg}: {line:?}", n + 1);
        let Some((_, rest)) = line.split_once("jepsen.util - ") else {
            return Err(at("not a jepsen.util operation line".into()));
        };
        let mut words = rest.split_whitespace();
        let (Some(process), Some(kind), Some(f)) = (words.next(), words.next(), words.next())
        else {
            return Err(at("expected a process, a type and a function".into()));
        };
        let process: usize = process
            .parse()
            .map_err(|_| at(format!("{process:?} is not a process number")))?;
        let value = words.collect::<Vec<_>>().join(" ");
        let value = value.as_str();
        let time = n as u64;
        match kind {
            ":invoke" => {
                if open.contains_key(&process) {
                    return Err(at(format!(
                        "process {process} invokes while its previous operation is open"
                    )));
                }
                let input = match f {
                    ":read" => RegisterInput::Read,
                    ":write" => RegisterInput::Write(int(value).map_err(at)?),
                    ":cas" => {
                        let (from, to) = pair(value).map_err(at)?;
                        RegisterInput::Cas { from, to }
                    }
                    other => return Err(at(format!("unknown function {other}"))),
                };
                open.insert(process, ops.len());
                ops.push(Operation {
                    client: process,
                    input,
                    output: RegisterOutput::Unknown,
                    call: time,
                    ret: None,
                });
            }
            ":ok" | ":fail" => {
                let Some(i) = open.remove(&process) else {
                    return Err(at(format!(
                        "process {process} completes an operation it never invoked"
                    )));
                };
                let op = &mut ops[i];
                op.ret = Some(time);
                op.output = match (kind, &op.input) {
                    (":ok", RegisterInput::Read) => RegisterOutput::Read(if value == "nil" {
                        None
                    } else {
                        Some(int(value).map_err(at)?)
                    }),
                    (":ok", _) => RegisterOutput::Ok,
                    (_, RegisterInput::Cas { .. }) => RegisterOutput::Failed,
                    // A failed read or write (timed out): its outcome is unknown.
                    _ => RegisterOutput::Unknown,
                };
            }
            ":info" => {
                // The outcome is unknown: the operation never returns, and the
                // process is done with it.
                if open.remove(&process).is_none() {
                    return Err(at(format!(
                        "process {process} reports an operation it never invoked"
                    )));
                }
            }
            other => return Err(at(format!("unknown type {other}"))),
        }
    }
    Ok(ops)
}

/// Reads and parses a Jepsen etcd log file.
pub fn parse_file(path: &Path) -> Result<RegisterHistory, String> {
    parse(&super::read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn int(text: &str) -> Result<i64, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not an integer"))
}

fn pair(text: &str) -> Result<(i64, i64), String> {
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| format!("{text:?} is not [from to]"))?;
    let mut it = inner.split_whitespace();
    match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), None) => Ok((int(a)?, int(b)?)),
        _ => Err(format!("{text:?} is not [from to]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let h = parse(
            "INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
             INFO  jepsen.util - 1\t:ok\t:read\t3\nINFO  jepsen.util - 0\t:fail\t:cas\t[1 2]\n\n",
        )
        .unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].output, RegisterOutput::Failed);
        assert_eq!(h[1].output, RegisterOutput::Read(Some(3)));
        assert_eq!((h[1].call, h[1].ret), (1, Some(2)));
        let e = parse("INFO  jepsen.util - 0\t:invoke\t:write\tx\n").unwrap_err();
        assert!(e.contains("line 1") && e.contains("not an integer"), "{e}");
        let e = parse("INFO  jepsen.util - 0\t:ok\t:write\t1\n").unwrap_err();
        assert!(e.contains("never invoked"), "{e}");
        let e = parse("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nother line\n").unwrap_err();
        assert!(
            e.contains("line 2") && e.contains("not a jepsen.util"),
            "{e}"
        );
        let e = parse("INFO  jepsen.util - 0 :crash :read nil\n").unwrap_err();
        assert!(e.contains("unknown type :crash"), "{e}");
    }

    #[test]
    fn fields_may_be_separated_by_spaces_and_info_ends_an_operation_unknown() {
        let h = parse(
            "INFO  jepsen.util - 1   :invoke :cas    [1 2]\n\
             INFO  jepsen.util - 2   :invoke :write  4\n\
             INFO  jepsen.util - 1   :info   :cas    :timed-out\n\
             INFO  jepsen.util - 2   :ok     :write  4\n\
             INFO  jepsen.util - 1   :invoke :read   nil\n",
        )
        .unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h[0].input, RegisterInput::Cas { from: 1, to: 2 });
        assert_eq!((h[0].ret, &h[0].output), (None, &RegisterOutput::Unknown));
        assert_eq!(h[1].ret, Some(3));
        assert_eq!(h[2].input, RegisterInput::Read);
    }
}
