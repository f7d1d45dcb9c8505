//! ABI 1.1 `input_buffer`: the host writes inputs that fit into a buffer the
//! guest keeps, instead of calling `malloc` for each; larger inputs still go
//! through `malloc`; a bad buffer fails at load; 1.0 modules are not asked.
mod common;

use common::*;
use eiw::{Collect, Host, Limits, ResultCode};
use serde_json::json;

/// A host of a guest with `marker` whose `input_buffer` returns `buffer`
/// (for any size) and whose `malloc` traps, so a call that reaches
/// `malloc` fails visibly; `process` emits its input.
fn host_with_buffer(marker: &str, buffer: &str) -> eiw::Result<Host> {
    let wasm = wat(&format!(
        r#"(module
  {IMPORTS}
  (memory (export "memory") 4)
  (func (export "{marker}"))
  (func (export "input_buffer") (param i32) (result i32) {buffer})
  (func (export "malloc") (param i32) (result i32) unreachable)
  (func (export "process") (param $ptr i32) (param $len i32) (result i32)
    (drop (call $emit (local.get $ptr) (local.get $len)))
    (i32.const 0))
)"#
    ));
    Host::new(&wasm, Limits::default())
}

/// The error of processing a small event: a trap in `malloc` when the
/// host did not use a buffer.
fn small_event_error(host: &Host) -> eiw::Error {
    host.process(
        &event_bytes(json!({"message": "hi"})),
        &mut Collect::default(),
    )
    .unwrap_err()
}

fn big_event() -> Vec<u8> {
    event_bytes(json!({ "message": "x".repeat(70 * 1024) }))
}

#[test]
fn inputs_that_fit_are_written_to_the_buffer_without_malloc() {
    let host = host_with_buffer("elastic_ingest_wasm_abi_1_1", "(i32.const 1024)").unwrap();
    assert!(host.abi().has_input_buffer);
    for i in 0..3 {
        let event = event_bytes(json!({ "message": format!("event {i}") }));
        let mut out = Collect::default();
        assert_eq!(host.process(&event, &mut out).unwrap(), 1);
        assert_eq!(out.events, vec![event]);
    }
    // 70 KiB is more than the 64 KiB buffer: it goes through `malloc`.
    let error = host
        .process(&big_event(), &mut Collect::default())
        .unwrap_err();
    assert_eq!(error.code(), ResultCode::TrapUnreachable);
    assert!(error.message().contains("malloc"), "{}", error.message());
}

#[test]
fn a_buffer_of_0_declines_and_every_input_goes_through_malloc() {
    let host = host_with_buffer("elastic_ingest_wasm_abi_1_1", "(i32.const 0)").unwrap();
    let error = small_event_error(&host);
    assert_eq!(error.code(), ResultCode::TrapUnreachable);
}

#[test]
fn a_1_0_module_is_not_asked_for_a_buffer() {
    let host = host_with_buffer("elastic_ingest_wasm_abi_1_0", "(i32.const 1024)").unwrap();
    assert!(!host.abi().has_input_buffer);
    let error = small_event_error(&host);
    assert_eq!(error.code(), ResultCode::TrapUnreachable);
}

#[test]
fn a_buffer_outside_memory_or_a_trap_fails_the_load_with_its_reason() {
    // Four pages are 262144 bytes: a 64 KiB buffer at 250000 does not fit.
    let error = host_with_buffer("elastic_ingest_wasm_abi_1_1", "(i32.const 250000)")
        .err()
        .unwrap();
    assert_eq!(error.code(), ResultCode::GuestMalloc);
    assert_eq!(
        error.message(),
        "`input_buffer(65536)` returned 250000, which does not fit 65536 bytes in guest memory of 262144 bytes"
    );
    let error = host_with_buffer("elastic_ingest_wasm_abi_1_1", "unreachable")
        .err()
        .unwrap();
    assert_eq!(error.code(), ResultCode::TrapUnreachable);
    assert!(
        error.message().contains("input_buffer"),
        "{}",
        error.message()
    );
}

#[test]
fn sdk_modules_use_the_buffer_and_malloc_for_larger_inputs() {
    let host = Host::new(&example("passthrough"), Limits::default()).unwrap();
    assert!(host.abi().has_input_buffer);
    for event in [
        event_bytes(json!({"message": "small"})),
        big_event(),
        event_bytes(json!({"message": "small again"})),
    ] {
        let mut out = Collect::default();
        assert_eq!(host.process(&event, &mut out).unwrap(), 1);
        assert_eq!(out.events, vec![event]);
    }
}
