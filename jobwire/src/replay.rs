//! The flags of a replay (`grading run`), declared once: the grader parses
//! them and forwards them to the harness, which parses them again and runs;
//! and the commands a person is shown to replay or shrink a run ([`RunName`]).

use std::ffi::OsString;
use std::path::PathBuf;

/// One scenario with one seed, and how to show the run.
#[derive(clap::Args, Clone, Debug, Default, PartialEq)]
pub struct ReplayArgs {
    /// The scenario.
    #[arg(long)]
    pub test: String,
    /// The seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print one JSON object instead of the summary line.
    #[arg(long)]
    pub json: bool,
    /// Print the run as a per-server log.
    #[arg(long)]
    pub log: bool,
    /// With --log: only these servers (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub servers: Vec<usize>,
    /// With --log: only these topics (comma-separated; see view::Topic).
    #[arg(long, value_delimiter = ',')]
    pub topics: Vec<String>,
    /// With --log: only from this virtual time on (seconds, e.g. 2.5).
    #[arg(long, value_name = "SECS")]
    pub from: Option<f64>,
    /// With --log: only before this virtual time (seconds).
    #[arg(long, value_name = "SECS")]
    pub to: Option<f64>,
    /// Write the run's HTML timeline here.
    #[arg(long)]
    pub timeline: Option<PathBuf>,
    /// Stop the run before its first event at or after this virtual time (in
    /// ms), to see (with --log or --timeline) a run that was stopped for
    /// wall-clock time up to where it was.
    #[arg(long)]
    pub stop_at_ms: Option<u64>,
    /// Inject only these of the faults the network draws, numbered in the
    /// order drawn (`all`, `none`, or indices and ranges such as
    /// `3,17,40-44`): the others are spared. What `grading shrink` prints.
    #[arg(long, value_name = "SET")]
    pub faults: Option<String>,
    /// Edit the tester's own random choices (`seed` for none, or such as
    /// `zero:0-40,skip:57`): words of its stream read as zero or passed
    /// over. What `grading shrink` prints.
    #[arg(long, value_name = "EDITS")]
    pub choices: Option<String>,
}

impl ReplayArgs {
    /// The command-line flags that parse back into these arguments.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut out = run_of(&self.test, self.seed);
        if self.json {
            out.push("--json".into());
        }
        if self.log {
            out.push("--log".into());
        }
        for s in &self.servers {
            out.extend(["--servers".into(), s.to_string().into()]);
        }
        for t in &self.topics {
            out.extend(["--topics".into(), t.clone().into()]);
        }
        if let Some(from) = self.from {
            out.extend(["--from".into(), from.to_string().into()]);
        }
        if let Some(to) = self.to {
            out.extend(["--to".into(), to.to_string().into()]);
        }
        if let Some(path) = &self.timeline {
            out.extend(["--timeline".into(), path.clone().into()]);
        }
        if let Some(ms) = self.stop_at_ms {
            out.extend(["--stop-at-ms".into(), ms.to_string().into()]);
        }
        if let Some(faults) = &self.faults {
            out.extend(["--faults".into(), faults.clone().into()]);
        }
        if let Some(choices) = &self.choices {
            out.extend(["--choices".into(), choices.clone().into()]);
        }
        out
    }
}

/// One run as a person names it to the grader: the scenario, the seed, whose
/// code (a submission's directory, or this tree), and the edits that made it
/// a shrunk run (the network's faults kept, the tester's choices edited).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunName {
    /// The scenario.
    pub test: String,
    /// The seed.
    pub seed: u64,
    /// The submission's directory (none: this tree).
    pub submission: Option<PathBuf>,
    /// The faults kept, if not all (`--faults`).
    pub faults: Option<String>,
    /// The edits of the tester's choices, if any (`--choices`).
    pub choices: Option<String>,
}

impl RunName {
    /// The seed's own run of `test`, in this tree.
    pub fn new(test: &str, seed: u64) -> RunName {
        RunName {
            test: test.to_string(),
            seed,
            ..RunName::default()
        }
    }

    /// The command that replays the run, bit for bit (add `--log` to see it
    /// server by server, `--timeline FILE.html` to draw it).
    pub fn replay(&self) -> String {
        let mut command = self.command("run");
        if let Some(faults) = &self.faults {
            command.push_str(&format!(" --faults {faults}"));
        }
        if let Some(choices) = &self.choices {
            command.push_str(&format!(" --choices {choices}"));
        }
        command
    }

    /// The command that shrinks the run, if it is a seed's own: an edited
    /// run is already a shrunk one.
    pub fn shrink(&self) -> Option<String> {
        (self.faults.is_none() && self.choices.is_none()).then(|| self.command("shrink"))
    }

    fn command(&self, verb: &str) -> String {
        let mut command = format!(
            "cargo run --release -p grading -- {verb} --test {} --seed {}",
            self.test, self.seed
        );
        if let Some(dir) = &self.submission {
            command.push_str(&format!(" --submission {}", dir.display()));
        }
        command
    }
}

/// The flags that name one run: a scenario and a seed.
fn run_of(test: &str, seed: u64) -> Vec<OsString> {
    vec![
        "--test".into(),
        test.into(),
        "--seed".into(),
        seed.to_string().into(),
    ]
}

/// A failed run to shrink (`grading shrink`), and how far to go.
#[derive(clap::Args, Clone, Debug, Default, PartialEq)]
pub struct ShrinkArgs {
    /// The scenario.
    #[arg(long)]
    pub test: String,
    /// The seed of the failed run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Runs to try at most (each a run of the scenario).
    #[arg(long, default_value_t = 300)]
    pub max_runs: usize,
    /// Write the shrunk run's HTML timeline here.
    #[arg(long)]
    pub timeline: Option<PathBuf>,
}

impl ShrinkArgs {
    /// The command-line flags that parse back into these arguments.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut out = run_of(&self.test, self.seed);
        out.extend(["--max-runs".into(), self.max_runs.to_string().into()]);
        if let Some(path) = &self.timeline {
            out.extend(["--timeline".into(), path.clone().into()]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ReplayArgs,
    }

    #[derive(Parser)]
    struct ShrinkCli {
        #[command(flatten)]
        args: ShrinkArgs,
    }

    #[test]
    fn forwarded_shrink_flags_parse_back_to_the_same_arguments() {
        let args = ShrinkArgs {
            test: "figure8_unreliable_2c".into(),
            seed: 7,
            max_runs: 40,
            timeline: Some(PathBuf::from("shrunk.html")),
        };
        let argv = std::iter::once(OsString::from("x")).chain(args.to_args());
        assert_eq!(ShrinkCli::parse_from(argv).args, args);
    }

    #[test]
    fn forwarded_flags_parse_back_to_the_same_arguments() {
        let args = ReplayArgs {
            test: "figure8_2c".into(),
            seed: 17,
            json: false,
            log: true,
            servers: vec![0, 2],
            topics: vec!["vote".into(), "append".into()],
            from: Some(2.5),
            to: Some(3.25),
            timeline: Some(PathBuf::from("out.html")),
            stop_at_ms: Some(3_040),
            faults: Some("3,17,40-44".into()),
            choices: Some("zero:0-40,skip:57".into()),
        };
        let argv = std::iter::once(OsString::from("x")).chain(args.to_args());
        assert_eq!(Cli::parse_from(argv).args, args);
    }

    #[test]
    fn a_run_is_replayed_and_shrunk_by_its_name() {
        let mut run = RunName::new("figure8_2c", 17);
        assert_eq!(
            run.replay(),
            "cargo run --release -p grading -- run --test figure8_2c --seed 17"
        );
        assert_eq!(
            run.shrink().unwrap(),
            "cargo run --release -p grading -- shrink --test figure8_2c --seed 17"
        );
        run.submission = Some(PathBuf::from("class/alice"));
        assert_eq!(
            run.shrink().unwrap(),
            "cargo run --release -p grading -- shrink --test figure8_2c --seed 17 --submission class/alice"
        );
        run.faults = Some("3,17".into());
        run.choices = Some("zero:0-9".into());
        assert_eq!(
            run.replay(),
            "cargo run --release -p grading -- run --test figure8_2c --seed 17 --submission class/alice \
             --faults 3,17 --choices zero:0-9"
        );
        assert_eq!(run.shrink(), None, "a shrunk run is not shrunk again");
    }
}
