//! Running a harness as a sealed child, from the trusted side: its own process
//! group, the key and the request on stdin (never in its arguments or
//! environment), the result channel on fd [`RESULT_FD`],
//! output read within bounds, and the whole group killed at the wall-clock
//! limit. What the child said is believed only once its frame opens with the key
//! ([`crate::open`]); this module only carries the bytes.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use command_fds::{CommandFdExt, FdMapping};
use wait_timeout::ChildExt;

use crate::{Key, MAX_RESULT_BYTES, RESULT_FD, Status};

/// How a child ended, and what it left.
#[derive(Debug)]
pub struct Ended {
    /// The bytes of its result channel (a sealed frame, if all went well).
    pub frame: Vec<u8>,
    /// The channel carried more than [`MAX_RESULT_BYTES`] (the frame is cut).
    pub frame_cut: bool,
    /// Its stderr, cut at the cap with a note saying so.
    pub stderr: String,
    /// Its exit status; `None` if it ran past the limit and its group was killed.
    pub status: Option<ExitStatus>,
}

impl Ended {
    /// The signal that ended the child, if one did.
    pub fn signal(&self) -> Option<i32> {
        self.status.and_then(|s| s.signal())
    }

    /// Why a child that left no sealed result ended: its status and the
    /// reason, with the last lines of its stderr.
    pub fn why(&self, timeout: Duration) -> (Status, String) {
        let Some(status) = self.status else {
            return (
                Status::TimedOut,
                format!(
                    "timed out: still running after {} s of wall-clock time (the whole process group was killed)",
                    timeout.as_secs()
                ),
            );
        };
        let tail = last_lines(&self.stderr, 6);
        if let Some(code) = status.code() {
            return (
                Status::Exited,
                format!("exited with code {code} without a sealed result: {tail}"),
            );
        }
        let signal = self.signal();
        let (name, outcome) = match signal {
            Some(24) => ("signal 24, SIGXCPU: its CPU-time limit", Status::TimedOut),
            Some(6) => ("signal 6, SIGABRT", Status::Killed),
            Some(9) => ("signal 9, SIGKILL", Status::Killed),
            Some(11) => ("signal 11, SIGSEGV", Status::Killed),
            _ => ("a signal", Status::Killed),
        };
        let why = if self.stderr.contains("has overflowed its stack") {
            "a stack overflow (unbounded recursion?)"
        } else if signal == Some(6) {
            "the process aborted"
        } else if signal == Some(24) {
            "it used more CPU time than its wall-clock limit"
        } else {
            "killed from outside, or a crash"
        };
        (outcome, format!("killed by {name}: {why}: {tail}"))
    }
}

/// Starts `command` (arguments, environment and working directory set by the
/// caller) in a new process group, writes `key` then `input` to its stdin and
/// closes it, and collects its result channel, its stderr (at most
/// `max_stderr` bytes kept; stdout is drained and dropped) and its exit, killing
/// the group after `timeout`. Errors are failures to start it at all.
pub fn run(
    mut command: Command,
    key: &Key,
    input: &[u8],
    timeout: Duration,
    max_stderr: usize,
) -> Result<Ended, String> {
    let (mut channel, channel_end) =
        std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    command
        .fd_mappings(vec![FdMapping {
            parent_fd: channel_end.into(),
            child_fd: RESULT_FD,
        }])
        .map_err(|e| format!("cannot pass the result channel: {e}"))?;
    let spawned = command.spawn();
    // The command holds our copy of the channel's write end: close it, or the
    // channel never reaches its end.
    drop(command);
    let mut child = spawned.map_err(|e| format!("cannot start the harness: {e}"))?;
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    let kill_group = || {
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
    };
    let stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let (stderr, (frame, frame_cut), status) = std::thread::scope(|scope| {
        scope.spawn(move || {
            // A child that exits before reading its request fails by itself.
            let mut stdin = stdin;
            let _ = stdin
                .write_all(&key.0)
                .and_then(|()| stdin.write_all(input));
        });
        let out = scope.spawn(move || read_capped(stdout, 0));
        let err = scope.spawn(move || read_capped(stderr, max_stderr));
        let sealed = scope.spawn(move || read_capped(&mut channel, MAX_RESULT_BYTES));
        let status = child.wait_timeout(timeout).ok().flatten();
        // Whatever is left of the group goes, so the pipes reach their ends.
        kill_group();
        if status.is_none() {
            let _ = child.wait();
        }
        let _ = out.join();
        (
            err.join().unwrap_or_default(),
            sealed.join().unwrap_or_default(),
            status,
        )
    });
    let (bytes, cut) = stderr;
    let mut stderr = String::from_utf8_lossy(&bytes).into_owned();
    if cut {
        stderr.push_str(&format!("\n(output cut at {max_stderr} bytes)"));
    }
    Ok(Ended {
        frame,
        frame_cut,
        stderr,
        status,
    })
}

/// Reads `from` to its end, keeping at most `cap` bytes; whether it was cut.
pub fn read_capped(mut from: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut cut = false;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                cut |= n > room;
            }
        }
    }
    (kept, cut)
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
        .collect();
    let tail = &lines[lines.len().saturating_sub(n)..];
    if tail.is_empty() {
        "(nothing on stderr)".into()
    } else {
        tail.join(" | ")
    }
}
