//! The host functions a guest imports (module `elastic`, docs/ABI.md) and
//! the per-call state they share with the instance that runs the guest.
//! Each checks what the guest hands it, records an ABI violation (the
//! call then fails with it) and gives the guest a status, and pays for its
//! work from the call's CPU budget.
use crate::abi::{self, status, AbiVersion, LogLevel};
use crate::error::{Error, ResultCode};
use crate::limits::Limits;
use crate::log_gate::{LogGate, Verdict};
use crate::poc_calls;
use crate::sink::Sink;
use crate::stats::Stats;
use eiw_proto::Event;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use wasmer::{
    AsStoreMut, Function, FunctionEnv, FunctionEnvMut, Global, Imports, Memory, MemoryView,
    RuntimeError, Store, TypedFunction, Value,
};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Instantiation (a start function) or between calls.
    Idle,
    Register,
    Process,
}

/// The data host functions see. The sink pointer is set for the duration of
/// one guest call and cleared after it.
pub(crate) struct CallState {
    pub(crate) memory: Option<Memory>,
    pub(crate) sink: Option<NonNull<dyn Sink>>,
    pub(crate) phase: Phase,
    pub(crate) limits: Limits,
    pub(crate) emits: u32,
    /// `elastic_emit_event` calls of the current event, failed ones
    /// included: `max_emits_per_call` bounds them.
    pub(crate) emit_calls: u32,
    /// The CPU budget's globals, so that host calls pay for their work.
    pub(crate) meter: Option<MeterGlobals>,
    /// The host is inside a call of the guest's `malloc`: host functions
    /// refuse to run (a 0.x `malloc` calling `elastic_get_field` would
    /// recurse through the host until its stack overflowed).
    pub(crate) in_malloc: bool,
    /// ABI 0.x: bytes put into the event in this call since its size was
    /// last measured.
    pub(crate) poc_unmeasured: usize,
    /// Events delivered to the sink during the current call (all events of
    /// a batch), added to the host's stats once after it.
    pub(crate) delivered: u64,
    /// The first ABI violation of the current call; the call fails with it.
    pub(crate) violation: Option<Error>,
    pub(crate) stats: Arc<Stats>,
    pub(crate) log_gate: Arc<LogGate>,
    /// ABI 0.x: the event being processed, which the guest reads and writes
    /// through host calls, and the guest's `malloc` those calls use.
    pub(crate) event: Option<Event>,
    pub(crate) malloc: Option<TypedFunction<i32, i32>>,
    /// ABI 1.1, during `process_batch`: events in the batch, and (status,
    /// emits) of each event the guest has reported so far.
    pub(crate) batch_len: Option<u32>,
    pub(crate) batch_results: Vec<(i32, u32)>,
    /// The input event of the current `process` call (host memory, valid
    /// during the call): an emit of the same bytes needs no new check.
    pub(crate) input: Option<NonNull<[u8]>>,
    /// In a batch, the input of each event, so that `input` can follow.
    pub(crate) batch_inputs: Vec<NonNull<[u8]>>,
}

// SAFETY: a CallState lives in a Store, and the Store never leaves the
// thread that created it; the sink pointer is only dereferenced on that
// thread, during the call that set it.
unsafe impl Send for CallState {}

impl CallState {
    /// Records a violation and gives the guest an invalid-argument status.
    pub(crate) fn reject(&mut self, code: ResultCode, message: String) -> i32 {
        if self.violation.is_none() {
            self.violation = Some(Error::new(code, message));
        }
        status::INVALID_ARGUMENT
    }

    /// Like `reject`, and traps the call: for violations after which the
    /// guest must not go on.
    fn trap_with(&mut self, code: ResultCode, message: String) -> RuntimeError {
        self.reject(code, message.clone());
        RuntimeError::new(message)
    }

    /// Refuses a host call made from inside the guest's `malloc`.
    pub(crate) fn refuse_in_malloc(&mut self, call: &str) -> std::result::Result<(), RuntimeError> {
        match self.in_malloc {
            true => Err(self.trap_with(
                ResultCode::GuestMalloc,
                format!("the guest's `malloc` called {call}; host functions may not be called from `malloc`"),
            )),
            false => Ok(()),
        }
    }

    fn sink(&mut self) -> Option<&mut dyn Sink> {
        // SAFETY: set from a live `&mut dyn Sink` by `GuestInstance::call`,
        // which clears it before that borrow ends.
        self.sink.map(|mut p| unsafe { p.as_mut() })
    }
}

/// The guest bytes at `[ptr, ptr + len)`, or None when the range is negative
/// or leaves guest memory.
pub(crate) fn guest_bytes<'a>(view: &'a MemoryView<'a>, ptr: i32, len: i32) -> Option<&'a [u8]> {
    let len = u64::try_from(len).ok()?;
    let start = u64::from(ptr as u32);
    let end = start.checked_add(len)?;
    if end > view.data_size() {
        return None;
    }
    // SAFETY: the range lies inside the memory. The memory is not shared
    // (checked at load) and the guest is suspended inside this host call, so
    // nothing writes or grows it while the slice lives.
    Some(unsafe { &view.data_unchecked()[start as usize..end as usize] })
}

/// The guest bytes at `[ptr, ptr + len)` for host function `call`; or, when
/// the range leaves guest memory, the violation recorded and the status to
/// return.
pub(crate) fn checked_range<'a>(
    state: &mut CallState,
    view: &'a MemoryView<'a>,
    call: &str,
    ptr: i32,
    len: i32,
) -> std::result::Result<&'a [u8], i32> {
    guest_bytes(view, ptr, len).ok_or_else(|| {
        let size = view.data_size();
        state.reject(
            ResultCode::GuestBadPointer,
            format!("{call}({ptr}, {len}): range is outside guest memory of {size} bytes"),
        )
    })
}

/// Takes `points` from the CPU budget of the running call for work a host
/// function does (one point per byte checked, copied or parsed); traps as
/// the metering does when the budget cannot pay.
pub(crate) fn charge(
    state: &mut CallState,
    store: &mut impl AsStoreMut,
    points: usize,
) -> std::result::Result<(), RuntimeError> {
    let Some(meter) = &state.meter else {
        return Ok(());
    };
    let points = points as i64;
    let left = match meter.remaining.get(store) {
        Value::I64(left) => left,
        _ => 0,
    };
    if (left as u64) < points as u64 {
        let _ = meter.exhausted.set(store, Value::I32(1));
        let _ = meter.remaining.set(store, Value::I64(0));
        return Err(RuntimeError::new("the CPU budget ran out in a host call"));
    }
    meter
        .remaining
        .set(store, Value::I64(left - points))
        .map_err(|e| RuntimeError::new(e.to_string()))
}

/// `checked_range` for host functions that charge the budget while they
/// hold the bytes (charging needs the store, which a view borrows).
pub(crate) fn checked_raw(
    state: &mut CallState,
    store: &impl wasmer::AsStoreRef,
    call: &str,
    ptr: i32,
    len: i32,
) -> std::result::Result<NonNull<[u8]>, i32> {
    let Some(memory) = state.memory.clone() else {
        return Err(status::INTERNAL_FAILURE);
    };
    let view = memory.view(store);
    checked_range(state, &view, call, ptr, len).map(NonNull::from)
}

pub(crate) fn emit_event(
    mut env: FunctionEnvMut<CallState>,
    ptr: i32,
    len: i32,
) -> std::result::Result<i32, RuntimeError> {
    let (state, mut store) = env.data_and_store_mut();
    state.refuse_in_malloc(abi::EMIT_EVENT)?;
    if state.phase != Phase::Process {
        return Ok(state.reject(
            ResultCode::InvalidEmit,
            "elastic_emit_event called outside `process`".into(),
        ));
    }
    if state
        .batch_len
        .is_some_and(|n| state.batch_results.len() >= n as usize)
    {
        return Ok(state.reject(
            ResultCode::InvalidEmit,
            "elastic_emit_event after the result of the batch's last event".into(),
        ));
    }
    // Every call counts, failed ones too.
    state.emit_calls += 1;
    if state.emit_calls > state.limits.max_emits_per_call {
        let max = state.limits.max_emits_per_call;
        return Ok(state.reject(
            ResultCode::EmitLimit,
            format!("the guest emitted more than max_emits_per_call ({max}) events in one call"),
        ));
    }
    let bytes = match checked_raw(state, &store, abi::EMIT_EVENT, ptr, len) {
        // SAFETY: the range lies inside guest memory, which is not shared
        // (checked at load); the guest is suspended inside this host call
        // and charging touches only globals, so nothing writes or grows the
        // memory while the slice lives.
        Ok(bytes) => unsafe { bytes.as_ref() },
        Err(status) => return Ok(status),
    };
    if bytes.len() > state.limits.max_emit_bytes as usize {
        let max = state.limits.max_emit_bytes;
        return Ok(state.reject(
            ResultCode::InvalidEmit,
            format!("emitted event of {len} bytes is larger than max_emit_bytes ({max})"),
        ));
    }
    // SAFETY: `input` is set from a live slice for the duration of the call
    // that reads it here, and cleared before that slice's borrow ends.
    let input = state.input.map(|input| unsafe { input.as_ref() });
    if input != Some(bytes) {
        // A host in JSON or msgpack transcodes what it delivers: twice the work.
        let transcoded = state.limits.event_format != crate::format::EventFormat::Protobuf;
        charge(state, &mut store, bytes.len() << usize::from(transcoded))?;
        let valid = match input {
            Some(input) => crate::validate::is_emit_of(bytes, input),
            None => crate::validate::is_event(bytes),
        };
        if !valid {
            // Decoded to say why only for the first violation: the call
            // fails with that one.
            let reason = match state.violation {
                None => crate::validate::why_not_event(bytes),
                Some(_) => String::new(),
            };
            return Ok(state.reject(
                ResultCode::InvalidEmit,
                format!("emitted bytes are not a valid Event: {reason}"),
            ));
        }
    }
    let delivered = match state.sink() {
        Some(sink) => sink.deliver(bytes),
        None => return Ok(status::INTERNAL_FAILURE),
    };
    if let Err(why) = delivered {
        return Ok(state.reject(ResultCode::InvalidEmit, why));
    }
    state.emits += 1;
    state.delivered += 1;
    Ok(status::OK)
}

/// ABI 1.1 `elastic_batch_result(index, status)`: event `index` of the
/// batch is done with `status`; what the guest emits next belongs to the
/// next event.
pub(crate) fn batch_result(mut env: FunctionEnvMut<CallState>, index: i32, status: i32) -> i32 {
    let state = env.data_mut();
    let Some(len) = state.batch_len else {
        return state.reject(
            ResultCode::GuestBadArgument,
            format!(
                "{}({index}, {status}) called outside `process_batch`",
                abi::BATCH_RESULT
            ),
        );
    };
    let expected = state.batch_results.len();
    if usize::try_from(index) != Ok(expected) || expected >= len as usize {
        return state.reject(
            ResultCode::GuestBadArgument,
            format!(
                "{}({index}, {status}): the next event to report is {expected} of {len}",
                abi::BATCH_RESULT
            ),
        );
    }
    let emits = std::mem::take(&mut state.emits);
    state.emit_calls = 0;
    state.batch_results.push((status, emits));
    let next = state.batch_results.len();
    state.input = state.batch_inputs.get(next).copied();
    if next < len as usize {
        if let Some(sink) = state.sink() {
            sink.set_event(next);
        }
    }
    status::OK
}

pub(crate) fn log(
    mut env: FunctionEnvMut<CallState>,
    level: i32,
    ptr: i32,
    len: i32,
) -> std::result::Result<i32, RuntimeError> {
    let (state, mut store) = env.data_and_store_mut();
    state.refuse_in_malloc(abi::LOG)?;
    let Some(level) = LogLevel::from_i32(level) else {
        return Ok(state.reject(
            ResultCode::GuestBadArgument,
            format!("elastic_log: unknown log level {level} (levels are 0 to 4)"),
        ));
    };
    let bytes = match checked_raw(state, &store, abi::LOG, ptr, len) {
        // SAFETY: as in `emit_event`.
        Ok(bytes) => unsafe { bytes.as_ref() },
        Err(status) => return Ok(status),
    };
    match state.log_gate.admit(level) {
        Verdict::Deliver => {}
        Verdict::BelowLevel => {
            state.stats.log_lines_below_level.fetch_add(1, Relaxed);
            return Ok(status::OK);
        }
        Verdict::RateLimited => {
            state.stats.log_lines_rate_limited.fetch_add(1, Relaxed);
            return Ok(status::OK);
        }
    }
    let bytes = &bytes[..bytes.len().min(state.limits.max_log_bytes as usize)];
    charge(state, &mut store, bytes.len())?;
    let message = String::from_utf8_lossy(bytes);
    Ok(match state.sink() {
        Some(sink) => {
            sink.log(level, &message);
            state.stats.log_lines_delivered.fetch_add(1, Relaxed);
            status::OK
        }
        None => status::INTERNAL_FAILURE,
    })
}

pub(crate) fn now_nanos() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_nanos()).unwrap_or(i64::MAX)
}

pub(crate) fn get_time(
    mut env: FunctionEnvMut<CallState>,
) -> std::result::Result<i64, RuntimeError> {
    env.data_mut().refuse_in_malloc(abi::GET_TIME)?;
    Ok(now_nanos())
}

#[derive(Clone)]
pub(crate) struct MeterGlobals {
    pub(crate) remaining: Global,
    pub(crate) exhausted: Global,
}

/// The functions a guest of ABI `version` may import, all in module
/// `elastic`: those of ABI 1.x here, those of 0.x in `poc_calls`.
pub(crate) fn imports(
    store: &mut Store,
    env: &FunctionEnv<CallState>,
    version: AbiVersion,
) -> Imports {
    let mut imports = Imports::new();
    let ns = abi::IMPORT_MODULE;
    imports.define(ns, abi::LOG, Function::new_typed_with_env(store, env, log));
    if version.is_poc() {
        imports.define(
            ns,
            abi::GET_FIELD,
            Function::new_typed_with_env(store, env, poc_calls::get_field),
        );
        imports.define(
            ns,
            abi::PUT_FIELD,
            Function::new_typed_with_env(store, env, poc_calls::put_field),
        );
        imports.define(
            ns,
            abi::GET_TIME,
            Function::new_typed_with_env(store, env, poc_calls::get_time),
        );
    } else {
        imports.define(
            ns,
            abi::EMIT_EVENT,
            Function::new_typed_with_env(store, env, emit_event),
        );
        imports.define(
            ns,
            abi::GET_TIME,
            Function::new_typed_with_env(store, env, get_time),
        );
        imports.define(
            ns,
            abi::BATCH_RESULT,
            Function::new_typed_with_env(store, env, batch_result),
        );
    }
    imports
}
