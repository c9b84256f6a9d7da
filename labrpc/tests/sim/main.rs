//! labrpc's own tests: what 6.824's labrpc tests cover (calls, typed messages,
//! disconnection, counters, concurrency, unreliable delivery, killed servers, long
//! delays, long reordering) plus restarts, determinism and the safety nets.

mod calls;
mod common;
mod costs;
mod determinism;
mod duplicates;
mod echoes;
mod faults;
mod spared;
mod world;
