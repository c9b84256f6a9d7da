//! Checks the student's files when the harness is built (see the `sourcecheck`
//! crate) and leaves the verdict for the harness to include: `cargo test`
//! then fails on a student's first run with the same message the grader gives.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("..");
    println!("cargo:rerun-if-changed=build.rs");
    for dir in sourcecheck::STUDENT_DIRS {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    let verdict = match sourcecheck::check_tree(&root) {
        Ok(found) => sourcecheck::report(&found),
        Err(e) => format!("your files cannot be checked: {e}\n"),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out.join("source_check.txt"), verdict).expect("OUT_DIR is writable");
}
