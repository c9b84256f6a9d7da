//! Building the student code of a tree into its guest module, and compiling
//! that module once for the processes that run it.
//!
//! `cargo test` and the harness build the module of the tree they belong to
//! with the cargo that runs them; the module is cached by its contents, so an
//! unchanged tree costs a check, and an edit in a student file recompiles the
//! student's crates for WebAssembly only, never the harness.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::wasm::{Guest, LoadError};

/// The target student code compiles to (named in `rust-toolchain.toml`).
pub const TARGET: &str = "wasm32-wasip1";

/// The cargo profile the module is built with, at home and by the grader:
/// release, compiled incrementally (the workspace's `[profile.guest]`).
pub const PROFILE: &str = "guest";

/// Why the module could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Cargo could not be run.
    #[error("could not run {cargo}: {error}")]
    Cargo {
        /// The cargo tried.
        cargo: String,
        /// Why.
        error: std::io::Error,
    },
    /// The build failed (the compiler's words are on stderr).
    #[error("the student code does not build for {TARGET} (the compiler's messages are above)")]
    Failed,
    /// The module was built but cannot be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// Builds the guest module of the workspace at `root` into `target_dir` and
/// returns the module's path. The compiler's messages go to this process's
/// stderr.
pub fn build_module(root: &Path, target_dir: &Path) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--profile",
            PROFILE,
            "--locked",
            "-p",
            "guest",
        ])
        .args(["--target", TARGET])
        .arg("--target-dir")
        .arg(target_dir)
        .status()
        .map_err(|error| BuildError::Cargo { cargo, error })?;
    if !status.success() {
        return Err(BuildError::Failed);
    }
    Ok(target_dir.join(TARGET).join(PROFILE).join("guest.wasm"))
}

/// Loads the module at `wasm`, compiled to native code once per content: the
/// compiled form is kept beside it, named by a hash of the module and the
/// host's [`compatibility`](crate::wasm::compatibility).
pub fn load_cached(wasm: &Path) -> Result<Guest, LoadError> {
    let bytes = std::fs::read(wasm).map_err(|error| LoadError::Io {
        path: wasm.display().to_string(),
        error,
    })?;
    let hash = format!(
        "{}-{}",
        &blake3::hash(&bytes).to_hex()[..16],
        crate::wasm::compatibility()
    );
    let compiled = wasm.with_extension(format!("{hash}.cwasm"));
    if !compiled.exists() {
        let partial = wasm.with_extension(format!("{hash}.{}.partial", std::process::id()));
        Guest::precompile(wasm, &partial)?;
        std::fs::rename(&partial, &compiled).map_err(|error| LoadError::Io {
            path: compiled.display().to_string(),
            error,
        })?;
    }
    Guest::precompiled(&compiled)
}
