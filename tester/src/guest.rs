//! The guest module of this tree: the student code the harness runs, compiled
//! to WebAssembly. The grader hands the harness a module it built and compiled
//! itself (`--guest`); `cargo test` builds this tree's with the cargo running
//! it, or takes the one `RAFTLAB_GUEST` names.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use wasmhost::{Guest, ModuleSource};

/// The module of the tree this harness was built from.
pub struct ThisTree;

impl ModuleSource for ThisTree {
    fn load() -> Result<Guest, String> {
        if let Some(path) = std::env::var_os("RAFTLAB_GUEST") {
            return load(Path::new(&path));
        }
        let module = wasmhost::build::build_module(root(), &target_dir().join("guest"))
            .map_err(|e| e.to_string())?;
        load(&module)
    }
}

/// The root of the tree this harness was built from.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tester crate lies in the workspace")
}

/// What breaks the rules no compiler checks (see the `sourcecheck` crate) in
/// the student files of this tree, if this harness is to run this tree's
/// module and they break some: then it runs no scenario, and says why, as the
/// grader would. `None` where the module comes from elsewhere
/// (`RAFTLAB_GUEST`: the grader checks the files it builds a module from).
pub fn source_check() -> Option<&'static str> {
    static VERDICT: OnceLock<String> = OnceLock::new();
    if std::env::var_os("RAFTLAB_GUEST").is_some() {
        return None;
    }
    let verdict = VERDICT.get_or_init(|| match sourcecheck::check_tree(root()) {
        Ok(found) => sourcecheck::report(&found),
        Err(e) => format!("your files cannot be checked: {e}\n"),
    });
    (!verdict.is_empty()).then_some(verdict.as_str())
}

/// The file this process loaded its module from, for the processes it starts
/// (the crash check's) to load the same.
static LOADED_FROM: OnceLock<PathBuf> = OnceLock::new();

/// Loads the module at `path`: compiled by the grader (`.cwasm`), or a
/// WebAssembly module, compiled here once (and kept beside it).
pub fn load(path: &Path) -> Result<Guest, String> {
    let loaded = if path.extension().is_some_and(|e| e == "cwasm") {
        Guest::precompiled(path)
    } else {
        wasmhost::build::load_cached(path)
    };
    let guest = loaded.map_err(|e| format!("cannot load the guest module: {e}"))?;
    let _ = LOADED_FROM.set(path.to_path_buf());
    Ok(guest)
}

/// The file this process's module came from, if one was loaded.
pub fn loaded_from() -> Option<&'static Path> {
    LOADED_FROM.get().map(PathBuf::as_path)
}

/// The cargo target directory this harness was built in.
pub(crate) fn target_dir() -> PathBuf {
    // The harness is <target>/<profile>/deps/<name>-<hash>.
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target"))
}
