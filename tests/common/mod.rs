//! Helpers shared by the integration tests: example modules, WAT guests,
//! events as JSON.
#![allow(dead_code)]
use eiw::json::{event_from_json, event_to_json};
use eiw::proto::Event;
use prost::Message;
use serde_json::Value as Json;
use std::path::PathBuf;

/// The compiled example module `name` (built by `make wasm`).
pub fn example(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("EIW_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/wasm32-unknown-unknown/release")
        });
    let path = dir.join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (build the examples with `make wasm`)",
            path.display()
        )
    })
}

pub fn event_bytes(json: Json) -> Vec<u8> {
    event_from_json(&json).expect("test event").encode_to_vec()
}

pub fn event_json(bytes: &[u8]) -> Json {
    event_to_json(&Event::decode(bytes).expect("emitted event decodes"))
}

pub const IMPORTS: &str = r#"
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (import "elastic" "elastic_log" (func $log (param i32 i32 i32) (result i32)))
"#;

/// A guest in WAT with the standard exports: a one-page memory, the ABI
/// 1.0 marker, a `malloc` that always returns 1024, and `process` with the
/// given body (params $ptr $len, result i32). `extra` adds module fields.
pub fn guest(process_body: &str, extra: &str) -> Vec<u8> {
    wat(&format!(
        r#"(module
  {IMPORTS}
  (memory (export "memory") 1)
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "process") (param $ptr i32) (param $len i32) (result i32)
    {process_body})
  {extra}
)"#
    ))
}

pub fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("bad test WAT: {e}\n{text}"))
}

/// A guest that emits its input unchanged.
pub fn echo_guest() -> Vec<u8> {
    guest(
        "(drop (call $emit (local.get $ptr) (local.get $len))) (i32.const 0)",
        "",
    )
}

/// A host made through the C API, with default options; panics with the
/// error's message if it cannot be made.
pub fn ffi_host(wasm: &[u8], callbacks: &eiw::ffi::eiw_callbacks) -> *mut eiw::ffi::eiw_host {
    let (mut host, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
    let rc = eiw::ffi::eiw_host_new(
        wasm.as_ptr(),
        wasm.len(),
        std::ptr::null(),
        0,
        callbacks,
        &mut host,
        &mut err,
    );
    assert_eq!(rc, eiw::ResultCode::Ok, "{}", error_message(err));
    assert!(err.is_null() && !host.is_null());
    host
}

/// The message of a C API error ("" for NULL).
pub fn error_message(err: *const eiw::ffi::eiw_error) -> String {
    unsafe { std::ffi::CStr::from_ptr(eiw::ffi::eiw_error_message(err)) }
        .to_str()
        .unwrap()
        .to_string()
}

/// A batch's results as what a caller compares: the emit count, or the
/// error's code.
pub fn result_codes(results: &[eiw::Result<u32>]) -> Vec<Result<u32, eiw::ResultCode>> {
    results
        .iter()
        .map(|r| r.as_ref().map_err(|e| e.code()).copied())
        .collect()
}
