//! Readers for the history files of the public test data: Jepsen's etcd logs
//! (a register) and the kv histories (get/put/append). Errors name the line.

pub mod jepsen;
pub mod kv;

use std::path::Path;

/// Reads a file, naming it in the error.
pub(crate) fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}
