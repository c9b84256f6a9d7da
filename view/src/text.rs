//! Short forms of the `Debug` text the trace keeps for messages and outputs, for
//! places with little room (log columns, labels on the timeline).
//!
//! [`compact`] drops a redundant enum wrapper (`AppendEntries(AppendEntries { .. })`
//! becomes `AppendEntries{..}`), tightens punctuation, replaces long lists by
//! their length and truncates the rest with an ellipsis. Text inside string
//! literals is kept as it is.

/// A compact form of `text`, at most `max` characters long.
pub fn compact(text: &str, max: usize) -> String {
    let inner = strip_wrapper(text);
    let mut out = String::with_capacity(inner.len().min(max * 2));
    squeeze(inner, &mut out);
    truncate(&out, max)
}

/// The name a message starts with (`RequestVoteArgs` for
/// `RequestVote(RequestVoteArgs { term: 1 })`).
pub fn name(text: &str) -> &str {
    let inner = strip_wrapper(text);
    let end = inner
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    if end == 0 { inner } else { &inner[..end] }
}

/// `text` cut to at most `max` characters, with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `Outer(Inner { .. })` → `Inner { .. }`, when the whole text is one such
/// wrapper around a struct or tuple value.
fn strip_wrapper(text: &str) -> &str {
    let text = text.trim();
    let Some(open) = text.find('(') else {
        return text;
    };
    let outer = &text[..open];
    if outer.is_empty()
        || !outer.chars().all(|c| c.is_alphanumeric() || c == '_')
        || !text.ends_with(')')
    {
        return text;
    }
    let inner = &text[open + 1..text.len() - 1];
    // Only a single payload that itself has a name: `Kv(Request { .. })`.
    let starts_with_name = inner.chars().next().is_some_and(|c| c.is_alphabetic());
    if starts_with_name && matching_close(text, open) == Some(text.len() - 1) {
        inner
    } else {
        text
    }
}

/// The index of the bracket closing the one at `open`, skipping string literals.
fn matching_close(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = open;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Lists longer than this many characters are shown by their length.
const LONG_LIST: usize = 24;

/// Tightens `text` into `out`: `{ a: 1, b: 2 }` → `{a:1 b:2}`, long lists →
/// `[n items]`.
fn squeeze(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                let end = string_end(text, i);
                out.push_str(&text[i..end]);
                i = end;
            }
            b'[' => match matching_close(text, i) {
                Some(close) if close - i - 1 > LONG_LIST => {
                    let items = top_level_items(&text[i + 1..close]);
                    let unit = if items == 1 { "item" } else { "items" };
                    out.push_str(&format!("[{items} {unit}]"));
                    i = close + 1;
                }
                _ => {
                    out.push('[');
                    i += 1;
                }
            },
            b' ' if text[i..].starts_with(" {") => {
                out.push('{');
                i += 2;
                if bytes.get(i) == Some(&b' ') {
                    i += 1;
                }
            }
            b' ' if text[i..].starts_with(" }") => {
                out.push('}');
                i += 2;
            }
            b':' if text[i..].starts_with(": ") => {
                out.push(':');
                i += 2;
            }
            b',' if text[i..].starts_with(", ") => {
                out.push(' ');
                i += 2;
            }
            _ => {
                let c = text[i..].chars().next().expect("in bounds");
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
}

/// The index just past the string literal starting at `start`.
fn string_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// How many comma-separated items `inner` holds at its top level.
fn top_level_items(inner: &str) -> usize {
    if inner.trim().is_empty() {
        return 0;
    }
    let bytes = inner.as_bytes();
    let mut depth = 0i32;
    let mut items = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = string_end(inner, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => items += 1,
            _ => {}
        }
        i += 1;
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers_punctuation_and_lists() {
        assert_eq!(
            compact(
                "AppendEntries(AppendEntries { term: 1, prev_log_index: 0, entries: [] })",
                80
            ),
            "AppendEntries{term:1 prev_log_index:0 entries:[]}"
        );
        assert_eq!(
            compact(
                "AppendEntries(AppendEntries { term: 2, entries: [LogEntry { term: 1, command: [1, 2] }, LogEntry { term: 2, command: [3] }] })",
                80
            ),
            "AppendEntries{term:2 entries:[2 items]}"
        );
        assert_eq!(
            compact("Kv(Request { op: Put { key: \"a, b: c\" } })", 80),
            "Request{op:Put{key:\"a, b: c\"}}"
        );
        assert_eq!(compact("Ping", 80), "Ping");
        assert_eq!(compact("Pair(1, 2)", 80), "Pair(1 2)");
        assert_eq!(
            compact("RequestVote(RequestVoteArgs { term: 1 })", 12),
            "RequestVote…"
        );
        assert_eq!(
            name("RequestVote(RequestVoteArgs { term: 1 })"),
            "RequestVoteArgs"
        );
        assert_eq!(name("Ping"), "Ping");
        assert_eq!(name("{}"), "{}");
    }
}
