//! `eiw_host`: create, register, process, free.
use super::boundary::{bytes, null_argument, run, run_quietly};
use super::error::eiw_error;
use super::handle::{Handle, Handles};
use crate::abi::LogLevel;
use crate::error::{Error, ResultCode};
use crate::host::Host;
use crate::sink::Sink;
use std::ffi::c_void;

/// Receives one event the guest emitted, in the host's
/// `HostOptions.event_format`: a serialized `Event` (proto/eiw.proto) that
/// eiw has checked decodes, or one JSON object (no newline), or one msgpack
/// record. `event` is valid only until the callback returns: copy what you
/// keep.
///
/// Called on the thread that called `eiw_process`, before `eiw_process`
/// returns, with the `call_context` given to that call. It must not call
/// back into the same host.
pub type eiw_emit_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        call_context: *mut c_void,
        event: *const u8,
        event_len: usize,
    ),
>;

/// Receives one line the guest logged: UTF-8 (invalid sequences replaced by
/// U+FFFD), not NUL-terminated, cut to `HostOptions.max_log_bytes`. Valid
/// only until the callback returns.
///
/// Called on the thread that called `eiw_process` or `eiw_register`, before
/// it returns, with that call's `call_context`. It must not call back into
/// the same host.
pub type eiw_log_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        call_context: *mut c_void,
        level: LogLevel,
        message: *const u8,
        message_len: usize,
    ),
>;

/// The callbacks of a host, copied by `eiw_host_new`.
///
/// `userdata` is passed first to every callback; it is pointer-sized so that
/// Go can pass a `cgo.Handle`. Callbacks run on whichever threads call
/// `eiw_process`, possibly at the same time: they must be thread-safe.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct eiw_callbacks {
    pub userdata: *mut c_void,
    /// Required.
    pub emit: eiw_emit_callback,
    /// Optional: NULL discards guest log lines.
    pub log: eiw_log_callback,
}

/// A compiled, checked guest module ready to process events.
///
/// Methods: `eiw_register`, `eiw_process`, `eiw_process_batch`,
/// `eiw_host_abi_version`, `eiw_host_stats`.
/// Created by `eiw_host_new`; freed by `eiw_free`, also while calls on it
/// are running (they finish normally; calls that start later get
/// `EIW_RESULT_HOST_CLOSED`, however late: see `eiw_free`).
///
/// Thread safety: `eiw_register` and `eiw_process` may be called on one host
/// from any number of threads at once. eiw keeps one guest instance per host
/// per OS thread that calls it; `eiw_thread_release` says when those are
/// released. Each instance reserves the address space of its memory's cap:
/// `HostOptions.max_memory_pages` × 64 KiB plus a 64 KiB guard (16 MiB +
/// 64 KiB by default; its tables come from the heap). A host adds about
/// 7 MiB for its compiled code and its first instance; each thread that
/// calls eiw, its stack and its C library malloc arena.
pub struct eiw_host {
    _opaque: [u8; 0],
}

/// What an `eiw_host *` points to until `eiw_free`.
struct LiveHost {
    host: Host,
    callbacks: eiw_callbacks,
}

static HANDLES: Handles<LiveHost> = Handles::new();

struct CallbackSink<'a> {
    callbacks: &'a eiw_callbacks,
    call_context: *mut c_void,
}

impl Sink for CallbackSink<'_> {
    fn emit(&mut self, event: &[u8]) {
        if let Some(emit) = self.callbacks.emit {
            // SAFETY: a C callback; the caller promised it is callable.
            unsafe {
                emit(
                    self.callbacks.userdata,
                    self.call_context,
                    event.as_ptr(),
                    event.len(),
                )
            }
        }
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        if let Some(log) = self.callbacks.log {
            // SAFETY: as above.
            unsafe {
                log(
                    self.callbacks.userdata,
                    self.call_context,
                    level,
                    message.as_ptr(),
                    message.len(),
                )
            }
        }
    }
}

/// The handle behind `host`.
///
/// # Safety
/// `host` must be NULL or a handle from `eiw_host_new` (freed or not:
/// handles are never freed).
unsafe fn handle<'a>(host: *const eiw_host) -> Result<&'a Handle<LiveHost>, Error> {
    // SAFETY: guaranteed by the caller.
    unsafe { host.cast::<Handle<LiveHost>>().as_ref() }.ok_or_else(|| null_argument("host"))
}

/// Runs `call` on a live host with the caller's buffer, its outputs
/// going to the host's callbacks with `call_context`: the body of
/// `eiw_register`, `eiw_register_protobuf` and `eiw_process`.
fn call_with_input(
    host: *const eiw_host,
    (input, input_len, name): (*const u8, usize, &str),
    call_context: *mut c_void,
    error_out: *mut *mut eiw_error,
    call: impl FnOnce(&Host, &[u8], &mut CallbackSink) -> Result<(), Error>,
) -> ResultCode {
    run(error_out, || {
        // SAFETY: the caller passes a host handle and a readable buffer.
        let input = unsafe { bytes(input, input_len, name) }?;
        unsafe { handle(host) }?.enter(|host| {
            let mut sink = CallbackSink {
                callbacks: &host.callbacks,
                call_context,
            };
            call(&host.host, input, &mut sink)
        })
    })
}

/// Creates a host from a WebAssembly module.
///
/// - `wasm`, `wasm_len`: the module bytes (binary, not text). eiw copies
///   what it needs; the bytes may be freed after the call.
/// - `options`, `options_len`: a serialized `HostOptions`; (NULL, 0) means
///   all defaults. `eiw_host_options_from_json` makes them from JSON.
/// - `callbacks`: required, with a non-NULL `emit`; copied.
/// - `host_out`: required; set to NULL on entry and to the new host on
///   success.
/// - `error_out`: NULL, or where to store an error on failure (set to NULL
///   on entry); free it with `eiw_error_free`.
///
/// The module is compiled (with CPU metering unless
/// `HostOptions.disable_metering`), checked against the guest ABI
/// (docs/ABI.md) and instantiated once here, so a module that cannot run
/// fails now with `EIW_RESULT_INVALID_MODULE`, `EIW_RESULT_ABI_MISMATCH`,
/// `EIW_RESULT_MEMORY_EXHAUSTED` (its declared minimum memory exceeds
/// `HostOptions.max_memory_pages`) or `EIW_RESULT_INSTANTIATION_FAILED`,
/// with a message naming what is wrong.
#[no_mangle]
pub extern "C" fn eiw_host_new(
    wasm: *const u8,
    wasm_len: usize,
    options: *const u8,
    options_len: usize,
    callbacks: *const eiw_callbacks,
    host_out: *mut *mut eiw_host,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    run(error_out, || {
        if host_out.is_null() {
            return Err(null_argument("host_out"));
        }
        // SAFETY: checked non-NULL; the caller passes a writable slot.
        unsafe { *host_out = std::ptr::null_mut() };
        // SAFETY: the caller passes readable (pointer, length) pairs.
        let wasm = unsafe { bytes(wasm, wasm_len, "wasm") }?;
        let options = unsafe { bytes(options, options_len, "options") }?;
        // SAFETY: NULL or a readable eiw_callbacks.
        let callbacks = *unsafe { callbacks.as_ref() }.ok_or_else(|| null_argument("callbacks"))?;
        if callbacks.emit.is_none() {
            return Err(null_argument("callbacks->emit"));
        }
        let host = Host::from_options(wasm, options)?;
        let handle = HANDLES.open(LiveHost { host, callbacks });
        // SAFETY: as above.
        unsafe { *host_out = std::ptr::from_ref(handle).cast_mut().cast() };
        Ok(())
    })
}

/// Calls the guest's `register` with a config in the host's
/// `HostOptions.event_format`: a serialized `Config`, a JSON object or a
/// msgpack map of parameters.
///
/// On success the host keeps the config and gives it to every guest
/// instance it creates later (on other threads, or after a trap), before
/// that instance's first event. Log lines the guest writes meanwhile reach
/// the log callback with `call_context`.
///
/// Fails with `EIW_RESULT_INVALID_CONFIG` when the bytes do not decode,
/// `EIW_RESULT_NO_REGISTER` when the module exports no `register`, and
/// `EIW_RESULT_GUEST_STATUS` when `register` returns a failure status; the
/// stored config is then unchanged.
#[no_mangle]
pub extern "C" fn eiw_register(
    host: *const eiw_host,
    config: *const u8,
    config_len: usize,
    call_context: *mut c_void,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    call_with_input(
        host,
        (config, config_len, "config"),
        call_context,
        error_out,
        |host, config, sink| host.register(config, sink),
    )
}

/// Like `eiw_register`, with a serialized `Config` whatever the host's
/// `HostOptions.event_format`: for agents whose configs come in another
/// form than their events.
#[no_mangle]
pub extern "C" fn eiw_register_protobuf(
    host: *const eiw_host,
    config: *const u8,
    config_len: usize,
    call_context: *mut c_void,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    call_with_input(
        host,
        (config, config_len, "config"),
        call_context,
        error_out,
        |host, config, sink| host.register_protobuf(config, sink),
    )
}

/// Processes one event in the host's `HostOptions.event_format`: a
/// serialized `Event`, one JSON object, or one msgpack record (a map,
/// `[time, map]` or `[[time, metadata], map]`); docs/FORMATS.md has the
/// mappings. The guest sees it as protobuf.
///
/// Every event the guest emits for this input is passed to the emit callback
/// with `call_context` before this returns; an input the guest does not emit
/// is dropped, and one input may emit several events. May be called from
/// many threads at once.
///
/// Errors: `EIW_RESULT_INVALID_EVENT` (the bytes do not decode, or the
/// record does not convert: the message names the byte offset),
/// `EIW_RESULT_EVENT_TOO_LARGE`, `EIW_RESULT_GUEST_STATUS` (the guest
/// returned a failure status), `EIW_RESULT_TRAP_*`,
/// `EIW_RESULT_CPU_EXHAUSTED` (the call used up
/// `HostOptions.cpu_points_per_call`), `EIW_RESULT_MEMORY_EXHAUSTED` (the
/// guest trapped after being refused memory beyond
/// `HostOptions.max_memory_pages`) — after these the guest instance is
/// discarded and the next call on this thread gets a fresh one, with the
/// registered config replayed — `EIW_RESULT_INVALID_EMIT`, `EIW_RESULT_EMIT_LIMIT`,
/// `EIW_RESULT_GUEST_BAD_POINTER`, `EIW_RESULT_GUEST_BAD_ARGUMENT` (the
/// guest broke the ABI; the offending emit was not delivered; in JSON or
/// msgpack, `EIW_RESULT_INVALID_EMIT` also when an emitted event has no
/// exact form in the format, a NaN in JSON say),
/// `EIW_RESULT_REENTRANT` (called from this host's own callback). Events
/// emitted before an error in the same call have already been delivered.
#[no_mangle]
pub extern "C" fn eiw_process(
    host: *const eiw_host,
    event: *const u8,
    event_len: usize,
    call_context: *mut c_void,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    call_with_input(
        host,
        (event, event_len, "event"),
        call_context,
        error_out,
        |host, event, sink| host.process(event, sink).map(|_| ()),
    )
}

/// One input of `eiw_process_batch`: an event in the host's format and the context
/// its outputs are delivered with.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct eiw_batch_event {
    pub event: *const u8,
    pub event_len: usize,
    pub call_context: *mut c_void,
}

/// Delivers a batch's outputs with the context of the input they belong to.
struct BatchSink<'a> {
    callbacks: &'a eiw_callbacks,
    events: &'a [eiw_batch_event],
    current: *mut c_void,
}

impl Sink for BatchSink<'_> {
    fn emit(&mut self, event: &[u8]) {
        CallbackSink {
            callbacks: self.callbacks,
            call_context: self.current,
        }
        .emit(event)
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        CallbackSink {
            callbacks: self.callbacks,
            call_context: self.current,
        }
        .log(level, message)
    }

    fn set_event(&mut self, index: usize) {
        if let Some(event) = self.events.get(index) {
            self.current = event.call_context;
        }
    }
}

/// Processes many events, each with its own result and context, in as few
/// guest calls as possible: a module built for ABI 1.1 with
/// `process_batch` gets them in one call; others get one `process` call per
/// event. The outputs of `events[i]` reach the emit callback with
/// `events[i].call_context`, before this returns.
///
/// - `results`: required, `count` entries; `results[i]` is event i's result,
///   as `eiw_process` would return it.
/// - `errors_out`: NULL, or `count` entries, each set to NULL or to an error
///   to free with `eiw_error_free`.
///
/// Returns `EIW_RESULT_OK` when the batch ran (look at `results`), or an
/// error for the call itself (a NULL pointer). When event k traps, the
/// events before it keep their outputs and results, event k gets the trap,
/// and the events after it run on a fresh instance.
#[no_mangle]
pub extern "C" fn eiw_process_batch(
    host: *const eiw_host,
    events: *const eiw_batch_event,
    count: usize,
    results: *mut ResultCode,
    errors_out: *mut *mut eiw_error,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    run(error_out, || {
        if !errors_out.is_null() {
            for i in 0..count {
                // SAFETY: the caller passes NULL or `count` writable slots.
                unsafe { *errors_out.add(i) = std::ptr::null_mut() };
            }
        }
        // SAFETY: the caller passes a host handle.
        let handle = unsafe { handle(host) }?;
        if results.is_null() && count > 0 {
            return Err(null_argument("results"));
        }
        let events: &[eiw_batch_event] = match count {
            0 => &[],
            // SAFETY: `count` readable entries, or NULL (checked below).
            _ if !events.is_null() => unsafe { std::slice::from_raw_parts(events, count) },
            _ => return Err(null_argument("events")),
        };
        let inputs = events
            .iter()
            .enumerate()
            // SAFETY: each entry is a readable (pointer, length) pair.
            .map(|(i, e)| unsafe { bytes(e.event, e.event_len, format_args!("events[{i}].event")) })
            .collect::<Result<Vec<&[u8]>, Error>>()?;
        let outcome = handle.enter(|host| {
            let mut sink = BatchSink {
                callbacks: &host.callbacks,
                events,
                current: events
                    .first()
                    .map_or(std::ptr::null_mut(), |e| e.call_context),
            };
            Ok(host.host.process_batch(&inputs, &mut sink))
        })?;
        for (i, result) in outcome.into_iter().enumerate() {
            let code = result.as_ref().map_or_else(Error::code, |_| ResultCode::Ok);
            // SAFETY: `count` writable slots (checked non-NULL above).
            unsafe { *results.add(i) = code };
            if let (Err(e), false) = (result, errors_out.is_null()) {
                // SAFETY: as above, for `errors_out`.
                unsafe { *errors_out.add(i) = Box::into_raw(Box::new(eiw_error::from(e))) };
            }
        }
        Ok(())
    })
}

/// The guest ABI version the module declared (its marker export).
/// `major_out` and `minor_out` are required.
#[no_mangle]
pub extern "C" fn eiw_host_abi_version(
    host: *const eiw_host,
    major_out: *mut u32,
    minor_out: *mut u32,
) -> ResultCode {
    run(std::ptr::null_mut(), || {
        // SAFETY: the caller passes a host handle.
        let version = unsafe { handle(host) }?.enter(|host| Ok(host.host.abi().version))?;
        if major_out.is_null() || minor_out.is_null() {
            return Err(null_argument(if major_out.is_null() {
                "major_out"
            } else {
                "minor_out"
            }));
        }
        // SAFETY: checked non-NULL; the caller passes writable slots.
        unsafe {
            *major_out = version.major;
            *minor_out = version.minor;
        }
        Ok(())
    })
}

/// A snapshot of the host's counters as a serialized `HostStats`
/// (proto/eiw.proto): events in, passed, dropped, failed and emitted,
/// failures by result code, instances created, recycled, alive now and
/// released for being idle, register calls
/// and replays, CPU points, peak memory, a latency histogram of
/// `eiw_process`, and guest log lines delivered, filtered and rate-limited.
///
/// On success `*stats_out` points to `*stats_len_out` bytes that the caller
/// frees with `eiw_bytes_free(*stats_out, *stats_len_out)`. Both out-params
/// are required, and set to NULL and 0 on entry. May be called at any time,
/// from any thread, also while other threads process.
#[no_mangle]
pub extern "C" fn eiw_host_stats(
    host: *const eiw_host,
    stats_out: *mut *mut u8,
    stats_len_out: *mut usize,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    run(error_out, || {
        if stats_out.is_null() || stats_len_out.is_null() {
            let name = if stats_out.is_null() {
                "stats_out"
            } else {
                "stats_len_out"
            };
            return Err(null_argument(name));
        }
        // SAFETY: checked non-NULL; the caller passes writable slots.
        unsafe {
            *stats_out = std::ptr::null_mut();
            *stats_len_out = 0;
        }
        // SAFETY: the caller passes a host handle.
        let stats = unsafe { handle(host) }?.enter(|host| Ok(host.host.stats()))?;
        let bytes = prost::Message::encode_to_vec(&stats).into_boxed_slice();
        let len = bytes.len();
        // SAFETY: as above.
        unsafe {
            *stats_len_out = len;
            *stats_out = Box::into_raw(bytes).cast::<u8>();
        }
        Ok(())
    })
}

/// Frees bytes that eiw allocated, such as those of `eiw_host_stats`, with
/// the length eiw gave. `eiw_bytes_free(NULL, 0)` does nothing.
#[no_mangle]
pub extern "C" fn eiw_bytes_free(bytes: *mut u8, len: usize) {
    if !bytes.is_null() {
        // SAFETY: allocated by eiw as a boxed slice of `len` bytes, freed once.
        run_quietly(|| {
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(bytes, len)) })
        });
    }
}

/// Frees a host. Calls on it that are running finish normally, their
/// emits delivered; the host's memory goes when the last of them returns.
/// A call that starts after `eiw_free` gets `EIW_RESULT_HOST_CLOSED`, as
/// does one made with the pointer any time later, so a worker that loaded
/// the pointer just before a module swap is safe: each handle keeps 16
/// bytes for the life of the process (a million hosts: 16 MB). Freeing
/// twice does nothing; `eiw_free(NULL)` does nothing.
///
/// The calling thread's instance of the host is released with the host;
/// other threads release theirs at their next eiw call on any host.
#[no_mangle]
pub extern "C" fn eiw_free(host: *mut eiw_host) {
    // SAFETY: NULL or a handle from eiw_host_new.
    if let Ok(handle) = unsafe { handle(host) } {
        run_quietly(|| handle.close());
    }
}

/// Releases every guest instance the calling thread holds, of every host
/// (except those of calls running on this thread, when called from a
/// callback), and returns how many. For a worker thread about to go idle or
/// exit: its instances would otherwise stay until the thread's next eiw
/// call (released then if their host was freed or they were unused for
/// `HostOptions.instance_idle_ms`) or until it exits. The next call on a
/// host from this thread creates a fresh instance and replays the
/// registered config.
#[no_mangle]
pub extern "C" fn eiw_thread_release() -> usize {
    let mut released = 0;
    run_quietly(|| released = crate::thread_slots::release_thread());
    released
}
