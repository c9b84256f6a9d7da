//! How both testers describe a Raft server for the trace: `leader 3`, its role
//! and term, written only when they changed since the server was last described
//! (the simulator asks after every handler of a recorded run, so this is kept
//! cheap). Nothing here affects a run or its digest.

use std::fmt::Write;
use std::panic::{self, AssertUnwindSafe};

use labrpc::NodeId;
use raft::Role;

/// The last role and term written for each server.
#[derive(Debug, Default)]
pub struct Described {
    last: Vec<Option<(Role, u64)>>,
}

impl Described {
    /// Writes the role and term `status` says into `out` if they changed. A
    /// student's `role()` or `state()` that panics leaves `out` empty: nothing
    /// to say.
    pub fn describe(
        &mut self,
        node: NodeId,
        status: impl FnOnce() -> (Role, u64),
        out: &mut String,
    ) {
        let Ok((role, term)) = panic::catch_unwind(AssertUnwindSafe(status)) else {
            return;
        };
        if self.last.len() <= node {
            self.last.resize(node + 1, None);
        }
        if self.last[node] != Some((role, term)) {
            self.last[node] = Some((role, term));
            write!(out, "{} {term}", role.name()).expect("writing to a String");
        }
    }
}
