//! [`Wasm`]: a server's guest as a WebAssembly instance under wasmtime, and
//! [`Guest`]: the module every instance of a process is made from.
//!
//! Each ask runs with a fresh allowance of [`HANDLER_FUEL`] instructions and
//! within [`MAX_MEMORY`] bytes of memory: a guest that loops or allocates
//! without end fails its handler at the same instruction on every run and
//! every machine, naming the server. A guest that panics fails it with its
//! message (file and line) and the guest's backtrace.

use std::marker::PhantomData;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use labrpc::guest::{Act, Answer, Ask, Asked, Region};
use wasmtime::{
    Caller, Config, Engine, InstancePre, Linker, Memory, Module, ResourceLimiter, Store, Trap,
    TypedFunc, WasmBacktrace, WasmBacktraceDetails,
};

use crate::backend::{Backend, Fault};
use crate::wasi::{self, Refused, Stdio};

/// The module the host's own imports come from.
pub const HOST: &str = "raftlab";

/// The instructions one handler may run (about a second of work).
pub const HANDLER_FUEL: u64 = 2_000_000_000;

/// The memory one instance may have.
pub const MAX_MEMORY: usize = 256 << 20;

/// The memory all of a process's instances may have together (see
/// [`set_memory_budget`]).
static BUDGET: AtomicUsize = AtomicUsize::new(2 << 30);
/// The memory they have now.
static IN_USE: AtomicUsize = AtomicUsize::new(0);

/// Sets the memory all of this process's instances may have together (a
/// job's memory budget: their memory is not the allocator's, which the
/// harness's own budget counts).
pub fn set_memory_budget(bytes: usize) {
    BUDGET.store(bytes, Ordering::Relaxed);
}

/// The module of a process's guests, compiled, ready to instantiate.
pub struct Guest {
    engine: Engine,
    pre: InstancePre<Host>,
}

/// Why a module could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The runtime rejected it.
    #[error("{path}: {error}")]
    Runtime {
        /// The file.
        path: String,
        /// The runtime's words.
        error: String,
    },
}

static GUEST: OnceLock<Result<Guest, String>> = OnceLock::new();

/// Where a process's module comes from when nothing installed one first.
pub trait ModuleSource: 'static {
    /// Loads the module (once per process), or says why it cannot.
    fn load() -> Result<Guest, String>;
}

/// No source: a module must be installed ([`Guest::install`]) before a guest
/// starts.
pub struct Installed;

impl ModuleSource for Installed {
    fn load() -> Result<Guest, String> {
        Err("no guest module was installed in this process".into())
    }
}

fn engine() -> Engine {
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .wasm_backtrace_details(WasmBacktraceDetails::Enable)
        .cranelift_opt_level(wasmtime::OptLevel::Speed)
        // Each memory reserves its 4 GiB of address space, and guard pages
        // around it, so that the compiled code needs no bounds check on any
        // access (docs/development.md has what that saves): the reservation
        // is address space, inaccessible, never memory. A job's limit is
        // therefore on its data (what is writable), not its address space.
        .memory_reservation(4 << 30)
        .memory_guard_size(32 << 20)
        .guard_before_linear_memory(true);
    Engine::new(&config).expect("the host's wasmtime configuration is valid")
}

/// What a module compiled by [`Guest::precompile`] depends on besides its
/// source: this host's wasmtime and its configuration, as a short hex tag for
/// the compiled file's name (a file compiled under another configuration is
/// never picked up).
pub fn compatibility() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine().precompile_compatibility_hash().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

impl Guest {
    /// Compiles the WebAssembly module at `wasm`.
    pub fn compile(wasm: &Path) -> Result<Guest, LoadError> {
        let bytes = std::fs::read(wasm).map_err(|error| io(wasm, error))?;
        let engine = engine();
        let module = Module::new(&engine, &bytes).map_err(|e| runtime(wasm, e))?;
        Guest::link(engine, module, wasm)
    }

    /// Compiles the module at `wasm` to native code, for [`Guest::precompiled`]
    /// to load without compiling it again, and writes it to `out`.
    pub fn precompile(wasm: &Path, out: &Path) -> Result<(), LoadError> {
        let bytes = std::fs::read(wasm).map_err(|error| io(wasm, error))?;
        let compiled = engine()
            .precompile_module(&bytes)
            .map_err(|e| runtime(wasm, e))?;
        std::fs::write(out, compiled).map_err(|error| io(out, error))
    }

    /// Loads what [`Guest::precompile`] wrote at `cwasm`.
    ///
    /// The file must be this host's own output, written where the code it
    /// hosts could not write: its contents are native code, run as they are.
    pub fn precompiled(cwasm: &Path) -> Result<Guest, LoadError> {
        let engine = engine();
        // SAFETY: `cwasm` is native code wasmtime compiled, with this same
        // engine configuration, from a module it validated: the grader and
        // the harness write it themselves (`Guest::precompile`) after the
        // student's build has ended, where that build cannot write, and
        // wasmtime checks its header and configuration before using it.
        #[allow(unsafe_code)]
        let module = unsafe { Module::deserialize_file(&engine, cwasm) };
        let module = module.map_err(|e| runtime(cwasm, e))?;
        Guest::link(engine, module, cwasm)
    }

    fn link(engine: Engine, module: Module, path: &Path) -> Result<Guest, LoadError> {
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(HOST, "unmetered", unmetered)
            .map_err(|e| runtime(path, e))?;
        wasi::define(&mut linker, &module).map_err(|e| runtime(path, e))?;
        let pre = linker
            .instantiate_pre(&module)
            .map_err(|e| runtime(path, e))?;
        Ok(Guest { engine, pre })
    }

    /// Makes this the module every [`Wasm`] guest of the process runs. Only the
    /// first call (or the first load from a [`ModuleSource`]) has any effect;
    /// it says whether it was this one.
    pub fn install(self) -> bool {
        GUEST.set(Ok(self)).is_ok()
    }

    /// Whether a module is installed.
    pub fn installed() -> bool {
        GUEST.get().is_some_and(Result::is_ok)
    }
}

fn io(path: &Path, error: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        error,
    }
}

fn runtime(path: &Path, error: wasmtime::Error) -> LoadError {
    LoadError::Runtime {
        path: path.display().to_string(),
        error: format!("{error:#}"),
    }
}

/// The guest counts only its handler's own work: every ask begins
/// unmetered, and the glue says `unmetered(0)` as the handler begins and
/// `unmetered(1)` as it returns, once each, in that order; the fuel burned
/// while unmetered is given back when the count resumes (or the ask ends).
/// Anything else (a third call, or one out of turn: code that reached the
/// glue's hook to stop its own count) fails the handler, so no handler runs
/// uncounted. Unmetered work still burns fuel while it runs: it is bounded
/// by the same limit.
fn unmetered(mut caller: Caller<'_, Host>, begin: i32) -> wasmtime::Result<()> {
    let fuel = caller.get_fuel()?;
    let host = caller.data_mut();
    host.meter_calls += 1;
    match (host.meter_calls, begin != 0) {
        (1, false) => {
            if let Some(before) = host.unmetered_from.take() {
                caller.set_fuel(before.max(fuel))?;
            }
            Ok(())
        }
        (2, true) => {
            host.unmetered_from = Some(fuel);
            Ok(())
        }
        _ => Err(Refused(
            "the guest switched the count of its instructions on or off out of turn (only the handler's glue may)"
                .into(),
        )
        .into()),
    }
}

/// What the host keeps for one instance.
struct Host {
    stdio: Stdio,
    /// The fuel left when the guest's unmetered work began.
    unmetered_from: Option<u64>,
    /// How often the guest called `unmetered` in this ask.
    meter_calls: u8,
    /// Its memory's size, as counted in [`IN_USE`].
    memory: usize,
    /// The limit the guest asked past, if it did.
    out_of_memory: Option<usize>,
}

impl Drop for Host {
    fn drop(&mut self) {
        IN_USE.fetch_sub(self.memory, Ordering::Relaxed);
    }
}

impl AsMut<Stdio> for Host {
    fn as_mut(&mut self) -> &mut Stdio {
        &mut self.stdio
    }
}

impl ResourceLimiter for Host {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MAX_MEMORY {
            self.out_of_memory = Some(MAX_MEMORY);
            return Ok(false);
        }
        let more = desired.saturating_sub(current);
        let budget = BUDGET.load(Ordering::Relaxed);
        if IN_USE.fetch_add(more, Ordering::Relaxed) + more > budget {
            IN_USE.fetch_sub(more, Ordering::Relaxed);
            self.out_of_memory = Some(budget);
            return Ok(false);
        }
        self.memory += more;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

/// One node life's guest: a WebAssembly instance of the module installed,
/// or else of the one `S` loads.
pub struct Wasm<S: ModuleSource = Installed> {
    store: Store<Host>,
    memory: Memory,
    inbox: TypedFunc<u32, u32>,
    handle: TypedFunc<(), u64>,
    /// The instructions the last ask's handler ran.
    instructions: u64,
    source: PhantomData<S>,
}

impl<S: ModuleSource> Wasm<S> {
    fn instantiate(guest: &Guest, ask: &Ask) -> Result<Wasm<S>, Fault> {
        let Asked::New { rng, .. } = &ask.asked else {
            return Err(Fault::Protocol("a guest starts with Asked::New".into()));
        };
        // The guest's own random bytes (HashMap's keys) come from a stream of
        // its own beside the one its server draws from.
        let mut random = rng.rng();
        random.set_stream(rng.stream ^ (1 << 63));
        random.set_word_pos(0);
        let host = Host {
            stdio: Stdio {
                now_us: ask.at.now_us,
                random,
                printed: Vec::new(),
                truncated: false,
                panic: Vec::new(),
            },
            unmetered_from: None,
            meter_calls: 0,
            memory: 0,
            out_of_memory: None,
        };
        let mut store = Store::new(&guest.engine, host);
        store.limiter(|host| host);
        store
            .set_fuel(HANDLER_FUEL)
            .map_err(|e| Fault::Trapped(e.to_string()))?;
        let instance = guest
            .pre
            .instantiate(&mut store)
            .map_err(|e| Fault::Trapped(format!("{e:#}")))?;
        let missing = |what: &str| Fault::Protocol(format!("the module exports no {what}"));
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ())
                .map_err(|e| Fault::Trapped(format!("{e:#}")))?;
        }
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| missing("memory"))?;
        let inbox = instance
            .get_typed_func(&mut store, "raftlab_inbox")
            .map_err(|_| missing("raftlab_inbox"))?;
        let handle = instance
            .get_typed_func(&mut store, "raftlab_ask")
            .map_err(|_| missing("raftlab_ask"))?;
        Ok(Wasm {
            store,
            memory,
            inbox,
            handle,
            instructions: 0,
            source: PhantomData,
        })
    }

    fn run(&mut self, ask: &Ask) -> Result<Answer, Fault> {
        self.store.data_mut().stdio.now_us = ask.at.now_us;
        self.store
            .set_fuel(HANDLER_FUEL)
            .map_err(|e| Fault::Trapped(e.to_string()))?;
        let host = self.store.data_mut();
        host.unmetered_from = Some(HANDLER_FUEL);
        host.meter_calls = 0;
        let packed = self.call(ask).map_err(|e| self.fault(e))?;
        let left = match self.store.data_mut().unmetered_from.take() {
            Some(before) => before,
            None => self.store.get_fuel().unwrap_or(0),
        };
        self.instructions = HANDLER_FUEL.saturating_sub(left);
        let region = Region {
            at: (packed >> 32) as u32,
            len: packed as u32,
        };
        // Decoded where the guest wrote it: the answer's bytes (a request, a
        // reply) are copied once, into the values they make; persisted
        // regions are copied out below.
        let written = within(self.memory.data(&self.store), region, "an answer")?;
        let mut answer: Answer = labrpc::decode(written)
            .map_err(|e| Fault::Protocol(format!("the answer does not decode: {e}")))?;
        let memory = self.memory.data(&self.store);
        for act in &mut answer.acts {
            if let Act::PersistAt { state, snapshot } = *act {
                *act = Act::Persist {
                    state: within(memory, state, PERSISTED)?.to_vec(),
                    snapshot: snapshot
                        .map(|s| within(memory, s, PERSISTED).map(<[u8]>::to_vec))
                        .transpose()?,
                };
            }
        }
        let printed = self.store.data_mut().stdio.take_lines();
        answer.acts.extend(printed.into_iter().map(Act::Log));
        Ok(answer)
    }

    /// Writes `ask` into the guest's inbox (encoded where the guest reads it)
    /// and runs it.
    fn call(&mut self, ask: &Ask) -> wasmtime::Result<u64> {
        let len = postcard::experimental::serialized_size(ask)?;
        let len = u32::try_from(len).map_err(|_| wasmtime::format_err!("an ask over 4 GiB"))?;
        let at = self.inbox.call(&mut self.store, len)? as usize;
        let inbox = self
            .memory
            .data_mut(&mut self.store)
            .get_mut(at..at + len as usize)
            .ok_or_else(|| wasmtime::format_err!("the guest's inbox is out of its memory"))?;
        postcard::to_slice(ask, inbox)?;
        self.handle.call(&mut self.store, ())
    }

    /// What went wrong, in the words a student acts on.
    fn fault(&mut self, error: wasmtime::Error) -> Fault {
        let host = self.store.data_mut();
        host.stdio.printed.clear();
        let printed = String::from_utf8_lossy(&std::mem::take(&mut host.stdio.panic)).into_owned();
        if let Some(limit) = host.out_of_memory {
            return Fault::OutOfMemory {
                limit_mb: (limit >> 20) as u64,
            };
        }
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Fault::Trapped(refused.0.clone());
        }
        let backtrace = error
            .downcast_ref::<WasmBacktrace>()
            .map(|b| bounded_lines(&b.to_string(), 30))
            .unwrap_or_default();
        let trap = error.downcast_ref::<Trap>();
        if trap == Some(&Trap::OutOfFuel) {
            return Fault::OutOfFuel {
                limit: HANDLER_FUEL,
            };
        }
        // A panic prints its message on stderr, then aborts (a trap).
        if let Some(start) = printed.rfind("panicked at") {
            let message = printed[start..]
                .lines()
                .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE"))
                .collect::<Vec<_>>()
                .join("\n");
            return Fault::Panicked(format!("{}\n{backtrace}", message.trim_end()));
        }
        match trap {
            // Safe Rust reaches outside its memory only when its stack,
            // which lies at the bottom of that memory, grows past it.
            Some(Trap::MemoryOutOfBounds) => Fault::Trapped(format!(
                "{} (its stack overflowed, most likely: unbounded recursion?)\n{backtrace}",
                Trap::MemoryOutOfBounds
            )),
            Some(Trap::StackOverflow) => Fault::Trapped(format!(
                "{} (its stack overflowed: unbounded recursion?)\n{backtrace}",
                Trap::StackOverflow
            )),
            Some(trap) => Fault::Trapped(format!("{trap}\n{backtrace}")),
            None => Fault::Trapped(format!("{error:#}")),
        }
    }
}

/// The bytes of `region` of a guest's `memory` (`what` they are, for the
/// complaint if the region lies outside it).
fn within<'m>(memory: &'m [u8], region: Region, what: &str) -> Result<&'m [u8], Fault> {
    let (at, len) = (region.at as usize, region.len as usize);
    memory
        .get(at..at + len)
        .ok_or_else(|| Fault::Protocol(format!("{what} of {len} bytes at {at} is out of bounds")))
}

/// What [`within`] calls a persisted region in its complaint.
const PERSISTED: &str = "a persisted region";

fn bounded_lines(text: &str, most: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= most {
        return text.to_owned();
    }
    format!(
        "{}\n  … {} more lines",
        lines[..most].join("\n"),
        lines.len() - most
    )
}

impl<S: ModuleSource> Backend for Wasm<S> {
    fn create(ask: &Ask) -> Result<(Self, Answer), Fault> {
        let guest = GUEST
            .get_or_init(S::load)
            .as_ref()
            .map_err(|e| Fault::NoModule(e.clone()))?;
        let mut wasm = Wasm::instantiate(guest, ask)?;
        let answer = wasm.run(ask)?;
        Ok((wasm, answer))
    }

    fn ask(&mut self, ask: &Ask) -> Result<Answer, Fault> {
        self.run(ask)
    }

    fn instructions(&self) -> u64 {
        self.instructions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_read_within_the_memory_or_named_out_of_bounds() {
        let memory = [1, 2, 3, 4];
        let copy = |at, len| within(&memory, Region { at, len }, PERSISTED).map(<[u8]>::to_vec);
        assert_eq!(copy(1, 2).unwrap(), vec![2, 3]);
        assert_eq!(copy(4, 0).unwrap(), Vec::<u8>::new());
        let Err(Fault::Protocol(why)) = copy(3, 2) else {
            panic!("a region past the memory's end was copied");
        };
        assert_eq!(why, "a persisted region of 2 bytes at 3 is out of bounds");
        assert!(copy(u32::MAX, u32::MAX).is_err());
    }
}
