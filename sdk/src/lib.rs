//! The eiw guest SDK: write an event-processing module in Rust, build it for
//! `wasm32-unknown-unknown`, and run it in any eiw host.
//!
//! ```ignore
//! use eiw_sdk::{Config, Error, EventPatch, Module};
//!
//! struct Tag { value: String }
//!
//! impl Module for Tag {
//!     fn new(config: &Config) -> Result<Self, Error> {
//!         Ok(Tag { value: config.get_str("value").unwrap_or("none").into() })
//!     }
//!     fn process_patch(&mut self, mut event: EventPatch<'_>) -> Result<(), Error> {
//!         event.put("labels.tag", self.value.as_str())?;
//!         event.emit()
//!     }
//! }
//! eiw_sdk::export_module!(Tag);
//! ```
//!
//! Two event APIs: [`EventPatch`] (the [`wire`] module) reads and edits the
//! serialized event where it lies; [`Event`] is the decoded tree.
//!
//! The SDK implements the guest side of docs/ABI.md (ABI 1.1): the marker,
//! `malloc`, `input_buffer`, `register`, `process` and `process_batch`. On targets other than wasm32 the host
//! functions are replaced by recording stubs (see [`testing`]), so module
//! logic has ordinary unit tests.

mod call_arena;
mod config;
mod error;
mod event;
#[doc(hidden)]
pub mod glue;
mod host;
pub mod wire;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: call_arena::CallArena = call_arena::CallArena;

pub use config::Config;
pub use eiw_proto as proto;
pub use eiw_proto::{Kind, Timestamp, Value};
pub use error::{Error, Status};
pub use event::Event;
pub use host::{critical, debug, emit, emit_raw, error, info, log, now, now_nanos, warn, Level};
pub use wire::{EventPatch, EventView, KindRef, ListView, StructView, ValueRef};

#[cfg(not(target_arch = "wasm32"))]
pub use host::testing;

/// A module: built once from its config, then called once per event.
///
/// Implement [`Module::process`] to work on the decoded tree ([`Event`]),
/// or [`Module::process_patch`] to read and edit the event where it lies
/// ([`EventPatch`]: a few times faster on realistic events).
pub trait Module: Sized + 'static {
    /// Builds the module from the config given to `register`. If the host
    /// processes events before any `register`, it is called with an empty
    /// config.
    fn new(config: &Config) -> Result<Self, Error>;

    /// Handles one event: call [`emit`] for each event to pass on (none
    /// drops it). An error fails this event with the error's status; the
    /// SDK logs the message at error level.
    fn process(&mut self, event: Event) -> Result<(), Error> {
        let _ = event;
        Err(Error::new(
            "the module implements neither Module::process nor Module::process_patch",
        ))
    }

    /// Handles one event over its serialized bytes: call
    /// [`EventPatch::emit`] for each event to pass on. The default decodes
    /// the event and calls [`Module::process`].
    fn process_patch(&mut self, event: EventPatch<'_>) -> Result<(), Error> {
        self.process(event.to_event()?)
    }

    /// Handles one serialized event. The default calls
    /// [`Module::process_patch`]; a module that passes bytes through can
    /// override it.
    fn process_raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.process_patch(EventPatch::new(bytes))
    }
}

/// Exports a [`Module`] type as the guest ABI: the ABI marker, `malloc`,
/// `input_buffer`, `register`, `process` and `process_batch`. Use it once per module crate.
#[macro_export]
macro_rules! export_module {
    ($module:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            static STATE: $crate::glue::State<$module> = $crate::glue::State::new();

            #[no_mangle]
            pub extern "C" fn elastic_ingest_wasm_abi_1_1() {}

            #[no_mangle]
            pub extern "C" fn malloc(size: usize) -> *mut u8 {
                $crate::glue::malloc(size)
            }

            #[no_mangle]
            pub extern "C" fn input_buffer(size: usize) -> *mut u8 {
                $crate::glue::input_buffer(size)
            }

            #[no_mangle]
            pub unsafe extern "C" fn register(ptr: *mut u8, len: usize) -> i32 {
                // SAFETY: the host passes a buffer from `malloc` and its length.
                unsafe { STATE.register(ptr, len) }
            }

            #[no_mangle]
            pub unsafe extern "C" fn process(ptr: *mut u8, len: usize) -> i32 {
                // SAFETY: as above.
                unsafe { STATE.process(ptr, len) }
            }

            #[no_mangle]
            pub unsafe extern "C" fn process_batch(ptr: *mut u8, len: usize) -> i32 {
                // SAFETY: as above.
                unsafe { STATE.process_batch(ptr, len) }
            }
        };
    };
}
