//! Views of a simulated run, built from its recorded trace: the per-node column
//! log and the self-contained HTML timeline.

pub mod topic;

pub use topic::Topic;
