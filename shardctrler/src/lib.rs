//! # Lab 4A: the shard controller (in progress)
//!
//! Lab 4 shards a key/value service over replica groups: the key space is cut
//! into [`NSHARDS`] shards ([`key2shard`]), and a replicated *shard
//! controller* keeps a numbered list of [`Config`]urations saying which group
//! serves each shard. Groups join and leave; after each change the controller
//! rebalances the shards evenly, moving as few as it can.
//!
//! This crate holds the configuration model that the controller, the sharded
//! key/value servers and the tester share. The controller's contract, its
//! reference and the 4A tests are the next steps of the lab's construction;
//! nothing here is graded yet.

mod config;

pub use config::{Config, Gid, NSHARDS, key2shard};
