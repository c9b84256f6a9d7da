//! The student code of this tree as one WebAssembly module, and its exports: the
//! only doors between the host and a server's code.
//!
//! The host writes an ask into the guest's inbox (`raftlab_inbox` makes room and
//! says where), calls `raftlab_raft`, and reads the answer where the returned
//! pointer and length say. Everything the server keeps lives in this instance's
//! memory, which a crash discards: the next life is a fresh instance.

use std::cell::RefCell;

use raft::guest::{Ask, Served};

/// The Raft implementation this module runs.
type Impl = raft::Peer;

thread_local! {
    /// The ask the host wrote, and the answer it reads back.
    static INBOX: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTBOX: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The server of this instance, once created.
    static SERVER: RefCell<Option<Served<Impl>>> = const { RefCell::new(None) };
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
pub extern "C" fn raftlab_raft() -> u64 {
    unmetered(true);
    let ask: Ask = INBOX
        .with_borrow(|inbox| labrpc::decode(inbox))
        .unwrap_or_else(|e| panic!("the host's ask does not decode: {e}"));
    unmetered(false);
    let answer = SERVER.with_borrow_mut(|server| match server {
        Some(served) => served.handle(ask),
        None => Served::<Impl>::create(ask, unmetered).map(|(served, answer)| {
            *server = Some(served);
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
