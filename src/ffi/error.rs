//! Owned error objects handed to C callers.
use super::boundary::run_quietly;
use crate::error::{Error, ResultCode};
use std::ffi::{c_char, CString};

/// An error returned through an `eiw_error **error_out` parameter: a result
/// code and a message. Errors are owned objects, never thread-local state, so
/// they can be read on any thread (cgo callers move between threads).
///
/// Methods: `eiw_error_code`, `eiw_error_message`.
/// Freed by `eiw_error_free`.
pub struct eiw_error {
    code: ResultCode,
    message: CString,
}

impl From<Error> for eiw_error {
    fn from(error: Error) -> Self {
        let text = error.message().replace('\0', "\\0");
        eiw_error {
            code: error.code(),
            message: CString::new(text).unwrap_or_default(),
        }
    }
}

/// The result code of `error`; `EIW_RESULT_NULL_ARGUMENT` if `error` is NULL.
#[no_mangle]
pub extern "C" fn eiw_error_code(error: *const eiw_error) -> ResultCode {
    // SAFETY: NULL or an error from eiw that has not been freed.
    unsafe { error.as_ref() }.map_or(ResultCode::NullArgument, |e| e.code)
}

/// The message of `error`, NUL-terminated UTF-8, valid until
/// `eiw_error_free(error)`. Returns "" if `error` is NULL.
#[no_mangle]
pub extern "C" fn eiw_error_message(error: *const eiw_error) -> *const c_char {
    // SAFETY: NULL or an error from eiw that has not been freed.
    match unsafe { error.as_ref() } {
        Some(e) => e.message.as_ptr(),
        None => c"".as_ptr(),
    }
}

/// Frees an error. `eiw_error_free(NULL)` does nothing.
#[no_mangle]
pub extern "C" fn eiw_error_free(error: *mut eiw_error) {
    if !error.is_null() {
        // SAFETY: an error from eiw, freed once.
        run_quietly(|| drop(unsafe { Box::from_raw(error) }));
    }
}

/// The name of a result code as a static NUL-terminated string, for
/// example "EIW_RESULT_TRAP_UNREACHABLE"; "EIW_RESULT_UNKNOWN" for a value
/// this version does not know.
#[no_mangle]
pub extern "C" fn eiw_result_name(result: u32) -> *const c_char {
    ResultCode::from_u32(result)
        .map_or(c"EIW_RESULT_UNKNOWN", ResultCode::c_name)
        .as_ptr()
}
