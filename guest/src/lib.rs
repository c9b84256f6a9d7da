//! The student code of this tree as one WebAssembly module, and its exports: the
//! only doors between the host and a server's code.
//!
//! The host writes an ask into the guest's inbox (`raftlab_inbox` makes room and
//! says where), calls `raftlab_ask`, and reads the answer where the returned
//! pointer and length say. An instance serves one node, of the kind its first
//! ask names. Everything the node keeps lives in this instance's memory, which
//! a crash discards: the next life is a fresh instance.

use std::cell::RefCell;

use labrpc::guest::{Answer, Ask, Hosted, Serve, kind_of, serve};
use raft::node::RaftNode;

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
    unmetered(true);
    let ask: Ask = INBOX
        .with_borrow(|inbox| labrpc::decode(inbox))
        .unwrap_or_else(|e| panic!("the host's ask does not decode: {e}"));
    unmetered(false);
    let answer = NODE.with_borrow_mut(|node| match node {
        Some(served) => served.handle(ask),
        None => create(ask).map(|(served, answer)| {
            *node = Some(served);
            answer
        }),
    });
    let answer = answer.unwrap_or_else(|e| panic!("{e}"));
    unmetered(true);
    let packed = OUTBOX.with_borrow_mut(|outbox| {
        *outbox = labrpc::encode(&answer);
        (u64::from(address(outbox)) << 32) | outbox.len() as u64
    });
    unmetered(false);
    packed
}

/// Creates the node of the kind `ask` names, from this tree's code.
fn create(ask: Ask) -> Result<(Box<dyn Serve>, Answer), String> {
    type Raft = RaftNode<raft::Peer>;
    match kind_of(&ask) {
        Some(Raft::KIND) => serve::<Raft>(ask, unmetered),
        Some(kind) => Err(format!("this module serves no node of kind {kind:?}")),
        None => Err(format!("the first ask must create the node, not {ask:?}")),
    }
}

/// Tells the host that the work from here to `unmetered(false)` is done for
/// it (reading its ask, writing the answer, printing for a recorded run) and
/// is not the server's to be charged for.
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
