//! The scan of one file's tokens.

use std::path::Path;
use std::str::FromStr;

use proc_macro2::{Spacing, TokenStream, TokenTree};

use crate::{Rule, Violation};

/// Functions that change process-wide settings.
const SETTINGS: [&str; 6] = [
    "set_hook",
    "take_hook",
    "update_hook",
    "set_current_dir",
    "set_var",
    "remove_var",
];

/// Every violation in `text` (the file named `file` in messages), in order;
/// an error if it is not Rust tokens.
pub fn scan(file: &Path, text: &str) -> Result<Vec<Violation>, String> {
    let tokens = TokenStream::from_str(text).map_err(|e| {
        let at = e.span().start();
        format!("{}:{}: {e}", at.line, at.column + 1)
    })?;
    let mut found = Vec::new();
    walk(file, tokens, &mut found);
    found.sort_by_key(|v| (v.line, v.column));
    Ok(found)
}

fn walk(file: &Path, tokens: TokenStream, found: &mut Vec<Violation>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        let ident = match token {
            TokenTree::Group(group) => {
                walk(file, group.stream(), found);
                continue;
            }
            TokenTree::Ident(ident) => ident.to_string(),
            _ => continue,
        };
        let found_here = |item: String, rule: Rule| {
            let at = token.span().start();
            Violation {
                file: file.to_path_buf(),
                line: at.line,
                column: at.column + 1,
                item,
                rule,
            }
        };
        let after_lifetime_tick = i > 0
            && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '\'' && p.spacing() == Spacing::Joint);
        match ident.as_str() {
            "static" if !after_lifetime_tick => {
                found.push(found_here(
                    static_item(&tokens[i + 1..]),
                    Rule::ProcessWideState,
                ));
            }
            "thread_local" => {
                found.push(found_here("thread_local!".into(), Rule::ProcessWideState));
            }
            name if SETTINGS.contains(&name) => {
                found.push(found_here(name.to_string(), Rule::ProcessSettings));
            }
            _ => {}
        }
    }
}

/// `static NAME` or `static mut NAME`, from the tokens after `static`.
fn static_item(rest: &[TokenTree]) -> String {
    let mut words = vec!["static".to_string()];
    for token in rest.iter().take(2) {
        match token {
            TokenTree::Ident(ident) => {
                let word = ident.to_string();
                let done = word != "mut";
                words.push(word);
                if done {
                    break;
                }
            }
            _ => break,
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<(String, Rule, usize)> {
        scan(Path::new("f.rs"), text)
            .expect("tokens")
            .into_iter()
            .map(|v| (v.item, v.rule, v.line))
            .collect()
    }

    #[test]
    fn statics_of_every_kind_are_found_with_their_line() {
        let text = "use std::sync::Mutex;\n\
                    static STATE: Mutex<Vec<u8>> = Mutex::new(Vec::new());\n\
                    fn f() { static mut N: u32 = 0; }\n\
                    pub(crate) static NAMES: [&str; 1] = [\"a\"];\n";
        assert_eq!(
            items(text),
            vec![
                ("static STATE".into(), Rule::ProcessWideState, 2),
                ("static mut N".into(), Rule::ProcessWideState, 3),
                ("static NAMES".into(), Rule::ProcessWideState, 4),
            ]
        );
    }

    #[test]
    fn static_lifetimes_consts_comments_and_strings_are_allowed() {
        let text = "const LIMIT: usize = 3;\n\
                    fn name() -> &'static str { \"static thread_local std::fs\" }\n\
                    // static X: u8 = 0; thread_local! std::fs::write\n\
                    /// A doc comment naming static and std::thread.\n\
                    struct S<T: 'static>(T);\n\
                    fn g(x: Box<dyn Fn() + 'static>) {}\n";
        assert_eq!(items(text), vec![]);
    }

    #[test]
    fn macros_do_not_hide_what_they_contain() {
        let text = "macro_rules! keep { () => { static KEPT: u8 = 0; }; }\n\
                    std::thread_local! { static T: u8 = 0; }\n\
                    keep!();\n";
        assert_eq!(
            items(text),
            vec![
                ("static KEPT".into(), Rule::ProcessWideState, 1),
                ("thread_local!".into(), Rule::ProcessWideState, 2),
                ("static T".into(), Rule::ProcessWideState, 2),
            ]
        );
    }

    #[test]
    fn process_settings_are_found_however_they_are_named() {
        let text = "use std::panic::{set_hook, take_hook as th};\n\
                    fn f() { std::panic::set_hook(Box::new(|_| {})); }\n\
                    fn g() { std::env::set_current_dir(\"/\").ok(); }\n\
                    use std::fs; use std::time::Duration;\n";
        assert_eq!(
            items(text),
            vec![
                ("set_hook".into(), Rule::ProcessSettings, 1),
                ("take_hook".into(), Rule::ProcessSettings, 1),
                ("set_hook".into(), Rule::ProcessSettings, 2),
                ("set_current_dir".into(), Rule::ProcessSettings, 3),
            ]
        );
    }

    #[test]
    fn a_file_that_is_not_rust_is_an_error_naming_the_place() {
        let e = scan(Path::new("f.rs"), "fn f() {\n  let x = (1;\n}").unwrap_err();
        // The tokenizer notices at the brace that closes the unclosed parenthesis.
        assert_eq!(e, "3:1: cannot parse string into token stream");
    }
}
