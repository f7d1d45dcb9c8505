//! The C API called directly from Rust: pointer checks, out-params, error
//! objects, callbacks with their call context.
mod common;

use common::*;
use eiw::ffi::*;
use eiw::{LogLevel, ResultCode};
use serde_json::json;
use std::ffi::{c_void, CStr};
use std::ptr::{null, null_mut};
use std::sync::Mutex;

/// What the callbacks saw: (call context, event bytes) and (context, level, line).
#[derive(Default)]
struct Seen {
    events: Mutex<Vec<(usize, Vec<u8>)>>,
    logs: Mutex<Vec<(usize, LogLevel, String)>>,
}

unsafe extern "C" fn on_emit(
    userdata: *mut c_void,
    ctx: *mut c_void,
    event: *const u8,
    len: usize,
) {
    let seen = unsafe { &*(userdata as *const Seen) };
    let bytes = unsafe { std::slice::from_raw_parts(event, len) }.to_vec();
    seen.events.lock().unwrap().push((ctx as usize, bytes));
}

unsafe extern "C" fn on_log(
    userdata: *mut c_void,
    ctx: *mut c_void,
    level: LogLevel,
    msg: *const u8,
    len: usize,
) {
    let seen = unsafe { &*(userdata as *const Seen) };
    let line = String::from_utf8(unsafe { std::slice::from_raw_parts(msg, len) }.to_vec()).unwrap();
    seen.logs.lock().unwrap().push((ctx as usize, level, line));
}

fn callbacks(seen: &Seen) -> eiw_callbacks {
    eiw_callbacks {
        userdata: seen as *const Seen as *mut c_void,
        emit: Some(on_emit),
        log: Some(on_log),
    }
}

/// Takes an error out-param: its code and message, then frees it.
fn take(err: *mut eiw_error) -> (ResultCode, String) {
    assert!(!err.is_null(), "an error object was returned");
    let out = (eiw_error_code(err), error_message(err));
    eiw_error_free(err);
    out
}

#[test]
fn process_delivers_emits_and_logs_with_the_call_context() {
    let seen = Seen::default();
    let cb = callbacks(&seen);
    let wasm = guest(
        r#"(drop (call $log (i32.const 1) (i32.const 16) (i32.const 2)))
           (drop (call $emit (local.get $ptr) (local.get $len)))
           (drop (call $emit (local.get $ptr) (local.get $len)))
           (i32.const 0)"#,
        r#"(data (i32.const 16) "ok")"#,
    );
    let host = ffi_host(&wasm, &cb);
    let event = event_bytes(json!({"message": "m"}));
    let rc = eiw_process(
        host,
        event.as_ptr(),
        event.len(),
        42 as *mut c_void,
        null_mut(),
    );
    assert_eq!(rc, ResultCode::Ok);
    assert_eq!(
        *seen.events.lock().unwrap(),
        vec![(42, event.clone()), (42, event.clone())]
    );
    assert_eq!(
        *seen.logs.lock().unwrap(),
        vec![(42, LogLevel::Info, "ok".to_string())]
    );
    eiw_free(host);
}

#[test]
fn register_and_abi_version_through_the_c_api() {
    let seen = Seen::default();
    let cb = callbacks(&seen);
    let host = ffi_host(&example("add_fields"), &cb);
    let (mut major, mut minor) = (9, 9);
    assert_eq!(
        eiw_host_abi_version(host, &mut major, &mut minor),
        ResultCode::Ok
    );
    assert_eq!((major, minor), (1, 1));
    assert_eq!(
        eiw_host_abi_version(host, null_mut(), &mut minor),
        ResultCode::NullArgument
    );

    let config = eiw::json::config_from_json(&json!({"field": "a.b", "value": true})).unwrap();
    let config = prost::Message::encode_to_vec(&config);
    let mut err = null_mut();
    assert_eq!(
        eiw_register(host, config.as_ptr(), config.len(), null_mut(), &mut err),
        ResultCode::Ok
    );
    assert!(err.is_null());
    let event = event_bytes(json!({"x": 1}));
    assert_eq!(
        eiw_process(
            host,
            event.as_ptr(),
            event.len(),
            7 as *mut c_void,
            null_mut()
        ),
        ResultCode::Ok
    );
    let events = seen.events.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, 7);
    assert_eq!(event_json(&events[0].1)["a"]["b"], true);
    drop(events);

    let rc = eiw_register(host, b"\xff".as_ptr(), 1, null_mut(), &mut err);
    assert_eq!(rc, ResultCode::InvalidConfig);
    assert_eq!(take(err).0, ResultCode::InvalidConfig);
    eiw_free(host);
}

#[test]
fn null_arguments_are_errors_with_messages() {
    let seen = Seen::default();
    let cb = callbacks(&seen);
    let wasm = echo_guest();
    let mut host = std::ptr::NonNull::<eiw_host>::dangling().as_ptr();
    let mut err = null_mut();

    let rc = eiw_host_new(
        wasm.as_ptr(),
        wasm.len(),
        null(),
        0,
        null(),
        &mut host,
        &mut err,
    );
    assert_eq!(rc, ResultCode::NullArgument);
    assert!(host.is_null(), "host_out is reset to NULL on entry");
    assert_eq!(
        take(err),
        (ResultCode::NullArgument, "`callbacks` is NULL".to_string())
    );

    let no_emit = eiw_callbacks { emit: None, ..cb };
    let rc = eiw_host_new(
        wasm.as_ptr(),
        wasm.len(),
        null(),
        0,
        &no_emit,
        &mut host,
        &mut err,
    );
    assert_eq!(rc, ResultCode::NullArgument);
    assert_eq!(take(err).1, "`callbacks->emit` is NULL");

    let rc = eiw_host_new(null(), 10, null(), 0, &cb, &mut host, &mut err);
    assert_eq!(
        take(err),
        (rc, "`wasm` is NULL but its length is 10".to_string())
    );

    let rc = eiw_host_new(null(), 0, null(), 0, &cb, &mut host, &mut err);
    assert_eq!(
        rc,
        ResultCode::InvalidModule,
        "(NULL, 0) is an empty module"
    );
    eiw_error_free(err);

    let rc = eiw_host_new(
        wasm.as_ptr(),
        wasm.len(),
        null(),
        0,
        &cb,
        null_mut(),
        null_mut(),
    );
    assert_eq!(rc, ResultCode::NullArgument, "a NULL error_out is allowed");

    let rc = eiw_process(null(), null(), 0, null_mut(), &mut err);
    assert_eq!(take(err), (rc, "`host` is NULL".to_string()));

    let host = ffi_host(&wasm, &cb);
    let rc = eiw_process(host, null(), 5, null_mut(), &mut err);
    assert_eq!(
        take(err),
        (rc, "`event` is NULL but its length is 5".to_string())
    );
    // (NULL, 0) is the empty Event, which the echo guest emits.
    assert_eq!(
        eiw_process(host, null(), 0, null_mut(), null_mut()),
        ResultCode::Ok
    );
    assert_eq!(seen.events.lock().unwrap().len(), 1);

    let rc = eiw_register(null(), null(), 0, null_mut(), &mut err);
    assert_eq!(take(err), (rc, "`host` is NULL".to_string()));

    eiw_free(host);
    eiw_free(null_mut());
    eiw_error_free(null_mut());
    assert_eq!(eiw_error_code(null()), ResultCode::NullArgument);
    assert_eq!(error_message(null()), "");
}

#[test]
fn errors_carry_code_and_message_and_the_host_serves_on() {
    let seen = Seen::default();
    let cb = callbacks(&seen);
    let host = ffi_host(&echo_guest(), &cb);
    let mut err = null_mut();
    let rc = eiw_process(host, b"\xff\xff".as_ptr(), 2, null_mut(), &mut err);
    assert_eq!(rc, ResultCode::InvalidEvent);
    let (code, msg) = take(err);
    assert_eq!(code, ResultCode::InvalidEvent);
    assert!(
        msg.starts_with("event bytes do not decode as an Event"),
        "{msg}"
    );
    let event = event_bytes(json!({"ok": 1}));
    assert_eq!(
        eiw_process(host, event.as_ptr(), event.len(), null_mut(), &mut err),
        ResultCode::Ok
    );
    assert!(
        err.is_null(),
        "error_out is reset on entry and stays NULL on success"
    );
    eiw_free(host);

    let bad = b"garbage";
    let mut host = null_mut();
    let rc = eiw_host_new(bad.as_ptr(), bad.len(), null(), 0, &cb, &mut host, &mut err);
    assert_eq!(rc, ResultCode::InvalidModule);
    assert!(host.is_null());
    assert!(take(err).1.contains("not WebAssembly"));
}

#[test]
fn result_names_and_version() {
    let name = |code: u32| {
        unsafe { CStr::from_ptr(eiw_result_name(code)) }
            .to_str()
            .unwrap()
    };
    assert_eq!(name(0), "EIW_RESULT_OK");
    assert_eq!(
        name(ResultCode::TrapStackOverflow as u32),
        "EIW_RESULT_TRAP_STACK_OVERFLOW"
    );
    assert_eq!(name(9999), "EIW_RESULT_UNKNOWN");
    let version = unsafe { CStr::from_ptr(eiw_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}
