//! A harness binary, seen from the trusted side: building it for a tree with
//! cargo (the same build `cargo test --release` makes, so a student's test and
//! replay share it) and asking it for its scenarios. The grader links no
//! student code; everything it knows of a tree's scenarios comes from here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jobwire::{HARNESS_MODE, Listing};

/// The test target that is the harness (the `tester` package's).
const TARGET: &str = "scenarios";

/// A built harness.
#[derive(Clone, Debug)]
pub struct Harness {
    /// Its executable.
    pub exe: PathBuf,
}

/// Why a harness was not built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Cargo could not be run at all.
    #[error("cannot run cargo: {0}")]
    Cargo(std::io::Error),
    /// The compiler refused the tree; its rendered diagnostics.
    #[error("the harness does not build:\n{diagnostics}")]
    DoesNotBuild {
        /// What cargo printed.
        diagnostics: String,
    },
    /// Cargo succeeded without naming the harness executable.
    #[error("cargo built no harness executable (tester's `scenarios` test)")]
    NoExecutable,
}

impl From<BuildError> for String {
    fn from(e: BuildError) -> String {
        e.to_string()
    }
}

/// Builds the harness of the workspace at `root` (release profile) into
/// `target_dir` (None: the workspace's own), with cargo's messages on stderr
/// and the compiler's diagnostics rendered. `sandbox` prefixes the command
/// (the grader's `sandbox-exec`, for a submission).
pub fn build(
    root: &Path,
    target_dir: Option<&Path>,
    sandbox: Option<Vec<std::ffi::OsString>>,
    quiet: bool,
) -> Result<Harness, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = match &sandbox {
        Some(prefix) => {
            let mut c = Command::new(&prefix[0]);
            c.args(&prefix[1..]).arg(&cargo);
            c
        }
        None => Command::new(&cargo),
    };
    command
        .current_dir(root)
        .args([
            "test",
            "--release",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        // The whole workspace, as a student's plain `cargo test` selects it:
        // the same features are unified, so the same artifacts are reused
        // and an edit is compiled once for the test and the replay.
        .args(["--workspace", "--test", TARGET])
        .stdout(Stdio::piped())
        .stderr(if quiet {
            Stdio::piped()
        } else {
            Stdio::inherit()
        });
    if quiet {
        command.arg("--quiet");
    }
    if let Some(dir) = target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    let out = command.output().map_err(BuildError::Cargo)?;
    if !out.status.success() {
        return Err(BuildError::DoesNotBuild {
            diagnostics: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    executable(&String::from_utf8_lossy(&out.stdout))
        .map(|exe| Harness { exe })
        .ok_or(BuildError::NoExecutable)
}

/// The harness's path in cargo's JSON messages.
fn executable(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == TARGET)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

impl Harness {
    /// The harness's scenarios.
    pub fn listing(&self) -> Result<Listing, String> {
        let out = Command::new(&self.exe)
            .args([HARNESS_MODE, "list"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run the harness {}: {e}", self.exe.display()))?;
        if !out.status.success() {
            return Err(format!(
                "the harness could not list its scenarios: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("the harness's listing does not parse: {e}"))
    }

    /// A command running the harness's grader `command`.
    pub fn command(&self, command: &str) -> Command {
        let mut c = Command::new(&self.exe);
        c.args([HARNESS_MODE, command]);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_executable_is_found_among_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"labrpc"},"executable":null}
{"reason":"compiler-artifact","target":{"name":"scenarios"},"executable":"/t/release/deps/scenarios-1"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable(messages),
            Some(PathBuf::from("/t/release/deps/scenarios-1"))
        );
        assert_eq!(executable(""), None);
    }
}
