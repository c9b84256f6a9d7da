// @solution-file
//! The grader end to end: the handout, and submissions that are broken,
//! incomplete, hostile at run time or at build time, graded alone and as a
//! class. One test binary, so that its tests share the machine's cores: most
//! of them wait on a grader, a build or a limit for much of their time.
//!
//! They run side by side and share the grader's cache of builds
//! (`target/submissions`): a test reads there only what its own grader built,
//! or checks that what was there before is unchanged.

#[path = "../common/mod.rs"]
mod common;
/// The fixture of broken and hostile Rafts, for its lists of faults and
/// attacks (seeds 1000.. and 101.., in that order).
#[path = "../fixtures/hostile.rs"]
#[allow(dead_code)]
mod hostile;
/// The fixture of incomplete Rafts, for its list of variants.
#[path = "../fixtures/incomplete.rs"]
#[allow(dead_code)]
mod variants;

mod broken;
mod class;
mod handout;
mod incomplete;
mod red_team;
mod red_team_build;
