//! kv histories: one EDN map per line,
//! `{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}`, with
//! `:type` `:invoke`, `:ok`, `:info` or `:fail` and `:f` `:get`, `:put` or
//! `:append`. Line order is time order. `:info` ends an operation whose outcome
//! is unknown (it never returns, and may or may not have taken effect), as does
//! the end of the file for one still open; `:fail` ends one that did not
//! happen, which is left out of the history.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::Operation;
use crate::models::kv::{KvInput, KvOutput};

/// A key/value history.
pub type KvHistory = Vec<Operation<KvInput, KvOutput>>;

/// The fields of one line.
struct Line<'a> {
    process: usize,
    kind: &'a str,
    f: &'a str,
    key: String,
    value: Option<String>,
}

/// Parses a kv history.
pub fn parse(text: &str) -> Result<KvHistory, String> {
    let mut ops: KvHistory = Vec::new();
    let mut open: BTreeMap<usize, usize> = BTreeMap::new();
    // Operations reported `:fail` (they did not happen), by index.
    let mut failed: Vec<bool> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let at = |msg: String| format!("line {}: {msg}: {raw:?}", n + 1);
        let line = fields(raw).map_err(at)?;
        let time = n as u64;
        match line.kind {
            ":invoke" => {
                if open.contains_key(&line.process) {
                    return Err(at(format!(
                        "process {} invokes while its previous operation is open",
                        line.process
                    )));
                }
                let value = || {
                    line.value
                        .clone()
                        .ok_or_else(|| at("missing :value".into()))
                };
                let input = match line.f {
                    ":get" => KvInput::Get(line.key.clone()),
                    ":put" => KvInput::Put(line.key.clone(), value()?),
                    ":append" => KvInput::Append(line.key.clone(), value()?),
                    other => return Err(at(format!("unknown function {other}"))),
                };
                open.insert(line.process, ops.len());
                ops.push(Operation {
                    client: line.process,
                    input,
                    output: None,
                    call: time,
                    ret: None,
                });
            }
            ":ok" => {
                let Some(i) = open.remove(&line.process) else {
                    return Err(at(format!(
                        "process {} completes an operation it never invoked",
                        line.process
                    )));
                };
                let op = &mut ops[i];
                op.ret = Some(time);
                op.output = Some(match op.input {
                    KvInput::Get(_) => line.value.unwrap_or_default(),
                    _ => String::new(),
                });
            }
            ":info" | ":fail" => {
                let Some(i) = open.remove(&line.process) else {
                    return Err(at(format!(
                        "process {} reports an operation it never invoked",
                        line.process
                    )));
                };
                // `:info`: the outcome is unknown (it may have taken effect);
                // the operation never returns. `:fail`: it did not happen.
                if line.kind == ":fail" {
                    failed[i] = true;
                }
            }
            other => return Err(at(format!("unknown :type {other}"))),
        }
        failed.resize(ops.len(), false);
    }
    let mut failed = failed.into_iter();
    ops.retain(|_| !failed.next().unwrap_or(false));
    Ok(ops)
}

/// Reads and parses a kv history file.
pub fn parse_file(path: &Path) -> Result<KvHistory, String> {
    parse(&super::read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

/// Splits `{:a x, :b "y", ...}` into its fields.
fn fields(raw: &str) -> Result<Line<'_>, String> {
    let body = raw
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or("not a {...} map")?;
    let mut map: BTreeMap<&str, &str> = BTreeMap::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let (name, after) = rest.split_once(' ').ok_or("a field without a value")?;
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').ok_or("an unterminated string")?;
            (&after[..end + 2], &quoted[end + 1..])
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        map.insert(name, value.trim());
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    let get = |k: &str| map.get(k).copied().ok_or_else(|| format!("missing {k}"));
    let unquote = |v: &str| -> Option<String> {
        v.strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .map(str::to_string)
    };
    let process = get(":process")?;
    Ok(Line {
        process: process
            .parse()
            .map_err(|_| format!("{process:?} is not a process number"))?,
        kind: get(":type")?,
        f: get(":f")?,
        key: unquote(get(":key")?).ok_or("a :key that is not a string")?,
        value: map.get(":value").and_then(|v| unquote(v)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let h = parse(
            "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n\
             {:process 1, :type :invoke, :f :get, :key \"0\", :value nil}\n\
             {:process 1, :type :ok, :f :get, :key \"0\", :value \"x 0 0 y\"}\n\
             {:process 0, :type :ok, :f :append, :key \"0\", :value \"x 0 0 y\"}\n",
        )
        .unwrap();
        assert_eq!(h[0].input, KvInput::Append("0".into(), "x 0 0 y".into()));
        assert_eq!(h[1].output, Some("x 0 0 y".into()));
        assert_eq!((h[0].call, h[0].ret), (0, Some(3)));
        let e = parse("{:process 0, :type :invoke, :f :scan, :key \"0\", :value nil}").unwrap_err();
        assert!(e.contains("line 1") && e.contains(":scan"), "{e}");
        assert!(parse("nonsense").unwrap_err().contains("line 1"));
    }

    #[test]
    fn info_leaves_an_operation_unknown_and_fail_removes_it() {
        let h = parse(
            "{:process 0, :type :invoke, :f :put, :key \"0\", :value \"a\"}\n\
             {:process 1, :type :invoke, :f :append, :key \"0\", :value \"b\"}\n\
             {:process 0, :type :info, :f :put, :key \"0\", :value \"a\"}\n\
             {:process 1, :type :fail, :f :append, :key \"0\", :value \"b\"}\n\
             {:process 1, :type :invoke, :f :get, :key \"0\", :value nil}\n\
             {:process 1, :type :ok, :f :get, :key \"0\", :value \"a\"}\n",
        )
        .unwrap();
        assert_eq!(h.len(), 2, "{h:?}");
        assert_eq!(h[0].input, KvInput::Put("0".into(), "a".into()));
        assert_eq!((h[0].ret, &h[0].output), (None, &None));
        assert_eq!(h[1].input, KvInput::Get("0".into()));
        assert_eq!(h[1].output, Some("a".into()));
        let e = parse("{:process 3, :type :info, :f :get, :key \"0\", :value nil}").unwrap_err();
        assert!(e.contains("never invoked"), "{e}");
    }
}
