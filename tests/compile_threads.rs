//! `compile_threads` bounds the threads Cranelift compiles with: while a
//! large module compiles, the process has that many more threads. (Its own
//! test binary, so no other test adds threads meanwhile.)
mod common;

use eiw::{Host, Limits};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A valid module with enough functions to keep compilation busy.
fn big_module() -> Vec<u8> {
    let mut text = String::from(
        r#"(module (memory (export "memory") 1)
        (func (export "elastic_ingest_wasm_abi_1_0"))
        (func (export "malloc") (param i32) (result i32) (i32.const 1024))
        (func (export "process") (param i32 i32) (result i32) (i32.const 0))"#,
    );
    for f in 0..3000 {
        text.push_str(&format!(
            "(func $f{f} (param i32) (result i32) (local.get 0)"
        ));
        for k in 0..30 {
            text.push_str(&format!(
                " (i32.const {}) (i32.add) (i32.const {k}) (i32.xor)",
                f + k
            ));
        }
        text.push_str(")\n");
    }
    text.push(')');
    common::wat(&text)
}

/// The most threads seen above the baseline while compiling.
fn extra_threads_while_compiling(wasm: &[u8], compile_threads: u32) -> usize {
    let done = AtomicBool::new(false);
    let peak = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(threads(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_micros(200));
            }
        });
        std::thread::sleep(Duration::from_millis(20));
        let baseline = threads();
        let limits = Limits {
            compile_threads: NonZeroU32::new(compile_threads),
            ..Limits::default()
        };
        drop(Host::new(wasm, limits).unwrap());
        done.store(true, Ordering::Relaxed);
        peak.load(Ordering::Relaxed).saturating_sub(baseline)
    })
}

#[test]
fn compilation_uses_the_configured_number_of_threads() {
    let wasm = big_module();
    // The first compile in a process also starts rayon's global pool (one
    // thread per CPU), which wasmer uses and which then stays.
    extra_threads_while_compiling(&wasm, 1);
    assert_eq!(extra_threads_while_compiling(&wasm, 1), 1);
    assert_eq!(extra_threads_while_compiling(&wasm, 3), 3);
}
