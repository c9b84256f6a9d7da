//! # sourcecheck: what a student's files may not contain
//!
//! A simulated crash ends a server's life: its WebAssembly instance is dropped
//! and the next life is a fresh instance that knows only what was persisted,
//! so nothing that outlives a struct (a `static`, a thread-local, a panic
//! hook) carries state from one incarnation to the next. Code that keeps state
//! there is still a mistake, and one whose symptom (a persistence scenario
//! failing after a restart) points far from its cause: this check names it in
//! the source, with file, line and rule, before anything is built. Files,
//! sockets, threads and processes are refused by the guest's host and a graded
//! job's sandbox instead, and the grader's crash check (a restarted server
//! built again from its persisted bytes in a fresh process) remains behind
//! both.
//!
//! This crate reads the student's files as Rust *tokens* (with `proc-macro2`), so
//! what a macro body or invocation contains counts as much as ordinary code,
//! comments and string literals do not, and `'static` lifetimes and `const`
//! items are allowed. The grader runs it before it builds a submission; the
//! harness runs it when it is built, so `cargo test` fails with the same
//! message on a student's first run.

mod rule;
mod scan;

use std::fmt;
use std::path::{Path, PathBuf};

pub use rule::Rule;
pub use scan::scan;

/// The directories whose files a student owns, relative to the tree's root.
pub const STUDENT_DIRS: [&str; 7] = [
    "raft/src/peer",
    "kvraft/src/server",
    "kvraft/src/clerk",
    "shardctrler/src/server",
    "shardctrler/src/clerk",
    "shardkv/src/server",
    "shardkv/src/clerk",
];

/// The student directories every submission holds (labs 2 and 3). A
/// submission without one of the others (Lab 4) is built with the handout's
/// skeleton there.
pub const REQUIRED_DIRS: [&str; 3] = ["raft/src/peer", "kvraft/src/server", "kvraft/src/clerk"];

/// One place where a file breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The file, as the caller named it.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was found there (`static STATE`, `thread_local!`, `std::fs`, ...).
    pub item: String,
    /// The rule it breaks.
    pub rule: Rule,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: `{}` {}",
            self.file.display(),
            self.line,
            self.column,
            self.item,
            self.rule.explain()
        )
    }
}

/// Why a tree could not be checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// A file or directory could not be read.
    Unreadable {
        /// Which.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file is not Rust tokens (unbalanced delimiters, a bad literal).
    NotRust {
        /// Which.
        path: PathBuf,
        /// The tokenizer's complaint.
        reason: String,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Unreadable { path, reason } => {
                write!(f, "cannot read {}: {reason}", path.display())
            }
            CheckError::NotRust { path, reason } => {
                write!(f, "{} is not valid Rust: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for CheckError {}

/// Checks every `.rs` file under the student directories of the tree at
/// `root` (those that exist); files are named relative to `root`, in sorted
/// order. Symbolic links are not followed.
pub fn check_tree(root: &Path) -> Result<Vec<Violation>, CheckError> {
    let mut files = Vec::new();
    for dir in STUDENT_DIRS {
        let path = root.join(dir);
        if path.is_dir() {
            rust_files(&path, Path::new(dir), &mut files)?;
        }
    }
    files.sort();
    let mut found = Vec::new();
    for (rel, path) in files {
        let text = std::fs::read_to_string(&path).map_err(|e| CheckError::Unreadable {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        found.extend(scan(&rel, &text).map_err(|reason| CheckError::NotRust {
            path: rel.clone(),
            reason,
        })?);
    }
    Ok(found)
}

/// The report of a check for a person: every violation, one per line, then
/// the rule's reasons once; empty if there are none.
pub fn report(violations: &[Violation]) -> String {
    if violations.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "{} place{} in your files break{} the rules of the labs:\n",
        violations.len(),
        if violations.len() == 1 { "" } else { "s" },
        if violations.len() == 1 { "s" } else { "" },
    );
    for v in violations {
        text.push_str(&format!("  {v}\n"));
    }
    let mut rules: Vec<Rule> = violations.iter().map(|v| v.rule).collect();
    rules.sort();
    rules.dedup();
    for rule in rules {
        text.push_str(&format!("{}: {}\n", rule.name(), rule.reason()));
    }
    text
}

fn rust_files(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, PathBuf)>) -> Result<(), CheckError> {
    let unreadable = |e: std::io::Error| CheckError::Unreadable {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let kind = entry.file_type().map_err(unreadable)?;
        let name = entry.file_name();
        if kind.is_dir() {
            rust_files(&entry.path(), &rel.join(&name), out)?;
        } else if kind.is_file() && Path::new(&name).extension().is_some_and(|e| e == "rs") {
            out.push((rel.join(&name), entry.path()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_of_this_tree_keep_the_rules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let found = check_tree(&root).expect("the student directories read");
        assert!(found.is_empty(), "{}", report(&found));
    }

    #[test]
    fn a_report_lists_each_place_then_each_rule_once() {
        let found = scan::scan(
            Path::new("raft/src/peer/mod.rs"),
            "static A: u8 = 0;\nstatic B: u8 = 0;\n",
        )
        .unwrap();
        let text = report(&found);
        assert!(text.starts_with("2 places in your files break the rules of the labs:\n"));
        assert!(text.contains(
            "  raft/src/peer/mod.rs:2:1: `static B` keeps process-wide state, which would survive a server's crash\n"
        ));
        assert_eq!(text.matches("process-wide state: a crash loses").count(), 1);
        assert_eq!(report(&[]), "");
    }
}
