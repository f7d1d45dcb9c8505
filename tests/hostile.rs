//! The hostile-module corpus: each attack gets its exact error kind, and the
//! next event on the same host is processed correctly.
mod common;

use common::*;
use eiw::proto::HostOptions;
use eiw::{Collect, Host, Limits, LogLevel, ResultCode};
use prost::Message;
use serde_json::json;

/// A guest whose behaviour is picked by the last byte of the event, i.e.
/// the last letter of the only field's string value; anything else is
/// echoed. `register` with a non-empty config loops forever.
const HOSTILE: &str = r#"(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (import "elastic" "elastic_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func $recurse (param i32) (result i32) (i32.add (call $recurse (local.get 0)) (i32.const 1)))
  (func $grow_until_refused
    (block $done (loop $again
      (br_if $done (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
      (br $again))))
  (func (export "register") (param $ptr i32) (param $len i32) (result i32)
    (if (local.get $len) (then (loop $forever (br $forever))))
    (i32.const 0))
  (func (export "process") (param $ptr i32) (param $len i32) (result i32)
    (local $attack i32)
    (if (i32.eqz (local.get $len)) (then (return (i32.const 0))))
    (local.set $attack
      (i32.load8_u (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 1))))
    (block $other
      (block $S (block $X (block $B (block $N (block $H (block $P (block $F
      (block $O (block $D (block $U (block $R (block $M (block $g (block $G (block $L
        (br_table $L $G $g $M $R $U $D $O $F $P $H $N $B $X $S $other
          (call $index (local.get $attack))))
        (loop $forever (br $forever)))                                        ;; L
        (loop $forever (drop (memory.grow (i32.const 1))) (br $forever)))     ;; G
        (call $grow_until_refused) (return (memory.size)))                    ;; g
        (call $grow_until_refused) unreachable)                               ;; M
        (return (call $recurse (i32.const 0))))                               ;; R
        unreachable)                                                          ;; U
        (return (i32.div_s (i32.const 1) (i32.sub (local.get $len) (local.get $len)))))  ;; D
        (return (i32.load (i32.const -4))))                                   ;; O
        (loop $flood (br_if $flood (i32.eqz (call $emit (local.get $ptr) (local.get $len)))))
        (return (i32.const 0)))                                               ;; F
        (return (call $emit (i32.const 65000) (i32.const 1000))))             ;; P
        (return (call $emit (i32.const 0) (i32.const 0x7fffffff))))           ;; H
        (return (call $emit (local.get $ptr) (i32.const -1))))                ;; N
        (drop (memory.grow (i32.const 160)))
        (return (call $log (i32.const 1) (i32.const 0) (i32.const 10000000)))) ;; B
        (i32.store16 (i32.const 16) (i32.const 0xfeff))
        (return (call $log (i32.const 2) (i32.const 16) (i32.const 2))))      ;; X
        (return (i32.const 99)))                                              ;; S
    (drop (call $emit (local.get $ptr) (local.get $len)))
    (i32.const 0))
  ;; The br_table index of an attack letter; 15 (echo) for any other byte.
  (func $index (param $c i32) (result i32)
    (local $i i32)
    (block $found (loop $next
      (br_if $found (i32.eq (i32.load8_u (i32.add (i32.const 64) (local.get $i))) (local.get $c)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 15)))))
    (local.get $i))
  (data (i32.const 64) "LGgMRUDOFPHNBXS")
)"#;

fn attack(letter: &str) -> Vec<u8> {
    event_bytes(json!({ "a": letter }))
}

fn good() -> Vec<u8> {
    event_bytes(json!({ "a": "ok" }))
}

fn hostile_host(limits: Limits) -> Host {
    Host::new(&wat(HOSTILE), limits).expect("hostile guest loads")
}

/// Runs one attack, checks its error, then checks the host still echoes.
fn expect_attack(host: &Host, letter: &str, code: ResultCode, needle: &str) -> Collect {
    let mut out = Collect::default();
    let err = host.process(&attack(letter), &mut out).expect_err(letter);
    assert_eq!(err.code(), code, "attack {letter}: {err}");
    assert!(
        err.message().contains(needle),
        "attack {letter}: {needle:?} not in {err}"
    );
    let mut next = Collect::default();
    assert_eq!(
        host.process(&good(), &mut next).unwrap(),
        1,
        "after attack {letter}"
    );
    assert_eq!(next.events, vec![good()]);
    out
}

#[test]
fn every_attack_gets_its_own_error_and_the_next_event_is_served() {
    let host = hostile_host(Limits::default());
    let cases = [
        (
            "L",
            ResultCode::CpuExhausted,
            "`process` used up its CPU budget of 100000000 points",
        ),
        ("G", ResultCode::CpuExhausted, "CPU budget"),
        (
            "M",
            ResultCode::MemoryExhausted,
            "refused memory beyond max_memory_pages (256; it has 241)",
        ),
        (
            "R",
            ResultCode::TrapStackOverflow,
            "guest trapped in `process`",
        ),
        ("U", ResultCode::TrapUnreachable, "unreachable"),
        ("D", ResultCode::TrapDivideByZero, "integer divide by zero"),
        ("O", ResultCode::TrapOutOfBounds, "out of bounds"),
        (
            "P",
            ResultCode::GuestBadPointer,
            "elastic_emit_event(65000, 1000)",
        ),
        (
            "H",
            ResultCode::GuestBadPointer,
            "elastic_emit_event(0, 2147483647)",
        ),
        ("N", ResultCode::GuestBadPointer, "-1)"),
        ("S", ResultCode::GuestStatus, "status 99 (unknown status)"),
    ];
    for (letter, code, needle) in cases {
        expect_attack(&host, letter, code, needle);
    }
}

#[test]
fn memory_growth_stops_at_the_cap() {
    let limits = Limits {
        max_memory_pages: 40,
        ..Limits::default()
    };
    let host = hostile_host(limits);
    // Grows 16 pages at a time until refused, then returns memory.size.
    expect_attack(
        &host,
        "g",
        ResultCode::GuestStatus,
        "returned status 33 (unknown status)",
    );
    expect_attack(&host, "M", ResultCode::MemoryExhausted, "(40; it has 33)");
}

#[test]
fn an_emit_flood_is_cut_at_the_limit() {
    let limits = Limits {
        max_emits_per_call: 100,
        ..Limits::default()
    };
    let out = expect_attack(
        &hostile_host(limits),
        "F",
        ResultCode::EmitLimit,
        "more than max_emits_per_call (100)",
    );
    assert_eq!(out.events.len(), 100, "the first 100 emits were delivered");
}

#[test]
fn hostile_log_lines_are_bounded_and_valid_utf8() {
    let host = hostile_host(Limits::default());
    let mut out = Collect::default();
    host.process(&attack("B"), &mut out).unwrap();
    assert_eq!(out.logs.len(), 1);
    assert_eq!(
        out.logs[0].1.len(),
        Limits::default().max_log_bytes as usize,
        "a 10 MB line is cut to 16 KiB"
    );
    let mut out = Collect::default();
    host.process(&attack("X"), &mut out).unwrap();
    assert_eq!(
        out.logs,
        vec![(LogLevel::Warn, "\u{fffd}\u{fffd}".to_string())]
    );
}

#[test]
fn an_infinite_loop_in_register_is_stopped() {
    let host = hostile_host(Limits {
        cpu_points_per_call: Some(1_000_000),
        ..Limits::default()
    });
    let config = eiw::proto::Config {
        parameters: [("x".into(), eiw::proto::Value::from(1i64))].into(),
    };
    let err = host
        .register(&config.encode_to_vec(), &mut Collect::default())
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::CpuExhausted);
    assert!(
        err.message()
            .contains("`register` used up its CPU budget of 1000000 points"),
        "{err}"
    );
    assert_eq!(host.process(&good(), &mut Collect::default()).unwrap(), 1);
}

#[test]
fn the_cpu_budget_is_per_call() {
    // A budget far below 1000 echo calls' total: each call starts full.
    let host = hostile_host(Limits {
        cpu_points_per_call: Some(5_000),
        ..Limits::default()
    });
    for _ in 0..1000 {
        assert_eq!(host.process(&good(), &mut Collect::default()).unwrap(), 1);
    }
    let err = host
        .process(&attack("L"), &mut Collect::default())
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::CpuExhausted);
}

#[test]
fn metering_can_be_turned_off() {
    let options = HostOptions {
        disable_metering: true,
        ..Default::default()
    };
    let host = Host::from_options(&wat(HOSTILE), &options.encode_to_vec()).unwrap();
    assert_eq!(host.limits().cpu_points_per_call, None);
    assert_eq!(host.process(&good(), &mut Collect::default()).unwrap(), 1);
    let err = host
        .process(&attack("U"), &mut Collect::default())
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::TrapUnreachable);
}

fn with_malloc(body: &str) -> Vec<u8> {
    wat(&format!(
        r#"(module {IMPORTS}
        (memory (export "memory") 1)
        (func (export "elastic_ingest_wasm_abi_1_0"))
        (func (export "malloc") (param i32) (result i32) {body})
        (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#
    ))
}

#[test]
fn hostile_mallocs_are_caught() {
    for (body, code, needle) in [
        ("(i32.const 0)", ResultCode::GuestMalloc, "returned 0"),
        ("(i32.const -1)", ResultCode::GuestMalloc, "returned -1"),
        (
            "(i32.const 65536)",
            ResultCode::GuestMalloc,
            "returned 65536",
        ),
        (
            "unreachable",
            ResultCode::TrapUnreachable,
            "guest trapped in `malloc`",
        ),
        (
            "(loop $l (br $l)) (i32.const 0)",
            ResultCode::CpuExhausted,
            "`malloc` used up its CPU budget",
        ),
    ] {
        let limits = Limits {
            cpu_points_per_call: Some(1_000_000),
            ..Limits::default()
        };
        let host = Host::new(&with_malloc(body), limits).unwrap();
        for _ in 0..2 {
            let err = host.process(&good(), &mut Collect::default()).unwrap_err();
            assert_eq!(err.code(), code, "{body}: {err}");
            assert!(err.message().contains(needle), "{body}: {err}");
        }
    }
}

#[test]
fn a_module_whose_memory_minimum_exceeds_the_cap_is_rejected_at_load() {
    let wasm = wat(&HOSTILE.replace(
        r#"(memory (export "memory") 1)"#,
        r#"(memory (export "memory") 300)"#,
    ));
    let err = Host::new(&wasm, Limits::default()).err().unwrap();
    assert_eq!(err.code(), ResultCode::MemoryExhausted);
    assert_eq!(
        err.message(),
        "module declares a minimum memory of 300 pages; this host's cap (max_memory_pages) is 256 pages"
    );
}

/// Failed emits count toward `max_emits_per_call`: after 1024 invalid
/// emits, a valid one is refused too.
#[test]
fn failed_emits_count_toward_the_emit_limit() {
    let wasm = guest(
        "(local $i i32)
         (i32.store (i32.const 16) (i32.const 0xffffff))
         (loop $again
           (drop (call $emit (i32.const 16) (i32.const 3)))
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $again (i32.lt_u (local.get $i) (i32.const 1024))))
         (drop (call $emit (local.get $ptr) (local.get $len)))
         (i32.const 0)",
        "",
    );
    let host = Host::new(&wasm, Limits::default()).unwrap();
    let mut out = Collect::default();
    let e = host.process(&good(), &mut out).unwrap_err();
    assert_eq!(
        e.code(),
        ResultCode::InvalidEmit,
        "the first violation: {e}"
    );
    assert!(out.events.is_empty(), "the 1025th emit was refused");
}
