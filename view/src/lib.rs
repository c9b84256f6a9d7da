//! Views of a simulated run, built from its recorded trace: the per-node column
//! log ([`log`]) and the self-contained HTML timeline ([`timeline`]).

pub mod calls;
pub mod log;
pub mod text;
pub mod timeline;
pub mod topic;

use labrpc::TraceRecord;

pub use log::LogOptions;
pub use topic::Topic;

/// One recorded run, as the views need it.
#[derive(Clone, Copy, Debug)]
pub struct Run<'a> {
    /// The scenario's name.
    pub test: &'a str,
    /// The seed.
    pub seed: u64,
    /// Servers in the scenario (nodes `0..servers`; higher node ids are clerks).
    pub servers: usize,
    /// The servers' names, by node id ("ctrler 0", "g101 · 2"); a server
    /// without one is "server N".
    pub names: &'a [String],
    /// The full trace.
    pub records: &'a [TraceRecord],
    /// Why the run failed, if it did.
    pub failure: Option<&'a str>,
}

/// Server `s`'s name in the views: its name in `names`, else "server s".
pub fn server_name(names: &[String], s: usize) -> String {
    names
        .get(s)
        .cloned()
        .unwrap_or_else(|| format!("server {s}"))
}
