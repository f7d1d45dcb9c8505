//! eiw runs user-supplied WebAssembly modules on log and observability events.
//!
//! The safe core: [`Host`] compiles a module, checks it against the guest
//! ABI (docs/ABI.md), and runs `register` and `process` on it from any number
//! of threads, delivering what the guest emits and logs to a [`Sink`].
//! The C API lives in [`ffi`] and only converts arguments for the core.
pub mod abi;
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
pub mod sink;
mod stats;
pub mod validate;

pub use abi::{AbiVersion, LogLevel, ModuleAbi};
pub use eiw_proto as proto;
pub use error::{Error, Result, ResultCode};
pub use host::Host;
pub use limits::Limits;
pub use sink::{Collect, CollectBatch, Sink};

/// The crate version, as `eiw_version()` reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
