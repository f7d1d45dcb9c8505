//! One guest instance: its Store, the exports the host calls, and the host
//! functions it imports (`host_calls`). An instance never leaves the thread
//! that made it (wasmer's `Store` is `!Send`); `host` keeps one per thread.
use crate::abi::{self, status, AbiVersion};
use crate::error::{Error, Result, ResultCode};
use crate::host_calls::{self as calls, CallState, MeterGlobals, Phase};
use crate::limits::Limits;
use crate::log_gate::LogGate;
use crate::memory_cap;
use crate::sink::Sink;
use crate::stats::Stats;
use eiw_proto::Event;
use prost::Message;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use wasmer::{
    Engine, FunctionEnv, InstantiationError, Memory, Module, RuntimeError, Store, TypedFunction,
    Value,
};
use wasmer_types::TrapCode;

/// Turns a wasmer trap into an error naming its kind and where it happened.
pub(crate) fn trap_error(error: RuntimeError, export: &str) -> Error {
    let message = error.message();
    let frame = error
        .trace()
        .first()
        .and_then(|f| f.function_name())
        .map(|name| {
            format!(
                " (in guest function `{:#}`)",
                rustc_demangle::demangle(name)
            )
        })
        .unwrap_or_default();
    let code = match error.to_trap() {
        Some(TrapCode::UnreachableCodeReached) => ResultCode::TrapUnreachable,
        Some(
            TrapCode::HeapAccessOutOfBounds
            | TrapCode::TableAccessOutOfBounds
            | TrapCode::HeapMisaligned
            | TrapCode::UnalignedAtomic,
        ) => ResultCode::TrapOutOfBounds,
        Some(TrapCode::IntegerDivisionByZero) => ResultCode::TrapDivideByZero,
        Some(TrapCode::StackOverflow) => ResultCode::TrapStackOverflow,
        _ => ResultCode::TrapOther,
    };
    Error::new(
        code,
        format!("guest trapped in `{export}`: {message}{frame}"),
    )
}

fn instantiation_error(error: InstantiationError) -> Error {
    let message = match error {
        InstantiationError::Start(trap) => {
            let inner = trap_error(trap, "start function");
            inner.message().to_string()
        }
        other => other.to_string(),
    };
    Error::new(
        ResultCode::InstantiationFailed,
        format!("could not instantiate the module: {message}"),
    )
}

fn check_status(status: i32, export: &str) -> Result<()> {
    if status == status::OK {
        Ok(())
    } else {
        Err(Error::new(
            ResultCode::GuestStatus,
            format!("`{export}` returned status {}", status::describe(status)),
        ))
    }
}

/// Export names of the globals the metering middleware adds.
use crate::metering::{
    EXHAUSTED as METER_EXHAUSTED, REMAINING as METER_REMAINING, START as METER_START,
};

type BytesFn = TypedFunction<(i32, i32), i32>;

/// The guest's entry points, by ABI.
enum Entry {
    V1 {
        process: BytesFn,
        register: Option<BytesFn>,
        process_batch: Option<BytesFn>,
    },
    Poc {
        process: TypedFunction<(), i32>,
    },
}

/// Writes a batch in its ABI 1.1 layout: u32 count, then u32 length and
/// bytes per event, little-endian. `dst` has exactly the room it needs.
fn write_batch(dst: &mut [u8], events: &[&[u8]]) {
    let (count, mut rest) = dst.split_at_mut(4);
    count.copy_from_slice(&(events.len() as u32).to_le_bytes());
    for event in events {
        let (head, tail) = rest.split_at_mut(4);
        head.copy_from_slice(&(event.len() as u32).to_le_bytes());
        let (body, tail) = tail.split_at_mut(event.len());
        body.copy_from_slice(event);
        rest = tail;
    }
}

/// The size of the input buffer the host asks an ABI 1.1 guest for: most
/// events, and batches of a hundred of them, fit.
pub(crate) const INPUT_BUFFER_BYTES: u32 = 64 * 1024;

/// The budget of the metering middleware (src/metering.rs), whose globals
/// are looked up once per instance.
struct Meter {
    globals: MeterGlobals,
    /// The budget of one call.
    points: u64,
    /// The budget the current (or last) guest call was given.
    applied: u64,
}

pub(crate) struct GuestInstance {
    store: Store,
    env: FunctionEnv<CallState>,
    memory: Memory,
    malloc: TypedFunction<i32, i32>,
    entry: Entry,
    meter: Option<Meter>,
    max_memory_pages: u32,
    /// ABI 1.1: the guest's buffer of `INPUT_BUFFER_BYTES` for inputs.
    input_buffer: Option<i32>,
    /// The host's counters, which count this instance live until it drops.
    stats: Arc<Stats>,
    /// Generation of the host's config this instance has registered.
    pub config_generation: u64,
    /// CPU points the last guest call used.
    pub last_points_used: u64,
}

impl Drop for GuestInstance {
    fn drop(&mut self) {
        self.stats.instances_live.fetch_sub(1, Relaxed);
    }
}

impl GuestInstance {
    /// Counts this instance as released for being idle.
    pub fn note_idle_release(&self) {
        self.stats.instances_released_idle.fetch_add(1, Relaxed);
    }

    /// Instantiates a module that passed `abi::check_module`.
    pub fn new(
        engine: &Engine,
        module: &Module,
        version: AbiVersion,
        limits: Limits,
        stats: Arc<Stats>,
        log_gate: Arc<LogGate>,
    ) -> Result<Self> {
        let mut store = Store::new(engine.clone());
        let env = FunctionEnv::new(
            &mut store,
            CallState {
                memory: None,
                sink: None,
                phase: Phase::Idle,
                limits,
                emits: 0,
                emit_calls: 0,
                meter: None,
                in_malloc: false,
                poc_unmeasured: 0,
                delivered: 0,
                violation: None,
                stats,
                log_gate,
                event: None,
                malloc: None,
                batch_len: None,
                batch_results: Vec::new(),
                input: None,
                batch_inputs: Vec::new(),
            },
        );
        let imports = calls::imports(&mut store, &env, version);
        let instance =
            wasmer::Instance::new(&mut store, module, &imports).map_err(instantiation_error)?;

        let missing = |e: wasmer::ExportError| {
            Error::new(ResultCode::AbiMismatch, format!("instance export: {e}"))
        };
        let memory = instance
            .exports
            .get_memory(abi::MEMORY)
            .map_err(missing)?
            .clone();
        let malloc = instance
            .exports
            .get_typed_function(&store, abi::MALLOC)
            .map_err(missing)?;
        let exports = &instance.exports;
        let entry = if version.is_poc() {
            Entry::Poc {
                process: exports
                    .get_typed_function(&store, abi::PROCESS)
                    .map_err(missing)?,
            }
        } else {
            Entry::V1 {
                process: exports
                    .get_typed_function(&store, abi::PROCESS)
                    .map_err(missing)?,
                register: exports.get_typed_function(&store, abi::REGISTER).ok(),
                process_batch: match version.minor {
                    0 => None,
                    _ => exports.get_typed_function(&store, abi::PROCESS_BATCH).ok(),
                },
            }
        };
        let meter = match limits.cpu_points_per_call {
            Some(points) => Some(Meter {
                globals: MeterGlobals {
                    remaining: instance
                        .exports
                        .get_global(METER_REMAINING)
                        .map_err(missing)?
                        .clone(),
                    exhausted: instance
                        .exports
                        .get_global(METER_EXHAUSTED)
                        .map_err(missing)?
                        .clone(),
                },
                points,
                applied: points,
            }),
            None => None,
        };
        let start = match meter {
            Some(_) => exports
                .get_typed_function::<(), ()>(&store, METER_START)
                .ok(),
            None => None,
        };
        let state = env.as_mut(&mut store);
        state.memory = Some(memory.clone());
        state.malloc = Some(malloc.clone());
        state.meter = meter.as_ref().map(|m| m.globals.clone());
        state.stats.instances_created.fetch_add(1, Relaxed);
        state.stats.instances_live.fetch_add(1, Relaxed);
        let stats = state.stats.clone();
        let input_buffer = match version.minor {
            1.. if !version.is_poc() => exports.get_typed_function(&store, abi::INPUT_BUFFER).ok(),
            _ => None,
        };
        let mut guest = GuestInstance {
            store,
            env,
            memory,
            malloc,
            entry,
            meter,
            max_memory_pages: limits.max_memory_pages,
            input_buffer: None,
            stats,
            config_generation: 0,
            last_points_used: 0,
        };
        if let Some(start) = start {
            guest.run_start(&start)?;
        }
        if let Some(function) = input_buffer {
            guest.input_buffer = guest.ask_input_buffer(&function)?;
        }
        Ok(guest)
    }

    /// Runs the module's start function, which the metering took out of
    /// instantiation, under one call's budget.
    fn run_start(&mut self, start: &TypedFunction<(), ()>) -> Result<()> {
        self.reset_budget(None)?;
        memory_cap::take_refused();
        start.call(&mut self.store).map_err(|e| {
            let e = self.trap(e, "start function");
            match e.code() {
                ResultCode::CpuExhausted | ResultCode::MemoryExhausted => e,
                _ => Error::new(
                    ResultCode::InstantiationFailed,
                    format!("could not instantiate the module: {}", e.message()),
                ),
            }
        })
    }

    /// ABI 1.1: asks the guest once for the buffer it keeps for inputs up to
    /// `INPUT_BUFFER_BYTES`. 0 declines; an address whose range leaves
    /// memory fails the instance, as a bad `malloc` result fails a call.
    fn ask_input_buffer(&mut self, function: &TypedFunction<i32, i32>) -> Result<Option<i32>> {
        self.reset_budget(None)?;
        let size = INPUT_BUFFER_BYTES as i32;
        let ptr = function
            .call(&mut self.store, size)
            .map_err(|e| self.trap(e, abi::INPUT_BUFFER))?;
        if ptr == 0 {
            return Ok(None);
        }
        let memory_size = self.memory.view(&self.store).data_size();
        if u64::from(ptr as u32) + u64::from(INPUT_BUFFER_BYTES) > memory_size {
            return Err(Error::new(
                ResultCode::GuestMalloc,
                format!("`input_buffer({size})` returned {ptr}, which does not fit {size} bytes in guest memory of {memory_size} bytes"),
            ));
        }
        Ok(Some(ptr))
    }

    /// Calls `process` with one event, serialized, and decoded for 0.x;
    /// returns how many events it emitted.
    pub fn process(
        &mut self,
        bytes: &[u8],
        event: Option<Event>,
        sink: &mut dyn Sink,
    ) -> Result<u32> {
        match &self.entry {
            Entry::V1 { process, .. } => {
                let process = process.clone();
                self.call_with_bytes(Phase::Process, &process, abi::PROCESS, bytes, sink)
            }
            Entry::Poc { process } => {
                let process = process.clone();
                self.env.as_mut(&mut self.store).poc_unmeasured = bytes.len();
                self.call_poc(&process, event.unwrap_or_default(), sink)
            }
        }
    }

    /// Calls `register` with a serialized config.
    pub fn register(&mut self, config: &[u8], sink: &mut dyn Sink) -> Result<()> {
        let Entry::V1 {
            register: Some(register),
            ..
        } = &self.entry
        else {
            return Err(Error::new(
                ResultCode::NoRegister,
                "the module does not export `register`, so it takes no config",
            ));
        };
        let register = register.clone();
        self.call_with_bytes(Phase::Register, &register, abi::REGISTER, config, sink)
            .map(|_| ())
    }

    /// ABI 1.1: runs `process_batch` on `events` in one call. `results`
    /// receives (status, emits) for each event the guest reported, in order,
    /// also when the call fails; the sink is told each event's index.
    ///
    /// `budget` is the CPU points the guest may use (ignored without
    /// metering).
    pub fn process_batch(
        &mut self,
        events: &[&[u8]],
        budget: u64,
        sink: &mut dyn Sink,
        results: &mut Vec<(i32, u32)>,
    ) -> Result<()> {
        let Entry::V1 {
            process_batch: Some(function),
            ..
        } = &self.entry
        else {
            return Err(Error::new(
                ResultCode::Panic,
                "process_batch on a module without it",
            ));
        };
        let function = function.clone();
        let batch_len = 4 + events.iter().map(|e| 4 + e.len()).sum::<usize>();
        {
            let state = self.env.as_mut(&mut self.store);
            state.batch_len = Some(events.len() as u32);
            state.batch_results.clear();
            state.batch_inputs.clear();
            state
                .batch_inputs
                .extend(events.iter().map(|e| NonNull::from(*e)));
            state.input = state.batch_inputs.first().copied();
        }
        sink.set_event(0);
        let outcome = self.run_guest(
            Phase::Process,
            abi::PROCESS_BATCH,
            None,
            Some(budget),
            sink,
            |this| {
                let (ptr, len) = this.pass_with(batch_len, |dst| write_batch(dst, events))?;
                match function.call(&mut this.store, ptr, len) {
                    Ok(status) => Ok(status),
                    Err(e) => Err(this.trap(e, abi::PROCESS_BATCH)),
                }
            },
        );
        let state = self.env.as_mut(&mut self.store);
        state.batch_len = None;
        state.input = None;
        state.batch_inputs.clear();
        results.append(&mut state.batch_results);
        outcome.map(|_| ())
    }

    /// ABI 1.0: passes the bytes through `malloc` and calls `function`.
    fn call_with_bytes(
        &mut self,
        phase: Phase,
        function: &BytesFn,
        name: &str,
        bytes: &[u8],
        sink: &mut dyn Sink,
    ) -> Result<u32> {
        // The host checked the input (or the caller vouched for it with
        // `trusted_input`); emitting it unchanged needs no check.
        if phase == Phase::Process {
            self.env.as_mut(&mut self.store).input = Some(NonNull::from(bytes));
        }
        let outcome = self.run_guest(phase, name, None, None, sink, |this| {
            let (ptr, len) = this.pass_bytes(bytes)?;
            match function.call(&mut this.store, ptr, len) {
                Ok(status) => Ok(status),
                Err(e) => Err(this.trap(e, name)),
            }
        });
        self.env.as_mut(&mut self.store).input = None;
        Ok(outcome?.0)
    }

    /// ABI 0.x: the guest reads and writes `event` through host calls;
    /// when `process()` returns OK, the modified event is emitted once.
    fn call_poc(
        &mut self,
        process: &TypedFunction<(), i32>,
        event: Event,
        sink: &mut dyn Sink,
    ) -> Result<u32> {
        let (_, event) = self.run_guest(
            Phase::Process,
            abi::PROCESS,
            Some(event),
            None,
            sink,
            |this| match process.call(&mut this.store) {
                Ok(status) => Ok(status),
                Err(e) => Err(this.trap(e, abi::PROCESS)),
            },
        )?;
        let bytes = event.unwrap_or_default().encode_to_vec();
        let state = self.env.as_ref(&self.store);
        let max = state.limits.max_emit_bytes;
        if bytes.len() > max as usize {
            return Err(Error::new(
                ResultCode::InvalidEmit,
                format!(
                    "the modified event of {} bytes is larger than max_emit_bytes ({max})",
                    bytes.len()
                ),
            ));
        }
        if !crate::validate::is_event(&bytes) {
            return Err(Error::new(
                ResultCode::InvalidEmit,
                format!(
                    "the modified event is not a valid Event: {}",
                    crate::validate::why_not_event(&bytes)
                ),
            ));
        }
        sink.deliver(&bytes)
            .map_err(|why| Error::new(ResultCode::InvalidEmit, why))?;
        state.stats.record_emitted(1);
        Ok(1)
    }

    /// Runs one guest call with the sink, phase, budget and (0.x) event in
    /// place, and clears them after; returns the emit count and the event.
    fn run_guest(
        &mut self,
        phase: Phase,
        name: &str,
        event: Option<Event>,
        budget: Option<u64>,
        sink: &mut dyn Sink,
        invoke: impl FnOnce(&mut Self) -> Result<i32>,
    ) -> Result<(u32, Option<Event>)> {
        // SAFETY (lifetime erasure): the pointer is cleared below, before
        // `sink`'s borrow ends; on a panic the instance is discarded unused.
        let sink: NonNull<dyn Sink + '_> = NonNull::from(sink);
        let sink: NonNull<dyn Sink> = unsafe { std::mem::transmute(sink) };
        {
            let state = self.env.as_mut(&mut self.store);
            state.sink = Some(sink);
            state.phase = phase;
            state.emits = 0;
            state.emit_calls = 0;
            state.violation = None;
            state.event = event;
        }
        self.reset_budget(budget)?;
        memory_cap::take_refused();
        let result = invoke(self);
        self.record_usage(result.is_err());
        let state = self.env.as_mut(&mut self.store);
        state.sink = None;
        state.phase = Phase::Idle;
        state
            .stats
            .record_emitted(std::mem::take(&mut state.delivered));
        let violation = state.violation.take();
        let event = state.event.take();
        let emitted = state.emits;
        // A violation that trapped the call (`trap_with`) is the cause.
        if let (Err(_), Some(v)) = (&result, &violation) {
            if v.code().discards_instance() {
                return Err(v.clone());
            }
        }
        let status = result?;
        if let Some(violation) = violation {
            return Err(violation);
        }
        check_status(status, name)?;
        Ok((emitted, event))
    }

    /// Gives the next call `points`, or one call's budget.
    fn reset_budget(&mut self, points: Option<u64>) -> Result<()> {
        let Some(meter) = &mut self.meter else {
            return Ok(());
        };
        meter.applied = points.unwrap_or(meter.points).min(i64::MAX as u64);
        // The exhausted flag needs no reset: running out of points traps,
        // and a trap discards the instance.
        meter
            .globals
            .remaining
            .set(&mut self.store, Value::I64(meter.applied as i64))
            .map_err(|e| Error::new(ResultCode::Panic, format!("resetting the CPU budget: {e}")))
    }

    /// Adds the CPU points and memory the last call used to the host's stats.
    fn record_usage(&mut self, trapped: bool) {
        let exhausted = trapped && self.budget_exhausted();
        let points = match &self.meter {
            Some(meter) => match meter.globals.remaining.get(&mut self.store) {
                Value::I64(left) if !exhausted => meter.applied.saturating_sub(left as u64),
                _ => meter.applied,
            },
            None => 0,
        };
        self.last_points_used = points;
        let pages = self.memory.view(&self.store).size().0;
        self.env
            .as_ref(&self.store)
            .stats
            .record_usage(points, pages);
    }

    fn budget_exhausted(&mut self) -> bool {
        match &self.meter {
            Some(meter) => {
                matches!(meter.globals.exhausted.get(&mut self.store), Value::I32(flag) if flag != 0)
            }
            None => false,
        }
    }

    /// Names why a call stopped: CPU budget used up, memory refused, or the
    /// trap wasmer reports.
    fn trap(&mut self, error: RuntimeError, export: &str) -> Error {
        if self.budget_exhausted() {
            let applied = self.meter.as_ref().map_or(0, |m| m.applied);
            return Error::new(
                ResultCode::CpuExhausted,
                format!("`{export}` used up its CPU budget of {applied} points"),
            );
        }
        if memory_cap::take_refused() {
            let pages = self.memory.view(&self.store).size().0;
            let cause = trap_error(error, export);
            return Error::new(
                ResultCode::MemoryExhausted,
                format!(
                    "{} after the guest was refused memory beyond max_memory_pages ({}; it has {pages})",
                    cause.message(),
                    self.max_memory_pages
                ),
            );
        }
        trap_error(error, export)
    }

    /// Copies bytes into the guest's input buffer when they fit it, else
    /// into memory allocated by the guest's `malloc`. Empty input is passed
    /// as (0, 0) without calling `malloc`.
    fn pass_bytes(&mut self, bytes: &[u8]) -> Result<(i32, i32)> {
        self.pass_with(bytes.len(), |dst| dst.copy_from_slice(bytes))
    }

    /// Like `pass_bytes`, for `len` bytes that `fill` writes in place.
    fn pass_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) -> Result<(i32, i32)> {
        if len == 0 {
            return Ok((0, 0));
        }
        let len_i32 = i32::try_from(len)
            .map_err(|_| Error::new(ResultCode::EventTooLarge, "input is larger than 2 GiB"))?;
        let ptr = match self.input_buffer {
            Some(ptr) if len <= INPUT_BUFFER_BYTES as usize => ptr,
            _ => {
                self.env.as_mut(&mut self.store).in_malloc = true;
                let allocated = self.malloc.call(&mut self.store, len_i32);
                self.env.as_mut(&mut self.store).in_malloc = false;
                match allocated {
                    Ok(ptr) => ptr,
                    Err(e) => return Err(self.trap(e, abi::MALLOC)),
                }
            }
        };
        let view = self.memory.view(&self.store);
        let start = ptr as u32 as usize;
        let size = view.data_size();
        if ptr == 0 || (start + len) as u64 > size {
            return Err(Error::new(
                ResultCode::GuestMalloc,
                format!("`malloc({len})` returned {ptr}, which does not fit {len} bytes in guest memory of {size} bytes"),
            ));
        }
        // SAFETY: the range lies inside the memory, which is not shared
        // (checked at load); the guest is not running, so nothing else
        // reads, writes or grows it while the slice lives.
        fill(unsafe { &mut view.data_unchecked_mut()[start..start + len] });
        Ok((ptr, len_i32))
    }
}
