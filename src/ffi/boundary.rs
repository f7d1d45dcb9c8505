//! Pointer checks and the panic boundary shared by every C entry point.
use super::error::eiw_error;
use crate::error::{Error, Result, ResultCode};
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning an error or a panic into a result code and, when
/// `error_out` is not NULL, an owned `eiw_error`. `*error_out` is set to
/// NULL on entry.
pub(crate) fn run(error_out: *mut *mut eiw_error, f: impl FnOnce() -> Result<()>) -> ResultCode {
    if !error_out.is_null() {
        // SAFETY: the caller passes NULL or a writable `eiw_error *` slot.
        unsafe { *error_out = std::ptr::null_mut() };
    }
    let result =
        catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(panic_error(payload)));
    match result {
        Ok(()) => ResultCode::Ok,
        Err(error) => {
            let code = error.code();
            if !error_out.is_null() {
                // SAFETY: as above.
                unsafe { *error_out = Box::into_raw(Box::new(eiw_error::from(error))) };
            }
            code
        }
    }
}

/// Runs `f` and swallows a panic, for functions that return no result.
pub(crate) fn run_quietly(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

pub(crate) fn panic_error(payload: Box<dyn Any + Send>) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Error::new(
        ResultCode::Panic,
        format!("eiw panicked (a bug in eiw): {what}"),
    )
}

pub(crate) fn null_argument(name: &str) -> Error {
    Error::new(ResultCode::NullArgument, format!("`{name}` is NULL"))
}

/// The bytes at (ptr, len): (NULL, 0) is empty; NULL with a length is an
/// error naming `name` (formatted only then).
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes for `'a`.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: impl std::fmt::Display,
) -> Result<&'a [u8]> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Error::new(
            ResultCode::NullArgument,
            format!("`{name}` is NULL but its length is {len}"),
        ));
    }
    // SAFETY: guaranteed by the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_panic_result_with_its_message() {
        let mut error = std::ptr::null_mut();
        let code = run(&mut error, || panic!("host function exploded"));
        assert_eq!(code, ResultCode::Panic);
        let error = unsafe { Box::from_raw(error) };
        let message = unsafe { std::ffi::CStr::from_ptr(super::super::eiw_error_message(&*error)) };
        assert_eq!(
            message.to_str().unwrap(),
            "eiw panicked (a bug in eiw): host function exploded"
        );
    }

    #[test]
    fn success_leaves_the_error_out_param_null() {
        let mut error = std::ptr::NonNull::<eiw_error>::dangling().as_ptr();
        assert_eq!(run(&mut error, || Ok(())), ResultCode::Ok);
        assert!(error.is_null());
    }
}
