//! The Raft contract: the methods your Raft implements and what it is given.
//!
//! Your implementation is a state machine. It never blocks, sleeps, spawns threads,
//! takes locks or reads the wall clock; the simulator calls one of its methods at a
//! time, and everything it does to the world goes through the [`RaftContext`]
//! (its documentation lists what it offers).

use std::fmt::Debug;

use labrpc::Message;
use serde::{Deserialize, Serialize};

use crate::context::RaftContext;

/// What Raft hands to the service above it (the tester, or your kvraft server):
/// committed commands in log order, and snapshots to install.
///
/// Printed compactly, bytes in hex (the first 32 of a long snapshot):
/// `Command { index: 7, command: <8 bytes 2d1c000000000000> }`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplyMsg {
    /// The command at log index `index` is committed; apply it.
    Command {
        /// Its log index (the first entry of a log is index 1).
        index: u64,
        /// The bytes given to [`Raft::start`].
        #[serde(with = "serde_bytes")]
        command: Vec<u8>,
    },
    /// Replace the service's state with this snapshot, taken by the service
    /// (possibly on another server) at log index `index` of term `term`. Sent when
    /// an InstallSnapshot RPC brought this server a snapshot newer than its log.
    Snapshot {
        /// The last log index the snapshot includes.
        index: u64,
        /// The term of that entry.
        term: u64,
        /// The bytes given to [`Raft::snapshot`] by the service that took it.
        #[serde(with = "serde_bytes")]
        snapshot: Vec<u8>,
    },
}

impl Debug for ApplyMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApplyMsg::Command { index, command } => {
                write!(
                    f,
                    "Command {{ index: {index}, command: {:?} }}",
                    Hex(command)
                )
            }
            ApplyMsg::Snapshot {
                index,
                term,
                snapshot,
            } => write!(
                f,
                "Snapshot {{ index: {index}, term: {term}, snapshot: {:?} }}",
                Hex(snapshot)
            ),
        }
    }
}

/// Bytes as `<N bytes 0a1b…>`: hex of the first 32, `…` if there are more.
struct Hex<'a>(&'a [u8]);

impl Debug for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 32;
        let hex = hex::encode(&self.0[..self.0.len().min(SHOWN)]);
        let more = if self.0.len() > SHOWN { "…" } else { "" };
        write!(f, "<{} bytes {hex}{more}>", self.0.len())
    }
}

/// A server's role, as Figure 2 names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Follows a leader (or waits for one).
    Follower,
    /// Asks for votes.
    Candidate,
    /// Leads its term.
    Leader,
}

impl Role {
    /// "follower", "candidate" or "leader".
    pub fn name(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }
}

/// Which of Raft's RPCs a request is, for the run's log and timeline only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpcKind {
    /// RequestVote (§5.2).
    RequestVote,
    /// AppendEntries, heartbeats included (§5.3).
    AppendEntries,
    /// InstallSnapshot (§7).
    InstallSnapshot,
}

impl RpcKind {
    /// The topic the log and timeline file it under: "vote", "append" or
    /// "snapshot".
    pub fn topic(self) -> &'static str {
        match self {
            RpcKind::RequestVote => "vote",
            RpcKind::AppendEntries => "append",
            RpcKind::InstallSnapshot => "snapshot",
        }
    }
}

/// What a server's previous incarnation saved: the restarted server starts from it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persisted {
    /// The bytes last given as `state` to `persist`/`persist_with_snapshot`
    /// (empty on a first start).
    pub state: Vec<u8>,
    /// The bytes last given as `snapshot` to `persist_with_snapshot` (empty if none).
    pub snapshot: Vec<u8>,
}

/// A Raft server: what you implement.
///
/// Servers are numbered `0..peers`; your server is `me`. Define your own RPC types
/// (an enum of RequestVote, AppendEntries and InstallSnapshot arguments for
/// `Request`, and of their replies for `Reply`) with
/// `#[derive(Debug, Clone, Serialize, Deserialize)]`; the network encodes them
/// with postcard (integers as varints, no field names), and the encoded size is
/// what the tests count. For `Vec<u8>` fields (commands, snapshots) add
/// `#[serde(with = "serde_bytes")]` to encode them as one block (the same size,
/// less work).
///
/// ## Timing
/// - The tester allows at most about 10 heartbeats per second per peer (fewer RPCs
///   are better), so heartbeat every 100 ms or so. A server that sends a peer
///   the same request again as soon as the last one was answered, more than 50
///   times in a second, fails the test (a failed call may be retried as it is).
/// - It expects a new leader within 5 seconds of a failure, so election timeouts
///   must be short enough to elect one in a few rounds, yet well above the paper's
///   150-300 ms because heartbeats are slower here: 300-600 ms, randomised with
///   `ctx.rng()`, works.
/// - A call to an unreachable server fails only after up to 7 s. Never wait for a
///   reply before sending to another peer: send to all, and handle each reply (or
///   failure) when it comes.
pub trait Raft: Sized + 'static {
    /// Your RPC request type.
    type Request: Message;
    /// Your RPC reply type.
    type Reply: Message;
    /// Your timer tag (for example `enum Timer { Election(u64), Heartbeat }`).
    type Timer: Debug + Clone + 'static;

    /// Creates server `me` of `peers`, starting from what its previous incarnation
    /// persisted (empty on a first start). Set your first timers here.
    ///
    /// After a restart, `persisted.snapshot` holds the service's state up to
    /// your snapshot's last index, and the service reads it back itself: there
    /// is no need to deliver it again as an [`ApplyMsg::Snapshot`]. Apply only
    /// what comes after it (your `last_applied` and `commit_index` begin at the
    /// snapshot's index): an entry it covers, applied again, is an error.
    fn new(
        ctx: &mut RaftContext<'_, '_, Self>,
        me: usize,
        peers: usize,
        persisted: Persisted,
    ) -> Self;

    /// Starts agreement on `command`. Returns immediately: `None` if this server is
    /// not the leader, otherwise `Some((index, term))`, the index the command will
    /// have if it is ever committed and the current term. There is no guarantee it
    /// will be committed.
    fn start(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        command: Vec<u8>,
    ) -> Option<(u64, u64)>;

    /// `(current_term, is_leader)`. The tests check it against the network:
    /// a server that says it leads a term must have heard, in that term, from
    /// a majority (the votes that elected it).
    fn state(&self) -> (u64, bool);

    /// Your role, for the run's timeline and log only (the tests never check it).
    /// The default tells leaders from the rest using `state()`; return
    /// [`Role::Candidate`] while you stand for election to see candidacies too.
    fn role(&self) -> Role {
        if self.state().1 {
            Role::Leader
        } else {
            Role::Follower
        }
    }

    /// Which RPC `request` is, for the run's log and timeline only (the tests
    /// never check it): they colour and filter messages by it. The default
    /// (`None`) lets them guess from the request's printed name (a variant
    /// named `RequestVote`, `AppendEntries` or `InstallSnapshot` is found).
    fn rpc_kind(request: &Self::Request) -> Option<RpcKind> {
        let _ = request;
        None
    }

    /// The service has taken a snapshot that includes every entry up to and
    /// including `index`: discard those entries and persist the snapshot with your
    /// state (`ctx.persist_with_snapshot`). `index` is never above the highest
    /// index you applied; if it is not above your current snapshot's, ignore the
    /// call. Keep the snapshot in memory too: you send it in InstallSnapshot to a
    /// follower whose next entry it has discarded.
    ///
    /// Who calls it and when: in 2D the tester, after every tenth command a
    /// server applies; in 3B your kv server, when it decides to (the Raft state
    /// has grown past `maxraftstate`). A call comes between your handlers,
    /// never inside one, and several may come in a row.
    fn snapshot(&mut self, ctx: &mut RaftContext<'_, '_, Self>, index: u64, snapshot: Vec<u8>);

    /// A request from peer `from` has arrived; return the reply. Persist anything the
    /// reply depends on before returning.
    fn handle_request(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        from: usize,
        request: Self::Request,
    ) -> Self::Reply;

    /// The call you made to `peer` with `request` has finished: `Some(reply)`, or
    /// `None` if it failed (lost, timed out, or the peer is down or cut off). The
    /// request is handed back so that you can tell which call this was and whether
    /// the reply is stale (its term or your log may have moved on since).
    fn handle_reply(
        &mut self,
        ctx: &mut RaftContext<'_, '_, Self>,
        peer: usize,
        request: Self::Request,
        reply: Option<Self::Reply>,
    );

    /// A timer you set has fired.
    fn handle_timer(&mut self, ctx: &mut RaftContext<'_, '_, Self>, timer: Self::Timer);
}
