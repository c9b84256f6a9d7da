//! The command line: what `cargo run --release -p grading -- ...` accepts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Grades Raft and kvraft implementations on raftlab's scenarios.
#[derive(Parser, Debug)]
#[command(name = "grading", version, about)]
pub struct Cli {
    /// What to do (default: grade this tree).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Grading options (when no subcommand is given).
    #[command(flatten)]
    pub grade: GradeArgs,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the scenarios with their part and points.
    List,
    /// Run one scenario with one seed in this process and print its summary.
    Run(RunArgs),
    /// Shrink a failed run: run the scenario again from the same seed with
    /// fewer of the network's faults until none can be spared and it still
    /// fails the same rule; print the sizes before and after and the command
    /// that replays the shrunk run (`run ... --faults SET`).
    Shrink(ShrinkArgs),
    /// Run one scenario twice with the same seed and compare the traces.
    Determinism {
        /// The scenario.
        #[arg(long)]
        test: String,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Check this submission's code instead of this tree's.
        #[arg(long)]
        submission: Option<PathBuf>,
    },
    /// How often each scenario's premises (what it exists to exercise) held
    /// over many seeds, with this tree's implementation: a table per scenario;
    /// fails if any premise ever failed.
    /// Takes `--seeds N` (default 100), `--seed-start S`, and `--test T` and
    /// `--part P` (repeatable).
    Premises {
        /// Options for the harness's `premises` command.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// What the cost model changes: each scenario with work free and with the
    /// graded costs, side by side (virtual time, RPCs, agreements or
    /// operations, wall time). Takes the options of `premises`, and
    /// `--persist-latency-us`, `--persist-bandwidth`, `--link-bandwidth` to
    /// try other rates.
    Costs {
        /// Options for the harness's `costs` command.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// (Instructors) How many classic bugs the suites catch: grade the
    /// reference and each mutant of the catalogue (grading/mutants.toml, left
    /// out of the handout) on the same jobs, and print which jobs caught each,
    /// the first failure, and the wall time beside the reference's.
    Mutants(MutantArgs),
    /// (Instructors) Grade a class: every submission directory in DIR (one
    /// per student, named after the student), each built once, into one
    /// table (CSV, JSON and a sortable HTML page). Students whose files and
    /// jobs have not changed since their report was written are not graded
    /// again, so an interrupted run resumes, and shards (`--shard K/N` over
    /// students) merge by copying their `students/` reports into one `--out`
    /// and running again.
    Class(ClassArgs),
    /// Write the student handout of this tree to OUT_DIR.
    Handout {
        /// Where to write it (must not exist or be empty).
        out_dir: PathBuf,
    },
    /// Merge JSON reports of shards into one set of reports.
    Merge {
        /// The shards' `--json` reports.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Report outputs and scoring policy.
        #[command(flatten)]
        reports: ReportArgs,
    },
    /// (internal) How a submission's build runs: in a new PID namespace,
    /// confined (landlock, seccomp, limits), the command with the given
    /// environment only.
    #[command(hide = true)]
    SandboxExec(crate::build_sandbox::ExecArgs),
}

/// `grading run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario, the seed and how to show the run.
    #[command(flatten)]
    pub replay: jobwire::replay::ReplayArgs,
    /// Replay this submission's code instead of this tree's (the build its
    /// grading used).
    #[arg(long)]
    pub submission: Option<PathBuf>,
}

/// `grading shrink`.
#[derive(Args, Debug)]
pub struct ShrinkArgs {
    /// The failed run and how far to go.
    #[command(flatten)]
    pub shrink: jobwire::replay::ShrinkArgs,
    /// Shrink this submission's failed run instead of this tree's (the build
    /// its grading used).
    #[arg(long)]
    pub submission: Option<PathBuf>,
}

/// How points are given.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// A scenario earns its points only if every seed passes.
    All,
    /// A scenario earns points in proportion to the seeds that pass.
    Fraction,
}

/// Which scenarios `--suite` selects.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuiteChoice {
    /// The 6.824 tests only, as 6.824's tester has them.
    #[value(name = "6.824")]
    Mit6824,
    /// The 6.824 tests and the scenarios raftlab adds.
    All,
}

/// Where reports go, and the scoring policy.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Write every job as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write a Gradescope results.json here.
    #[arg(long)]
    pub gradescope: Option<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Scoring policy.
    #[arg(long, value_enum, default_value_t = Policy::All)]
    pub policy: Policy,
}

/// `grading class`.
#[derive(Args, Debug, Clone)]
pub struct ClassArgs {
    /// The class: one submission directory per student.
    pub dir: PathBuf,
    /// Where the class's reports go: `students/NAME.json` (each student's
    /// jobs, as `--json` writes them), `students/NAME/` (their failures'
    /// timelines), and `class.csv`, `class.json`, `class.html` [default:
    /// target/raftlab/class].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seeds per scenario.
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// The jobs' selection and limits.
    #[command(flatten)]
    pub select: JobSelection,
    /// Grade only shard K of N of the students (`--shard 2/4`): disjoint,
    /// together complete.
    #[arg(long)]
    pub shard: Option<crate::plan::Shard>,
    /// Scoring policy.
    #[arg(long, value_enum, default_value_t = Policy::All)]
    pub policy: Policy,
    /// Grade every student again, even those whose report is up to date.
    #[arg(long)]
    pub regrade: bool,
    /// Known solutions (earlier years', public ones) to compare the class
    /// with: one directory per solution, laid out as a submission.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// List a pair when one of them shares at least this percentage of its
    /// own code (beyond the handout's) with the other.
    #[arg(long, default_value_t = 30.0)]
    pub similarity_min: f64,
}

/// `grading mutants`.
#[derive(Args, Debug, Clone)]
pub struct MutantArgs {
    /// Seeds per scenario.
    #[arg(long, default_value_t = 20)]
    pub seeds: u64,
    /// The jobs' selection and limits.
    #[command(flatten)]
    pub select: JobSelection,
    /// Only these mutants (repeatable).
    #[arg(long)]
    pub mutant: Vec<String>,
    /// Write the table's figures as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Only apply every mutant and type-check it (no grading).
    #[arg(long)]
    pub check: bool,
}

/// Which scenarios and seeds run, and each job's limits: the options a
/// grading run and `grading mutants` share.
#[derive(Args, Debug, Clone)]
pub struct JobSelection {
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    pub seed_start: u64,
    /// Only these parts (2a, 2b, 2c, 2d, 3a, 3b, 4a, 4b, 4b-challenge; repeatable).
    #[arg(long)]
    pub part: Vec<String>,
    /// Only these scenarios (repeatable).
    #[arg(long)]
    pub test: Vec<String>,
    /// Which scenarios: 6.824's only, or with raftlab's own as well.
    #[arg(long, value_enum, default_value_t = SuiteChoice::All)]
    pub suite: SuiteChoice,
    /// Parallel jobs (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Wall-clock limit per job, in seconds.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Memory budget per job, in MiB (what the job's allocations may hold).
    #[arg(long, default_value_t = 4096)]
    pub memory_mb: u64,
    /// A submission's build limits.
    #[command(flatten)]
    pub build: BuildLimits,
}

/// What a submission's build may use: past either limit, every process of
/// it is killed and the submission scores nothing, with the reason.
#[derive(Args, Debug, Clone)]
pub struct BuildLimits {
    /// Wall-clock limit of a submission's build, in seconds.
    #[arg(long, default_value_t = 600)]
    pub build_timeout: u64,
    /// Memory limit of a submission's build (all its processes together), in MiB.
    #[arg(long, default_value_t = 8192)]
    pub build_memory_mb: u64,
    /// How long a submission's build may sit idle (its processes using less
    /// than a sixtieth of a CPU: blocked), in seconds.
    #[arg(long, default_value_t = 60)]
    pub build_idle: u64,
}

impl Default for BuildLimits {
    fn default() -> Self {
        BuildLimits {
            build_timeout: 600,
            build_memory_mb: 8192,
            build_idle: 60,
        }
    }
}

impl JobSelection {
    /// How many jobs run at once.
    pub fn workers(&self) -> usize {
        self.jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// Options of a grading run.
#[derive(Args, Debug, Clone)]
pub struct GradeArgs {
    /// Seeds per scenario (five catch most of the mutant catalogue's bugs
    /// that twenty catch; see docs/grading.md).
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// The jobs' selection and limits.
    #[command(flatten)]
    pub select: JobSelection,
    /// Run only shard K of N (`--shard 2/4`): disjoint, together complete.
    #[arg(long)]
    pub shard: Option<crate::plan::Shard>,
    /// Where failed jobs' HTML timelines (and kvraft's linearizability
    /// pictures) go [default: next to the first report given, else
    /// target/raftlab/grading].
    #[arg(long, value_name = "DIR")]
    pub timelines: Option<PathBuf>,
    /// At most N timelines per scenario (default: one for every failed job).
    #[arg(long, value_name = "N")]
    pub max_timelines: Option<usize>,
    /// Write no timelines for failed jobs.
    #[arg(long, conflicts_with = "timelines")]
    pub no_timelines: bool,
    /// Grade the student files of this directory instead of this tree's.
    #[arg(long)]
    pub submission: Option<PathBuf>,
    /// Fail every job whose sandbox is incomplete (a kernel without landlock
    /// or seccomp) instead of warning once.
    #[arg(long)]
    pub require_sandbox: bool,
    /// Report outputs and scoring policy.
    #[command(flatten)]
    pub reports: ReportArgs,
}
