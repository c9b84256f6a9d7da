//! The shard controller's contract: the operations its clerks perform and
//! what they complete with. Servers and clerks run on kvraft's machinery:
//! a controller server implements [`kvraft::KvServer`]`<`[`CtrlerOps`]`>` and a
//! clerk [`kvraft::KvClerk`]`<CtrlerOps>`, with the contexts below.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::{Config, Gid};

/// An operation a controller clerk performs for the tester.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CtrlerOp {
    /// One new configuration with these groups added (gid → server names),
    /// rebalanced.
    Join(BTreeMap<Gid, Vec<String>>),
    /// One new configuration without these groups, rebalanced.
    Leave(Vec<Gid>),
    /// One new configuration in which `shard` belongs to `gid`; nothing else
    /// changes.
    Move {
        /// The shard.
        shard: usize,
        /// Its new group.
        gid: Gid,
    },
    /// Configuration `num`, or the latest if `None` or past the latest.
    Query(Option<u64>),
}

/// The controller's operations: [`CtrlerOp`], completed with the
/// configuration read for a `Query` and `None` for the others.
#[derive(Clone, Copy, Debug)]
pub struct CtrlerOps;

impl kvraft::Ops for CtrlerOps {
    type Op = CtrlerOp;
    type Value = Option<Config>;
    const SERVICE: &'static str = "ctrler";
}

/// A controller server's handle on the world during one of its handlers.
pub type CtrlerContext<'c, 'w, S> = kvraft::KvContext<'c, 'w, S, CtrlerOps>;

/// A controller clerk's handle on the world during one of its handlers.
pub type CtrlerClerkContext<'c, 'w, S> = kvraft::ClerkContext<'c, 'w, S, CtrlerOps>;
