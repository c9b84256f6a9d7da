//! # lincheck: is a concurrent history linearizable?
//!
//! A porcupine-class checker. Give it a [`Model`] (the object's sequential
//! specification) and a history of [`Operation`]s (what each client asked and
//! observed, with call and return times); [`check`](fn@check) answers
//! [`Verdict::Linearizable`], [`Verdict::NotLinearizable`] or, when its step
//! budget runs out, [`Verdict::Unknown`] — never a silent pass.
//!
//! The search is Wing & Gong's, with Lowe's memoisation of (linearized set,
//! state) pairs ([`search`]), run separately on each independent part of the
//! history that the model's `partition` names (P-compositionality), in rounds
//! of growing budgets: an undecided part resumes where it stopped, and a
//! round's parts run on every core (the outcome does not depend on it). Operations
//! that never returned may take effect at any point after their call, or never.
//! [`html::write`] draws the history and the longest linearization found.
//!
//! Models: [`models::register`] (read/write/cas, for Jepsen's etcd histories) and
//! [`models::kv`] (get/put/append, for kvraft). Parsers for both data formats:
//! [`parse`].

mod bitset;
pub mod check;
pub mod html;
pub mod model;
pub mod models;
pub mod parse;
pub mod search;

pub use check::{Outcome, Part, Verdict, check};
pub use model::{Model, Operation};
