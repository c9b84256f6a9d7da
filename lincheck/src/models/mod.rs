//! The models the checker ships with.

pub mod kv;
pub mod register;
