//! The hot path allocates nothing on the host: after warm-up, processing an
//! event with a 1.0 module makes no heap allocation (counted, on the calling
//! thread only, by a global allocator that wraps the system one; the test
//! harness's own threads may allocate meanwhile).
mod common;

use common::*;
use eiw::{Host, Limits, LogLevel, Sink};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    // `const` with no destructor: reading it never allocates.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts emitted bytes without keeping them.
#[derive(Default)]
struct Tally {
    events: u64,
    bytes: u64,
}

impl Sink for Tally {
    fn emit(&mut self, event: &[u8]) {
        self.events += 1;
        self.bytes += event.len() as u64;
    }
    fn log(&mut self, _: LogLevel, _: &str) {}
}

fn allocations_per_event(module: &str) -> (u64, Tally) {
    let host = Host::new(&example(module), Limits::default()).unwrap();
    let event = event_bytes(json!({
        "@timestamp": "2026-11-30T08:15:00.120Z",
        "message": "GET /index.html 200 512", "log": {"level": "info"},
        "host": {"name": "web-1"}, "http": {"response": {"status_code": 200}}
    }));
    let mut tally = Tally::default();
    for _ in 0..100 {
        host.process(&event, &mut tally).unwrap();
    }
    let before = allocations();
    for _ in 0..1000 {
        host.process(&event, &mut tally).unwrap();
    }
    (allocations() - before, tally)
}

#[test]
fn processing_with_passthrough_allocates_nothing_on_the_host() {
    let (allocations, tally) = allocations_per_event("passthrough");
    assert_eq!(tally.events, 1100);
    assert_eq!(allocations, 0, "host heap allocations over 1000 events");
}
