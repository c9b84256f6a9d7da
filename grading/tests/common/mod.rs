// @solution-file
//! What the grader's tests of hostile and broken submissions share: the tree's
//! root, and submissions made from the reference's student files with a
//! fixture module called first thing in `handle_request`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The root of this tree.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// A fresh submission under `target/NAME` holding the reference's student files.
pub fn reference_submission(name: &str) -> PathBuf {
    let dir = root().join("target").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    for d in ["raft/src/peer", "kvraft/src/server", "kvraft/src/clerk"] {
        copy_dir(&root().join(d), &dir.join(d));
    }
    dir
}

/// A submission under `target/NAME`: the reference, with
/// `grading/tests/fixtures/<fixture>.rs` added to raft/src/peer as a module
/// and `call` (such as `hostile::inject()`) made first thing in `handle_request`.
pub fn with_fixture(name: &str, fixture: &str, call: &str) -> PathBuf {
    let code = std::fs::read_to_string(root().join(format!("grading/tests/fixtures/{fixture}.rs")))
        .unwrap();
    with_module(name, fixture, &code, call)
}

/// A submission under `target/NAME`: the reference, with `code` added to
/// raft/src/peer as module `module` and `call` made first thing in
/// `handle_request`.
pub fn with_module(name: &str, module: &str, code: &str, call: &str) -> PathBuf {
    let dir = reference_submission(name);
    let peer = dir.join("raft/src/peer");
    std::fs::write(peer.join(format!("{module}.rs")), code).unwrap();
    let text = std::fs::read_to_string(peer.join("mod.rs")).unwrap();
    let anchor = "    fn handle_request(";
    let at = text
        .find(anchor)
        .expect("the reference's mod.rs defines handle_request");
    let body = at + text[at..].find("{\n").expect("handle_request has a body") + 2;
    let patched = format!(
        "{}        {call};\n{}\nmod {module};\n",
        &text[..body],
        &text[body..]
    );
    std::fs::write(peer.join("mod.rs"), patched).unwrap();
    dir
}

/// Replaces, in `file`, the first occurrence of each `from` with its `to`,
/// in order; fails if the reference no longer holds a `from`.
pub fn patch(file: &Path, patches: &[(&str, &str)]) {
    let mut text = std::fs::read_to_string(file).unwrap();
    for (from, to) in patches {
        assert!(
            text.contains(from),
            "the reference changed: {} lacks {from}",
            file.display()
        );
        text = text.replacen(from, to, 1);
    }
    std::fs::write(file, text).unwrap();
}

/// Student `name`'s line of a class table (`class.json`).
pub fn student<'a>(table: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    table["students"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["student"] == name)
        .unwrap_or_else(|| panic!("{name} is in the table: {table:#}"))
}
