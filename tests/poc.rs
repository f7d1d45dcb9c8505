//! ABI 0.x, the proof of concept's: detection, field access as JSON, and
//! the limits and recovery rules of 1.0 applied to 0.x modules.
mod common;

use common::*;
use eiw::proto::{Event, Kind};
use eiw::{Collect, Host, Limits, LogLevel, ResultCode};
use prost::Message;
use serde_json::json;

fn run(host: &Host, input: serde_json::Value) -> (eiw::Result<u32>, Collect) {
    let mut out = Collect::default();
    let result = host.process(&event_bytes(input), &mut out);
    (result, out)
}

fn poc() -> Host {
    Host::new(&example("poc"), Limits::default()).expect("0.x module loads")
}

#[test]
fn a_module_without_marker_and_with_process_of_no_parameters_is_0x() {
    let host = poc();
    assert!(host.abi().version.is_poc());
    assert_eq!(host.abi().version.to_string(), "0.x");
    assert!(!host.abi().has_register);
    let err = host.register(&[], &mut Collect::default()).unwrap_err();
    assert_eq!(err.code(), ResultCode::NoRegister);
}

#[test]
fn put_of_every_json_type() {
    let (result, out) = run(&poc(), json!({"case": "types"}));
    assert_eq!(result.unwrap(), 1, "the modified event is emitted once");
    let event = Event::decode(out.events[0].as_slice()).unwrap();
    let t = event.fields.unwrap().fields["t"]
        .as_struct()
        .unwrap()
        .clone();
    assert_eq!(t["string"].kind, Some(Kind::StringValue("text".into())));
    assert_eq!(t["int"].kind, Some(Kind::IntValue(42)));
    assert_eq!(t["negative"].kind, Some(Kind::IntValue(-7)));
    assert_eq!(t["float"].kind, Some(Kind::DoubleValue(2.5)));
    assert_eq!(
        t["whole_float"].kind,
        Some(Kind::DoubleValue(2.0)),
        "2.0 stays a float"
    );
    assert_eq!(t["big"].kind, Some(Kind::UintValue(u64::MAX)));
    assert_eq!(t["bool"].kind, Some(Kind::BoolValue(true)));
    assert!(
        matches!(t["null"].kind, Some(Kind::NullValue(_))),
        "null is a value, not a missing field"
    );
    assert_eq!(
        event_json(&out.events[0])["t"]["array"],
        json!([1, "a", null, [true]])
    );
    assert_eq!(
        event_json(&out.events[0])["t"]["object"],
        json!({"k": {"n": 1}})
    );
}

#[test]
fn get_of_existing_missing_and_nested_keys() {
    let input = json!({"case": "get", "message": "hi", "log": {"level": "warn"}});
    let (result, out) = run(&poc(), input);
    result.unwrap();
    assert_eq!(
        event_json(&out.events[0])["copy"],
        json!({"message": "hi", "level": "warn", "log": {"level": "warn"}, "missing_status": 3})
    );
}

#[test]
fn time_log_status_and_bad_json() {
    let host = poc();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let (result, out) = run(&host, json!({"case": "time"}));
    result.unwrap();
    let ns = event_json(&out.events[0])["event"]["ingested_ns"]
        .as_u64()
        .unwrap();
    assert!(
        ns >= before && ns < before + 60_000_000_000,
        "{ns} vs {before}"
    );

    let (result, out) = run(&host, json!({"case": "log"}));
    result.unwrap();
    assert_eq!(
        out.logs,
        vec![(LogLevel::Warn, "hello from 0.x".to_string())]
    );

    let (result, out) = run(&host, json!({"case": "fail"}));
    let err = result.unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestStatus);
    assert!(out.events.is_empty(), "a failed 0.x call emits nothing");

    let (result, out) = run(&host, json!({"case": "bad_json"}));
    result.unwrap();
    assert_eq!(event_json(&out.events[0])["copy"]["bad_json_status"], 2);

    let (result, out) = run(
        &host,
        json!({"case": "none", "@timestamp": "2026-11-30T08:15:00.120Z", "k": [1, 2.5]}),
    );
    result.unwrap();
    assert_eq!(
        event_json(&out.events[0]),
        json!({"case": "none", "@timestamp": "2026-11-30T08:15:00.120Z", "k": [1, 2.5]})
    );
}

#[test]
fn bad_pointers_fail_the_call_and_the_next_event_is_served() {
    let host = poc();
    let (result, out) = run(&host, json!({"case": "bad_pointer"}));
    let err = result.unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestBadPointer);
    assert!(
        err.message()
            .contains("elastic_get_field(-256, 4): range is outside guest memory"),
        "{err}"
    );
    assert!(out.events.is_empty());
    assert_eq!(run(&host, json!({"case": "none"})).0.unwrap(), 1);
}

const POC_IMPORTS: &str = r#"
  (import "elastic" "elastic_get_field" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "elastic" "elastic_put_field" (func $put (param i32 i32 i32 i32) (result i32)))
"#;

fn poc_wat(malloc: &str, process: &str) -> Vec<u8> {
    wat(&format!(
        r#"(module {POC_IMPORTS}
          (memory (export "memory") 1)
          (data (i32.const 16) "case")
          (func (export "malloc") (param i32) (result i32) {malloc})
          (func (export "process") (result i32) {process}))"#
    ))
}

#[test]
fn a_bad_malloc_during_get_field_is_caught() {
    // get_field("case") with results written at 100 and 104.
    let get = "(call $get (i32.const 16) (i32.const 4) (i32.const 100) (i32.const 104))";
    for (malloc, code) in [
        ("(i32.const 0)", ResultCode::GuestMalloc),
        ("(i32.const 65534)", ResultCode::GuestMalloc),
        ("unreachable", ResultCode::TrapUnreachable),
    ] {
        let host = Host::new(&poc_wat(malloc, get), Limits::default()).unwrap();
        let (result, out) = run(&host, json!({"case": "x"}));
        let err = result.unwrap_err();
        assert_eq!(err.code(), code, "{malloc}: {err}");
        assert!(out.events.is_empty());
    }
    let ok = Host::new(&poc_wat("(i32.const 2048)", get), Limits::default()).unwrap();
    assert_eq!(run(&ok, json!({"case": "x"})).0.unwrap(), 1);
}

#[test]
fn limits_and_recycling_apply_to_0x_modules() {
    let looping = poc_wat("(i32.const 2048)", "(loop $l (br $l)) (i32.const 0)");
    let host = Host::new(
        &looping,
        Limits {
            cpu_points_per_call: Some(100_000),
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(
        run(&host, json!({})).0.unwrap_err().code(),
        ResultCode::CpuExhausted
    );

    // Traps when the event has a field "boom"; recycled, then serves.
    let wasm = wat(&format!(
        r#"(module {POC_IMPORTS}
          (memory (export "memory") 1)
          (data (i32.const 32) "boom")
          (func (export "malloc") (param i32) (result i32) (i32.const 2048))
          (func (export "process") (result i32)
            (if (i32.eqz (call $get (i32.const 32) (i32.const 4) (i32.const 100) (i32.const 104)))
              (then unreachable))
            (i32.const 0)))"#
    ));
    let host = Host::new(&wasm, Limits::default()).unwrap();
    assert_eq!(
        run(&host, json!({"boom": 1})).0.unwrap_err().code(),
        ResultCode::TrapUnreachable
    );
    assert_eq!(run(&host, json!({"fine": 1})).0.unwrap(), 1);
    assert_eq!(host.stats().instances_recycled, 1);
}

fn abi_error(text: &str, needle: &str) {
    let err = Host::new(&wat(text), Limits::default())
        .err()
        .expect("rejected");
    assert_eq!(err.code(), ResultCode::AbiMismatch, "{err}");
    assert!(err.message().contains(needle), "{needle:?} not in {err}");
}

#[test]
fn ambiguous_modules_are_rejected_with_what_they_look_like() {
    abi_error(
        r#"(module (memory (export "memory") 1)
            (func (export "elastic_ingest_wasm_abi_1_0"))
            (func (export "malloc") (param i32) (result i32) (i32.const 8))
            (func (export "process") (result i32) (i32.const 0)))"#,
        "declares ABI 1.0 but its `process` takes no parameters, as in ABI 0.x",
    );
    abi_error(
        r#"(module (memory (export "memory") 1)
            (func (export "malloc") (param i32) (result i32) (i32.const 8))
            (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#,
        "looks like ABI 1.0 (`process` takes (ptr, len)) but has no ABI marker",
    );
    abi_error(
        r#"(module (import "elastic" "elastic_emit_event" (func (param i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "malloc") (param i32) (result i32) (i32.const 8))
            (func (export "process") (result i32) (i32.const 0)))"#,
        "`elastic.elastic_emit_event`, which belongs to ABI 1.x, but it has no ABI marker",
    );
    abi_error(
        r#"(module (import "elastic" "elastic_get_field" (func (param i32 i32 i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "elastic_ingest_wasm_abi_1_0"))
            (func (export "malloc") (param i32) (result i32) (i32.const 8))
            (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#,
        "`elastic.elastic_get_field`, which belongs to ABI 0.x, but it declares ABI 1.0",
    );
    abi_error(
        r#"(module (import "elastic" "elastic_get_current_time_nanoseconds" (func (result i64)))
            (memory (export "memory") 1)
            (func (export "malloc") (param i32) (result i32) (i32.const 8))
            (func (export "process") (result i32) (i32.const 0)))"#,
        "import `elastic.elastic_get_current_time_nanoseconds` must be a function [I32] -> [I32]",
    );
    abi_error(
        r#"(module (memory (export "memory") 1)
            (func (export "process") (result i32) (i32.const 0)))"#,
        "does not export `malloc`",
    );
}
