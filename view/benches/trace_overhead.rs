//! Placeholder: the trace-overhead bench follows.
fn main() {}
