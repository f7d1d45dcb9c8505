//! The safe core end to end: examples, the ABI check, host functions,
//! config replay and instance recycling, threads.
mod common;

use common::*;
use eiw::proto::{Config, HostOptions};
use eiw::{Collect, Host, Limits, LogLevel, ResultCode, Sink};
use prost::Message;
use serde_json::json;

fn host(wasm: &[u8]) -> Host {
    Host::new(wasm, Limits::default()).expect("host")
}

fn new_error(wasm: &[u8]) -> eiw::Error {
    Host::new(wasm, Limits::default())
        .err()
        .expect("Host::new should fail")
}

fn config(json: serde_json::Value) -> Vec<u8> {
    eiw::json::config_from_json(&json).unwrap().encode_to_vec()
}

fn sample() -> serde_json::Value {
    json!({"@timestamp": "2026-11-30T08:15:00.120Z", "message": "GET / 200",
           "log": {"level": "info"}, "host": {"name": "web-1"}})
}

// --- the examples ---------------------------------------------------------

#[test]
fn passthrough_emits_the_input_bytes_unchanged() {
    let host = host(&example("passthrough"));
    let input = event_bytes(sample());
    let mut out = Collect::default();
    assert_eq!(host.process(&input, &mut out).unwrap(), 1);
    assert_eq!(out.events, vec![input]);
}

#[test]
fn add_fields_sets_ingested_time_and_the_configured_field() {
    let host = host(&example("add_fields"));
    let mut out = Collect::default();
    host.register(
        &config(json!({"field": "labels.env", "value": "prod"})),
        &mut out,
    )
    .unwrap();
    let before = std::time::SystemTime::now();
    host.process(&event_bytes(sample()), &mut out).unwrap();
    let after = std::time::SystemTime::now();
    assert_eq!(out.events.len(), 1);
    let got = event_json(&out.events[0]);
    assert_eq!(got["labels"]["env"], "prod");
    assert_eq!(got["message"], "GET / 200");
    assert_eq!(got["@timestamp"], "2026-11-30T08:15:00.120Z");
    let ingested = eiw::json::parse_rfc3339(got["event"]["ingested"].as_str().unwrap()).unwrap();
    let ingested = std::time::UNIX_EPOCH
        + std::time::Duration::new(ingested.seconds as u64, ingested.nanos as u32);
    assert!(
        before <= ingested && ingested <= after,
        "host clock reached the guest"
    );
}

#[test]
fn add_fields_rejects_a_config_without_field() {
    let host = host(&example("add_fields"));
    let mut out = Collect::default();
    let err = host
        .register(&config(json!({"value": 1})), &mut out)
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestStatus);
    assert!(
        err.message()
            .contains("`register` returned status 2 (invalid argument)"),
        "{err}"
    );
    assert_eq!(out.logs.len(), 1);
    assert_eq!(out.logs[0].0, LogLevel::Error);
    assert!(out.logs[0].1.contains("`field`"), "{:?}", out.logs);
}

#[test]
fn drop_debug_drops_only_debug_events() {
    let host = host(&example("drop_debug"));
    let mut out = Collect::default();
    let debug = event_bytes(json!({"message": "noise", "log": {"level": "debug"}}));
    assert_eq!(host.process(&debug, &mut out).unwrap(), 0);
    let info = event_bytes(sample());
    assert_eq!(host.process(&info, &mut out).unwrap(), 1);
    assert_eq!(out.events, vec![info]);
}

#[test]
fn split_emits_one_event_per_message() {
    let host = host(&example("split"));
    let mut out = Collect::default();
    let input = json!({"messages": ["a", "b", "c"], "host": {"name": "h"}});
    assert_eq!(host.process(&event_bytes(input), &mut out).unwrap(), 3);
    let got: Vec<_> = out.events.iter().map(|e| event_json(e)).collect();
    assert_eq!(
        got,
        vec![
            json!({"message": "a", "host": {"name": "h"}}),
            json!({"message": "b", "host": {"name": "h"}}),
            json!({"message": "c", "host": {"name": "h"}}),
        ]
    );
}

#[test]
fn rename_moves_message_to_event_original() {
    let host = host(&example("rename"));
    let mut out = Collect::default();
    host.process(&event_bytes(json!({"message": "m", "x": 1})), &mut out)
        .unwrap();
    assert_eq!(
        event_json(&out.events[0]),
        json!({"event": {"original": "m"}, "x": 1})
    );
}

// --- loading: bad modules and the ABI check --------------------------------

#[test]
fn module_bytes_that_are_not_wasm_are_rejected() {
    let err = new_error(b"definitely not wasm");
    assert_eq!(err.code(), ResultCode::InvalidModule);
    assert!(err.message().contains("not WebAssembly"), "{err}");
    let err = new_error(b"\0asm\x01\0\0\0\xff\xff");
    assert_eq!(err.code(), ResultCode::InvalidModule);
    assert!(err.message().contains("not valid WebAssembly"), "{err}");
}

fn abi_error(wasm: &[u8], needle: &str) {
    let err = new_error(wasm);
    assert_eq!(err.code(), ResultCode::AbiMismatch, "{err}");
    assert!(
        err.message().contains(needle),
        "expected {needle:?} in {err}"
    );
}

#[test]
fn missing_required_exports_are_named() {
    let marker = r#"(func (export "elastic_ingest_wasm_abi_1_0"))"#;
    let mem = r#"(memory (export "memory") 1)"#;
    let malloc = r#"(func (export "malloc") (param i32) (result i32) (i32.const 8))"#;
    let process = r#"(func (export "process") (param i32 i32) (result i32) (i32.const 0))"#;
    abi_error(
        &wat(&format!("(module {marker} {mem} {malloc})")),
        "does not export `process`",
    );
    abi_error(
        &wat(&format!("(module {marker} {mem} {process})")),
        "does not export `malloc`",
    );
    abi_error(
        &wat(&format!("(module {marker} {malloc} {process})")),
        "does not export `memory`",
    );
    abi_error(
        &wat(&format!("(module {mem} {malloc} {process})")),
        "no ABI marker",
    );
}

#[test]
fn wrongly_typed_exports_are_named() {
    let wasm = wat(r#"(module (memory (export "memory") 1)
        (func (export "elastic_ingest_wasm_abi_1_0"))
        (func (export "malloc") (param i32) (result i32) (i32.const 8))
        (func (export "process") (param i32) (result i32) (i32.const 0)))"#);
    abi_error(
        &wasm,
        "export `process` must be a function [I32, I32] -> [I32], found a function [I32] -> [I32]",
    );
    let wasm = wat(r#"(module (memory (export "memory") 1)
        (func (export "elastic_ingest_wasm_abi_1_0"))
        (func (export "malloc") (param i32) (result i32) (i32.const 8))
        (func (export "process") (param i32 i32) (result i32) (i32.const 0))
        (global (export "register") i32 (i32.const 0)))"#);
    abi_error(
        &wasm,
        "export `register` must be a function [I32, I32] -> [I32], found a global",
    );
}

#[test]
fn abi_versions_other_than_1_0_are_rejected() {
    for (marker, needle) in [
        (
            "elastic_ingest_wasm_abi_2_0",
            "requires ABI 2.0; this host supports ABI 1.0 to 1.1",
        ),
        ("elastic_ingest_wasm_abi_1_99", "requires ABI 1.99"),
        ("elastic_ingest_wasm_abi_one", "is not of the form"),
    ] {
        let wasm = wat(&format!(
            r#"(module (memory (export "memory") 1)
            (func (export "{marker}"))
            (func (export "malloc") (param i32) (result i32) (i32.const 8))
            (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#
        ));
        abi_error(&wasm, needle);
    }
}

#[test]
fn imports_the_host_does_not_provide_are_named() {
    let wasm = wat(r#"(module (import "env" "abort" (func (param i32)))
        (memory (export "memory") 1)
        (func (export "elastic_ingest_wasm_abi_1_0"))
        (func (export "malloc") (param i32) (result i32) (i32.const 8))
        (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#);
    abi_error(
        &wasm,
        "imports `env.abort`, which the host does not provide",
    );
    let wasm = wat(
        r#"(module (import "elastic" "elastic_log" (func (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "elastic_ingest_wasm_abi_1_0"))
        (func (export "malloc") (param i32) (result i32) (i32.const 8))
        (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#,
    );
    abi_error(
        &wasm,
        "import `elastic.elastic_log` must be a function [I32, I32, I32] -> [I32]",
    );
}

#[test]
fn a_start_function_that_traps_fails_at_load() {
    let wasm = guest("(i32.const 0)", "(func $boom unreachable) (start $boom)");
    let err = new_error(&wasm);
    assert_eq!(err.code(), ResultCode::InstantiationFailed);
    assert!(err.message().contains("start function"), "{err}");
}

#[test]
fn compile_threads_come_from_host_options() {
    let options = HostOptions {
        compile_threads: 1,
        ..Default::default()
    }
    .encode_to_vec();
    let host = Host::from_options(&example("add_fields"), &options).unwrap();
    assert_eq!(host.limits().compile_threads.map(|n| n.get()), Some(1));
    assert_eq!(
        Host::from_options(&example("add_fields"), &[])
            .unwrap()
            .limits()
            .compile_threads,
        None
    );
    let mut out = Collect::default();
    assert_eq!(host.process(&event_bytes(sample()), &mut out).unwrap(), 1);
}

#[test]
fn bad_host_options_are_rejected() {
    let err = Host::from_options(&echo_guest(), b"\xff\xff\xff")
        .err()
        .unwrap();
    assert_eq!(err.code(), ResultCode::InvalidOptions);
    let options = HostOptions {
        max_emits_per_call: 7,
        ..Default::default()
    }
    .encode_to_vec();
    let host = Host::from_options(&echo_guest(), &options).unwrap();
    assert_eq!(host.limits().max_emits_per_call, 7);
    assert_eq!(
        host.limits().max_event_bytes,
        Limits::default().max_event_bytes
    );
    // no_emits: max_emits_per_call is 0 (left at 0, it means 1024).
    let options = HostOptions {
        no_emits: true,
        ..Default::default()
    }
    .encode_to_vec();
    let host = Host::from_options(&echo_guest(), &options).unwrap();
    let mut out = Collect::default();
    let err = host.process(&event_bytes(sample()), &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::EmitLimit);
    assert!(out.events.is_empty());
}

// --- calls: bad input and hostile guests ------------------------------------

#[test]
fn event_bytes_that_do_not_decode_are_rejected_and_the_next_event_served() {
    let host = host(&echo_guest());
    let mut out = Collect::default();
    let err = host.process(b"\xff\xff\xff\xff", &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::InvalidEvent);
    assert!(out.events.is_empty());
    host.process(&event_bytes(sample()), &mut out).unwrap();
    assert_eq!(out.events.len(), 1);
}

/// `trusted_input`: the input is not checked; a guest that decodes it
/// fails with its own status, a passthrough passes it on as it came, and
/// emits that differ from the input are still checked.
#[test]
fn trusted_input_skips_the_input_check_but_not_the_emit_check() {
    let trusted = |wasm: &[u8]| {
        let options = HostOptions {
            trusted_input: true,
            ..Default::default()
        };
        Host::from_options(wasm, &options.encode_to_vec()).unwrap()
    };
    let bad = b"\xff\xff\xff\xff".to_vec();
    let passthrough = trusted(&example("passthrough"));
    assert!(passthrough.limits().trusted_input);
    let mut out = Collect::default();
    assert_eq!(passthrough.process(&bad, &mut out).unwrap(), 1);
    assert_eq!(out.events, vec![bad.clone()]);

    let add_fields = trusted(&example("add_fields"));
    add_fields
        .register(
            &config(json!({"field": "labels.env", "value": "prod"})),
            &mut Collect::default(),
        )
        .unwrap();
    let mut out = Collect::default();
    let err = add_fields.process(&bad, &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestStatus);
    assert!(out.events.is_empty());
    assert_eq!(
        add_fields
            .process(&event_bytes(sample()), &mut out)
            .unwrap(),
        1
    );
    assert_eq!(add_fields.stats().events_failed, 1);

    // Emits ff ff ff: not the input, so checked.
    let wasm = guest(
        "(i32.store (i32.const 16) (i32.const 0xffffff))
         (call $emit (i32.const 16) (i32.const 3))",
        "",
    );
    let err = trusted(&wasm)
        .process(&event_bytes(sample()), &mut Collect::default())
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::InvalidEmit);
}

#[test]
fn oversized_events_are_rejected() {
    let limits = Limits {
        max_event_bytes: 64,
        ..Limits::default()
    };
    let host = Host::new(&echo_guest(), limits).unwrap();
    let big = event_bytes(json!({"message": "x".repeat(100)}));
    let err = host.process(&big, &mut Collect::default()).unwrap_err();
    assert_eq!(err.code(), ResultCode::EventTooLarge);
    assert!(err.message().contains("max_event_bytes (64)"), "{err}");
}

#[test]
fn an_emit_that_is_not_an_event_is_not_delivered() {
    // Emits the 3 bytes ff ff ff, then its input.
    let wasm = guest(
        "(i32.store (i32.const 16) (i32.const 0xffffff))
         (drop (call $emit (i32.const 16) (i32.const 3)))
         (drop (call $emit (local.get $ptr) (local.get $len)))
         (i32.const 0)",
        "",
    );
    let host = host(&wasm);
    let mut out = Collect::default();
    let input = event_bytes(sample());
    let err = host.process(&input, &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::InvalidEmit);
    assert!(err.message().contains("not a valid Event"), "{err}");
    assert_eq!(out.events, vec![input], "only the valid emit was delivered");
}

#[test]
fn the_guest_sees_invalid_argument_for_a_bad_emit() {
    // Returns the emit status as its own status.
    let wasm = guest("(call $emit (i32.const 0) (i32.const -1))", "");
    let host = host(&wasm);
    let err = host
        .process(&event_bytes(sample()), &mut Collect::default())
        .unwrap_err();
    // The ABI violation is reported, not the guest's status.
    assert_eq!(err.code(), ResultCode::GuestBadPointer);
}

#[test]
fn out_of_bounds_pointers_and_lengths_are_rejected() {
    for (call, needle) in [
        (
            "(call $emit (i32.const 65530) (i32.const 100))",
            "elastic_emit_event(65530, 100)",
        ),
        (
            "(call $emit (i32.const 16) (i32.const -5))",
            "elastic_emit_event(16, -5)",
        ),
        (
            "(call $emit (i32.const -1) (i32.const 2))",
            "elastic_emit_event(-1, 2)",
        ),
        (
            "(call $log (i32.const 1) (i32.const 70000) (i32.const 4))",
            "elastic_log(70000, 4)",
        ),
        (
            "(call $log (i32.const 1) (i32.const 0) (i32.const -1))",
            "elastic_log(0, -1)",
        ),
    ] {
        let host = host(&guest(&format!("(drop {call}) (i32.const 0)"), ""));
        let mut out = Collect::default();
        let err = host.process(&event_bytes(sample()), &mut out).unwrap_err();
        assert_eq!(err.code(), ResultCode::GuestBadPointer, "{call}");
        assert!(err.message().contains(needle), "{err}");
        assert!(out.events.is_empty() && out.logs.is_empty());
        // The instance is still good: the same host serves the next event.
        let err2 = host.process(&event_bytes(sample()), &mut out).unwrap_err();
        assert_eq!(err2.code(), ResultCode::GuestBadPointer);
    }
}

#[test]
fn log_lines_reach_the_sink_with_their_level() {
    let wasm = guest(
        r#"(drop (call $log (i32.const 2) (i32.const 16) (i32.const 5)))
           (drop (call $log (i32.const 4) (i32.const 32) (i32.const 3)))
           (i32.const 0)"#,
        r#"(data (i32.const 16) "hello") (data (i32.const 32) "a\ffb")"#,
    );
    let host = host(&wasm);
    let mut out = Collect::default();
    host.process(&event_bytes(sample()), &mut out).unwrap();
    assert!(
        out.events.is_empty(),
        "nothing emitted: the event is dropped"
    );
    assert_eq!(
        out.logs,
        vec![
            (LogLevel::Warn, "hello".to_string()),
            (LogLevel::Critical, "a\u{fffd}b".to_string()),
        ]
    );
}

#[test]
fn an_unknown_log_level_is_a_bad_argument() {
    let host = host(&guest(
        "(drop (call $log (i32.const 9) (i32.const 0) (i32.const 1))) (i32.const 0)",
        "",
    ));
    let err = host
        .process(&event_bytes(sample()), &mut Collect::default())
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestBadArgument);
    assert!(err.message().contains("unknown log level 9"), "{err}");
}

#[test]
fn a_failure_status_from_process_is_reported() {
    let host = host(&guest("(i32.const 3)", ""));
    let err = host
        .process(&event_bytes(sample()), &mut Collect::default())
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestStatus);
    assert_eq!(err.message(), "`process` returned status 3 (not found)");
    let host = self::host(&guest("(i32.const 77)", ""));
    let err = host
        .process(&event_bytes(sample()), &mut Collect::default())
        .unwrap_err();
    assert_eq!(
        err.message(),
        "`process` returned status 77 (unknown status)"
    );
}

#[test]
fn emitting_more_than_the_limit_fails_the_call() {
    let wasm = guest(
        "(block $done (loop $again
            (br_if $done (i32.ne (call $emit (local.get $ptr) (local.get $len)) (i32.const 0)))
            (br $again)))
         (i32.const 0)",
        "",
    );
    let limits = Limits {
        max_emits_per_call: 5,
        ..Limits::default()
    };
    let host = Host::new(&wasm, limits).unwrap();
    let mut out = Collect::default();
    let err = host.process(&event_bytes(sample()), &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::EmitLimit);
    assert_eq!(out.events.len(), 5);
}

#[test]
fn a_bad_malloc_is_caught_before_the_host_writes() {
    for (body, needle) in [
        ("(i32.const 0)", "returned 0"),
        ("(i32.const 65535)", "returned 65535"),
        ("(i32.const -8)", "returned -8"),
    ] {
        let wasm = wat(&format!(
            r#"(module {IMPORTS}
            (memory (export "memory") 1)
            (func (export "elastic_ingest_wasm_abi_1_0"))
            (func (export "malloc") (param i32) (result i32) {body})
            (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#
        ));
        let err = host(&wasm)
            .process(&event_bytes(sample()), &mut Collect::default())
            .unwrap_err();
        assert_eq!(err.code(), ResultCode::GuestMalloc);
        assert!(err.message().contains(needle), "{err}");
    }
}

// --- register, config replay, traps and recycling ---------------------------

/// `register` stores its config length in a global (status 1 if the config
/// is empty); `process` emits its input once per configured byte... once
/// when configured, nothing when not, and traps on an empty event.
fn configurable_guest() -> Vec<u8> {
    guest(
        "(if (i32.eqz (local.get $len)) (then unreachable))
         (if (i32.ne (global.get $configured) (i32.const 0))
           (then (drop (call $emit (local.get $ptr) (local.get $len)))))
         (i32.const 0)",
        r#"(global $configured (mut i32) (i32.const 0))
           (func (export "register") (param i32 i32) (result i32)
             (if (result i32) (i32.eqz (local.get 1))
               (then (i32.const 1))
               (else (global.set $configured (local.get 1)) (i32.const 0))))"#,
    )
}

#[test]
fn register_failure_is_reported_and_not_stored() {
    let host = host(&configurable_guest());
    let mut out = Collect::default();
    let err = host.register(&[], &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestStatus);
    assert!(
        err.message().contains("`register` returned status 1"),
        "{err}"
    );
    let event = event_bytes(sample());
    assert_eq!(
        host.process(&event, &mut out).unwrap(),
        0,
        "still unconfigured"
    );
    let err = host.register(b"\xff", &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::InvalidConfig);
}

#[test]
fn config_is_replayed_after_a_trap_and_on_other_threads() {
    let host = host(&configurable_guest());
    let event = event_bytes(sample());
    let mut out = Collect::default();
    assert_eq!(host.process(&event, &mut out).unwrap(), 0);
    let cfg = Config {
        parameters: [("k".to_string(), eiw::proto::Value::from(1i64))].into(),
    }
    .encode_to_vec();
    host.register(&cfg, &mut out).unwrap();
    assert_eq!(host.process(&event, &mut out).unwrap(), 1);

    let err = host.process(&[], &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::TrapUnreachable);
    assert!(
        err.message().contains("guest trapped in `process`"),
        "{err}"
    );
    // A fresh instance, with the config replayed, serves the next event.
    assert_eq!(host.process(&event, &mut out).unwrap(), 1);

    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(host.process(&event, &mut Collect::default()).unwrap(), 1));
    });
}

#[test]
fn no_register_export_means_no_config() {
    let err = host(&echo_guest())
        .register(&[], &mut Collect::default())
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::NoRegister);
}

#[test]
fn emitting_during_register_is_rejected() {
    let wasm = guest(
        "(i32.const 0)",
        r#"(func (export "register") (param i32 i32) (result i32)
             (drop (call $emit (local.get 0) (local.get 1))) (i32.const 0))"#,
    );
    let err = host(&wasm)
        .register(&[], &mut Collect::default())
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::InvalidEmit);
    assert!(err.message().contains("outside `process`"), "{err}");
}

#[test]
fn trap_kinds_are_told_apart() {
    for (body, code) in [
        ("unreachable", ResultCode::TrapUnreachable),
        (
            "(drop (i32.load (i32.const 70000))) (i32.const 0)",
            ResultCode::TrapOutOfBounds,
        ),
        (
            "(i32.div_u (i32.const 1) (i32.sub (local.get $len) (local.get $len)))",
            ResultCode::TrapDivideByZero,
        ),
        (
            "(call $recurse) (i32.const 0)",
            ResultCode::TrapStackOverflow,
        ),
        ("(i32.trunc_f32_s (f32.const nan))", ResultCode::TrapOther),
    ] {
        let wasm = guest(body, "(func $recurse (call $recurse))");
        let host = host(&wasm);
        let err = host
            .process(&event_bytes(sample()), &mut Collect::default())
            .unwrap_err();
        assert_eq!(err.code(), code, "{body}: {err}");
    }
}

#[test]
fn emits_before_a_trap_are_delivered() {
    let host = host(&guest(
        "(drop (call $emit (local.get $ptr) (local.get $len))) unreachable",
        "",
    ));
    let mut out = Collect::default();
    let err = host.process(&event_bytes(sample()), &mut out).unwrap_err();
    assert_eq!(err.code(), ResultCode::TrapUnreachable);
    assert_eq!(out.events.len(), 1);
}

// --- threads, re-entrancy, panics -------------------------------------------

#[test]
fn many_threads_get_exactly_their_own_outputs() {
    let host = host(&example("rename"));
    std::thread::scope(|s| {
        for t in 0..8 {
            let host = &host;
            s.spawn(move || {
                for i in 0..200 {
                    let mut out = Collect::default();
                    let message = format!("thread {t} event {i}");
                    host.process(&event_bytes(json!({"message": message})), &mut out)
                        .unwrap();
                    assert_eq!(out.events.len(), 1);
                    assert_eq!(event_json(&out.events[0])["event"]["original"], message);
                }
            });
        }
    });
}

struct Reenter<'h> {
    host: &'h Host,
    inner: Option<eiw::Result<u32>>,
}

impl Sink for Reenter<'_> {
    fn emit(&mut self, event: &[u8]) {
        self.inner = Some(self.host.process(event, &mut Collect::default()));
    }
    fn log(&mut self, _: LogLevel, _: &str) {}
}

#[test]
fn calling_back_into_the_same_host_is_an_error_not_a_deadlock() {
    let host = host(&echo_guest());
    let mut sink = Reenter {
        host: &host,
        inner: None,
    };
    host.process(&event_bytes(sample()), &mut sink).unwrap();
    assert_eq!(
        sink.inner.unwrap().unwrap_err().code(),
        ResultCode::Reentrant
    );
}

struct Panics;

impl Sink for Panics {
    fn emit(&mut self, _: &[u8]) {
        panic!("sink failed");
    }
    fn log(&mut self, _: LogLevel, _: &str) {}
}

#[test]
fn a_panic_in_a_sink_unwinds_and_the_host_still_serves() {
    let host = host(&echo_guest());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        host.process(&event_bytes(sample()), &mut Panics)
    }));
    assert!(result.is_err());
    let mut out = Collect::default();
    assert_eq!(host.process(&event_bytes(sample()), &mut out).unwrap(), 1);
}
