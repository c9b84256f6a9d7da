//! The per-node column log of a run: one column per node, virtual timestamps,
//! topics, colour on terminals, filters by node and topic.

use crate::{Run, Topic};

/// What to show and how.
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    /// Only these nodes (empty: every node).
    pub servers: Vec<usize>,
    /// Only these topics (empty: every topic).
    pub topics: Vec<Topic>,
    /// ANSI colours (for terminals).
    pub colour: bool,
}

/// Renders `run` as a column log.
pub fn render(run: &Run<'_>, options: &LogOptions) -> String {
    let mut out = String::new();
    for r in run.records {
        let topic = Topic::of(r);
        if !options.topics.is_empty() && !options.topics.contains(&topic) {
            continue;
        }
        if let Some(n) = r.node
            && !options.servers.is_empty()
            && !options.servers.contains(&n)
        {
            continue;
        }
        out.push_str(&format!(
            "{} {:?} [{topic}] {:?}\n",
            r.time, r.node, r.event
        ));
    }
    out
}
