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
    /// The toolchain cargo runs cannot compile for [`TARGET`] at all.
    #[error(
        "the Rust toolchain at {} has no {TARGET} target, which rust-toolchain.toml names: rustup adds it on the first cargo command in this tree, unless RUSTUP_AUTO_INSTALL=0 is set or the toolchain came from elsewhere; add it with `rustup target add {TARGET}`",
        .sysroot.display()
    )]
    NoTarget {
        /// The toolchain's root (`rustc --print sysroot`).
        sysroot: PathBuf,
    },
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
        .map_err(|error| BuildError::Cargo {
            cargo: cargo.clone(),
            error,
        })?;
    if !status.success() {
        return Err(match sysroot(root, &cargo) {
            Some(sysroot) if !has_target(&sysroot) => BuildError::NoTarget { sysroot },
            _ => BuildError::Failed,
        });
    }
    Ok(target_dir.join(TARGET).join(PROFILE).join("guest.wasm"))
}

/// Whether the toolchain whose root is `sysroot` can compile for [`TARGET`]
/// (has its standard library).
pub fn has_target(sysroot: &Path) -> bool {
    sysroot
        .join("lib/rustlib")
        .join(TARGET)
        .join("lib")
        .is_dir()
}

/// The root of the toolchain `cargo` (a path, or a name on the path) belongs
/// to: the directory above its `bin`, if that holds a toolchain.
fn sysroot(root: &Path, cargo: &str) -> Option<PathBuf> {
    let cargo = Path::new(cargo);
    let root = if cargo.components().count() > 1 {
        cargo.parent()?.parent()?.to_path_buf()
    } else {
        let out = Command::new("rustc")
            .current_dir(root)
            .args(["--print", "sysroot"])
            .output()
            .ok()?;
        PathBuf::from(String::from_utf8(out.stdout).ok()?.trim())
    };
    root.join("lib/rustlib").is_dir().then_some(root)
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

/// Hard-links into the cargo profile directory `to` (such as
/// `target/release`, or `target/guest/wasm32-wasip1/guest`) what cargo
/// compiled in `from` for every package that is not a member of the
/// workspace at `root`, where `to` has no such file yet. The same crates from
/// the same registry, with the same profile and features, are the same units
/// to cargo, so a build of another copy of the tree (a handout, a patched
/// tree) compiles its own crates alone, not every dependency again. Nothing
/// is lent of the workspace's own crates: their files in `to` are cargo's to
/// rewrite. Does nothing if `from` does not exist.
///
/// The compiled artifacts (`deps`) are hard-linked: rustc replaces an output
/// rather than writing into it. What is rewritten in place is copied: cargo's
/// own records (`.fingerprint`, and `build`, where build scripts' outputs
/// are) and rustc's dependency lists (`deps/*.d`), so that a borrower that
/// compiles a lent unit again (under another environment, say) never
/// rewrites the lender's.
pub fn lend_dependencies(root: &Path, from: &Path, to: &Path) -> std::io::Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    let ours = workspace_crates(&std::fs::read_to_string(root.join("Cargo.toml"))?);
    for (sub, link) in [("deps", true), ("build", false), (".fingerprint", false)] {
        std::fs::create_dir_all(to.join(sub))?;
        let Ok(entries) = std::fs::read_dir(from.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stem = name.strip_prefix("lib").unwrap_or(&name);
            let krate = stem.rsplit_once('-').map_or(stem, |(k, _)| k);
            // Some outputs carry no hash (`guest.wasm`, `libguest.rlib`).
            let krate = krate.split('.').next().unwrap_or(krate);
            if !ours.iter().any(|o| *o == krate.replace('-', "_")) {
                // A dependency list (`.d`) is written in place, not replaced.
                let link = link && !name.ends_with(".d");
                lend_tree(&entry.path(), &to.join(sub).join(&name), link)?;
            }
        }
    }
    Ok(())
}

/// [`lend_dependencies`] for a module's build: from the target directory
/// `from` that [`build_module`] built into, to `to`, both the dependencies
/// compiled for WebAssembly and those compiled for the build itself (macros,
/// build scripts).
pub fn lend_module_dependencies(root: &Path, from: &Path, to: &Path) -> std::io::Result<()> {
    for dir in [PathBuf::from(PROFILE), Path::new(TARGET).join(PROFILE)] {
        lend_dependencies(root, &from.join(&dir), &to.join(&dir))?;
    }
    Ok(())
}

/// The crate names (with `_` for `-`) of the workspace members a root
/// manifest lists (`members = [...]`, each member's directory named after its
/// package, as this workspace's are).
fn workspace_crates(manifest: &str) -> Vec<String> {
    const KEY: &str = "members = [";
    let Some((start, _)) = manifest
        .match_indices(KEY)
        .find(|&(at, _)| at == 0 || manifest.as_bytes()[at - 1] == b'\n')
    else {
        return Vec::new();
    };
    let list = &manifest[start + KEY.len()..];
    let list = &list[..list.find(']').unwrap_or(list.len())];
    list.split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .map(|m| m.rsplit('/').next().unwrap_or(m).replace('-', "_"))
        .collect()
}

/// Puts `from` (a file, or a directory's files) at `to`: hard-linked if
/// `link` (copied where a link cannot be made), else copied; keeps whatever
/// `to` already has. A copy keeps the original's modification time: cargo
/// orders a unit against its dependencies and a build script's run against
/// its executable by these times, and a copy stamped with the time of the
/// copying would look newer than what was built after it, so that cargo
/// would compile everything above it again.
fn lend_tree(from: &Path, to: &Path, link: bool) -> std::io::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)?.flatten() {
            lend_tree(&entry.path(), &to.join(entry.file_name()), link)?;
        }
    } else if !to.exists() && (!link || std::fs::hard_link(from, to).is_err()) {
        let modified = std::fs::metadata(from)?.modified()?;
        std::fs::copy(from, to)?;
        // Setting the times asks ownership, not write permission.
        std::fs::File::open(to)?.set_modified(modified)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toolchain_without_the_target_is_told_apart() {
        let dir = std::env::temp_dir().join(format!("wasmhost-sysroot-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("lib/rustlib/x86_64-unknown-linux-gnu/lib")).unwrap();
        let cargo = dir.join("bin/cargo");
        let found = sysroot(&dir, cargo.to_str().unwrap()).unwrap();
        assert_eq!(found, dir);
        assert!(!has_target(&found));
        let message = BuildError::NoTarget { sysroot: found }.to_string();
        assert!(
            message.contains("rustup target add wasm32-wasip1"),
            "{message}"
        );
        std::fs::create_dir_all(dir.join("lib/rustlib/wasm32-wasip1/lib")).unwrap();
        assert!(has_target(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_workspace_crates_are_read_from_the_members_list() {
        let manifest = "[workspace]\nresolver = \"3\"\nmembers = [\"labrpc\", \"crates/job-wire\",\n  \"tester\"]\ndefault-members = [\"x\"]\n";
        assert_eq!(workspace_crates(manifest), ["labrpc", "job_wire", "tester"]);
        assert!(workspace_crates("[package]\nname = \"a\"\n").is_empty());
    }

    #[test]
    fn dependencies_are_lent_and_the_workspace_crates_are_not() {
        let dir = std::env::temp_dir().join(format!("wasmhost-lend-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (root, from, to) = (dir.join("root"), dir.join("from"), dir.join("to"));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "members = [\"labrpc\", \"guest\"]\n",
        )
        .unwrap();
        for f in [
            "deps/libserde-0123.rlib",
            "deps/serde-0123.d",
            "deps/liblabrpc-4567.rlib",
            "deps/libguest.rlib",
            "deps/guest.wasm",
            ".fingerprint/serde-0123/lib-serde",
            ".fingerprint/labrpc-4567/lib-labrpc",
            "build/serde-89ab/build-script-build",
        ] {
            std::fs::create_dir_all(from.join(f).parent().unwrap()).unwrap();
            std::fs::write(from.join(f), f).unwrap();
        }
        // Cargo's records as they were written: the build script's run
        // after it was compiled.
        let at = |secs| std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        let stamp = |f: &str, secs| {
            std::fs::File::options()
                .write(true)
                .open(from.join(f))
                .unwrap()
                .set_modified(at(secs))
                .unwrap();
        };
        stamp(".fingerprint/serde-0123/lib-serde", 2_000_000_000);
        stamp("build/serde-89ab/build-script-build", 1_000_000_000);
        std::fs::create_dir_all(to.join("deps")).unwrap();
        std::fs::write(to.join("deps/libserde-0123.rlib"), "kept").unwrap();
        lend_dependencies(&root, &from, &to).unwrap();
        // Copies keep those times, so cargo orders them as it built them.
        let modified = |f: &str| std::fs::metadata(to.join(f)).unwrap().modified().unwrap();
        assert_eq!(
            modified(".fingerprint/serde-0123/lib-serde"),
            at(2_000_000_000)
        );
        assert_eq!(
            modified("build/serde-89ab/build-script-build"),
            at(1_000_000_000)
        );
        let read = |f: &str| std::fs::read_to_string(to.join(f)).ok();
        assert_eq!(read("deps/libserde-0123.rlib").as_deref(), Some("kept"));
        assert!(read(".fingerprint/serde-0123/lib-serde").is_some());
        assert!(read("build/serde-89ab/build-script-build").is_some());
        assert_eq!(read("deps/liblabrpc-4567.rlib"), None);
        assert_eq!(read("deps/libguest.rlib"), None);
        assert_eq!(read("deps/guest.wasm"), None);
        // A dependency list is a copy: rustc rewrites it in place.
        std::fs::write(to.join("deps/serde-0123.d"), "rewritten").unwrap();
        assert_eq!(
            std::fs::read_to_string(from.join("deps/serde-0123.d")).unwrap(),
            "deps/serde-0123.d"
        );
        // A borrower's rewrite of a lent record leaves the lender's as it was;
        // an artifact is the lender's own file.
        std::fs::write(to.join(".fingerprint/serde-0123/lib-serde"), "rewritten").unwrap();
        assert_eq!(
            std::fs::read_to_string(from.join(".fingerprint/serde-0123/lib-serde")).unwrap(),
            ".fingerprint/serde-0123/lib-serde"
        );
        std::fs::write(to.join("build/serde-89ab/build-script-build"), "rewritten").unwrap();
        assert_eq!(
            std::fs::read_to_string(from.join("build/serde-89ab/build-script-build")).unwrap(),
            "build/serde-89ab/build-script-build"
        );
        assert_eq!(read(".fingerprint/labrpc-4567/lib-labrpc"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
