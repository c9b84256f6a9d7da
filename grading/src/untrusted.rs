//! Text that a submission controls (a job's reason and warnings, a panic's
//! message, its log lines in a failure, the compiler's diagnostics of its
//! files), made safe to keep and to print: every control character but the
//! line break and the tab, and every character that reorders or hides text
//! (Unicode's bidirectional controls), is written as an escape a reader can
//! see (`\u001b`, which is also JSON's escape for it, so a JSON line stays
//! JSON), so that no terminal receives an escape sequence from a
//! student; and the text is cut at a limit, with a marker saying how much
//! was cut, so that no report grows with what a student prints.

/// Most bytes kept of a job's reason.
pub const REASON: usize = 8 << 10;
/// Most bytes kept of one warning or note.
pub const LINE: usize = 1 << 10;
/// Most warnings kept of one job.
pub const WARNINGS: usize = 20;
/// Most bytes kept of a build's diagnostics.
pub const DIAGNOSTICS: usize = 64 << 10;
/// Largest timeline or picture of one job the grader writes, in bytes.
pub const FILE: usize = 16 << 20;

/// `text` with its dangerous characters escaped, cut to at most about `cap`
/// bytes (the marker comes on top).
pub fn clean(text: &str, cap: usize) -> String {
    let mut out = String::with_capacity(text.len().min(cap) + 64);
    let mut used = 0;
    for (at, c) in text.char_indices() {
        let escaped;
        let piece: &str = if needs_escape(c) {
            // Every such character is in the Basic Multilingual Plane.
            escaped = format!("\\u{:04x}", u32::from(c));
            &escaped
        } else {
            &text[at..at + c.len_utf8()]
        };
        if used + piece.len() > cap {
            out.push_str(&format!(
                " [… cut: {} more bytes of text from the submission]",
                text.len() - at
            ));
            return out;
        }
        used += piece.len();
        out.push_str(piece);
    }
    out
}

/// `lines` cleaned, each cut at `cap` bytes, at most `count` of them (a
/// last line says how many more there were).
pub fn clean_all(lines: &[String], cap: usize, count: usize) -> Vec<String> {
    let mut out: Vec<String> = lines.iter().take(count).map(|l| clean(l, cap)).collect();
    if lines.len() > count {
        out.push(format!(
            "[… cut: {} more lines from the submission]",
            lines.len() - count
        ));
    }
    out
}

/// Characters no report keeps as they are: C0 and C1 controls (the escape
/// character and the one-character CSI among them) but line breaks and tabs,
/// DEL, and the characters that reorder or hide text.
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c,
            '\u{200b}'..='\u{200f}' // zero-width characters, directional marks
            | '\u{2028}'..='\u{202e}' // separators, directional embeddings and overrides
            | '\u{2060}'..='\u{2069}' // word joiner, invisible operators, isolates
            | '\u{feff}' // zero-width no-break space
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        let forged =
            "ok\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\u{9b}31m\r\u{202e}txt.exe\nnext\tline";
        let clean = clean(forged, 1000);
        assert!(!clean.chars().any(needs_escape), "{clean}");
        assert_eq!(
            clean,
            "ok\\u001b]0;pwned\\u0007\\u001b]52;c;ZXZpbA==\\u0007\\u001b[2J\\u009b31m\\u000d\\u202etxt.exe\nnext\tline"
        );
    }

    #[test]
    fn a_cleaned_json_line_is_still_json() {
        let line = serde_json::json!({ "reason": "a\u{9b}2J\u{202e}b\x1b[0m" }).to_string();
        let clean = clean(&line, 1000);
        assert!(!clean.chars().any(needs_escape), "{clean}");
        let value: serde_json::Value = serde_json::from_str(&clean).unwrap();
        assert_eq!(value["reason"], "a\u{9b}2J\u{202e}b\x1b[0m");
    }

    #[test]
    fn long_text_is_cut_with_a_marker() {
        let long = "é".repeat(10_000);
        let cut = clean(&long, 101);
        assert!(cut.starts_with(&"é".repeat(50)));
        assert!(cut.len() < 200, "{}", cut.len());
        assert!(
            cut.ends_with("[… cut: 19900 more bytes of text from the submission]"),
            "{cut}"
        );
        assert_eq!(clean("short", 100), "short");
    }

    #[test]
    fn many_lines_are_cut_with_a_marker() {
        let lines: Vec<String> = (0..30).map(|i| format!("warning {i}")).collect();
        let kept = clean_all(&lines, 100, 20);
        assert_eq!(kept.len(), 21);
        assert_eq!(kept[20], "[… cut: 10 more lines from the submission]");
    }
}
