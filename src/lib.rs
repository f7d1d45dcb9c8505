//! eiw runs user-supplied WebAssembly modules on log and observability events.
//!
//! The safe core: [`Host`] compiles a module, checks it against the guest
//! ABI (docs/ABI.md), and runs `register` and `process` on it from any number
//! of threads, delivering what the guest emits and logs to a [`Sink`].
//! The C API lives in [`ffi`] and only converts arguments for the core.
pub mod abi;
mod bounded_memory;
mod engine;
pub mod error;
pub mod ffi;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
mod host;
mod host_calls;
mod host_format;
mod instance;
pub mod json;
pub mod limits;
mod log_gate;
mod memory_cap;
mod metering;
pub mod module_cache;
mod module_check;
pub mod options_json;
mod poc;
mod poc_calls;
pub mod sink;
mod stats;
mod thread_slots;
pub mod validate;

pub use abi::{AbiVersion, LogLevel, ModuleAbi};
pub use eiw_proto as proto;
pub use error::{Error, Result, ResultCode};
pub use host::Host;
pub use limits::{Limits, MemoryReservation};
pub use sink::{Collect, CollectBatch, Sink};
pub use thread_slots::release_thread;

/// The crate version, as `eiw_version()` reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
