//! A Rust source as the tokens copying leaves alone.
//!
//! Every name becomes one symbol (so does every lifetime), every number
//! another, every string or character a third; keywords, punctuation and
//! delimiters stay what they are. Comments, doc comments and layout are gone.
//! Each token keeps the bytes of the source it came from, to show it.

use std::ops::Range;
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// One token of a source: its symbol, and where it stands in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What the token is, with names and values erased (see [`symbol_name`]).
    pub symbol: u16,
    /// Its bytes in the source.
    pub bytes: Range<usize>,
}

/// A name (an identifier that is not a keyword).
pub const NAME: u16 = 1;
/// A lifetime or label (`'a`).
pub const LIFETIME: u16 = 2;
/// A number.
pub const NUMBER: u16 = 3;
/// A string, byte string, character or byte.
pub const TEXT: u16 = 4;
/// Delimiters: `(` `)` `[` `]` `{` `}`.
const OPEN: [u16; 3] = [10, 12, 14];
const CLOSE: [u16; 3] = [11, 13, 15];
/// A punctuation character `c` is `PUNCT + c` (all are ASCII).
const PUNCT: u16 = 32;
/// Keyword number `i` of [`KEYWORDS`] is `KEYWORD + i`.
const KEYWORD: u16 = 256;

/// Rust's keywords, strict and reserved, and the weak ones a program spells
/// the same whatever its names.
const KEYWORDS: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "union",
    "macro_rules",
];

/// The readable form of `symbol` (for tests and reports).
pub fn symbol_name(symbol: u16) -> String {
    match symbol {
        NAME => "name".into(),
        LIFETIME => "'lifetime".into(),
        NUMBER => "number".into(),
        TEXT => "text".into(),
        s if s >= KEYWORD => KEYWORDS[usize::from(s - KEYWORD)].into(),
        s if s >= PUNCT => char::from((s - PUNCT) as u8).into(),
        s => ["(", ")", "[", "]", "{", "}"][usize::from(s - OPEN[0])].into(),
    }
}

/// The tokens of `source`, or why it is not Rust's tokens (an unclosed
/// delimiter or string, say).
pub fn tokens(source: &str) -> Result<Vec<Token>, String> {
    let stream = TokenStream::from_str(source).map_err(|e| {
        let at = e.span().start();
        format!("line {}, column {}: {e}", at.line, at.column + 1)
    })?;
    let mut out = Vec::new();
    walk(stream, &mut out);
    // The parser keeps every text it read (for spans) until told otherwise;
    // nothing holds a span past this point.
    proc_macro2::extra::invalidate_current_thread_spans();
    Ok(out)
}

fn walk(stream: TokenStream, out: &mut Vec<Token>) {
    let mut trees = stream.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Ident(ident) => {
                // A raw identifier (`r#match`) is a name, whatever it spells.
                let text = ident.to_string();
                let symbol = KEYWORDS
                    .iter()
                    .position(|k| *k == text)
                    .map_or(NAME, |i| KEYWORD + i as u16);
                out.push(Token {
                    symbol,
                    bytes: ident.span().byte_range(),
                });
            }
            TokenTree::Literal(literal) => {
                let text = literal.to_string();
                let symbol = if text.starts_with(|c: char| c.is_ascii_digit()) {
                    NUMBER
                } else {
                    TEXT
                };
                out.push(Token {
                    symbol,
                    bytes: literal.span().byte_range(),
                });
            }
            TokenTree::Punct(punct) => {
                let c = punct.as_char();
                let bytes = punct.span().byte_range();
                if c == '\'' {
                    // A lifetime: the quote, then its name.
                    if let Some(TokenTree::Ident(name)) = trees.peek() {
                        let end = name.span().byte_range().end;
                        trees.next();
                        out.push(Token {
                            symbol: LIFETIME,
                            bytes: bytes.start..end,
                        });
                        continue;
                    }
                }
                if c == '#' && is_doc_comment(&mut trees) {
                    continue;
                }
                out.push(Token {
                    symbol: PUNCT + c as u16,
                    bytes,
                });
            }
            TokenTree::Group(group) => {
                let kind = match group.delimiter() {
                    Delimiter::Parenthesis => Some(0),
                    Delimiter::Bracket => Some(1),
                    Delimiter::Brace => Some(2),
                    Delimiter::None => None,
                };
                if let Some(k) = kind {
                    out.push(Token {
                        symbol: OPEN[k],
                        bytes: group.span_open().byte_range(),
                    });
                }
                walk(group.stream(), out);
                if let Some(k) = kind {
                    out.push(Token {
                        symbol: CLOSE[k],
                        bytes: group.span_close().byte_range(),
                    });
                }
            }
        }
    }
}

/// After a `#`: whether what follows is a doc comment (the parser reads
/// `/// text` as `#[doc = "text"]`, and `//! text` as `#![doc = ...]`), in
/// which case it is consumed.
fn is_doc_comment(trees: &mut std::iter::Peekable<proc_macro2::token_stream::IntoIter>) -> bool {
    let mut ahead = trees.clone();
    if matches!(ahead.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
        ahead.next();
    }
    let Some(TokenTree::Group(group)) = ahead.next() else {
        return false;
    };
    let mut inside = group.stream().into_iter();
    let doc = group.delimiter() == Delimiter::Bracket
        && matches!(inside.next(), Some(TokenTree::Ident(i)) if i == "doc")
        && matches!(inside.next(), Some(TokenTree::Punct(p)) if p.as_char() == '=');
    if doc {
        *trees = ahead;
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbols(source: &str) -> Vec<String> {
        tokens(source)
            .unwrap()
            .iter()
            .map(|t| symbol_name(t.symbol))
            .collect()
    }

    #[test]
    fn names_values_comments_and_layout_are_erased() {
        let original = "/// Sums.\nfn sum(xs: &[u64]) -> u64 {\n    // all of them\n    xs.iter().sum::<u64>() + 1\n}\n";
        let copied = "fn total(v:&[u64])->u64{v.iter().sum::<u64>()+7 /* more */}";
        assert_eq!(symbols(original), symbols(copied));
        assert_eq!(
            symbols("let s = \"a\"; let c = 'x'; let n = 3.5;"),
            [
                "let", "name", "=", "text", ";", "let", "name", "=", "text", ";", "let", "name",
                "=", "number", ";"
            ]
        );
    }

    #[test]
    fn keywords_lifetimes_and_raw_names() {
        assert_eq!(
            symbols("impl<'a> Trait for &'a r#match { }"),
            [
                "impl",
                "<",
                "'lifetime",
                ">",
                "name",
                "for",
                "&",
                "'lifetime",
                "name",
                "{",
                "}"
            ]
        );
        assert_eq!(symbols("r#fn"), ["name"]);
    }

    #[test]
    fn tokens_keep_their_bytes() {
        let source = "//! Module.\nfn f() { g(\"é\", 'a') }";
        let found = tokens(source).unwrap();
        let texts: Vec<&str> = found.iter().map(|t| &source[t.bytes.clone()]).collect();
        assert_eq!(
            texts,
            [
                "fn", "f", "(", ")", "{", "g", "(", "\"é\"", ",", "'a'", ")", "}"
            ]
        );
    }

    #[test]
    fn a_source_that_is_not_tokens_says_where() {
        let error = tokens("fn f() {\n    g(\n}").unwrap_err();
        assert!(error.starts_with("line "), "{error}");
    }
}
