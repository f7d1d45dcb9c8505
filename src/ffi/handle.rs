//! The `eiw_host *` handle: a count of the calls inside a host, so that
//! `eiw_free` may run while calls are in flight, and a tombstone that keeps
//! a stale handle safe after the host is gone.
//!
//! `eiw_free` marks the handle closed; calls already inside finish with
//! the host whole, and the last one out drops it. A call that starts after
//! the mark gets `EIW_RESULT_HOST_CLOSED`, also long after the host was
//! dropped: the handle itself (16 bytes) is never freed, so a worker that
//! loaded the old pointer just before a module swap reads a closed handle,
//! never freed memory. Handles are carved from chunks kept in a static
//! list (reachable, so leak checkers do not report them).
use crate::error::{Error, ResultCode};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The state word: calls inside times two, plus one once closed.
const CLOSED: usize = 1;
const CALL: usize = 2;

pub(crate) struct Handle<T> {
    state: AtomicUsize,
    live: AtomicPtr<T>,
}

impl<T> Handle<T> {
    fn unused() -> Self {
        Handle {
            state: AtomicUsize::new(CLOSED),
            live: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// Runs `f` on the live value, or fails with `HostClosed` when the
    /// handle was closed before the call started.
    pub fn enter<R>(&self, f: impl FnOnce(&T) -> Result<R, Error>) -> Result<R, Error> {
        let call = Call::enter(self)?;
        // SAFETY: not closed when the call entered, so the value is kept
        // until every call inside has left, this one included.
        f(unsafe { &*call.handle.live.load(Ordering::Acquire) })
    }

    /// Closes the handle: the value is dropped now if no call is inside,
    /// or by the last call to leave. Closing twice does nothing.
    pub fn close(&self) {
        let before = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        if before == 0 {
            self.drop_value();
        }
    }

    /// Drops the value once, whoever gets here first.
    fn drop_value(&self) {
        let value = self.live.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !value.is_null() {
            // SAFETY: made by `Box::into_raw` in `Handles::open`, and taken
            // out of the handle by the swap above exactly once.
            drop(unsafe { Box::from_raw(value) });
        }
    }
}

/// One call inside a handle; leaving drops the value if the handle was
/// closed and this was the last call.
struct Call<'a, T> {
    handle: &'a Handle<T>,
}

impl<'a, T> Call<'a, T> {
    fn enter(handle: &'a Handle<T>) -> Result<Self, Error> {
        let before = handle.state.fetch_add(CALL, Ordering::Acquire);
        let call = Call { handle };
        if before & CLOSED != 0 {
            return Err(Error::new(
                ResultCode::HostClosed,
                "the host was freed (eiw_free) before this call",
            ));
        }
        Ok(call)
    }
}

impl<T> Drop for Call<'_, T> {
    fn drop(&mut self) {
        let before = self.handle.state.fetch_sub(CALL, Ordering::AcqRel);
        if before == CLOSED | CALL {
            self.handle.drop_value();
        }
    }
}

const CHUNK: usize = 256;

/// Where handles come from: chunks that are never freed.
pub(crate) struct Handles<T: 'static> {
    chunks: Mutex<(Vec<&'static [Handle<T>; CHUNK]>, usize)>,
}

impl<T> Handles<T> {
    pub const fn new() -> Self {
        Handles {
            chunks: Mutex::new((Vec::new(), 0)),
        }
    }

    /// A new open handle for `value`.
    pub fn open(&self, value: T) -> &'static Handle<T> {
        let mut chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
        let (list, used) = &mut *chunks;
        if *used % CHUNK == 0 {
            list.push(Box::leak(Box::new(std::array::from_fn(|_| {
                Handle::unused()
            }))));
        }
        let handle = &list[*used / CHUNK][*used % CHUNK];
        *used += 1;
        handle
            .live
            .store(Box::into_raw(Box::new(value)), Ordering::Release);
        handle.state.store(0, Ordering::Release);
        handle
    }
}
