//! The guest's allocator (wasm32): what a `process` call allocates comes
//! from a bump arena, which starts over once all of it has been freed
//! (normally when the call returns). Everything else — the module built at
//! `register`, inputs the host allocates, what does not fit — comes from
//! the standard allocator. An allocation kept past the call (a cache the
//! module fills while processing) pins the arena: it is then used until
//! full and the standard allocator serves the rest, until it is freed.
//! docs/PERFORMANCE.md has the measurement behind it.
// On other targets only its test uses it.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The arena's size: what a tree-API module allocates for a few events of
/// a few kilobytes.
const ARENA_BYTES: usize = 256 * 1024;

pub struct CallArena;

struct Arena {
    start: Cell<usize>,
    next: Cell<usize>,
    end: Cell<usize>,
    /// Arena allocations not yet freed.
    live: Cell<usize>,
    /// Inside a `process` call.
    active: Cell<bool>,
    /// The arena could not be allocated (a small memory limit): not tried again.
    unavailable: Cell<bool>,
}

// SAFETY: wasm32-unknown-unknown guests are single-threaded.
unsafe impl Sync for Arena {}

static ARENA: Arena = Arena {
    start: Cell::new(0),
    next: Cell::new(0),
    end: Cell::new(0),
    live: Cell::new(0),
    active: Cell::new(false),
    unavailable: Cell::new(false),
};

/// Runs `f` (a `process` call) with its allocations in the arena.
pub(crate) fn during_call<T>(f: impl FnOnce() -> T) -> T {
    ARENA.active.set(true);
    let result = f();
    ARENA.active.set(false);
    result
}

impl Arena {
    fn contains(&self, ptr: *mut u8) -> bool {
        (self.start.get()..self.end.get()).contains(&(ptr as usize))
    }

    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        if self.start.get() == 0 {
            if self.unavailable.get() {
                return None;
            }
            // SAFETY: a non-zero size.
            let start = unsafe { System.alloc(Layout::from_size_align(ARENA_BYTES, 16).ok()?) };
            if start.is_null() {
                self.unavailable.set(true);
                return None;
            }
            self.start.set(start as usize);
            self.next.set(start as usize);
            self.end.set(start as usize + ARENA_BYTES);
        }
        let at = self.next.get().checked_add(layout.align() - 1)? & !(layout.align() - 1);
        let after = at.checked_add(layout.size())?;
        if after > self.end.get() {
            return None;
        }
        self.next.set(after);
        self.live.set(self.live.get() + 1);
        Some(at as *mut u8)
    }

    fn free(&self) {
        let live = self.live.get() - 1;
        self.live.set(live);
        if live == 0 {
            self.next.set(self.start.get());
        }
    }
}

// SAFETY: arena blocks are handed out once each until the arena starts
// over, which happens only when none is live; the rest is `System`'s.
unsafe impl GlobalAlloc for CallArena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ARENA.active.get() {
            if let Some(ptr) = ARENA.bump(layout) {
                return ptr;
            }
        }
        // SAFETY: the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARENA.contains(ptr) {
            ARENA.free();
        } else {
            // SAFETY: a block `System` allocated with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !ARENA.contains(ptr) {
            // SAFETY: a block `System` allocated with this layout.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        let at = ptr as usize;
        // The latest block grows or shrinks in place.
        if at + layout.size() == ARENA.next.get() && at + new_size <= ARENA.end.get() {
            ARENA.next.set(at + new_size);
            return ptr;
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: the caller guarantees a valid size for this alignment.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a non-zero size; both blocks hold `layout.size()` bytes.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size());
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only test that touches the arena (it is not thread-safe; on the
    /// host the global allocator stays the standard one).
    #[test]
    fn call_allocations_start_over_once_freed() {
        let small = Layout::from_size_align(100, 8).unwrap();
        unsafe {
            // Outside a call: the standard allocator.
            let outside = CallArena.alloc(small);
            assert!(!ARENA.contains(outside));
            during_call(|| {
                let a = CallArena.alloc(small);
                let b = CallArena.alloc(small);
                assert!(ARENA.contains(a) && ARENA.contains(b));
                assert_eq!(b as usize, a as usize + 104, "bumped, aligned to 8");
                // The latest block grows in place; an earlier one moves.
                assert_eq!(CallArena.realloc(b, small, 300), b);
                let big_b = Layout::from_size_align(300, 8).unwrap();
                let moved = CallArena.realloc(a, small, 200);
                assert_ne!(moved, a);
                CallArena.dealloc(moved, Layout::from_size_align(200, 8).unwrap());
                CallArena.dealloc(b, big_b);
            });
            assert_eq!(
                ARENA.next.get(),
                ARENA.start.get(),
                "all freed: starts over"
            );
            // A block kept past a call pins the arena; freeing it releases it.
            let kept = during_call(|| CallArena.alloc(small));
            let next = during_call(|| CallArena.alloc(small));
            assert!(next as usize > kept as usize);
            // What does not fit comes from the standard allocator.
            let huge = Layout::from_size_align(ARENA_BYTES, 8).unwrap();
            let overflow = during_call(|| CallArena.alloc(huge));
            assert!(!overflow.is_null() && !ARENA.contains(overflow));
            CallArena.dealloc(overflow, huge);
            CallArena.dealloc(next, small);
            CallArena.dealloc(kept, small);
            assert_eq!(ARENA.next.get(), ARENA.start.get());
            assert_eq!(ARENA.live.get(), 0);
            CallArena.dealloc(outside, small);
        }
    }
}
