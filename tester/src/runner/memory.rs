//! A graded job's memory budget: the harness's global allocator counts the bytes
//! in use and refuses an allocation that would pass the budget. Before refusing,
//! it writes a sealed "out of memory" notice (prepared before any student code
//! ran) to the result channel, so the grader learns of the overrun from the
//! job itself rather than by reading text the job printed; the refusal then ends
//! the process as Rust ends it on any failed allocation (abort).
//!
//! Outside a graded job (no budget armed) it is the system allocator with a
//! counter.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
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

fn reserve(bytes: usize) -> bool {
    let before = IN_USE.fetch_add(bytes, Ordering::Relaxed);
    if before.saturating_add(bytes) <= LIMIT.load(Ordering::Relaxed) {
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
    IN_USE.fetch_sub(bytes, Ordering::Relaxed);
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
