//! `make bench`: the eiw benchmark suite. Every row of a table is measured
//! in the same process run, as the median of 5 timed runs, and reported as
//! events/s and as a ratio to the native row.
use eiw::proto::HostOptions;
use eiw::{Host, Limits, LogLevel, MemoryReservation, Sink};
use eiw_sdk::{Event, EventPatch, EventView, Value};
use prost::Message;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

mod big_module;
mod formats;
mod languages;
mod profile;
mod suite;
use profile::{profile_loop, profile_memory_style, profile_native};
use suite::{events, run_once, RUNS, RUN_TIME};

#[derive(Default)]
struct Count {
    events: u64,
    bytes: u64,
}

impl Sink for Count {
    fn emit(&mut self, event: &[u8]) {
        self.events += 1;
        self.bytes += event.len() as u64;
    }
    fn log(&mut self, _: LogLevel, _: &str) {}
}

/// Events/s of one run of `threads` threads that each repeat `pass` for
/// the run time; threads live for the whole run, so the rate includes no
/// thread start and only one instance creation per thread.
fn run_threads(threads: usize, pass: &(impl Fn(&mut Count) -> u64 + Sync)) -> f64 {
    let start = Instant::now();
    let n: u64 = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Count::default();
                    let mut n = 0;
                    while start.elapsed() < RUN_TIME {
                        n += pass(&mut out);
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    n as f64 / start.elapsed().as_secs_f64()
}

fn now() -> eiw_sdk::Timestamp {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    eiw_sdk::Timestamp::from_unix_nanos(nanos)
}

/// The native floor: the same work on the same `Event` type, in Rust.
fn native(workload: &str, input: &[Vec<u8>], out: &mut Count) -> u64 {
    let config_value = Value::from("bench");
    for bytes in input {
        match workload {
            "W0" => out.emit(bytes),
            "W1" => {
                let mut event = Event::decode(bytes).unwrap();
                w1_transform::transform(&mut event, now(), "labels.env", &config_value);
                out.emit(&event.encode());
            }
            "W2" => {
                let event = Event::decode(bytes).unwrap();
                if w2_filter::keep(&event) {
                    out.emit(&event.encode());
                }
            }
            _ => {
                let mut event = Event::decode(bytes).unwrap();
                if let Some(Value {
                    kind: Some(eiw_sdk::Kind::ListValue(list)),
                }) = event.remove("messages")
                {
                    for message in list.values {
                        let mut one = event.clone();
                        one.put("message", message);
                        out.emit(&one.encode());
                    }
                }
            }
        }
    }
    input.len() as u64
}

/// The same work natively on the wire-level API (W1 and W2).
fn native_wire(workload: &str, input: &[Vec<u8>], out: &mut Count) -> u64 {
    let config_value = Value::from("bench");
    let mut buffer = Vec::new();
    for bytes in input {
        if workload == "W2" {
            if w2_wire::keep(&EventView::new(bytes)).unwrap() {
                out.emit(bytes);
            }
            continue;
        }
        let mut event = EventPatch::new(bytes);
        w1_wire::transform(&mut event, now(), "labels.env", &config_value).unwrap();
        buffer.clear();
        event.encode_into(&mut buffer).unwrap();
        out.emit(&buffer);
    }
    input.len() as u64
}

fn eiw_pass(host: &Host, input: &[Vec<u8>], out: &mut Count) -> u64 {
    for bytes in input {
        host.process(bytes, out).unwrap();
    }
    input.len() as u64
}

fn eiw_batches(host: &Host, input: &[Vec<u8>], out: &mut Count) -> u64 {
    for chunk in input.chunks(100) {
        let events: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        for result in host.process_batch(&events, out) {
            result.unwrap();
        }
    }
    input.len() as u64
}

fn host(wasm: &[u8], metering: bool, config: bool) -> Host {
    host_with(
        wasm,
        config,
        Limits {
            cpu_points_per_call: if metering {
                Limits::default().cpu_points_per_call
            } else {
                None
            },
            ..Limits::default()
        },
    )
}

fn host_with(wasm: &[u8], config: bool, limits: Limits) -> Host {
    let host = Host::new(wasm, limits).unwrap();
    if config {
        let config =
            eiw::json::config_from_json(&json!({"field": "labels.env", "value": "bench"})).unwrap();
        host.register(&config.encode_to_vec(), &mut Count::default())
            .unwrap();
    }
    host
}

fn row(name: &str, rate: f64, floor: f64) {
    println!(
        "| {name:<32} | {rate:>12.0} | {:>9.0} | {:>6.2}x |",
        1e9 / rate,
        rate / floor
    );
}

pub(crate) type Row<'a> = (&'static str, Box<dyn FnMut() -> f64 + 'a>);

/// The median of `RUNS` runs of each row, the rows' runs taken in turn
/// (row 1, row 2, ..., row 1, ...) so that a change in the machine's load
/// falls on every row alike.
fn interleaved(rows: &mut [Row]) -> Vec<f64> {
    let mut rates = vec![Vec::new(); rows.len()];
    for _ in 0..RUNS {
        for (rate, (_, run)) in rates.iter_mut().zip(rows.iter_mut()) {
            rate.push(run());
        }
    }
    rates
        .into_iter()
        .map(|mut r| {
            r.sort_by(f64::total_cmp);
            r[RUNS / 2]
        })
        .collect()
}

/// The modules of one workload: the tree-API build, and the wire-level
/// one with the passthrough module for reference where there is one.
struct Modules<'m> {
    tree: &'m [u8],
    wire: Option<(&'m [u8], &'m [u8])>,
}

fn workload(name: &str, title: &str, modules: Modules, config: bool, input: &[Vec<u8>]) {
    let module = modules.tree;
    // The native rows of a workload on other events (`W1-nested`) are W1's.
    let kind = name.split('-').next().unwrap_or(name);
    // EIW_BENCH_ONLY=W2 runs one workload (for profiling).
    if std::env::var("EIW_BENCH_ONLY").is_ok_and(|only| only != name) {
        return;
    }
    println!("\n### {name}: {title}\n");
    println!("| row | events/s | ns/event | vs native |");
    println!("|---|---:|---:|---:|");
    let metered = host(module, true, config);
    let free = host(module, false, config);
    let trusted = host_with(
        module,
        config,
        Limits {
            trusted_input: true,
            ..Limits::default()
        },
    );
    let unbounded = host_with(
        module,
        config,
        Limits {
            memory_reservation: MemoryReservation::Wasm32,
            ..Limits::default()
        },
    );
    let wire_hosts = modules
        .wire
        .map(|(wire, passthrough)| (host(wire, true, config), host(passthrough, true, false)));
    let mut rows: Vec<Row> = vec![(
        "native Rust (prost, same code)",
        Box::new(|| {
            let mut out = Count::default();
            run_once(&mut || native(kind, input, &mut out))
        }),
    )];
    if modules.wire.is_some() {
        rows.push((
            "native Rust, wire-level API",
            Box::new(|| {
                let mut out = Count::default();
                run_once(&mut || native_wire(kind, input, &mut out))
            }),
        ));
    }
    if name == "W0" {
        // What eiw's check of an input event costs alone (part of every row below).
        rows.push((
            "the event check alone",
            Box::new(|| {
                run_once(&mut || {
                    input
                        .iter()
                        .filter(|bytes| eiw::validate::is_event(bytes))
                        .count() as u64
                })
            }),
        ));
    }
    let first_eiw = rows.len();
    rows.push((
        "eiw, one event per call",
        Box::new(|| run_once(&mut || eiw_pass(&metered, input, &mut Count::default()))),
    ));
    if let Some((wire, passthrough)) = &wire_hosts {
        rows.push((
            "eiw, wire-level API",
            Box::new(|| run_once(&mut || eiw_pass(wire, input, &mut Count::default()))),
        ));
        rows.push((
            "eiw, passthrough module (W0)",
            Box::new(|| run_once(&mut || eiw_pass(passthrough, input, &mut Count::default()))),
        ));
    }
    rows.push((
        "eiw, 8 GiB memory, no bounds checks",
        Box::new(|| run_once(&mut || eiw_pass(&unbounded, input, &mut Count::default()))),
    ));
    rows.push((
        "eiw, metering off",
        Box::new(|| run_once(&mut || eiw_pass(&free, input, &mut Count::default()))),
    ));
    rows.push((
        "eiw, batches of 100",
        Box::new(|| run_once(&mut || eiw_batches(&metered, input, &mut Count::default()))),
    ));
    if name == "W0" {
        rows.push((
            "eiw, trusted input (no input check)",
            Box::new(|| run_once(&mut || eiw_pass(&trusted, input, &mut Count::default()))),
        ));
        rows.push((
            "eiw, trusted input, batches of 100",
            Box::new(|| run_once(&mut || eiw_batches(&trusted, input, &mut Count::default()))),
        ));
    }
    rows.push((
        "eiw, 1 thread (new thread)",
        Box::new(|| run_threads(1, &|out: &mut Count| eiw_pass(&metered, input, out))),
    ));
    rows.push((
        "eiw, 2 threads on one host",
        Box::new(|| run_threads(2, &|out: &mut Count| eiw_pass(&metered, input, out))),
    ));
    let rates = interleaved(&mut rows);
    let floor = rates[0];
    for ((row_name, _), rate) in rows.iter().zip(&rates) {
        row(row_name, *rate, floor);
    }
    let (one, two) = (rates[rates.len() - 2], rates[rates.len() - 1]);
    let wire_rows = if wire_hosts.is_some() { 2 } else { 0 };
    let (bounded, wasm32) = (rates[first_eiw], rates[first_eiw + 1 + wire_rows]);
    if wire_hosts.is_some() {
        let (tree, wire, passthrough) =
            (rates[first_eiw], rates[first_eiw + 1], rates[first_eiw + 2]);
        println!(
            "\n{name}: wire-level API in eiw: {:.0} ns/event; its cost / native tree API: {:.2}x; \
             / eiw tree API: {:.2}x; / eiw passthrough: {:.2}x",
            1e9 / wire,
            floor / wire,
            tree / wire,
            passthrough / wire
        );
    }
    println!(
        "\n{name}: bounded memory (bounds checks) / 8 GiB static memory: {:.3}x",
        bounded / wasm32
    );
    println!(
        "\n{name}: 2 threads / 1 thread on one host: {:.2}x",
        two / one
    );
}

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn loading(name: &str, wasm: &[u8]) {
    let dir = std::env::temp_dir().join(format!("eiw-bench-{}", std::process::id()));
    let options = HostOptions {
        cache_dir: dir.to_string_lossy().into_owned(),
        ..Default::default()
    }
    .encode_to_vec();
    let compile = median_ms(|| drop(Host::new(wasm, Limits::default()).unwrap()));
    drop(Host::from_options(wasm, &options).unwrap());
    let cached = median_ms(|| {
        let host = Host::from_options(wasm, &options).unwrap();
        assert!(host.cache_report().loaded_from_cache);
    });
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "| {name} ({} KB) | {compile:.1} ms | {cached:.2} ms |",
        wasm.len() / 1000
    );
}

fn recovery(hostile: &[u8]) {
    let host = host(hostile, true, false);
    let good = eiw::json::event_from_json(&json!({"message": "ok"}))
        .unwrap()
        .encode_to_vec();
    let attack = eiw::json::event_from_json(&json!({"attack": "unreachable"}))
        .unwrap()
        .encode_to_vec();
    let mut out = Count::default();
    let n = 200;
    let plain = median_ms(|| {
        for _ in 0..n {
            host.process(&good, &mut out).unwrap();
        }
    });
    let with_trap = median_ms(|| {
        for _ in 0..n {
            host.process(&attack, &mut out).unwrap_err();
            host.process(&good, &mut out).unwrap();
        }
    });
    println!(
        "\nTrap recovery (a trapping call, then the next call on a fresh instance): {:.0} µs per trap \
         ({} traps; {:.1} µs per good call alone)",
        (with_trap - plain) * 1e3 / n as f64,
        n,
        plain * 1e3 / n as f64
    );
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    let path = dir.join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run `make wasm`)", path.display()))
}

fn main() {
    let dir = std::env::var_os("EIW_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/wasm32-unknown-unknown/release"));
    // EIW_BENCH_PROFILE: one row under a profiler (profile.rs, formats.rs);
    // =1: only W0's "one event per call" row, for 5 s.
    if let Ok(which) = std::env::var("EIW_BENCH_PROFILE") {
        if formats::profile(&which) || profile_memory_style(&which, &dir) || profile_native(&which)
        {
            return;
        }
        if which != "1" {
            // Not a silent W0 run: its numbers would be taken for the row named.
            eprintln!(
                "EIW_BENCH_PROFILE={which}: no such profile (1; W0..W3, W1w, W2w, W0n, W1n, \
                 W1nw with -cap or -wasm32; native-wire, native-tree (-W1s, -W2); json-in, \
                 json-out, msgpack-in, msgpack-out)"
            );
            std::process::exit(2);
        }
        let host = host(&read(&dir, "passthrough"), true, false);
        let input = events(false);
        profile_loop("W0", input.len(), || {
            eiw_pass(&host, &input, &mut Count::default())
        });
        return;
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("## eiw benchmark suite\n");
    println!("Command: `make bench` (target/release/eiw-bench); machine: {cores} cores, {cpu}.");
    println!(
        "Each figure is the median of {RUNS} runs of {} ms over 1000 generated events.",
        RUN_TIME.as_millis()
    );
    let plain = events(false);
    let fan = events(true);
    let nested = formats::nested_events();
    let size = plain.iter().map(Vec::len).sum::<usize>() / plain.len();
    println!(
        "Events: {size} bytes serialized on average (W3: {} bytes, 10 messages).",
        fan.iter().map(Vec::len).sum::<usize>() / fan.len()
    );
    workload(
        "W0",
        "passthrough (host overhead only)",
        Modules {
            tree: &read(&dir, "passthrough"),
            wire: None,
        },
        false,
        &plain,
    );
    let (w1_tree, w1_wire, passthrough) = (
        read(&dir, "w1_transform"),
        read(&dir, "w1_wire"),
        read(&dir, "passthrough"),
    );
    let w1 = || Modules {
        tree: &w1_tree,
        wire: Some((&w1_wire, &passthrough)),
    };
    workload(
        "W1",
        "transform (clock, config field, rename)",
        w1(),
        true,
        &plain,
    );
    workload(
        "W1-nested",
        "transform on the nested events (~550-byte JSON, objects two deep)",
        w1(),
        true,
        &nested,
    );
    workload(
        "W2",
        "filter (drops 90%)",
        Modules {
            tree: &read(&dir, "w2_filter"),
            wire: Some((&read(&dir, "w2_wire"), &read(&dir, "passthrough"))),
        },
        false,
        &plain,
    );
    workload(
        "W3",
        "fan-out (1 event in, 10 out)",
        Modules {
            tree: &read(&dir, "split"),
            wire: None,
        },
        false,
        &fan,
    );

    let c_dir = std::env::var_os("EIW_C_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/wasm32-c"));
    let as_dir = std::env::var_os("EIW_AS_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/wasm32-as"));
    if std::env::var("EIW_BENCH_ONLY").map_or(true, |only| only == "languages") {
        languages::languages(&dir, &c_dir, &as_dir, &plain);
    }

    formats::formats(&read(&dir, "passthrough"), &plain, &mut |what, rows| {
        let rates = interleaved(rows);
        println!("| {what:<32} | events/s     | ns/event  | ratio   |");
        println!("|---|---:|---:|---:|");
        for ((name, _), rate) in rows.iter().zip(&rates) {
            row(name, *rate, rates[0]);
        }
        println!();
    });

    println!("\n### Loading a module: compile vs cached load\n");
    println!("| module | compile | cached load |");
    println!("|---|---:|---:|");
    loading("add_fields", &read(&dir, "add_fields"));
    loading("generated", &big_module::many_functions(4000, 40));
    recovery(&read(&dir, "hostile"));
}
