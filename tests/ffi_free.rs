//! `eiw_free` while calls run, and what a stale handle gets afterwards.
mod common;

use common::*;
use eiw::ffi::*;
use eiw::ResultCode;
use serde_json::json;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

unsafe extern "C" fn count_emit(userdata: *mut c_void, _: *mut c_void, _: *const u8, _: usize) {
    let count = unsafe { &*(userdata as *const AtomicUsize) };
    count.fetch_add(1, Ordering::Relaxed);
}

fn counting(count: &AtomicUsize) -> eiw_callbacks {
    eiw_callbacks {
        userdata: count as *const AtomicUsize as *mut c_void,
        emit: Some(count_emit),
        log: None,
    }
}

fn process(host: *const eiw_host) -> (ResultCode, String) {
    let event = event_bytes(json!({"message": "m"}));
    let mut err = null_mut();
    let rc = eiw_process(host, event.as_ptr(), event.len(), null_mut(), &mut err);
    let message = error_message(err);
    eiw_error_free(err);
    (rc, message)
}

#[test]
fn a_freed_handle_answers_host_closed_however_late() {
    let count = AtomicUsize::new(0);
    let cb = counting(&count);
    let stale = ffi_host(&example("passthrough"), &cb);
    assert_eq!(process(stale).0, ResultCode::Ok);
    eiw_free(stale);
    let (rc, message) = process(stale);
    assert_eq!(rc, ResultCode::HostClosed);
    assert!(message.contains("eiw_free"), "{message}");
    // Many hosts later (past the first chunk of handles), still closed:
    // handles are never reused.
    let small = guest("(i32.const 0)", "");
    for _ in 0..300 {
        let host = ffi_host(&small, &cb);
        eiw_free(host);
    }
    assert_eq!(process(stale).0, ResultCode::HostClosed);
    let (mut stats, mut len) = (null_mut(), 0);
    assert_eq!(
        eiw_host_stats(stale, &mut stats, &mut len, null_mut()),
        ResultCode::HostClosed
    );
    let (mut major, mut minor) = (0, 0);
    assert_eq!(
        eiw_host_abi_version(stale, &mut major, &mut minor),
        ResultCode::HostClosed
    );
    let mut results = [ResultCode::Ok];
    let event = event_bytes(json!({"message": "m"}));
    let batch = [eiw_batch_event {
        event: event.as_ptr(),
        event_len: event.len(),
        call_context: null_mut(),
    }];
    assert_eq!(
        eiw_process_batch(
            stale,
            batch.as_ptr(),
            1,
            results.as_mut_ptr(),
            null_mut(),
            null_mut()
        ),
        ResultCode::HostClosed
    );
    let config = b"{}";
    assert_eq!(
        eiw_register(stale, config.as_ptr(), 0, null_mut(), null_mut()),
        ResultCode::HostClosed
    );
    eiw_free(stale); // twice: nothing happens
    assert_eq!(count.load(Ordering::Relaxed), 1);
}

static FREE_FROM_CALLBACK: AtomicPtr<eiw_host> = AtomicPtr::new(null_mut());

unsafe extern "C" fn free_on_first_emit(
    userdata: *mut c_void,
    _: *mut c_void,
    _: *const u8,
    _: usize,
) {
    let count = unsafe { &*(userdata as *const AtomicUsize) };
    if count.fetch_add(1, Ordering::Relaxed) == 0 {
        eiw_free(FREE_FROM_CALLBACK.load(Ordering::Relaxed));
    }
}

#[test]
fn freeing_from_inside_a_call_lets_the_call_finish() {
    let count = AtomicUsize::new(0);
    let cb = eiw_callbacks {
        userdata: &count as *const AtomicUsize as *mut c_void,
        emit: Some(free_on_first_emit),
        log: None,
    };
    let wasm = guest(
        r#"(drop (call $emit (local.get $ptr) (local.get $len)))
           (drop (call $emit (local.get $ptr) (local.get $len)))
           (i32.const 0)"#,
        "",
    );
    let host = ffi_host(&wasm, &cb);
    FREE_FROM_CALLBACK.store(host, Ordering::Relaxed);
    // The first emit frees the host; the call goes on and delivers both.
    assert_eq!(process(host).0, ResultCode::Ok);
    assert_eq!(count.load(Ordering::Relaxed), 2);
    assert_eq!(process(host).0, ResultCode::HostClosed);
    assert_eq!(count.load(Ordering::Relaxed), 2);
}

#[test]
fn free_while_other_threads_call_and_thread_release() {
    let count = AtomicUsize::new(0);
    let cb = counting(&count);
    let host = ffi_host(&example("passthrough"), &cb) as usize;
    let started = std::sync::Barrier::new(5);
    let (ok, closed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                started.wait();
                loop {
                    match process(host as *const eiw_host).0 {
                        ResultCode::Ok => ok.fetch_add(1, Ordering::Relaxed),
                        ResultCode::HostClosed => break,
                        other => panic!("{other:?}"),
                    };
                }
                closed.fetch_add(1, Ordering::Relaxed);
                // The freed host's instance on this thread went with the
                // host (if this thread's call was the last out) or goes now.
                assert!(eiw_thread_release() <= 1);
                assert_eq!(eiw_thread_release(), 0);
            });
        }
        started.wait();
        std::thread::sleep(std::time::Duration::from_millis(20));
        eiw_free(host as *mut eiw_host);
    });
    assert_eq!(closed.load(Ordering::Relaxed), 4);
    assert_eq!(count.load(Ordering::Relaxed), ok.load(Ordering::Relaxed));
}
