//! # crosscheck: the student code natively and in WebAssembly, side by side
//!
//! The harness runs student code only as a WebAssembly guest; this crate
//! alone compiles it natively as well (the `native` features of `raft`,
//! `kvraft`, `shardctrler` and `shardkv`), to check that the glue between a
//! guest and the simulator changes nothing a run does, and to test the
//! reference's machinery directly. Its tests run the reference, and the
//! handout leaves them out; CI runs them with `cargo test --release -p
//! crosscheck` (a plain `cargo test` does not: the crate is not among the
//! workspace's default members).
