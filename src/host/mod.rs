//! A host: one compiled module, its config, and one guest instance per
//! thread that calls it (kept by `thread_slots`). A call takes the calling
//! thread's instance, runs, and puts it back, or drops it when the guest
//! trapped; the next call on that thread then makes a fresh one and
//! replays the stored config. Batches are in `batch`.
use crate::abi::{self, ModuleAbi};
use crate::engine::new_engine;
use crate::error::{Error, Result, ResultCode};
use crate::format::EventFormat;
use crate::host_format::{self, FormatSink, Scratch};
use crate::instance::GuestInstance;
use crate::limits::Limits;
use crate::log_gate::LogGate;
use crate::module_cache::{self, CacheOptions, CacheReport};
use crate::module_check;
use crate::sink::Sink;
use crate::stats::Stats;
use crate::thread_slots::{self, Checkout, HostRef};

mod batch;
use crate::validate;
use eiw_proto::{Config, Event, HostStats};
use prost::Message;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Instant;
use wasmer::{Engine, Module};

static NEXT_HOST_ID: AtomicU64 = AtomicU64::new(1);

struct StoredConfig {
    generation: u64,
    bytes: Arc<[u8]>,
}

struct Shared {
    id: u64,
    engine: Engine,
    module: Module,
    abi: ModuleAbi,
    limits: Limits,
    cache: CacheReport,
    /// Generation of the newest registered config; 0 = none yet. Read on
    /// every call without a lock; `config` is locked only when it moved.
    config_generation: AtomicU64,
    config: Mutex<Option<StoredConfig>>,
    stats: Arc<Stats>,
    log_gate: Arc<LogGate>,
}

/// A compiled, checked module that processes events. `Host` is `Send` and
/// `Sync`: any number of threads may call `process` at once.
pub struct Host {
    shared: Arc<Shared>,
}

impl Host {
    /// Compiles `wasm`, checks it against the ABI, and creates a first
    /// instance on the calling thread, so that a module that cannot run is
    /// reported here rather than at the first event.
    pub fn new(wasm: &[u8], limits: Limits) -> Result<Host> {
        Host::with_cache(wasm, limits, None)
    }

    /// Like [`Host::new`], loading the compiled module from `cache_dir` when
    /// it is there and storing it there when it is not (`module_cache`),
    /// with the key file beside the directory.
    pub fn with_cache(wasm: &[u8], limits: Limits, cache_dir: Option<&Path>) -> Result<Host> {
        let cache = cache_dir.map(|dir| CacheOptions {
            dir: dir.to_path_buf(),
            key: None,
        });
        Host::with_cache_options(wasm, limits, cache.as_ref())
    }

    /// Like [`Host::with_cache`], with the cache's key given.
    pub fn with_cache_options(
        wasm: &[u8],
        limits: Limits,
        cache: Option<&CacheOptions>,
    ) -> Result<Host> {
        module_check::check_size(wasm.len() as u64, &limits)?;
        if !wasmer::is_wasm(wasm) {
            return Err(Error::new(
                ResultCode::InvalidModule,
                "module bytes are not WebAssembly (they do not start with \\0asm)",
            ));
        }
        let engine = new_engine(&limits, wasm);
        // The load check runs before every compile; a module from the
        // cache passed it under the same settings (they name the file).
        let compile = || {
            module_check::check(wasm, &limits)?;
            Module::new(&engine, wasm).map_err(|e| {
                Error::new(
                    ResultCode::InvalidModule,
                    format!("module does not compile: {e}"),
                )
            })
        };
        let (module, cache) = match cache {
            Some(cache) => module_cache::load_or_compile(&engine, wasm, &limits, cache, compile)?,
            None => (compile()?, CacheReport::default()),
        };
        let abi = abi::check_module(&module)?;
        if abi.memory_minimum_pages > limits.max_memory_pages {
            return Err(Error::new(
                ResultCode::MemoryExhausted,
                format!(
                    "module declares a minimum memory of {} pages; this host's cap (max_memory_pages) is {} pages",
                    abi.memory_minimum_pages, limits.max_memory_pages
                ),
            ));
        }
        let host = Host {
            shared: Arc::new(Shared {
                id: NEXT_HOST_ID.fetch_add(1, Ordering::Relaxed),
                engine,
                module,
                abi,
                limits,
                cache,
                config_generation: AtomicU64::new(0),
                config: Mutex::new(None),
                stats: Arc::default(),
                log_gate: Arc::new(LogGate::new(
                    limits.min_log_level,
                    limits.log_lines_per_second,
                    limits.log_burst,
                )),
            }),
        };
        drop(host.checkout(Instant::now())?);
        Ok(host)
    }

    /// Like [`Host::new`], with limits from serialized `HostOptions`.
    pub fn from_options(wasm: &[u8], options: &[u8]) -> Result<Host> {
        let (limits, cache) = Limits::decode(options)?;
        Host::with_cache_options(wasm, limits, cache.as_ref())
    }

    /// Whether the module came from the cache, and any cache problem.
    pub fn cache_report(&self) -> &CacheReport {
        &self.shared.cache
    }

    pub fn abi(&self) -> ModuleAbi {
        self.shared.abi
    }

    pub fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// Calls the guest's `register` with a config in the host's format (a
    /// serialized `Config` unless `Limits::event_format` says otherwise).
    /// On success the host keeps the config and replays it on every
    /// instance it makes and on instances of other threads before their
    /// next call.
    pub fn register(&self, config: &[u8], sink: &mut dyn Sink) -> Result<()> {
        self.counted_register(|| match self.shared.limits.event_format {
            EventFormat::Protobuf => self.register_inner(config, sink),
            format => host_format::config_to_wire(format, config)
                .and_then(|wire| self.register_inner(&wire, sink)),
        })
    }

    /// Like [`Host::register`] with a serialized `Config`, whatever the
    /// host's event format.
    pub fn register_protobuf(&self, config: &[u8], sink: &mut dyn Sink) -> Result<()> {
        self.counted_register(|| self.register_inner(config, sink))
    }

    /// Counts a register call, and its failure.
    fn counted_register(&self, register: impl FnOnce() -> Result<()>) -> Result<()> {
        self.shared
            .stats
            .register_calls
            .fetch_add(1, Ordering::Relaxed);
        let result = register();
        if let Err(e) = &result {
            self.shared.stats.record_failure(e.code());
        }
        result
    }

    fn register_inner(&self, config: &[u8], sink: &mut dyn Sink) -> Result<()> {
        Config::decode(config).map_err(|e| {
            Error::new(
                ResultCode::InvalidConfig,
                format!("Config bytes do not decode: {e}"),
            )
        })?;
        if !self.shared.abi.has_register {
            return Err(Error::new(
                ResultCode::NoRegister,
                "the module does not export `register`, so it takes no config",
            ));
        }
        self.with_instance(Instant::now(), sink, |instance, sink| {
            instance.register(config, sink)?;
            let mut stored = self.lock_config();
            let generation = self.shared.config_generation.load(Ordering::Relaxed) + 1;
            *stored = Some(StoredConfig {
                generation,
                bytes: config.into(),
            });
            self.shared
                .config_generation
                .store(generation, Ordering::Release);
            instance.config_generation = generation;
            Ok(())
        })
    }

    /// Runs `process` on one event in the host's format (a serialized
    /// `Event` unless `Limits::event_format` says otherwise). Every event
    /// the guest emits reaches `sink`, in that format, before this returns.
    /// Returns how many were emitted.
    pub fn process(&self, event: &[u8], sink: &mut dyn Sink) -> Result<u32> {
        let start = Instant::now();
        let result = match self.shared.limits.event_format {
            EventFormat::Protobuf => self.process_inner(event, sink, start),
            format => self.process_record(format, event, sink, start),
        };
        let outcome = result.as_ref().map(|n| *n).map_err(Error::code);
        self.shared.stats.record_process(outcome, start.elapsed());
        result
    }

    /// The module's exports, as `name: kind and type`, for tools; without
    /// the globals the CPU metering adds.
    pub fn exports(&self) -> Vec<String> {
        let module = &self.shared.module;
        module
            .exports()
            .filter(|e| !e.name().starts_with(crate::metering::EXPORT_PREFIX))
            .map(|e| format!("{}: {}", e.name(), abi::describe_type(e.ty())))
            .collect()
    }

    /// The module's imports, as `module.name: kind and type`, for tools.
    pub fn imports(&self) -> Vec<String> {
        let module = &self.shared.module;
        module
            .imports()
            .map(|i| {
                format!(
                    "{}.{}: {}",
                    i.module(),
                    i.name(),
                    abi::describe_type(i.ty())
                )
            })
            .collect()
    }

    /// One record in JSON or msgpack: transcoded in, its emits transcoded out.
    fn process_record(
        &self,
        format: EventFormat,
        record: &[u8],
        sink: &mut dyn Sink,
        now: Instant,
    ) -> Result<u32> {
        let max = self.shared.limits.max_event_bytes;
        host_format::with_scratch(|scratch| {
            scratch.wire.clear();
            let range = host_format::event_to_wire(scratch, format, record, max)?;
            let Scratch {
                transcoder,
                wire,
                out,
                ..
            } = scratch;
            let wire = &wire[range];
            let inputs = [(wire, record)];
            let mut sink = FormatSink {
                inner: sink,
                format,
                transcoder,
                out,
                inputs: &inputs,
                current: 0,
            };
            self.process_checked(wire, &mut sink, now)
        })
    }

    /// Counters since the host was created.
    pub fn stats(&self) -> HostStats {
        let mut stats = self.shared.stats.snapshot();
        stats.module_loaded_from_cache = self.shared.cache.loaded_from_cache;
        stats.module_cache_note = self.shared.cache.note.clone();
        stats
    }

    /// Checks an input event's size and, for 1.x modules of a host that
    /// does not trust its inputs, its validity.
    fn check_input(&self, event: &[u8]) -> Result<()> {
        let max = self.shared.limits.max_event_bytes;
        if event.len() > max as usize {
            return Err(Error::new(
                ResultCode::EventTooLarge,
                format!(
                    "event of {} bytes is larger than max_event_bytes ({max})",
                    event.len()
                ),
            ));
        }
        let shared = &self.shared;
        if shared.abi.version.is_poc() || shared.limits.trusted_input || validate::is_event(event) {
            return Ok(());
        }
        Err(Error::new(
            ResultCode::InvalidEvent,
            format!(
                "event bytes do not decode as an Event: {}",
                validate::why_not_event(event)
            ),
        ))
    }

    fn process_inner(&self, event: &[u8], sink: &mut dyn Sink, now: Instant) -> Result<u32> {
        self.check_input(event)?;
        self.process_checked(event, sink, now)
    }

    /// Runs an event that passed `check_input`.
    fn process_checked(&self, event: &[u8], sink: &mut dyn Sink, now: Instant) -> Result<u32> {
        // 0.x modules work on the decoded event; 1.0 modules get the bytes,
        // checked without decoding (no allocation on the hot path).
        let decoded = match self.shared.abi.version.is_poc() {
            true => Some(Event::decode(event).map_err(invalid_event)?),
            false => None,
        };
        self.with_instance(now, sink, |instance, sink| {
            instance.process(event, decoded, sink)
        })
    }

    fn lock_config(&self) -> std::sync::MutexGuard<'_, Option<StoredConfig>> {
        self.shared
            .config
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on this thread's instance, first bringing the instance up to
    /// the newest config. An error that leaves the guest suspect discards
    /// the instance.
    fn with_instance<R>(
        &self,
        now: Instant,
        sink: &mut dyn Sink,
        f: impl FnOnce(&mut GuestInstance, &mut dyn Sink) -> Result<R>,
    ) -> Result<R> {
        let mut checkout = self.checkout(now)?;
        let result = match checkout.instance.as_deref_mut() {
            Some(instance) => self
                .replay_config(instance, sink)
                .and_then(|()| f(instance, sink)),
            None => Err(Error::new(
                ResultCode::Panic,
                "checked-out slot has no instance",
            )),
        };
        if let Err(e) = &result {
            if e.code().discards_instance() && checkout.instance.take().is_some() {
                self.shared
                    .stats
                    .instances_recycled
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }

    fn replay_config(&self, instance: &mut GuestInstance, sink: &mut dyn Sink) -> Result<()> {
        let newest = self.shared.config_generation.load(Ordering::Acquire);
        if instance.config_generation == newest {
            return Ok(());
        }
        let stored = self
            .lock_config()
            .as_ref()
            .map(|c| (c.generation, c.bytes.clone()));
        if let Some((generation, bytes)) = stored {
            self.shared
                .stats
                .register_replays
                .fetch_add(1, Ordering::Relaxed);
            instance.register(&bytes, sink).map_err(|e| {
                Error::new(
                    e.code(),
                    format!(
                        "replaying the registered config on a new instance: {}",
                        e.message()
                    ),
                )
            })?;
            instance.config_generation = generation;
        }
        Ok(())
    }

    /// Takes this thread's instance, creating it on first use.
    fn checkout(&self, now: Instant) -> Result<Checkout> {
        let shared = &self.shared;
        let mut checkout = thread_slots::checkout(HostRef {
            id: shared.id,
            alive: &|| Arc::downgrade(shared) as Weak<Shared>,
            idle_after: shared.limits.instance_idle,
            now,
        })?;
        if checkout.instance.is_none() {
            checkout.instance = Some(Box::new(GuestInstance::new(
                &shared.engine,
                &shared.module,
                shared.abi.version,
                shared.limits,
                shared.stats.clone(),
                shared.log_gate.clone(),
            )?));
        }
        Ok(checkout)
    }
}

fn invalid_event(e: prost::DecodeError) -> Error {
    Error::new(
        ResultCode::InvalidEvent,
        format!("event bytes do not decode as an Event: {e}"),
    )
}

impl Drop for Shared {
    /// Releases the calling thread's instance now, and those of other
    /// threads at their next call (`thread_slots`).
    fn drop(&mut self) {
        thread_slots::host_gone(self.id);
    }
}
