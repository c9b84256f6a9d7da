//! Jepsen etcd logs: `INFO  jepsen.util - <process>\t<:invoke|:ok|:fail|:info>\t<:read|:write|:cas>\t<value>`.
//! Line order is time order; `:info` lines and other lines are ignored, so an
//! operation without an `:ok`/`:fail` line never returns (unknown result).

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
        let at = |msg: String| format!("line {}: {msg}: {line:?}", n + 1);
        let Some((_, rest)) = line.split_once("jepsen.util - ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split('\t').collect();
        if fields.len() < 4 {
            continue;
        }
        let Ok(process) = fields[0].trim().parse::<usize>() else {
            continue;
        };
        let (kind, f, value) = (fields[1], fields[2], fields[3].trim());
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
            _ => {}
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
             INFO  jepsen.util - 1\t:ok\t:read\t3\nINFO  jepsen.util - 0\t:fail\t:cas\t[1 2]\nother line\n",
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
    }
}
