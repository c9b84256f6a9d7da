//! Running an untrusted process group within bounds, from the trusted side:
//! a wall-clock limit, a memory limit on the whole group (the sum of its
//! processes' resident memory, read from `/proc` every tenth of a second) and
//! a limit on how long it may sit idle (its processes using less than a
//! sixtieth of a CPU over that time: blocked on a pipe of its own, say), with every process of the group killed
//! at any of them, and its output kept within a cap. A submission's build runs this way: cargo and every rustc it
//! starts share the group the grader made for them.

use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use jobwire::child::read_capped;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// How often the group's memory is read and its end looked for.
const TICK: Duration = Duration::from_millis(100);

/// What a process group may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Wall-clock time.
    pub wall: Duration,
    /// Resident memory of the whole group, in bytes.
    pub memory: u64,
    /// Wall-clock time the group may go using less than a sixtieth of a CPU.
    pub idle: Duration,
}

/// Which bound a group ran past (it was killed there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overrun {
    /// It was still running at the wall-clock limit.
    Wall,
    /// Its processes held more memory together than the limit.
    Memory,
    /// Its processes used less than a sixtieth of a CPU for the idle limit.
    Idle,
}

/// How a bounded group ended.
#[derive(Debug)]
pub struct Ended {
    /// The leader's exit status (None if it was killed at a bound).
    pub status: Option<ExitStatus>,
    /// Its stdout, at most the cap.
    pub stdout: Vec<u8>,
    /// Its stderr, at most the cap.
    pub stderr: Vec<u8>,
    /// The bound it ran past, if any.
    pub overrun: Option<Overrun>,
    /// The most resident memory the group was seen to hold, in bytes.
    pub peak_memory: u64,
    /// How long it ran.
    pub elapsed: Duration,
}

/// Runs `command` as the leader of a new process group, stdin empty, keeping
/// at most `max_output` bytes of each of stdout and stderr, until it ends or
/// runs past `bounds`; then whatever is left of the group is killed.
pub fn run(mut command: Command, bounds: &Bounds, max_output: usize) -> std::io::Result<Ended> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let start = Instant::now();
    let mut child = command.spawn()?;
    let group = Pid::from_raw(child.id() as i32);
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    std::thread::scope(|scope| {
        let out = scope.spawn(move || read_capped(stdout, max_output).0);
        let err = scope.spawn(move || read_capped(stderr, max_output).0);
        let mut peak_memory = 0;
        let mut overrun = None;
        // A group at work uses at least a sixtieth of a CPU (a second of CPU
        // time a minute); a blocked one still wakes a thread now and then.
        let work_ticks = (bounds.idle.as_millis() as u64 / 600).max(1);
        let (mut baseline, mut worked_at) = (0, Instant::now());
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break Some(status);
            }
            let usage = group_usage(group.as_raw());
            peak_memory = peak_memory.max(usage.memory);
            // CPU time leaves the group when an orphan ends: start again
            // from there.
            baseline = baseline.min(usage.cpu_ticks);
            if usage.cpu_ticks - baseline >= work_ticks {
                (baseline, worked_at) = (usage.cpu_ticks, Instant::now());
            }
            if usage.memory > bounds.memory {
                overrun = Some(Overrun::Memory);
            } else if start.elapsed() > bounds.wall {
                overrun = Some(Overrun::Wall);
            } else if worked_at.elapsed() > bounds.idle {
                overrun = Some(Overrun::Idle);
            }
            if overrun.is_some() {
                let _ = killpg(group, Signal::SIGKILL);
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(TICK);
        };
        // What the leader left behind goes too, so that the pipes reach their
        // ends and nothing outlives the build.
        let _ = killpg(group, Signal::SIGKILL);
        Ok(Ended {
            status,
            stdout: out.join().unwrap_or_default(),
            stderr: err.join().unwrap_or_default(),
            overrun,
            peak_memory,
            elapsed: start.elapsed(),
        })
    })
}

/// What a process group holds and has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Usage {
    /// Resident memory of its processes, in bytes (shared pages are counted
    /// once per process, so this errs high).
    memory: u64,
    /// The CPU time its processes and their reaped children used, in clock
    /// ticks (hundredths of a second).
    cpu_ticks: u64,
}

/// The usage of every process in process group `group`.
fn group_usage(group: i32) -> Usage {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Usage::default();
    };
    let mut usage = Usage::default();
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_str().and_then(|n| n.parse::<u32>().ok()).is_none() {
            continue;
        }
        let dir = entry.path();
        let Some(stat) = std::fs::read_to_string(dir.join("stat")).ok() else {
            continue;
        };
        let Some((pgrp, ticks)) = parse_stat(&stat) else {
            continue;
        };
        if pgrp != group {
            continue;
        }
        usage.cpu_ticks += ticks;
        if let Some(bytes) = std::fs::read_to_string(dir.join("status"))
            .ok()
            .and_then(|s| resident_bytes(&s))
        {
            usage.memory += bytes;
        }
    }
    usage
}

/// The process group and the CPU ticks (its own and its reaped children's,
/// user and system) in the text of `/proc/PID/stat`, whose fields are counted
/// after the command name (which may hold spaces and parentheses).
fn parse_stat(stat: &str) -> Option<(i32, u64)> {
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    // After the name: state (3), ppid, pgrp (5), ... utime (14), stime,
    // cutime, cstime (17).
    let pgrp = fields.get(2)?.parse().ok()?;
    let ticks = fields
        .get(11..15)?
        .iter()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .sum();
    Some((pgrp, ticks))
}

/// `VmRSS` in the text of `/proc/PID/status`, in bytes.
fn resident_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENEROUS: Bounds = Bounds {
        wall: Duration::from_secs(30),
        memory: 4 << 30,
        idle: Duration::from_secs(30),
    };

    #[test]
    fn proc_files_are_read() {
        let stat = "1234 (a) b (c)) S 1 77 77 0 -1 4194560 10 0 0 0 5 6 7 8 20 0";
        assert_eq!(parse_stat(stat), Some((77, 26)));
        assert_eq!(
            resident_bytes("Name:\tx\nVmRSS:\t   2048 kB\nThreads: 1\n"),
            Some(2 << 20)
        );
    }

    #[test]
    fn output_is_kept_within_the_cap() {
        let mut c = Command::new("sh");
        c.args(["-c", "yes | head -c 100000; echo err >&2"]);
        let ended = run(c, &GENEROUS, 1000).unwrap();
        assert!(ended.status.unwrap().success());
        assert_eq!(ended.stdout.len(), 1000);
        assert_eq!(ended.stderr, b"err\n");
        assert_eq!(ended.overrun, None);
    }

    #[test]
    fn a_group_past_its_time_is_killed_with_its_children() {
        let mut c = Command::new("sh");
        // A child that would hold the pipe open after its parent is gone.
        c.args(["-c", "sleep 600 & sleep 600"]);
        let bounds = Bounds {
            wall: Duration::from_millis(300),
            ..GENEROUS
        };
        let ended = run(c, &bounds, 1000).unwrap();
        assert_eq!(ended.overrun, Some(Overrun::Wall));
        assert!(ended.status.is_none());
        assert!(
            ended.elapsed < Duration::from_secs(10),
            "{:?}",
            ended.elapsed
        );
    }

    #[test]
    fn a_group_that_sits_idle_is_killed() {
        let mut c = Command::new("sh");
        // Reads a pipe nobody writes.
        c.args(["-c", "sleep 600 | cat"]);
        let bounds = Bounds {
            idle: Duration::from_millis(500),
            ..GENEROUS
        };
        let ended = run(c, &bounds, 1000).unwrap();
        assert_eq!(ended.overrun, Some(Overrun::Idle));
        assert!(
            ended.elapsed < Duration::from_secs(10),
            "{:?}",
            ended.elapsed
        );
    }

    #[test]
    fn a_busy_group_is_not_idle() {
        let mut c = Command::new("sh");
        c.args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"]);
        let bounds = Bounds {
            idle: Duration::from_millis(300),
            ..GENEROUS
        };
        let ended = run(c, &bounds, 1000).unwrap();
        assert_eq!(ended.overrun, None, "after {:?}", ended.elapsed);
        assert!(ended.status.unwrap().success());
    }

    #[test]
    fn a_group_past_its_memory_is_killed() {
        let mut c = Command::new("sh");
        // 200 MB held in a shell variable, twice over.
        c.args([
            "-c",
            "x=$(head -c 200000000 /dev/zero | tr '\\0' a); y=\"$x$x\"; sleep 600",
        ]);
        let bounds = Bounds {
            memory: 100 << 20,
            ..GENEROUS
        };
        let ended = run(c, &bounds, 1000).unwrap();
        assert_eq!(ended.overrun, Some(Overrun::Memory));
        assert!(ended.peak_memory > 100 << 20);
    }
}
