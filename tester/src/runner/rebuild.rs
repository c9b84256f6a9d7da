//! The crash check's other half, the harness's side: build one restarted server
//! again from the persisted bytes in the request, in this fresh process (so no
//! state of the run can be here), confined as a job is, and send back its
//! `state()` sealed with the key. See [`crate::crash_check`].

use std::io::Write;
use std::process::ExitCode;

use jobwire::restart::{Rebuilt, Restart};

use super::job::{confine_job, open_channel, protocol_exit, read_request};
use crate::crash_check::catching;
use crate::runner::memory;

/// Largest request accepted: a restart's persisted bytes, hex-encoded.
const MAX_REQUEST: usize = 256 << 20;

/// What the caller asks of one rebuild.
#[derive(clap::Args, Debug)]
pub struct RebuildArgs {
    /// Memory budget in MiB (0: none).
    #[arg(long, default_value_t = 0)]
    pub memory_mb: u64,
    /// CPU-time limit in seconds (0: none).
    #[arg(long, default_value_t = 0)]
    pub cpu_seconds: u64,
}

/// Runs the rebuild; the exit code only says whether the protocol could be
/// kept (the answer is in the sealed result).
pub fn main(args: &RebuildArgs) -> ExitCode {
    protocol_exit(run(args))
}

fn run(args: &RebuildArgs) -> Result<(), String> {
    let (key, request) = read_request(MAX_REQUEST)?;
    let mut channel = open_channel()?;
    let restart: Restart = serde_json::from_slice(&request)
        .map_err(|e| format!("the rebuild request does not parse: {e}"))?;
    let scenario = crate::find(&restart.test)?;
    confine_job(args.memory_mb, args.cpu_seconds);
    let mut answer = Rebuilt {
        test: restart.test.clone(),
        seed: restart.seed,
        server: restart.server,
        incarnation: restart.incarnation,
        state: Err(format!(
            "out of memory: its allocations passed the budget of {} MiB",
            args.memory_mb
        )),
    };
    if args.memory_mb > 0 {
        let budget = usize::try_from(args.memory_mb << 20).unwrap_or(usize::MAX);
        let notice_channel = channel
            .try_clone()
            .map_err(|e| format!("cannot duplicate the result channel: {e}"))?;
        memory::arm(budget, notice_channel, answer.seal(&key));
    }
    // From here on, student code runs.
    answer.state = catching("building it", || (scenario.rebuild)(&restart)).and_then(|r| r);
    if memory::exceeded() {
        return Ok(());
    }
    channel
        .write_all(&answer.seal(&key))
        .map_err(|e| format!("cannot write the result: {e}"))
}
