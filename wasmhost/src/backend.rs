//! [`Backend`]: what runs one node's guest, and [`Fault`]: how a guest fails.
//!
//! The host speaks to a guest in postcard-encoded asks and answers (see
//! `labrpc::guest`). A backend takes an ask and returns the answer, or says why
//! there is none. [`InProcess`] runs the guest's glue in this process, with no
//! WebAssembly in between: it exists to test the glue and the proxies against
//! the native code they wrap, never to run student code.

use std::marker::PhantomData;

use labrpc::guest::{Answer, Ask, Glue, Module, Serve};

/// Why a guest gave no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// The guest's code panicked (its message, with file and line).
    #[error("panicked: {0}")]
    Panicked(String),
    /// The handler ran past its instruction limit.
    #[error("ran past its limit of {limit} instructions")]
    OutOfFuel {
        /// The limit.
        limit: u64,
    },
    /// The guest asked for more memory than it may have (an instance alone,
    /// or the job's instances together).
    #[error("asked for more memory than the {limit_mb} MiB it may have")]
    OutOfMemory {
        /// The limit, in MiB.
        limit_mb: u64,
    },
    /// The guest trapped (an unreachable instruction, an out-of-bounds access,
    /// a stack overflow), or used something the host refuses.
    #[error("trapped: {0}")]
    Trapped(String),
    /// There is no module to run (it did not build, or could not be loaded).
    #[error("cannot run: {0}")]
    NoModule(String),
    /// The guest broke the host's protocol (an answer that does not decode).
    #[error("broke the host's protocol: {0}")]
    Protocol(String),
}

/// Runs one server life's guest.
pub trait Backend: Sized + 'static {
    /// Creates the guest and asks it `ask` (an [`Asked::New`](labrpc::guest::Asked::New)).
    fn create(ask: &Ask) -> Result<(Self, Answer), Fault>;

    /// Asks the guest `ask`.
    fn ask(&mut self, ask: &Ask) -> Result<Answer, Fault>;

    /// The instructions the last ask's handler ran (what the host charges).
    fn instructions(&self) -> u64;
}

/// The glue of module `M`'s nodes, run in this process: every ask and answer
/// is encoded and decoded as it would be across the WebAssembly boundary.
pub struct InProcess<M: Module>(Box<dyn Serve>, PhantomData<M>);

impl<M: Module> Backend for InProcess<M> {
    fn create(ask: &Ask) -> Result<(Self, Answer), Fault> {
        let ask: Ask = round_trip(ask)?;
        let (served, answer) = M::create(ask, Glue::IN_PROCESS).map_err(Fault::Protocol)?;
        Ok((InProcess(served, PhantomData), round_trip(&answer)?))
    }

    fn ask(&mut self, ask: &Ask) -> Result<Answer, Fault> {
        let ask: Ask = round_trip(ask)?;
        let answer = self.0.handle(ask).map_err(Fault::Protocol)?;
        round_trip(&answer)
    }

    /// Nothing is counted in this process.
    fn instructions(&self) -> u64 {
        0
    }
}

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> Result<T, Fault> {
    labrpc::decode(&labrpc::encode(value)).map_err(|e| Fault::Protocol(e.to_string()))
}
