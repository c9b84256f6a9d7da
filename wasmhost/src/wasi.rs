//! What std asks of the machine, answered by the simulation: the few WASI
//! calls a Rust guest's standard library makes, served deterministically from
//! the host, and every other import refused by name.
//!
//! | a guest's code does               | it gets                                      |
//! |-----------------------------------|----------------------------------------------|
//! | `println!`, `eprintln!`           | lines in its server's column of the run's log |
//! | `Instant::now()`, `SystemTime::now()` | the virtual time of the handler running  |
//! | `HashMap::new()` (its random keys), `getrandom` | bytes from a stream seeded from the run |
//! | `std::env::args`, `std::env::vars` | nothing: no arguments, no environment      |
//! | files, sockets, `thread::sleep`, `process::exit`, anything else | the handler fails, naming what was used |
//!
//! So a guest's run depends on the seed alone, as the simulator's does.

use labrpc::SimRng;
use labrpc::rand::Rng;
use wasmtime::{Caller, Extern, Linker, Module};

/// The module WASI preview 1 imports come from.
pub const WASI: &str = "wasi_snapshot_preview1";

/// The most a guest prints per handler that reaches the log.
pub const MAX_PRINTED: usize = 64 * 1024;

const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;

/// What an instance's WASI calls read and write on the host's side.
pub struct Stdio {
    /// The virtual time of the handler running, in microseconds.
    pub now_us: u64,
    /// Bytes for `random_get`.
    pub random: SimRng,
    /// What the guest printed during the handler, stdout and stderr together.
    pub printed: Vec<u8>,
    /// Whether it printed more than [`MAX_PRINTED`] (the rest is dropped).
    pub truncated: bool,
    /// What it wrote to stderr from the last panic's message on (its first
    /// [`MAX_PRINTED`] bytes), however much was printed before.
    pub panic: Vec<u8>,
}

impl Stdio {
    /// What the guest printed since the last call, as lines; a note ends
    /// them if some were dropped.
    pub fn take_lines(&mut self) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.printed).into_owned();
        self.printed.clear();
        self.panic.clear();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if std::mem::take(&mut self.truncated) {
            lines.push(format!(
                "[printed more than {} KiB in one handler: the rest is dropped]",
                MAX_PRINTED / 1024
            ));
        }
        lines
    }
}

/// Why a guest's handler was stopped by the host (not by a trap of its own).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Defines the WASI calls served, and every other import of `module` as a
/// function that fails the handler naming it.
pub fn define<T: AsMut<Stdio> + 'static>(
    linker: &mut Linker<T>,
    module: &Module,
) -> wasmtime::Result<()> {
    linker.func_wrap(WASI, "fd_write", fd_write::<T>)?;
    linker.func_wrap(
        WASI,
        "clock_time_get",
        |mut caller: Caller<'_, T>, _clock: i32, _precision: i64, out: i32| -> i32 {
            let nanos = caller.data_mut().as_mut().now_us.saturating_mul(1_000);
            write(&mut caller, out, &nanos.to_le_bytes())
        },
    )?;
    linker.func_wrap(
        WASI,
        "random_get",
        |mut caller: Caller<'_, T>, buf: i32, len: i32| -> i32 {
            let mut bytes = vec![0u8; len.max(0) as usize];
            caller.data_mut().as_mut().random.fill_bytes(&mut bytes);
            write(&mut caller, buf, &bytes)
        },
    )?;
    for name in ["environ_sizes_get", "args_sizes_get"] {
        linker.func_wrap(
            WASI,
            name,
            |mut caller: Caller<'_, T>, count: i32, size: i32| -> i32 {
                match write(&mut caller, count, &0u32.to_le_bytes()) {
                    SUCCESS => write(&mut caller, size, &0u32.to_le_bytes()),
                    errno => errno,
                }
            },
        )?;
    }
    for name in ["environ_get", "args_get"] {
        linker.func_wrap(WASI, name, |_: Caller<'_, T>, _: i32, _: i32| SUCCESS)?;
    }
    // No file is open: std finds no preopened directory, and a write to
    // anything but stdout and stderr fails as a bad descriptor.
    linker.func_wrap(
        WASI,
        "fd_prestat_get",
        |_: Caller<'_, T>, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(WASI, "fd_close", |_: Caller<'_, T>, _: i32| EBADF)?;
    linker.func_wrap(WASI, "sched_yield", |_: Caller<'_, T>| SUCCESS)?;
    linker.func_wrap(
        WASI,
        "proc_exit",
        |_: Caller<'_, T>, code: i32| -> wasmtime::Result<()> {
            Err(Refused(format!(
                "called std::process::exit({code}): a server cannot end the run; \
                 return from the handler instead"
            ))
            .into())
        },
    )?;
    for import in module.imports() {
        let (from, name) = (import.module().to_owned(), import.name().to_owned());
        if let wasmtime::ExternType::Func(ty) = import.ty()
            && from != crate::wasm::HOST
            && !SERVED.contains(&(from.as_str(), name.as_str()))
        {
            let what = refusal(&from, &name);
            linker.func_new(&from, &name, ty, move |_, _, _| {
                Err(Refused(what.clone()).into())
            })?;
        }
    }
    Ok(())
}

/// The imports [`define`] serves.
const SERVED: &[(&str, &str)] = &[
    (WASI, "fd_write"),
    (WASI, "clock_time_get"),
    (WASI, "random_get"),
    (WASI, "environ_sizes_get"),
    (WASI, "args_sizes_get"),
    (WASI, "environ_get"),
    (WASI, "args_get"),
    (WASI, "fd_prestat_get"),
    (WASI, "fd_close"),
    (WASI, "sched_yield"),
    (WASI, "proc_exit"),
];

/// What the handler is told when it uses an import the host refuses.
fn refusal(module: &str, name: &str) -> String {
    let what = match name {
        "poll_oneoff" => "to sleep or wait (std::thread::sleep): set a timer instead",
        "thread-spawn" => "to start a thread: a server's handlers run one at a time",
        n if n.starts_with("fd_") || n.starts_with("path_") => {
            "to use a file: a server keeps what must survive a crash with ctx.persist"
        }
        n if n.starts_with("sock_") => "to use a socket: a server talks to others with ctx.call",
        _ => "something the simulation does not offer",
    };
    format!("used {module}::{name}, asking {what}")
}

fn fd_write<T: AsMut<Stdio>>(
    mut caller: Caller<'_, T>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    written: i32,
) -> i32 {
    if fd != 1 && fd != 2 {
        return EBADF;
    }
    let Some(memory) = memory(&mut caller) else {
        return EFAULT;
    };
    let mut total: u32 = 0;
    let mut chunk = Vec::new();
    for i in 0..iovs_len.max(0) as usize {
        let mut iov = [0u8; 8];
        let at = iovs as usize + 8 * i;
        if memory.read(&caller, at, &mut iov).is_err() {
            return EFAULT;
        }
        let ptr = u32::from_le_bytes([iov[0], iov[1], iov[2], iov[3]]) as usize;
        let len = u32::from_le_bytes([iov[4], iov[5], iov[6], iov[7]]) as usize;
        chunk.resize(len, 0);
        if memory.read(&caller, ptr, &mut chunk).is_err() {
            return EFAULT;
        }
        let stdio = caller.data_mut().as_mut();
        if fd == 2 {
            const PANICKED: &[u8] = b"panicked at";
            let from = chunk[..len]
                .windows(PANICKED.len())
                .position(|w| w == PANICKED);
            if let Some(from) = from {
                stdio.panic.clear();
                stdio
                    .panic
                    .extend_from_slice(&chunk[from..len.min(from + MAX_PRINTED)]);
            } else if !stdio.panic.is_empty() {
                let room = MAX_PRINTED.saturating_sub(stdio.panic.len());
                stdio.panic.extend_from_slice(&chunk[..len.min(room)]);
            }
        }
        let room = MAX_PRINTED.saturating_sub(stdio.printed.len());
        stdio.printed.extend_from_slice(&chunk[..len.min(room)]);
        stdio.truncated |= len > room;
        total = total.saturating_add(len as u32);
    }
    write(&mut caller, written, &total.to_le_bytes())
}

fn memory<T>(caller: &mut Caller<'_, T>) -> Option<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Some(memory),
        _ => None,
    }
}

fn write<T>(caller: &mut Caller<'_, T>, at: i32, bytes: &[u8]) -> i32 {
    match memory(caller) {
        Some(memory)
            if memory
                .write(&mut *caller, at as u32 as usize, bytes)
                .is_ok() =>
        {
            SUCCESS
        }
        _ => EFAULT,
    }
}
