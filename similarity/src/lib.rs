//! # similarity: which submissions share code
//!
//! Staff who grade a class want to know which submissions are too alike,
//! with one another or with solutions known from earlier years, and to read
//! the code they share side by side. This crate finds that code the way MOSS
//! does (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for
//! document fingerprinting", SIGMOD 2003):
//!
//! 1. [`tokens`]: each Rust source becomes the sequence of its tokens with
//!    what copiers change erased: names and literal values, comments,
//!    layout. A renamed and reformatted copy has the same sequence.
//! 2. [`winnow`]: every run of `k` tokens is hashed, and in each window of
//!    `w` consecutive hashes the least is kept: a submission's fingerprints.
//!    Any run of `w + k - 1` tokens two submissions share gives both a
//!    fingerprint in common, wherever it stands in each (so reordering
//!    functions hides nothing).
//! 3. [`Document`]: a submission's sources and fingerprints; fingerprints of
//!    the handout's own code (its skeletons and contracts, which every
//!    submission holds) are left out, as MOSS's base file is. [`overlap`]
//!    tells which of two documents' tokens the other shares.
//! 4. [`Index`]: a class's documents (and known solutions) by fingerprint,
//!    giving the pairs that share code without comparing every pair, and
//!    leaving out what most of them hold (idioms, not copying).
//! 5. [`pair_page`]: two documents side by side, their shared code marked
//!    and linked region to region.
//!
//! Similarity is evidence for a person to read, never a verdict: nothing
//! here changes a score.

pub mod tokens;
pub mod winnow;

mod document;
mod html;
mod index;

pub use document::{Base, Document, Overlap, Region, Side, Source, overlap};
pub use html::pair_page;
pub use index::{Index, Pair};
pub use winnow::Params;
