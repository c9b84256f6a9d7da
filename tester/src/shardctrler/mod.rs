//! The Lab 4A tester (in progress): the checks the 6.824 shard controller
//! tests make of configurations, as functions of what the controller
//! returned. The cluster harness and the scenarios come next.

pub mod checks;
