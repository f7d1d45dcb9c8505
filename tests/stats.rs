//! Host statistics and guest log filtering: each counter moves for the
//! event that should move it, and stays exact under concurrency.
mod common;

use common::*;
use eiw::proto::HostStats;
use eiw::{Collect, Host, Limits, LogLevel, ResultCode};
use serde_json::json;

fn good() -> Vec<u8> {
    event_bytes(json!({"message": "m"}))
}

/// Emits its input once, except: an event whose last byte is 'D' is
/// dropped, 'T' traps, '2' is emitted twice, 'L' logs three lines (debug,
/// info, error) and is dropped.
fn guest_with_outcomes() -> Vec<u8> {
    guest(
        r#"(local $last i32)
           (local.set $last (i32.load8_u (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 1))))
           (if (i32.eq (local.get $last) (i32.const 68)) (then (return (i32.const 0))))
           (if (i32.eq (local.get $last) (i32.const 84)) (then unreachable))
           (if (i32.eq (local.get $last) (i32.const 76)) (then
             (drop (call $log (i32.const 0) (i32.const 16) (i32.const 1)))
             (drop (call $log (i32.const 1) (i32.const 16) (i32.const 1)))
             (drop (call $log (i32.const 3) (i32.const 16) (i32.const 1)))
             (return (i32.const 0))))
           (if (i32.eq (local.get $last) (i32.const 50)) (then
             (drop (call $emit (local.get $ptr) (local.get $len)))))
           (drop (call $emit (local.get $ptr) (local.get $len)))
           (i32.const 0)"#,
        r#"(data (i32.const 16) "x")
           (func (export "register") (param i32 i32) (result i32) (i32.const 0))"#,
    )
}

fn with(letter: &str) -> Vec<u8> {
    event_bytes(json!({ "a": letter }))
}

fn check_balance(s: &HostStats) {
    assert_eq!(
        s.events_in,
        s.events_passed + s.events_dropped + s.events_failed,
        "{s:?}"
    );
    let histogram = s.process_latency.as_ref().unwrap();
    assert_eq!(
        histogram.counts.iter().sum::<u64>(),
        s.events_in,
        "one latency per call"
    );
}

#[test]
fn each_counter_moves_for_its_event() {
    let host = Host::new(&guest_with_outcomes(), Limits::default()).unwrap();
    let fresh = host.stats();
    assert_eq!(fresh.instances_created, 1, "one instance made at load");
    assert_eq!(fresh.events_in, 0);
    assert_eq!(fresh.peak_memory_pages, 0);

    let mut out = Collect::default();
    assert_eq!(host.process(&good(), &mut out).unwrap(), 1);
    let s = host.stats();
    assert_eq!((s.events_in, s.events_passed, s.events_emitted), (1, 1, 1));
    assert!(
        s.cpu_points_used > 0 && s.cpu_points_max_per_call == s.cpu_points_used,
        "{s:?}"
    );
    assert_eq!(s.peak_memory_pages, 1);

    host.process(&with("D"), &mut out).unwrap();
    assert_eq!(host.stats().events_dropped, 1);

    assert_eq!(host.process(&with("2"), &mut out).unwrap(), 2);
    let s = host.stats();
    assert_eq!((s.events_passed, s.events_emitted), (2, 3));

    host.process(&with("T"), &mut out).unwrap_err();
    let s = host.stats();
    assert_eq!(s.events_failed, 1);
    assert_eq!(s.failures["EIW_RESULT_TRAP_UNREACHABLE"], 1);
    assert_eq!(s.instances_recycled, 1);

    host.process(b"\xff\xff", &mut out).unwrap_err();
    let s = host.stats();
    assert_eq!(s.failures["EIW_RESULT_INVALID_EVENT"], 1);
    assert_eq!(s.events_failed, 2);

    host.register(&[], &mut out).unwrap();
    host.register(b"\xff", &mut out).unwrap_err();
    host.process(&good(), &mut out).unwrap();
    let s = host.stats();
    assert_eq!(s.instances_created, 2, "a new instance after the trap");
    assert_eq!(s.register_calls, 2);
    assert_eq!(s.failures["EIW_RESULT_INVALID_CONFIG"], 1);
    assert_eq!(s.events_failed, 2, "register failures are not events");
    // The trap discarded the instance before register; register ran on the
    // fresh one, so nothing needed a replay on this thread.
    assert_eq!(s.register_replays, 0);
    std::thread::scope(|scope| {
        scope.spawn(|| host.process(&good(), &mut Collect::default()).unwrap());
    });
    let s = host.stats();
    assert_eq!(
        s.register_replays, 1,
        "the other thread's new instance got the config"
    );
    assert_eq!(s.instances_created, 3);
    check_balance(&s);
}

#[test]
fn log_lines_below_the_level_and_over_the_rate_are_counted_not_delivered() {
    let limits = Limits {
        min_log_level: LogLevel::Info,
        log_lines_per_second: 1,
        log_burst: 3,
        ..Limits::default()
    };
    let host = Host::new(&guest_with_outcomes(), limits).unwrap();
    let mut out = Collect::default();
    host.process(&with("L"), &mut out).unwrap();
    assert_eq!(
        out.logs,
        vec![(LogLevel::Info, "x".into()), (LogLevel::Error, "x".into())]
    );
    host.process(&with("L"), &mut out).unwrap();
    assert_eq!(out.logs.len(), 3, "the burst of 3 is used up");
    let s = host.stats();
    assert_eq!(s.log_lines_delivered, 3);
    assert_eq!(s.log_lines_below_level, 2);
    assert_eq!(s.log_lines_rate_limited, 1);
}

/// `no_guest_logs` delivers no line (`log_lines_per_second` left at 0: the
/// default rate, 1000 a second).
#[test]
fn a_log_rate_set_to_zero_delivers_no_line() {
    use eiw::proto::HostOptions;
    use prost::Message;
    let host_with_rate = |silent: bool| {
        let options = HostOptions {
            no_guest_logs: silent,
            ..Default::default()
        };
        Host::from_options(&guest_with_outcomes(), &options.encode_to_vec()).unwrap()
    };
    let silent = host_with_rate(true);
    let mut out = Collect::default();
    silent.process(&with("L"), &mut out).unwrap();
    assert!(out.logs.is_empty(), "{:?}", out.logs);
    let s = silent.stats();
    assert_eq!((s.log_lines_delivered, s.log_lines_rate_limited), (0, 3));

    let default = host_with_rate(false);
    let mut out = Collect::default();
    default.process(&with("L"), &mut out).unwrap();
    assert_eq!(out.logs.len(), 3);
}

#[test]
fn cpu_and_memory_exhaustion_are_counted() {
    let limits = Limits {
        cpu_points_per_call: Some(10_000),
        ..Limits::default()
    };
    let wasm = guest("(loop $l (br $l)) (i32.const 0)", "");
    let host = Host::new(&wasm, limits).unwrap();
    host.process(&good(), &mut Collect::default()).unwrap_err();
    let s = host.stats();
    assert_eq!(s.failures["EIW_RESULT_CPU_EXHAUSTED"], 1);
    assert_eq!(s.cpu_points_used, 10_000);
    assert_eq!(s.cpu_points_max_per_call, 10_000);
}

#[test]
fn counters_are_exact_under_concurrency() {
    let host = Host::new(&guest_with_outcomes(), Limits::default()).unwrap();
    let letters = ["x", "D", "T", "2"];
    // More threads than the counters have shards (16), so threads share
    // shards; half the events go in batches of 4.
    std::thread::scope(|scope| {
        for t in 0..24 {
            let host = &host;
            scope.spawn(move || {
                for i in 0..100 {
                    let _ = host.process(&with(letters[(t + i) % 4]), &mut Collect::default());
                }
                for _ in 0..25 {
                    let batch: Vec<Vec<u8>> = letters.iter().map(|l| with(l)).collect();
                    let batch: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
                    let _ = host.process_batch(&batch, &mut eiw::CollectBatch::default());
                }
            });
        }
    });
    let s = host.stats();
    assert_eq!(s.events_in, 4800);
    assert_eq!(s.events_dropped, 1200);
    assert_eq!(s.events_failed, 1200);
    assert_eq!(s.failures["EIW_RESULT_TRAP_UNREACHABLE"], 1200);
    assert_eq!(s.events_passed, 2400);
    assert_eq!(s.events_emitted, 1200 + 2 * 1200);
    assert_eq!(s.instances_recycled, 1200);
    check_balance(&s);
}

#[test]
fn stats_cross_the_c_api() {
    use eiw::ffi::*;
    use std::ptr::null_mut;
    unsafe extern "C" fn ignore(
        _: *mut std::ffi::c_void,
        _: *mut std::ffi::c_void,
        _: *const u8,
        _: usize,
    ) {
    }
    let wasm = guest_with_outcomes();
    let callbacks = eiw_callbacks {
        userdata: null_mut(),
        emit: Some(ignore),
        log: None,
    };
    let host = ffi_host(&wasm, &callbacks);
    let event = good();
    eiw_process(host, event.as_ptr(), event.len(), null_mut(), null_mut());
    let (mut bytes, mut len) = (std::ptr::NonNull::<u8>::dangling().as_ptr(), 99);
    assert_eq!(
        eiw_host_stats(host, &mut bytes, &mut len, null_mut()),
        ResultCode::Ok
    );
    let stats: HostStats =
        prost::Message::decode(unsafe { std::slice::from_raw_parts(bytes, len) }).unwrap();
    assert_eq!((stats.events_in, stats.events_passed), (1, 1));
    eiw_bytes_free(bytes, len);
    assert_eq!(
        eiw_host_stats(host, null_mut(), &mut len, null_mut()),
        ResultCode::NullArgument
    );
    assert_eq!(
        eiw_host_stats(std::ptr::null(), &mut bytes, &mut len, null_mut()),
        ResultCode::NullArgument
    );
    assert!(bytes.is_null() && len == 0, "out-params reset on entry");
    eiw_free(host);
    eiw_bytes_free(null_mut(), 0);
}
