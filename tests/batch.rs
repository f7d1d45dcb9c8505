//! ABI 1.1 batches: one guest call for many events, each with its own
//! outputs and result; the fallback for 1.0 modules; a trap in event k.
mod common;

use common::*;
use eiw::{CollectBatch, Host, Limits, ResultCode};
use serde_json::json;

fn messages(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| event_bytes(json!({ "message": format!("event {i}") })))
        .collect()
}

fn refs(events: &[Vec<u8>]) -> Vec<&[u8]> {
    events.iter().map(Vec::as_slice).collect()
}

#[test]
fn an_sdk_module_takes_the_batch_in_one_call() {
    let host = Host::new(&example("rename"), Limits::default()).unwrap();
    assert_eq!(host.abi().version.to_string(), "1.1");
    assert!(host.abi().has_process_batch);
    let events = messages(5);
    let mut out = CollectBatch::default();
    let results = host.process_batch(&refs(&events), &mut out);
    assert_eq!(
        results
            .iter()
            .map(|r| r.as_ref().copied().unwrap())
            .collect::<Vec<_>>(),
        vec![1; 5]
    );
    let got: Vec<(usize, String)> = out
        .events
        .iter()
        .map(|(i, e)| {
            (
                *i,
                event_json(e)["event"]["original"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        (0..5)
            .map(|i| (i, format!("event {i}")))
            .collect::<Vec<_>>()
    );
    let stats = host.stats();
    assert_eq!(
        (stats.events_in, stats.events_passed, stats.events_emitted),
        (5, 5, 5)
    );
}

#[test]
fn a_1_0_module_gets_one_process_call_per_event() {
    let host = Host::new(&echo_guest(), Limits::default()).unwrap();
    assert!(!host.abi().has_process_batch);
    let events = messages(3);
    let mut out = CollectBatch::default();
    let results = host.process_batch(&refs(&events), &mut out);
    assert!(results.iter().all(|r| r.as_ref().ok() == Some(&1)));
    assert_eq!(
        out.events,
        events.iter().cloned().enumerate().collect::<Vec<_>>()
    );
}

#[test]
fn a_trap_in_event_k_keeps_earlier_outputs_and_the_rest_run_on_a_fresh_instance() {
    let host = Host::new(&example("hostile"), Limits::default()).unwrap();
    let mut events = messages(5);
    events[2] = event_bytes(json!({"attack": "unreachable"}));
    let mut out = CollectBatch::default();
    let results = host.process_batch(&refs(&events), &mut out);
    assert_eq!(results[0].as_ref().ok(), Some(&1));
    assert_eq!(results[1].as_ref().ok(), Some(&1));
    assert_eq!(
        results[2].as_ref().unwrap_err().code(),
        ResultCode::TrapUnreachable
    );
    assert_eq!(results[3].as_ref().ok(), Some(&1));
    assert_eq!(results[4].as_ref().ok(), Some(&1));
    let indices: Vec<usize> = out.events.iter().map(|(i, _)| *i).collect();
    assert_eq!(indices, vec![0, 1, 3, 4]);
    for (i, bytes) in &out.events {
        assert_eq!(
            bytes, &events[*i],
            "event {i} came out unchanged, with its own index"
        );
    }
    let stats = host.stats();
    assert_eq!(stats.instances_recycled, 1);
    assert_eq!(stats.events_failed, 1);
}

#[test]
fn invalid_inputs_fail_alone() {
    let host = Host::new(&example("rename"), Limits::default()).unwrap();
    let events = messages(3);
    let mut inputs = refs(&events);
    inputs[1] = b"\xff\xff";
    let mut out = CollectBatch::default();
    let results = host.process_batch(&inputs, &mut out);
    assert_eq!(
        results[1].as_ref().unwrap_err().code(),
        ResultCode::InvalidEvent
    );
    assert!(results[0].is_ok() && results[2].is_ok());
    assert_eq!(
        out.events.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![0, 2]
    );
}

/// A 1.1 module whose `process_batch` runs `body`: reports chosen statuses.
fn batch_guest(body: &str) -> Vec<u8> {
    wat(&format!(
        r#"(module
          (import "elastic" "elastic_batch_result" (func $result (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "elastic_ingest_wasm_abi_1_1"))
          (func (export "malloc") (param i32) (result i32) (i32.const 1024))
          (func (export "process") (param i32 i32) (result i32) (i32.const 0))
          (func (export "process_batch") (param i32 i32) (result i32) {body}))"#
    ))
}

#[test]
fn statuses_missing_results_and_out_of_order_reports() {
    let events = messages(3);
    // Event 1 fails with status 3; the others are dropped (nothing emitted).
    let host = Host::new(
        &batch_guest(
            "(drop (call $result (i32.const 0) (i32.const 0)))
             (drop (call $result (i32.const 1) (i32.const 3)))
             (drop (call $result (i32.const 2) (i32.const 0)))
             (i32.const 0)",
        ),
        Limits::default(),
    )
    .unwrap();
    let results = host.process_batch(&refs(&events), &mut CollectBatch::default());
    assert_eq!(results[0].as_ref().ok(), Some(&0));
    let err = results[1].as_ref().unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestStatus);
    assert!(err.message().contains("status 3 (not found)"), "{err}");
    assert_eq!(results[2].as_ref().ok(), Some(&0));

    // Returns without reporting anything.
    let host = Host::new(&batch_guest("(i32.const 0)"), Limits::default()).unwrap();
    let results = host.process_batch(&refs(&events), &mut CollectBatch::default());
    for r in &results {
        let err = r.as_ref().unwrap_err();
        assert_eq!(err.code(), ResultCode::GuestBadArgument);
        assert!(err.message().contains("without a result"), "{err}");
    }

    // Reports event 1 first: event 0 gets the violation; the rest are
    // batched again (and again reported wrongly, then not at all).
    let host = Host::new(
        &batch_guest("(drop (call $result (i32.const 1) (i32.const 0))) (i32.const 0)"),
        Limits::default(),
    )
    .unwrap();
    let results = host.process_batch(&refs(&events), &mut CollectBatch::default());
    let err = results[0].as_ref().unwrap_err();
    assert_eq!(err.code(), ResultCode::GuestBadArgument);
    assert!(
        err.message()
            .contains("elastic_batch_result(1, 0): the next event to report is 0 of 3"),
        "{err}"
    );
    assert!(results.iter().all(|r| r.is_err()));
}

#[test]
fn batches_cross_the_c_api_with_each_inputs_context() {
    use eiw::ffi::*;
    use std::ffi::c_void;
    use std::ptr::{null, null_mut};
    use std::sync::Mutex;
    static SEEN: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
    unsafe extern "C" fn on_emit(_: *mut c_void, ctx: *mut c_void, _: *const u8, len: usize) {
        SEEN.lock().unwrap().push((ctx as usize, len));
    }
    let wasm = example("hostile");
    let callbacks = eiw_callbacks {
        userdata: null_mut(),
        emit: Some(on_emit),
        log: None,
    };
    let host = ffi_host(&wasm, &callbacks);
    let mut events = messages(3);
    events[1] = event_bytes(json!({"attack": "oob"}));
    let batch: Vec<eiw_batch_event> = events
        .iter()
        .enumerate()
        .map(|(i, e)| eiw_batch_event {
            event: e.as_ptr(),
            event_len: e.len(),
            call_context: (100 + i) as *mut c_void,
        })
        .collect();
    let mut results = [ResultCode::Panic; 3];
    let mut errors = [null_mut(); 3];
    let rc = eiw_process_batch(
        host,
        batch.as_ptr(),
        3,
        results.as_mut_ptr(),
        errors.as_mut_ptr(),
        null_mut(),
    );
    assert_eq!(rc, ResultCode::Ok);
    assert_eq!(
        results,
        [ResultCode::Ok, ResultCode::TrapOutOfBounds, ResultCode::Ok]
    );
    assert!(errors[0].is_null() && errors[2].is_null() && !errors[1].is_null());
    assert_eq!(eiw_error_code(errors[1]), ResultCode::TrapOutOfBounds);
    eiw_error_free(errors[1]);
    let seen = SEEN.lock().unwrap().clone();
    assert_eq!(seen, vec![(100, events[0].len()), (102, events[2].len())]);
    let rc = eiw_process_batch(
        host,
        null(),
        2,
        results.as_mut_ptr(),
        null_mut(),
        null_mut(),
    );
    assert_eq!(rc, ResultCode::NullArgument);
    let holed = [
        batch[0],
        eiw_batch_event {
            event: null(),
            event_len: 4,
            call_context: null_mut(),
        },
    ];
    let mut err = null_mut();
    let rc = eiw_process_batch(
        host,
        holed.as_ptr(),
        2,
        results.as_mut_ptr(),
        null_mut(),
        &mut err,
    );
    assert_eq!(rc, ResultCode::NullArgument);
    let message = unsafe { std::ffi::CStr::from_ptr(eiw_error_message(err)) };
    assert_eq!(
        message.to_str().unwrap(),
        "`events[1].event` is NULL but its length is 4"
    );
    eiw_error_free(err);
    eiw_free(host);
}

/// A guest that loops in `process_batch` gets one budget per event for the
/// whole batch, not a fresh n x budget after each failure (n^2/2 budgets).
#[test]
fn a_looping_batch_uses_at_most_one_budget_per_event() {
    let per_call = 200_000;
    let host = Host::new(
        &batch_guest("(loop $forever (br $forever)) (i32.const 0)"),
        Limits {
            cpu_points_per_call: Some(per_call),
            ..Limits::default()
        },
    )
    .unwrap();
    let events = messages(40);
    let results = host.process_batch(&refs(&events), &mut CollectBatch::default());
    assert_eq!(results.len(), 40);
    let first = results[0].as_ref().unwrap_err();
    assert_eq!(first.code(), ResultCode::CpuExhausted);
    assert!(
        first
            .message()
            .contains("used up its CPU budget of 8000000 points"),
        "the budget that applied: {first}"
    );
    let rest = results[1].as_ref().unwrap_err();
    assert_eq!(rest.code(), ResultCode::CpuExhausted);
    assert!(
        rest.message()
            .contains("the batch used up its CPU budget of 8000000 points (40 events x 200000)"),
        "{rest}"
    );
    assert!(results.iter().all(|r| r.is_err()));
    let stats = host.stats();
    assert!(
        stats.cpu_points_used <= 40 * per_call,
        "{} points used",
        stats.cpu_points_used
    );
    // A batch after it gets its own budget, and good events still work.
    let good = Host::new(&example("rename"), Limits::default()).unwrap();
    let results = good.process_batch(&refs(&messages(3)), &mut CollectBatch::default());
    assert!(results.iter().all(|r| r.is_ok()));
}
