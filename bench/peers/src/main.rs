//! `make bench-peers`: eiw and Extism on the same events and the same
//! transformation, one event per call, side by side in one process run.
use eiw::{Host, Limits, LogLevel, Sink};
use extism::{Manifest, Plugin, Wasm};
use prost::Message;
use serde_json::json;
use std::time::{Duration, Instant};

const RUNS: usize = 5;
const RUN_TIME: Duration = Duration::from_millis(600);

#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn emit(&mut self, event: &[u8]) {
        self.0 += event.len() as u64;
    }
    fn log(&mut self, _: LogLevel, _: &str) {}
}

fn measure(mut pass: impl FnMut() -> u64) -> f64 {
    pass();
    let mut rates: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let mut n = 0;
            while start.elapsed() < RUN_TIME {
                n += pass();
            }
            n as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[RUNS / 2]
}

fn events() -> Vec<Vec<u8>> {
    (0..1000)
        .map(|i| {
            let json = json!({
                "@timestamp": "2026-11-30T08:15:00.120Z",
                "message": format!("192.0.2.{} - - \"GET /api/v1/items/{i} HTTP/1.1\" 200 {}", i % 200, 1000 + i),
                "log": {"level": if i % 10 == 0 { "error" } else { "info" }},
                "host": {"name": format!("web-{}", i % 4)},
                "http": {"request": {"method": "GET"}, "response": {"status_code": 200, "bytes": 1000 + i}},
                "url": {"path": format!("/api/v1/items/{i}")},
                "user_agent": {"original": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
                "source": {"ip": format!("192.0.2.{}", i % 200)},
                "event": {"duration": 1_000_000 + i},
            });
            eiw::json::event_from_json(&json).unwrap().encode_to_vec()
        })
        .collect()
}

fn main() {
    let dir = std::env::var("EIW_WASM_DIR")
        .unwrap_or_else(|_| "target/wasm32-unknown-unknown/release".into());
    let read = |name: &str| {
        std::fs::read(format!("{dir}/{name}.wasm")).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let input = events();
    let size = input.iter().map(Vec::len).sum::<usize>() / input.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("## eiw and Extism\n");
    println!("Command: `make bench-peers`; {cores} cores; {size}-byte events; median of {RUNS} runs of {} ms.", RUN_TIME.as_millis());
    println!(
        "Extism {} (wasmtime), plugin built with extism-pdk for wasm32-unknown-unknown.\n",
        "1.30.0"
    );
    println!("| workload | eiw events/s | Extism events/s | eiw / Extism |");
    println!("|---|---:|---:|---:|");
    let manifest = Manifest::new([Wasm::data(read("extism_workloads"))]);
    let mut plugin = Plugin::new(&manifest, [], false).expect("Extism plugin loads");
    for (workload, module, config) in [
        ("W0 passthrough", "passthrough", false),
        ("W1 transform", "w1_transform", true),
    ] {
        let host = Host::new(&read(module), Limits::default()).unwrap();
        if config {
            let config =
                eiw::json::config_from_json(&json!({"field": "labels.env", "value": "bench"}))
                    .unwrap();
            host.register(&config.encode_to_vec(), &mut Count::default())
                .unwrap();
        }
        let mut out = Count::default();
        let eiw_rate = measure(|| {
            for e in &input {
                host.process(e, &mut out).unwrap();
            }
            input.len() as u64
        });
        let function = if config { "w1" } else { "w0" };
        let extism_rate = measure(|| {
            for e in &input {
                let output: &[u8] = plugin.call(function, e.as_slice()).unwrap();
                out.0 += output.len() as u64;
            }
            input.len() as u64
        });
        println!(
            "| {workload} | {eiw_rate:.0} | {extism_rate:.0} | {:.2}x |",
            eiw_rate / extism_rate
        );
    }
}
