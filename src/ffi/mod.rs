//! The C API: every `extern "C"` function of eiw is in this folder. Each one
//! checks its pointers, calls the safe core, and converts the result, inside
//! a panic boundary.
#![allow(non_camel_case_types)]
// These are C entry points: their pointer contracts are written in the
// header, and Rust code uses the safe core instead.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
mod error;
mod format;
mod handle;
mod host;

pub use error::{eiw_error, eiw_error_code, eiw_error_free, eiw_error_message, eiw_result_name};
pub use format::{
    eiw_config_to_protobuf, eiw_event_from_protobuf, eiw_event_to_protobuf,
    eiw_host_options_from_json,
};
pub use host::{
    eiw_batch_event, eiw_bytes_free, eiw_callbacks, eiw_emit_callback, eiw_free, eiw_host,
    eiw_host_abi_version, eiw_host_new, eiw_host_stats, eiw_log_callback, eiw_process,
    eiw_process_batch, eiw_register, eiw_register_protobuf, eiw_thread_release,
};

use std::ffi::c_char;

/// Major version of the eiw library (Cargo.toml); a test checks they agree.
pub const EIW_VERSION_MAJOR: u32 = 0;
/// Minor version of the eiw library.
pub const EIW_VERSION_MINOR: u32 = 1;
/// Patch version of the eiw library.
pub const EIW_VERSION_PATCH: u32 = 0;
/// Major version of the guest ABI this library implements.
pub const EIW_ABI_VERSION_MAJOR: u32 = 1;
/// Newest minor version of the guest ABI this library implements.
pub const EIW_ABI_VERSION_MINOR: u32 = 1;

/// The library version as a NUL-terminated string such as "0.1.0", for
/// programs that `dlopen` eiw and cannot rely on the header's macros.
/// The string is static: do not free it.
#[no_mangle]
pub extern "C" fn eiw_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
