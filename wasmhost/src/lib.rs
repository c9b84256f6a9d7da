//! # wasmhost: the host of student code compiled to WebAssembly
//!
//! Student code never runs in the harness's address space. It is compiled to
//! one WebAssembly module; each node's life (a server's, a clerk's) is a fresh instance of it, whose
//! only way out is the answer it gives to the host's ask. The simulator, the
//! tester and every check stay on this side, where the guest cannot address
//! them. A crash drops the instance, and everything in its memory with it.
//!
//! - [`backend`]: what runs a guest (a WebAssembly instance, or the same glue
//!   in-process, to test the glue itself) and how it fails;
//! - [`node`]: [`GuestNode`], the host's side of one node whose code runs in
//!   a guest; [`raft_guest`]: [`GuestRaft`], a [`raft::Raft`] whose code runs
//!   in a guest, so that the tester's Raft suites run it unchanged; [`kv`]:
//!   [`GuestKv`], a kv world whose servers and clerks run in guests;
//!   [`shard`]: [`GuestShard`], a Lab 4B world whose nodes run in guests;
//! - [`wasm`]: the module and its instances under wasmtime, with instructions
//!   counted and memory bounded; [`wasi`]: what std asks of the machine,
//!   answered by the simulation or refused.

pub mod backend;
pub mod build;
pub mod kv;
pub mod node;
pub mod raft_guest;
pub mod shard;
pub mod wasi;
pub mod wasm;

pub use backend::{Backend, Fault, InProcess};
pub use kv::{GuestKv, GuestKvProtocol};
pub use node::{GuestNode, GuestProtocol, GuestTimer, InGuests};
pub use raft_guest::GuestRaft;
pub use shard::{GuestShard, GuestShardProtocol};
pub use wasm::{Guest, Installed, LoadError, ModuleSource, Wasm, set_memory_budget};
