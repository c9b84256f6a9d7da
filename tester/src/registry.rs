//! The registry of graded scenarios: name, part, points and how to run each. The
//! harness (`runner`) runs from it and lists it for the grader.

use std::fmt;

use serde::{Deserialize, Serialize};

use jobwire::restart::Restart;

use crate::crash_check::Sample;
use crate::report::Report;

/// A graded part of the labs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Part {
    /// Raft leader election.
    #[serde(rename = "2A")]
    A2,
    /// Raft log replication.
    #[serde(rename = "2B")]
    B2,
    /// Raft persistence.
    #[serde(rename = "2C")]
    C2,
    /// Raft snapshots.
    #[serde(rename = "2D")]
    D2,
    /// kvraft without snapshots.
    #[serde(rename = "3A")]
    A3,
    /// kvraft with snapshots.
    #[serde(rename = "3B")]
    B3,
    /// The shard controller.
    #[serde(rename = "4A")]
    A4,
    /// The sharded key/value service.
    #[serde(rename = "4B")]
    B4,
    /// Lab 4B's two challenges (shard deletion, serving during migration).
    #[serde(rename = "4B-challenge")]
    C4,
}

impl Part {
    /// Every part, in order.
    pub const ALL: [Part; 9] = [
        Part::A2,
        Part::B2,
        Part::C2,
        Part::D2,
        Part::A3,
        Part::B3,
        Part::A4,
        Part::B4,
        Part::C4,
    ];

    /// "2A", "2B", ...
    pub fn name(self) -> &'static str {
        match self {
            Part::A2 => "2A",
            Part::B2 => "2B",
            Part::C2 => "2C",
            Part::D2 => "2D",
            Part::A3 => "3A",
            Part::B3 => "3B",
            Part::A4 => "4A",
            Part::B4 => "4B",
            Part::C4 => "4B-challenge",
        }
    }

    /// The student directories whose code this part's scenarios run (the
    /// rest of a submission is never reached by them).
    pub fn student_dirs(self) -> &'static [&'static str] {
        match self {
            Part::A2 | Part::B2 | Part::C2 | Part::D2 => &["raft/src/peer"],
            Part::A3 | Part::B3 => &["raft/src/peer", "kvraft/src/server", "kvraft/src/clerk"],
            Part::A4 => &[
                "raft/src/peer",
                "shardctrler/src/server",
                "shardctrler/src/clerk",
            ],
            Part::B4 | Part::C4 => &[
                "raft/src/peer",
                "shardctrler/src/server",
                "shardctrler/src/clerk",
                "shardkv/src/server",
                "shardkv/src/clerk",
            ],
        }
    }

    /// Parses "2a", "2A", ... (case-insensitive).
    pub fn parse(text: &str) -> Option<Part> {
        Part::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to run one scenario once.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// The scenario's name (for messages and the replay command).
    pub test: &'static str,
    /// The scenario's title, noted in the trace when it begins.
    pub title: &'static str,
    /// The seed.
    pub seed: u64,
    /// Keep the full trace records in the report.
    pub record: bool,
    /// Which restarts to keep for the crash check.
    pub sample: Sample,
    /// What work costs in virtual time ([`labrpc::Costs::LAB`] when graded).
    pub costs: labrpc::Costs,
    /// Where the run is, for a watchdog on another thread (if one watches).
    pub progress: Option<std::sync::Arc<labrpc::Progress>>,
    /// Stop the run before its first event at or after this virtual time.
    pub stop_at: Option<labrpc::Time>,
    /// Print the column log as the run goes.
    pub live_log: Option<crate::live_log::LiveLog>,
    /// Which of the faults the network draws it injects (all, when graded).
    pub faults: labrpc::FaultSet,
    /// The edits made to the tester's own random choices (none, when graded).
    pub choices: labrpc::ChoiceEdits,
}

/// A graded scenario.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// The 6.824 test name in snake case with the part as suffix (for
    /// raftlab's own scenarios, a name in the same style).
    pub name: &'static str,
    /// The part it grades.
    pub part: Part,
    /// Points it is worth when it passes.
    pub points: u32,
    /// The 6.824 title ("Test (2A): initial election"), or ours in its style.
    pub title: &'static str,
    /// One of 6.824's scenarios, or one raftlab adds.
    pub suite: jobwire::Suite,
    /// Runs it once.
    pub run: fn(&RunSpec) -> Report,
    /// Builds a restarted server of this scenario's world again from its
    /// persisted bytes alone, and asks its `state()` (the crash check).
    pub rebuild: fn(&Restart) -> Result<(u64, bool), String>,
}

impl Scenario {
    /// How the graded run of this scenario with `seed` is made: the graded
    /// costs, nothing recorded, no restart kept, nobody watching. The other
    /// runs change a field or two of it.
    pub fn spec(&self, seed: u64) -> RunSpec {
        RunSpec {
            test: self.name,
            title: self.title,
            seed,
            record: false,
            sample: Sample::None,
            costs: labrpc::Costs::LAB,
            progress: None,
            stop_at: None,
            live_log: None,
            faults: labrpc::FaultSet::All,
            choices: labrpc::ChoiceEdits::none(),
        }
    }

    /// Runs the scenario once with `seed`, keeping no restarts.
    pub fn run(&self, seed: u64, record: bool) -> Report {
        self.run_sampled(seed, record, Sample::None)
    }

    /// Runs the scenario once with `seed`, keeping the restarts `sample` asks
    /// for in the report (for the crash check).
    pub fn run_sampled(&self, seed: u64, record: bool, sample: Sample) -> Report {
        (self.run)(&RunSpec {
            record,
            sample,
            ..self.spec(seed)
        })
    }

    /// Runs the scenario once with `seed` as [`Scenario::run_sampled`] does,
    /// publishing its progress to `progress`.
    pub fn run_watched(
        &self,
        seed: u64,
        sample: Sample,
        progress: std::sync::Arc<labrpc::Progress>,
    ) -> Report {
        (self.run)(&RunSpec {
            sample,
            progress: Some(progress),
            ..self.spec(seed)
        })
    }

    /// Runs the scenario once with `seed`, recorded, and stops it before its
    /// first event at or after `at`: what a run killed for wall-clock time did
    /// up to the virtual time it had reached.
    pub fn run_until(&self, seed: u64, at: labrpc::Time) -> Report {
        (self.run)(&RunSpec {
            record: true,
            stop_at: Some(at),
            ..self.spec(seed)
        })
    }

    /// Runs the scenario once with `seed` under other `costs` than the graded
    /// ones (to measure what the cost model changes).
    pub fn run_with_costs(&self, seed: u64, costs: labrpc::Costs) -> Report {
        (self.run)(&RunSpec {
            costs,
            ..self.spec(seed)
        })
    }
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("part", &self.part)
            .finish()
    }
}

/// The Raft of this tree, as the harness runs it: in a WebAssembly guest.
pub type TreeRaft = wasmhost::GuestRaft<wasmhost::Wasm<crate::guest::ThisTree>>;

/// This tree's kv servers and clerks, as the harness runs them: each in a
/// WebAssembly guest.
pub type TreeKv = wasmhost::GuestKv<wasmhost::Wasm<crate::guest::ThisTree>>;

/// This tree's Lab 4B world (controllers, shardkv servers and clerks, and
/// the tester's controller clerk), each node in a WebAssembly guest.
pub type TreeShard = wasmhost::GuestShard<wasmhost::Wasm<crate::guest::ThisTree>>;

/// This tree's shard controllers and their clerks, likewise.
pub type TreeCtrler =
    wasmhost::GuestKv<wasmhost::Wasm<crate::guest::ThisTree>, shardctrler::CtrlerOps>;

/// Every graded scenario, against the implementations in this tree.
pub fn registry() -> Vec<Scenario> {
    let mut all = crate::raft::scenarios::<TreeRaft>();
    all.extend(crate::kv::scenarios::<TreeKv>());
    all.extend(crate::shardctrler::scenarios::<TreeCtrler>());
    all.extend(crate::shardkv::scenarios::<TreeShard>());
    all
}

/// The scenario called `name`, or an error listing the known names.
pub fn find(name: &str) -> Result<Scenario, String> {
    let all = registry();
    all.iter().find(|s| s.name == name).copied().ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|s| s.name).collect();
        format!(
            "unknown scenario \"{name}\"; the known ones are:\n  {}",
            names.join("\n  ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::Part;

    #[test]
    fn every_part_runs_student_directories_and_raft_first() {
        for part in Part::ALL {
            let dirs = part.student_dirs();
            assert_eq!(dirs.first(), Some(&"raft/src/peer"), "{part}");
            for d in dirs {
                assert!(sourcecheck::STUDENT_DIRS.contains(d), "{part}: {d}");
            }
        }
    }
}
