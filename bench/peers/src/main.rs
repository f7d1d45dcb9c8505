//! `make bench-peers`: eiw and Extism on the same events and the same
//! transformation, one event per call, side by side in one process run.
use eiw::{Host, Limits, LogLevel, Sink};
use extism::{Manifest, Plugin, Wasm};
use prost::Message;
use serde_json::json;

// The suite's events and timing, shared with bench/harness.
#[path = "../../harness/src/suite.rs"]
mod suite;
use suite::{events, run_once, RUNS, RUN_TIME};

#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn emit(&mut self, event: &[u8]) {
        self.0 += event.len() as u64;
    }
    fn log(&mut self, _: LogLevel, _: &str) {}
}

/// Median events/s of `a` and of `b`, their runs taken in turn so that a
/// change in the machine's load falls on both.
fn measure_pair(mut a: impl FnMut() -> u64, mut b: impl FnMut() -> u64) -> (f64, f64) {
    a();
    b();
    let (mut ra, mut rb): (Vec<f64>, Vec<f64>) = (0..RUNS)
        .map(|_| (run_once(&mut a), run_once(&mut b)))
        .unzip();
    ra.sort_by(f64::total_cmp);
    rb.sort_by(f64::total_cmp);
    (ra[RUNS / 2], rb[RUNS / 2])
}

/// Splits W3's length-prefixed output into events, as a host would.
fn split_outputs(mut bytes: &[u8], out: &mut Count) {
    while let Some((head, rest)) = bytes.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*head) as usize;
        let (event, rest) = rest.split_at(len);
        out.emit(event);
        bytes = rest;
    }
}

fn main() {
    let dir = std::env::var("EIW_WASM_DIR")
        .unwrap_or_else(|_| "target/wasm32-unknown-unknown/release".into());
    let read = |name: &str| {
        std::fs::read(format!("{dir}/{name}.wasm")).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let plain = events(false);
    let fan = events(true);
    let size = plain.iter().map(Vec::len).sum::<usize>() / plain.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("## eiw and Extism\n");
    println!("Command: `make bench-peers`; {cores} cores; {size}-byte events (W3: ten messages each); median of {RUNS} runs of {} ms.", RUN_TIME.as_millis());
    println!(
        "Extism 1.30.0 (wasmtime), plugin built with extism-pdk for wasm32-unknown-unknown.\n"
    );
    println!("| workload | eiw events/s | Extism events/s | eiw / Extism |");
    println!("|---|---:|---:|---:|");
    // The plugin is built in this workspace's own target directory.
    let plugin_path =
        std::env::var("EIW_PEER_PLUGIN").unwrap_or_else(|_| format!("{dir}/extism_workloads.wasm"));
    let plugin_wasm = std::fs::read(&plugin_path).unwrap_or_else(|e| panic!("{plugin_path}: {e}"));
    let manifest = Manifest::new([Wasm::data(plugin_wasm)]);
    let mut plugin = Plugin::new(&manifest, [], false).expect("Extism plugin loads");
    for (workload, module, function, config, input) in [
        ("W0 passthrough", "passthrough", "w0", false, &plain),
        ("W1 transform", "w1_transform", "w1", true, &plain),
        ("W2 filter", "w2_filter", "w2", false, &plain),
        ("W3 fan-out", "split", "w3", false, &fan),
    ] {
        let host = Host::new(&read(module), Limits::default()).unwrap();
        if config {
            let config =
                eiw::json::config_from_json(&json!({"field": "labels.env", "value": "bench"}))
                    .unwrap();
            host.register(&config.encode_to_vec(), &mut Count::default())
                .unwrap();
        }
        let (mut eiw_out, mut extism_out) = (Count::default(), Count::default());
        let (eiw_rate, extism_rate) = measure_pair(
            || {
                for e in input {
                    host.process(e, &mut eiw_out).unwrap();
                }
                input.len() as u64
            },
            || {
                for e in input {
                    let output: &[u8] = plugin.call(function, e.as_slice()).unwrap();
                    match function {
                        "w3" => split_outputs(output, &mut extism_out),
                        _ if output.is_empty() => {}
                        _ => extism_out.emit(output),
                    }
                }
                input.len() as u64
            },
        );
        println!(
            "| {workload} | {eiw_rate:.0} | {extism_rate:.0} | {:.2}x |",
            eiw_rate / extism_rate
        );
    }
}
