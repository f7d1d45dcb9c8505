//! The guest side of the ABI, called from `export_module!`. Not for direct use.
use crate::{Config, Error, Module};
use std::alloc::{alloc, Layout};
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

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

/// ABI 1.1 `input_buffer`: the buffer this guest keeps for the host to
/// write inputs of up to `size` bytes into (address and size). Allocated
/// once, never freed.
static INPUT_BUFFER: AtomicUsize = AtomicUsize::new(0);
static INPUT_BUFFER_SIZE: AtomicUsize = AtomicUsize::new(0);

/// Allocates (once) the buffer the host may pass inputs in; NULL declines.
pub fn input_buffer(size: usize) -> *mut u8 {
    if INPUT_BUFFER.load(Relaxed) == 0 {
        let ptr = malloc(size);
        if ptr.is_null() || size == 0 {
            return std::ptr::null_mut();
        }
        INPUT_BUFFER.store(ptr as usize, Relaxed);
        INPUT_BUFFER_SIZE.store(size, Relaxed);
    }
    if size > INPUT_BUFFER_SIZE.load(Relaxed) {
        return std::ptr::null_mut();
    }
    INPUT_BUFFER.load(Relaxed) as *mut u8
}

/// The input of one call: borrowed when the host wrote it into the input
/// buffer, owned (and freed after the call) when it came from `malloc`.
///
/// # Safety
/// `(ptr, len)` must come from `malloc(len)`, or lie in the input buffer,
/// or be (_, 0). A borrowed input must be dropped before the call returns.
unsafe fn take_input(ptr: *mut u8, len: usize) -> Cow<'static, [u8]> {
    if len == 0 {
        return Cow::Borrowed(&[]);
    }
    if ptr as usize == INPUT_BUFFER.load(Relaxed) && len <= INPUT_BUFFER_SIZE.load(Relaxed) {
        // SAFETY: the buffer lives for the whole instance; the host writes
        // it only between calls, after the borrow is dropped.
        return Cow::Borrowed(unsafe { std::slice::from_raw_parts(ptr, len) });
    }
    // SAFETY: allocated by `malloc` with `Layout::array::<u8>(len)`, which is
    // the layout a Vec<u8> of capacity `len` frees with.
    Cow::Owned(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

/// Runs one event's processing, its allocations in the call arena on wasm32.
fn in_call<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(target_arch = "wasm32")]
    return crate::call_arena::during_call(f);
    #[cfg(not(target_arch = "wasm32"))]
    f()
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

    /// Runs `f` on the module, building it from an empty config if the
    /// host never called `register`.
    fn with_module(&self, f: impl FnOnce(&mut M) -> i32) -> i32 {
        let mut slot = self.0.borrow_mut();
        if slot.is_none() {
            match M::new(&Config::default()) {
                Ok(module) => *slot = Some(module),
                Err(e) => return fail(e),
            }
        }
        match slot.as_mut() {
            Some(module) => f(module),
            None => fail(Error::new("module state missing")),
        }
    }

    /// # Safety
    /// See `take_input`.
    pub unsafe fn process(&self, ptr: *mut u8, len: usize) -> i32 {
        // SAFETY: guaranteed by the caller.
        let input = unsafe { take_input(ptr, len) };
        self.with_module(|module| match in_call(|| module.process_raw(&input)) {
            Ok(()) => 0,
            Err(e) => fail(e),
        })
    }

    /// ABI 1.1 `process_batch`: `[u32 count]` then `[u32 length, bytes]` per
    /// event (little-endian); each event's status is reported to the host
    /// after its outputs.
    ///
    /// # Safety
    /// See `take_input`.
    pub unsafe fn process_batch(&self, ptr: *mut u8, len: usize) -> i32 {
        // SAFETY: guaranteed by the caller.
        let input = unsafe { take_input(ptr, len) };
        self.with_module(|module| {
            let mut events = BatchReader { bytes: &input };
            let Some(count) = events.u32() else {
                return fail(Error::invalid_argument("batch header is truncated"));
            };
            for index in 0..count as usize {
                let status = match events.event() {
                    Some(event) => match in_call(|| module.process_raw(event)) {
                        Ok(()) => 0,
                        Err(e) => fail(e),
                    },
                    None => fail(Error::invalid_argument("batch event is truncated")),
                };
                crate::host::batch_result(index, status);
            }
            0
        })
    }
}

struct BatchReader<'a> {
    bytes: &'a [u8],
}

impl<'a> BatchReader<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.bytes.split_first_chunk::<4>()?;
        self.bytes = rest;
        Some(u32::from_le_bytes(*head))
    }

    fn event(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        if len > self.bytes.len() {
            return None;
        }
        let (event, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{emit_raw, testing, Event};

    struct Echo;

    impl Module for Echo {
        fn new(_: &Config) -> Result<Self, Error> {
            Ok(Echo)
        }
        fn process(&mut self, event: Event) -> Result<(), Error> {
            if event.get_str("fail").is_some() {
                return Err(Error::not_found("asked to fail"));
            }
            emit_raw(&event.encode())
        }
    }

    fn batch(events: &[Vec<u8>]) -> Vec<u8> {
        let mut buffer = (events.len() as u32).to_le_bytes().to_vec();
        for e in events {
            buffer.extend_from_slice(&(e.len() as u32).to_le_bytes());
            buffer.extend_from_slice(e);
        }
        buffer
    }

    #[test]
    fn process_batch_reports_each_event_after_its_outputs() {
        let mut ok = Event::new();
        ok.put("n", 1i64);
        let mut bad = Event::new();
        bad.put("fail", "yes");
        let input = batch(&[ok.encode(), bad.encode(), ok.encode()]);
        let state = State::<Echo>::new();
        let len = input.len();
        let ptr = malloc(len);
        unsafe { std::ptr::copy_nonoverlapping(input.as_ptr(), ptr, len) };
        testing::take_emitted();
        assert_eq!(unsafe { state.process_batch(ptr, len) }, 0);
        assert_eq!(testing::take_batch_results(), vec![(0, 0), (1, 3), (2, 0)]);
        assert_eq!(testing::take_emitted().len(), 2);
    }

    /// Inputs written into the input buffer are read in place and never
    /// freed: the same buffer serves call after call, beside `malloc` inputs.
    #[test]
    fn inputs_in_the_input_buffer_are_borrowed_call_after_call() {
        let buffer = input_buffer(4096);
        assert!(!buffer.is_null());
        assert_eq!(input_buffer(4096), buffer, "one buffer per instance");
        assert!(input_buffer(8192).is_null(), "a larger size is declined");
        let state = State::<Echo>::new();
        testing::take_emitted();
        for n in 0..3i64 {
            let mut event = Event::new();
            event.put("n", n);
            let bytes = event.encode();
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer, bytes.len()) };
            assert_eq!(unsafe { state.process(buffer, bytes.len()) }, 0);
            assert_eq!(testing::take_emitted(), vec![event.clone()]);
            // A malloc'd input between two buffered ones is taken and freed.
            let owned = malloc(bytes.len());
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), owned, bytes.len()) };
            assert_eq!(unsafe { state.process(owned, bytes.len()) }, 0);
            assert_eq!(testing::take_emitted(), vec![event]);
        }
    }
}
