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

/// A valid module with enough functions to keep compilation busy (the
/// bench's generator, bench/harness/src/big_module.rs).
#[path = "../bench/harness/src/big_module.rs"]
mod generated;

fn big_module() -> Vec<u8> {
    generated::many_functions(3000, 30)
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
