//! Profiling modes (EIW_BENCH_PROFILE): one row of a workload for 5 s, or
//! EIW_BENCH_ROUNDS passes for callgrind, whose instruction counts compare
//! builds without the machine's noise (docs/PERFORMANCE.md).
use crate::suite::events;
use crate::{eiw_pass, formats, host_with, native, native_wire, read, Count};
use eiw::{Limits, MemoryReservation};
use std::path::Path;
use std::time::{Duration, Instant};

/// EIW_BENCH_PROFILE=W1-cap (or W0..W3, W1w/W2w (wire-level API), W0n/W1n/W1nw
/// (nested events); -cap or -wasm32): one workload's
/// "one event per call" row with one memory reservation, for 5 s or
/// EIW_BENCH_ROUNDS passes over the events (for callgrind, whose
/// instruction counts compare the two styles without the machine's noise).
pub(crate) fn profile_memory_style(which: &str, dir: &Path) -> bool {
    let Some((name, style)) = which.split_once('-') else {
        return false;
    };
    let reservation = match style {
        "cap" => MemoryReservation::Cap,
        "wasm32" => MemoryReservation::Wasm32,
        _ => return false,
    };
    let (module, config, input) = match name {
        "W0" => ("passthrough", false, events(false)),
        "W1" => ("w1_transform", true, events(false)),
        "W2" => ("w2_filter", false, events(false)),
        "W3" => ("split", false, events(true)),
        // The wire-level builds, and the nested events (n).
        "W1w" => ("w1_wire", true, events(false)),
        "W2w" => ("w2_wire", false, events(false)),
        "W0n" => ("passthrough", false, formats::nested_events()),
        "W1n" => ("w1_transform", true, formats::nested_events()),
        "W1nw" => ("w1_wire", true, formats::nested_events()),
        _ => return false,
    };
    // EIW_BENCH_METERING=off: the same without metering.
    let metering = std::env::var("EIW_BENCH_METERING").map_or(true, |m| m != "off");
    let limits = Limits {
        memory_reservation: reservation,
        cpu_points_per_call: if metering {
            Limits::default().cpu_points_per_call
        } else {
            None
        },
        ..Limits::default()
    };
    let host = host_with(&read(dir, module), config, limits);
    profile_loop(which, input.len(), || {
        eiw_pass(&host, &input, &mut Count::default())
    });
    true
}

/// Repeats `pass` (one pass over `events` events) for 5 s, or
/// EIW_BENCH_ROUNDS passes (for callgrind: the difference of two round
/// counts is the events' cost without the start-up); prints ns/event.
pub(crate) fn profile_loop(which: &str, events: usize, mut pass: impl FnMut() -> u64) {
    let rounds: Option<u64> = std::env::var("EIW_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok());
    let start = Instant::now();
    let mut n = 0;
    while rounds.map_or(start.elapsed() < Duration::from_secs(5), |r| {
        n < r * events as u64
    }) {
        n += pass();
    }
    println!(
        "{which}: {:.0} ns/event",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}

/// EIW_BENCH_PROFILE=native-wire|native-tree: W1's native rows on the
/// nested events for 5 s, to run under a profiler; with `-W1s` or `-W2`,
/// W1's or W2's on the suite's events. EIW_BENCH_ROUNDS=n: n passes instead.
pub(crate) fn profile_native(which: &str) -> bool {
    let (api, workload) = which.split_once("-W").unwrap_or((which, "1"));
    let pass: fn(&str, &[Vec<u8>], &mut Count) -> u64 = match api {
        "native-wire" => native_wire,
        "native-tree" => native,
        _ => return false,
    };
    let (workload, input) = match workload {
        "1" => ("W1", formats::nested_events()),
        "1s" => ("W1", events(false)),
        "2" => ("W2", events(false)),
        _ => return false,
    };
    profile_loop(which, input.len(), || {
        pass(workload, &input, &mut Count::default())
    });
    true
}
