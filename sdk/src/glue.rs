//! The guest side of the ABI, called from `export_module!`. Not for direct use.
use crate::{Config, Error, Module};
use std::alloc::{alloc, Layout};
use std::cell::RefCell;

/// The module instance of a guest. wasm32 guests are single-threaded.
pub struct State<M>(RefCell<Option<M>>);

// SAFETY: wasm32-unknown-unknown modules run on one thread; the host never
// calls a guest instance from two threads.
unsafe impl<M> Sync for State<M> {}

impl<M> State<M> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        State(RefCell::new(None))
    }
}

/// Allocates `size` bytes for the host to write into. The guest frees them
/// when `process` or `register` returns. Returns NULL when out of memory.
pub fn malloc(size: usize) -> *mut u8 {
    match Layout::array::<u8>(size) {
        // SAFETY: the host never asks for 0 bytes; a zero-size layout is
        // still answered with a dangling, non-NULL pointer.
        Ok(layout) if size > 0 => unsafe { alloc(layout) },
        _ => std::ptr::NonNull::dangling().as_ptr(),
    }
}

/// Takes ownership of a buffer the host filled after `malloc(len)`.
///
/// # Safety
/// `(ptr, len)` must come from `malloc(len)` (or be (_, 0)).
unsafe fn take_input(ptr: *mut u8, len: usize) -> Vec<u8> {
    if len == 0 {
        return Vec::new();
    }
    // SAFETY: allocated by `malloc` with `Layout::array::<u8>(len)`, which is
    // the layout a Vec<u8> of capacity `len` frees with.
    unsafe { Vec::from_raw_parts(ptr, len, len) }
}

fn fail(error: Error) -> i32 {
    crate::error(&error.message);
    error.status as i32
}

impl<M: Module> State<M> {
    /// # Safety
    /// See `take_input`.
    pub unsafe fn register(&self, ptr: *mut u8, len: usize) -> i32 {
        // SAFETY: guaranteed by the caller.
        let input = unsafe { take_input(ptr, len) };
        match Config::decode(&input).and_then(|config| M::new(&config)) {
            Ok(module) => {
                *self.0.borrow_mut() = Some(module);
                0
            }
            Err(e) => fail(e),
        }
    }

    /// # Safety
    /// See `take_input`.
    pub unsafe fn process(&self, ptr: *mut u8, len: usize) -> i32 {
        // SAFETY: guaranteed by the caller.
        let input = unsafe { take_input(ptr, len) };
        let mut slot = self.0.borrow_mut();
        if slot.is_none() {
            match M::new(&Config::default()) {
                Ok(module) => *slot = Some(module),
                Err(e) => return fail(e),
            }
        }
        let Some(module) = slot.as_mut() else {
            return fail(Error::new("module state missing"));
        };
        match module.process_raw(&input) {
            Ok(()) => 0,
            Err(e) => fail(e),
        }
    }
}
