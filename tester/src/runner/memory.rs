//! A graded job's memory budget: the harness's global allocator counts the bytes
//! in use and refuses an allocation that would pass the budget. Before refusing,
//! it writes a sealed "out of memory" notice (prepared before any student code
//! ran) to the result channel, so the grader learns of the overrun from the
//! job itself rather than by reading text the job printed; the refusal then ends
//! the process as Rust ends it on any failed allocation (abort).
//!
//! Outside a graded job (no budget armed) it is the system allocator with a
//! counter.
//!
//! The count is kept in two levels so that an allocation costs no atomic
//! operation: each thread takes credit from the shared count a [`CHUNK`] at a
//! time and spends it, and gives back what it holds beyond two chunks. An
//! atomic add on every allocation drains the processor's store buffer, which
//! cost a quarter of the wall time of a Raft that encodes its log entry by
//! entry; now one allocation in thousands touches the shared count. The
//! budget is therefore exact to within two chunks per thread (a harness runs
//! two threads: the simulation and the watchdog).

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs::File;
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The harness's allocator (install with `#[global_allocator]`).
pub struct Budgeted;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static EXCEEDED: AtomicBool = AtomicBool::new(false);
static NOTICE: OnceLock<(File, Vec<u8>)> = OnceLock::new();
static RESULT_CLAIMED: AtomicBool = AtomicBool::new(false);

/// Claims the job's one result frame: true for the first caller only (the
/// run's end, the out-of-memory notice or the watchdog), so that the channel
/// never carries two frames.
pub fn claim_result() -> bool {
    !RESULT_CLAIMED.swap(true, Ordering::SeqCst)
}

/// Sets the budget to `bytes`; passing it writes `notice` to `channel` once.
pub fn arm(bytes: usize, channel: File, notice: Vec<u8>) {
    let _ = NOTICE.set((channel, notice));
    LIMIT.store(bytes, Ordering::SeqCst);
}

/// Whether an allocation was refused for the budget (the notice was written).
pub fn exceeded() -> bool {
    EXCEEDED.load(Ordering::SeqCst)
}

/// How much credit a thread takes from the shared count at a time.
pub const CHUNK: usize = 1 << 20;

thread_local! {
    /// Bytes this thread has taken from the shared count and not yet spent.
    /// (Const-initialised and without a destructor: using it never allocates.)
    static CREDIT: Cell<usize> = const { Cell::new(0) };
}

fn reserve(bytes: usize) -> bool {
    let spent = CREDIT.try_with(|credit| {
        let have = credit.get();
        let enough = have >= bytes;
        if enough {
            credit.set(have - bytes);
        }
        enough
    });
    if spent == Ok(true) {
        return true;
    }
    // Take the allocation and, if the budget allows, a chunk of credit more.
    let limit = LIMIT.load(Ordering::Relaxed);
    let with_chunk = bytes.saturating_add(CHUNK);
    let before = IN_USE.fetch_add(with_chunk, Ordering::Relaxed);
    if before.saturating_add(with_chunk) <= limit {
        let held = CREDIT.try_with(|credit| credit.set(credit.get() + CHUNK));
        if held.is_err() {
            // A thread being torn down holds no credit: give the chunk back.
            IN_USE.fetch_sub(CHUNK, Ordering::Relaxed);
        }
        return true;
    }
    IN_USE.fetch_sub(CHUNK, Ordering::Relaxed);
    if before.saturating_add(bytes) <= limit {
        return true;
    }
    IN_USE.fetch_sub(bytes, Ordering::Relaxed);
    if !EXCEEDED.swap(true, Ordering::SeqCst)
        && let Some((channel, notice)) = NOTICE.get()
        && claim_result()
    {
        // Writing a prepared buffer to a pipe allocates nothing.
        let _ = (&*channel).write_all(notice);
    }
    false
}

fn release(bytes: usize) {
    let kept = CREDIT.try_with(|credit| {
        let have = credit.get().saturating_add(bytes);
        if have > 2 * CHUNK {
            credit.set(CHUNK);
            IN_USE.fetch_sub(have - CHUNK, Ordering::Relaxed);
        } else {
            credit.set(have);
        }
    });
    if kept.is_err() {
        IN_USE.fetch_sub(bytes, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to the system allocator with the caller's
// arguments unchanged, and only adds bookkeeping; a refused allocation returns
// null, which `GlobalAlloc` allows.
unsafe impl GlobalAlloc for Budgeted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            release(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller upholds `alloc_zeroed`'s contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            release(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) };
        release(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !reserve(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller upholds `realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            if new_size > old {
                release(new_size - old);
            }
        } else if new_size < old {
            release(old - new_size);
        }
        p
    }
}
