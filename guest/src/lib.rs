//! The student code of this tree as one WebAssembly module, and its exports: the
//! only doors between the host and a server's code.
//!
//! The host writes an ask into the guest's inbox (`raftlab_inbox` makes room and
//! says where), calls `raftlab_ask`, and reads the answer where the returned
//! pointer and length say. An instance serves one node, of the kind its first
//! ask names. Everything the node keeps lives in this instance's memory, which
//! a crash discards: the next life is a fresh instance.

use std::cell::RefCell;

use kvraft::node::{ClerkNode, KvServerNode};
use labrpc::guest::{Answer, Ask, Hosted, Module, Serve, kind_of, serve};
use raft::node::RaftNode;
use shardctrler::CtrlerOps;
use shardkv::node::{CtrlerNode, GroupServerNode, MckNode, ShardClerkNode};

thread_local! {
    /// The ask the host wrote, and the answer it reads back.
    static INBOX: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTBOX: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The node of this instance, once created.
    static NODE: RefCell<Option<Box<dyn Serve>>> = const { RefCell::new(None) };
}

/// Makes room for an ask of `len` bytes and returns where the host writes it.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn raftlab_inbox(len: u32) -> u32 {
    INBOX.with_borrow_mut(|inbox| {
        inbox.clear();
        inbox.resize(len as usize, 0);
        address(inbox)
    })
}

/// Runs the ask in the inbox and returns where its answer is: the address in
/// the high 32 bits, the length in the low 32.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn raftlab_ask() -> u64 {
    let ask: Ask = INBOX
        .with_borrow(|inbox| labrpc::decode(inbox))
        .unwrap_or_else(|e| panic!("the host's ask does not decode: {e}"));
    let answer = NODE.with_borrow_mut(|node| match node {
        Some(served) => served.handle(ask),
        None => Tree::create(ask, unmetered).map(|(served, answer)| {
            *node = Some(served);
            answer
        }),
    });
    let answer = answer.unwrap_or_else(|e| panic!("{e}"));
    OUTBOX.with_borrow_mut(|outbox| {
        *outbox = labrpc::encode(&answer);
        (u64::from(address(outbox)) << 32) | outbox.len() as u64
    })
}

/// The kinds of node this tree's code makes: a Raft server; the servers and
/// clerks of kvraft and of the shard controller; and a Lab 4B world's
/// controllers, shardkv servers and clerks, and the tester's controller clerk.
pub struct Tree;

impl Module for Tree {
    fn create(ask: Ask, unmetered: fn(bool)) -> Result<(Box<dyn Serve>, Answer), String> {
        type Raft = RaftNode<raft::Peer>;
        type KvServer = KvServerNode<kvraft::Server>;
        type KvClerk = ClerkNode<kvraft::Clerk>;
        type CtrlerServer = KvServerNode<shardctrler::Server, CtrlerOps>;
        type CtrlerClerk = ClerkNode<shardctrler::Clerk, CtrlerOps>;
        type ShardCtrler = CtrlerNode<shardkv::Server, shardctrler::Clerk>;
        type ShardServer = GroupServerNode<shardkv::Server, shardctrler::Clerk>;
        type ShardClerk = ShardClerkNode<shardkv::Clerk, shardctrler::Clerk>;
        type Mck = MckNode<shardkv::Server, shardctrler::Clerk>;
        let Some(kind) = kind_of(&ask).map(str::to_owned) else {
            return Err(format!("the first ask must create the node, not {ask:?}"));
        };
        let serves: [(String, Create); 9] = [
            (Raft::kind(), serve::<Raft>),
            (KvServer::kind(), serve::<KvServer>),
            (KvClerk::kind(), serve::<KvClerk>),
            (CtrlerServer::kind(), serve::<CtrlerServer>),
            (CtrlerClerk::kind(), serve::<CtrlerClerk>),
            (ShardCtrler::kind(), serve::<ShardCtrler>),
            (ShardServer::kind(), serve::<ShardServer>),
            (ShardClerk::kind(), serve::<ShardClerk>),
            (Mck::kind(), serve::<Mck>),
        ];
        match serves.into_iter().find(|(k, _)| *k == kind) {
            Some((_, create)) => create(ask, unmetered),
            None => Err(format!("this module serves no node of kind {kind:?}")),
        }
    }
}

type Create = fn(Ask, fn(bool)) -> Result<(Box<dyn Serve>, Answer), String>;

/// Tells the host to stop counting the instructions the guest runs (`true`)
/// or to count them again (`false`): it counts a handler's own work only (see
/// `labrpc::Detached::set_unmetered`), and begins every ask not counting.
fn unmetered(begin: bool) {
    #[cfg(target_arch = "wasm32")]
    host::unmetered(i32::from(begin));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = begin;
}

/// The host's own imports.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod host {
    #[link(wasm_import_module = "raftlab")]
    unsafe extern "C" {
        pub safe fn unmetered(begin: i32);
    }
}

/// Where `bytes` start in the guest's memory (a 32-bit address on wasm32).
fn address(bytes: &[u8]) -> u32 {
    bytes.as_ptr() as usize as u32
}
