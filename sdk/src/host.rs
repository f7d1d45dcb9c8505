//! The host functions of the `elastic` import module, and on non-wasm
//! targets the recording stubs that stand in for them.
use crate::{Error, Event, Timestamp};

/// Severity of a log line (docs/ABI.md).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
    Critical = 4,
}

#[cfg(target_arch = "wasm32")]
mod raw {
    #[link(wasm_import_module = "elastic")]
    extern "C" {
        pub fn elastic_emit_event(ptr: *const u8, len: usize) -> i32;
        pub fn elastic_get_current_time_nanoseconds() -> i64;
        pub fn elastic_log(level: i32, ptr: *const u8, len: usize) -> i32;
        pub fn elastic_batch_result(index: i32, status: i32) -> i32;
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod raw {
    use super::testing::RECORD;

    pub unsafe fn elastic_emit_event(ptr: *const u8, len: usize) -> i32 {
        // SAFETY: callers pass a live slice.
        let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
        RECORD.with(|r| r.borrow_mut().emitted.push(bytes.to_vec()));
        0
    }

    pub unsafe fn elastic_get_current_time_nanoseconds() -> i64 {
        RECORD.with(|r| r.borrow().now_nanos)
    }

    pub unsafe fn elastic_batch_result(index: i32, status: i32) -> i32 {
        RECORD.with(|r| r.borrow_mut().batch_results.push((index, status)));
        0
    }

    pub unsafe fn elastic_log(level: i32, ptr: *const u8, len: usize) -> i32 {
        // SAFETY: callers pass a live slice.
        let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
        let line = String::from_utf8_lossy(bytes).into_owned();
        RECORD.with(|r| r.borrow_mut().logs.push((level, line)));
        0
    }
}

/// Passes an event on to the host. Fails with the host's status when the
/// host rejects it (for example a limit on emits per call).
pub fn emit(event: &Event) -> Result<(), Error> {
    emit_raw(&event.encode())
}

/// Passes on an already serialized `Event`.
pub fn emit_raw(bytes: &[u8]) -> Result<(), Error> {
    // SAFETY: a live slice; the host only reads it during the call.
    let status = unsafe { raw::elastic_emit_event(bytes.as_ptr(), bytes.len()) };
    match crate::Status::from_code(status) {
        None => Ok(()),
        Some(status) => Err(Error {
            status,
            message: format!("the host rejected an emitted event (status {status:?})"),
        }),
    }
}

/// Reports the status of event `index` of a batch (ABI 1.1); used by the
/// SDK's `process_batch`.
pub(crate) fn batch_result(index: usize, status: i32) {
    // SAFETY: no pointers.
    unsafe { raw::elastic_batch_result(index as i32, status) };
}

/// Writes a log line at `level`.
pub fn log(level: Level, message: &str) {
    // SAFETY: a live slice; the host only reads it during the call.
    unsafe { raw::elastic_log(level as i32, message.as_ptr(), message.len()) };
}

pub fn debug(message: &str) {
    log(Level::Debug, message)
}
pub fn info(message: &str) {
    log(Level::Info, message)
}
pub fn warn(message: &str) {
    log(Level::Warn, message)
}
pub fn error(message: &str) {
    log(Level::Error, message)
}
pub fn critical(message: &str) {
    log(Level::Critical, message)
}

/// The host's wall clock, in nanoseconds since the Unix epoch.
pub fn now_nanos() -> i64 {
    // SAFETY: no arguments.
    unsafe { raw::elastic_get_current_time_nanoseconds() }
}

/// The host's wall clock as a timestamp.
pub fn now() -> Timestamp {
    Timestamp::from_unix_nanos(now_nanos())
}

/// Stand-ins for the host on non-wasm targets, for unit tests of modules:
/// what a module emits and logs is recorded per thread.
#[cfg(not(target_arch = "wasm32"))]
pub mod testing {
    use crate::{Config, Error, Event, Module};
    use std::cell::RefCell;

    #[derive(Default)]
    pub(crate) struct Record {
        pub emitted: Vec<Vec<u8>>,
        pub logs: Vec<(i32, String)>,
        pub now_nanos: i64,
        pub batch_results: Vec<(i32, i32)>,
    }

    thread_local! {
        pub(crate) static RECORD: RefCell<Record> = RefCell::new(Record::default());
    }

    /// Sets what `now_nanos()` returns on this thread.
    pub fn set_now_nanos(nanos: i64) {
        RECORD.with(|r| r.borrow_mut().now_nanos = nanos);
    }

    /// Takes the events emitted on this thread so far.
    pub fn take_emitted() -> Vec<Event> {
        let raw = RECORD.with(|r| std::mem::take(&mut r.borrow_mut().emitted));
        raw.iter()
            .map(|b| Event::decode(b).expect("emitted bytes decode"))
            .collect()
    }

    /// Takes the log lines written on this thread so far, as (level, line).
    pub fn take_logs() -> Vec<(i32, String)> {
        RECORD.with(|r| std::mem::take(&mut r.borrow_mut().logs))
    }

    /// Takes the (index, status) pairs a batch reported on this thread.
    pub fn take_batch_results() -> Vec<(i32, i32)> {
        RECORD.with(|r| std::mem::take(&mut r.borrow_mut().batch_results))
    }

    /// Builds a module from `config` and runs it on `event`, the way the
    /// host would; returns what it emitted.
    pub fn run<M: Module>(config: &Config, event: Event) -> Result<Vec<Event>, Error> {
        take_emitted();
        let mut module = M::new(config)?;
        module.process_raw(&event.encode())?;
        Ok(take_emitted())
    }
}
