//! # labrpc: a deterministic simulated RPC network in virtual time
//!
//! The world every raftlab test runs in. Servers are event-driven state machines
//! ([`Node`]); the simulator ([`Sim`]) calls their handlers one at a time with a
//! [`Context`] through which they send RPCs, set timers, persist and emit outputs.
//! Time is virtual and moves only when the next event is taken from the queue, so
//! a two-minute scenario runs in milliseconds, and every random decision comes from
//! one `u64` seed, so a run replays bit for bit ([`Trace::digest`]).
//!
//! The network reproduces 6.824's labrpc: ends enabled and disabled, reliable and
//! unreliable delivery, long delays, long reordering, and the same counters (see
//! [`network`]). Servers crash and restart; a restarted server sees exactly what its
//! [`Persister`] holds, and nothing addressed to its previous life reaches it.
//!
//! ```
//! use std::time::Duration;
//! use labrpc::{Context, Node, NodeId, Protocol, ReplyTo, Sim};
//!
//! struct Echo;
//! impl Protocol for Echo {
//!     type Request = String;
//!     type Reply = String;
//!     type Timer = ();
//!     type Output = String;
//! }
//!
//! struct Server;
//! impl Node<Echo> for Server {
//!     fn on_request(&mut self, _: &mut Context<'_, Echo>, _: NodeId, req: String, _: ReplyTo) -> Option<String> {
//!         Some(req.to_uppercase())
//!     }
//!     fn on_reply(&mut self, _: &mut Context<'_, Echo>, _: NodeId, _: String, _: Option<String>) {}
//!     fn on_timer(&mut self, _: &mut Context<'_, Echo>, _: ()) {}
//! }
//!
//! struct Client;
//! impl Node<Echo> for Client {
//!     fn on_request(&mut self, _: &mut Context<'_, Echo>, _: NodeId, _: String, _: ReplyTo) -> Option<String> {
//!         None
//!     }
//!     fn on_reply(&mut self, ctx: &mut Context<'_, Echo>, _: NodeId, _: String, reply: Option<String>) {
//!         ctx.emit(reply.unwrap_or_else(|| "failed".into()));
//!     }
//!     fn on_timer(&mut self, _: &mut Context<'_, Echo>, _: ()) {}
//! }
//!
//! let mut sim: Sim<Echo, Vec<_>> = Sim::new(42, Vec::new());
//! let server = sim.add_node(|_| Server).unwrap();
//! let client = sim.add_node(|_| Client).unwrap();
//! sim.invoke(client, |_: &mut Client, ctx| { ctx.call(server, "hello".into()); }).unwrap();
//! sim.run_for(Duration::from_secs(1)).unwrap();
//! assert_eq!(sim.observer()[0].2, "HELLO");
//! ```

mod budget;
mod choices;
mod codec;
mod context;
mod costs;
mod detached;
mod dispatch;
mod echo;
mod encoded;
mod error;
mod fault_set;
#[doc(hidden)]
pub mod guest;
pub mod network;
mod node;
mod observer;
mod payload;
mod persister;
mod progress;
mod protocol;
mod queue;
pub mod seed;
mod sim;
mod time;
pub mod trace;

pub use budget::{Budgets, Peaks};
pub use choices::{ChoiceEdits, ChoiceEditsError, Choices, Edit};
pub use codec::{DecodeError, Message, decode, encode, split_tag, tagged_to_wire};
pub use context::{Context, MIN_TIMER};
pub use costs::Costs;
pub use detached::{Detached, Done};
pub use echo::{EchoError, Kept};
pub use encoded::Encoded;
pub use error::SimError;
pub use fault_set::{FaultSet, FaultSetError};
pub use network::{Faults, Network};
pub use node::{CallId, Node, NodeId, ReplyTo, TimerId};
pub use observer::{CallSeen, Observer};
pub use payload::Payload;
pub use persister::Persister;
pub use progress::{Handling, Progress, Snapshot};
pub use protocol::{Embed, Protocol};
pub use seed::SimRng;
pub use sim::{Action, DEFAULT_LIVELOCK_LIMIT, Sim, panic_message};
pub use time::Time;
pub use trace::{DropReason, Trace, TraceEvent, TraceRecord};

/// The `rand` crate labrpc's [`SimRng`] implements, re-exported so that nodes use
/// the same version: `use labrpc::rand::RngExt;`.
pub use rand;
