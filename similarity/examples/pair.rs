//! The side-by-side page of two directories of Rust code:
//!
//!     cargo run --release -p similarity --example pair -- FIRST SECOND OUT.html
//!
//! Every `.rs` file under each directory is compared (no handout left out);
//! prints both shares and the fingerprints in common.

use std::path::{Path, PathBuf};

use similarity::{Base, Document, Params, overlap, pair_page};

fn rust_files(dir: &Path, under: &Path, out: &mut Vec<(String, String)>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .map(|e| e.map(|e| e.path()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
        if meta.is_dir() {
            rust_files(&path, under, out)?;
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "rs") {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let name = path.strip_prefix(under).unwrap_or(&path);
            out.push((name.to_string_lossy().into_owned(), text));
        }
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [first, second, page] = args.as_slice() else {
        return Err("usage: pair FIRST SECOND OUT.html".into());
    };
    let mut docs = Vec::new();
    for dir in [first, second] {
        let mut files = Vec::new();
        rust_files(Path::new(dir), Path::new(dir), &mut files)?;
        if files.is_empty() {
            return Err(format!("{dir} holds no .rs file"));
        }
        docs.push(Document::new(&files, &Base::default(), Params::default()));
    }
    let o = overlap(&docs[0], &docs[1]);
    std::fs::write(page, pair_page(first, &docs[0], second, &docs[1], &o))
        .map_err(|e| format!("{page}: {e}"))?;
    println!(
        "first={:.1} second={:.1} fingerprints={} regions={}",
        100.0 * o.first.share,
        100.0 * o.second.share,
        o.shared,
        o.first.regions.len()
    );
    Ok(())
}
