//! The student code of this tree as one WebAssembly module, and its exports: the
//! only doors between the host and a node's code.
//!
//! The host writes an ask into the guest's inbox (`raftlab_inbox` makes room and
//! says where), calls `raftlab_ask`, and reads the answer where the returned
//! pointer and length say. An instance serves one node, of the kind its first
//! ask names. Everything the node keeps lives in this instance's memory, which
//! a crash discards: the next life is a fresh instance.

use std::marker::PhantomData;

use kvraft::KvClerk;
use kvraft::node::{ClerkNode, KvServerNode};
use labrpc::guest::{Answer, Ask, Glue, Hosted, Module, Serve, kind_of, serve};
use raft::Raft;
use raft::node::RaftNode;
use shardctrler::CtrlerOps;
use shardkv::ShardKvClerk;
use shardkv::node::{CtrlerNode, GroupServerNode, MckNode, ShardClerkNode};

#[cfg(target_arch = "wasm32")]
pub use exports::{raftlab_ask, raftlab_inbox};

/// The kinds of node a module of Raft `R`, kvraft clerks `K` (and their
/// servers), controller clerks `C` (and theirs) and shardkv clerks `S` (and
/// theirs) makes: a Raft server; the servers and clerks of kvraft and of the
/// shard controller; and a Lab 4B world's controllers, shardkv servers and
/// clerks, and the tester's controller clerk.
pub struct Tree<R, K, C, S>(PhantomData<(R, K, C, S)>);

impl<R, K, C, S> Module for Tree<R, K, C, S>
where
    R: Raft,
    K: KvClerk,
    C: KvClerk<CtrlerOps>,
    S: ShardKvClerk,
{
    fn create(ask: Ask, glue: Glue) -> Result<(Box<dyn Serve>, Answer), String> {
        type Create = fn(Ask, Glue) -> Result<(Box<dyn Serve>, Answer), String>;
        let Some(kind) = kind_of(&ask).map(str::to_owned) else {
            return Err(format!("the first ask must create the node, not {ask:?}"));
        };
        let serves: [(String, Create); 9] = [
            (RaftNode::<R>::kind(), serve::<RaftNode<R>>),
            (
                KvServerNode::<K::Server>::kind(),
                serve::<KvServerNode<K::Server>>,
            ),
            (ClerkNode::<K>::kind(), serve::<ClerkNode<K>>),
            (
                KvServerNode::<C::Server, CtrlerOps>::kind(),
                serve::<KvServerNode<C::Server, CtrlerOps>>,
            ),
            (
                ClerkNode::<C, CtrlerOps>::kind(),
                serve::<ClerkNode<C, CtrlerOps>>,
            ),
            (
                CtrlerNode::<S::Server, C>::kind(),
                serve::<CtrlerNode<S::Server, C>>,
            ),
            (
                GroupServerNode::<S::Server, C>::kind(),
                serve::<GroupServerNode<S::Server, C>>,
            ),
            (
                ShardClerkNode::<S, C>::kind(),
                serve::<ShardClerkNode<S, C>>,
            ),
            (
                MckNode::<S::Server, C>::kind(),
                serve::<MckNode<S::Server, C>>,
            ),
        ];
        match serves.into_iter().find(|(k, _)| *k == kind) {
            Some((_, create)) => create(ask, glue),
            None => Err(format!("this module serves no node of kind {kind:?}")),
        }
    }
}

/// The module's exports, over this tree's student code (compiled for
/// WebAssembly alone).
#[cfg(target_arch = "wasm32")]
mod exports {
    use std::cell::RefCell;

    use labrpc::guest::{Ask, Glue, Module, Serve};

    /// This tree's student code.
    type ThisTree = super::Tree<raft::Peer, kvraft::Clerk, shardctrler::Clerk, shardkv::Clerk>;

    /// The guest's allocator: talc rather than std's dlmalloc, which took a
    /// sixth of a guest's time.
    #[global_allocator]
    static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

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
            None => ThisTree::create(ask, GLUE).map(|(served, answer)| {
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

    /// The host counts each handler's instructions, and copies what it
    /// persisted out of this instance's memory.
    const GLUE: Glue = Glue {
        unmetered: Some(unmetered),
        regions: true,
    };

    /// Tells the host to stop counting the instructions the guest runs (`true`)
    /// or to count them again (`false`): it counts a handler's own work only (see
    /// `labrpc::Detached::set_unmetered`), and begins every ask not counting.
    fn unmetered(begin: bool) {
        host::unmetered(i32::from(begin));
    }

    /// The host's own imports.
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
}
