//! The eiw command line:
//!
//! - `eiw run MODULE.wasm [--config FILE.json] [--stats] < events.ndjson`
//!   runs a module over newline-delimited JSON events and prints what it
//!   emits as NDJSON; guest log lines and per-event errors go to stderr.
//! - `eiw bench MODULE.wasm [--events FILE.ndjson] [--config FILE.json] [--seconds N]`
//!   reports events/s, latency percentiles and the host's statistics.
//! - `eiw check MODULE.wasm` validates a module and prints what it found.
use eiw::json::{config_from_json, event_from_json, event_to_json, stats_to_json};
use eiw::proto::Event;
use eiw::{Host, Limits, LogLevel, Sink};
use prost::Message;
use std::io::{self, BufRead, BufWriter, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage:
  eiw run MODULE.wasm [--config FILE.json] [--stats] < events.ndjson
  eiw bench MODULE.wasm [--events FILE.ndjson] [--config FILE.json] [--seconds N]
  eiw check MODULE.wasm";

struct PrintSink<W: Write> {
    out: W,
    failed: Option<io::Error>,
}

impl<W: Write> Sink for PrintSink<W> {
    fn emit(&mut self, event: &[u8]) {
        // The host has checked that emitted bytes decode.
        let line = Event::decode(event).map(|e| event_to_json(&e).to_string());
        let written = match line {
            Ok(line) => writeln!(self.out, "{line}"),
            Err(e) => writeln!(io::stderr(), "emitted event does not decode: {e}"),
        };
        if let Err(e) = written {
            self.failed.get_or_insert(e);
        }
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        eprintln!("guest {}: {message}", level.as_str());
    }
}

/// Discards emitted events; counts log lines instead of printing them.
#[derive(Default)]
struct CountSink {
    logs: u64,
}

impl Sink for CountSink {
    fn emit(&mut self, _event: &[u8]) {}
    fn log(&mut self, _level: LogLevel, _message: &str) {
        self.logs += 1;
    }
}

/// Flags after the module path: `--name value` pairs and bare switches.
struct Flags<'a> {
    args: &'a [String],
}

impl<'a> Flags<'a> {
    fn value(&self, name: &str) -> Result<Option<&'a str>, String> {
        match self.args.iter().position(|a| a == name) {
            Some(i) => self
                .args
                .get(i + 1)
                .map(|v| Some(v.as_str()))
                .ok_or_else(|| format!("{name} needs a value")),
            None => Ok(None),
        }
    }

    fn switch(&self, name: &str) -> bool {
        self.args.iter().any(|a| a == name)
    }

    fn check_known(&self, with_values: &[&str], switches: &[&str]) -> Result<(), String> {
        let mut i = 0;
        while i < self.args.len() {
            let arg = self.args[i].as_str();
            if with_values.contains(&arg) {
                i += 2;
            } else if switches.contains(&arg) {
                i += 1;
            } else {
                return Err(format!("unknown argument {arg:?}\n{USAGE}"));
            }
        }
        Ok(())
    }
}

/// Reads a module, refusing one over `max_module_bytes` before reading it
/// (and while reading, should the file grow).
fn read_module(path: &str, limits: &Limits) -> Result<Vec<u8>, String> {
    let max = u64::from(limits.max_module_bytes);
    let too_large = |size: u64| {
        format!("{path}: the module has {size} bytes or more, more than max_module_bytes ({max})")
    };
    let file = std::fs::File::open(path).map_err(|e| format!("reading {path}: {e}"))?;
    let size = file
        .metadata()
        .map_err(|e| format!("reading {path}: {e}"))?
        .len();
    if size > max {
        return Err(too_large(size));
    }
    let mut wasm = Vec::with_capacity(size as usize);
    file.take(max + 1)
        .read_to_end(&mut wasm)
        .map_err(|e| format!("reading {path}: {e}"))?;
    if wasm.len() as u64 > max {
        return Err(too_large(wasm.len() as u64));
    }
    Ok(wasm)
}

fn load(module_path: &str, config_path: Option<&str>, sink: &mut dyn Sink) -> Result<Host, String> {
    let limits = Limits::default();
    let wasm = read_module(module_path, &limits)?;
    let host = Host::new(&wasm, limits).map_err(|e| format!("{module_path}: {e}"))?;
    if let Some(path) = config_path {
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
        let json = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        let config = config_from_json(&json).map_err(|e| format!("{path}: {e}"))?;
        host.register(&config.encode_to_vec(), sink)
            .map_err(|e| format!("register {path}: {e}"))?;
    }
    Ok(host)
}

/// One input line, read with a bound on its length.
enum Line {
    Text(String),
    /// Longer than the bound: skipped to its end, never held whole.
    TooLong(u64),
    NotUtf8(std::str::Utf8Error),
}

/// Reads the next line (without its newline) into at most `max` bytes of
/// memory; None at the end of the input.
fn next_line(input: &mut impl BufRead, max: usize, buf: &mut Vec<u8>) -> io::Result<Option<Line>> {
    buf.clear();
    let mut length = 0u64;
    let mut seen_any = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            if !seen_any {
                return Ok(None);
            }
            break;
        }
        seen_any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(end) => (&chunk[..end], Some(end + 1)),
            None => (chunk, None),
        };
        length += part.len() as u64;
        if length <= max as u64 {
            buf.extend_from_slice(part);
        } else {
            buf.clear();
        }
        let used = done.unwrap_or(chunk.len());
        input.consume(used);
        if done.is_some() {
            break;
        }
    }
    if length > max as u64 {
        return Ok(Some(Line::TooLong(length)));
    }
    match String::from_utf8(std::mem::take(buf)) {
        Ok(text) => Ok(Some(Line::Text(text))),
        Err(e) => {
            let error = e.utf8_error();
            *buf = e.into_bytes();
            Ok(Some(Line::NotUtf8(error)))
        }
    }
}

fn encode_line(line: &str) -> Result<Vec<u8>, String> {
    let json = serde_json::from_str(line).map_err(|e| e.to_string())?;
    Ok(event_from_json(&json)?.encode_to_vec())
}

/// Prints "N events, R/s" on stderr at most once a second, once the input
/// is interactive or large.
struct Progress {
    start: Instant,
    last: Instant,
    always: bool,
}

impl Progress {
    const LARGE_INPUT: usize = 100_000;

    fn tick(&mut self, events: usize) {
        if !(self.always || events >= Self::LARGE_INPUT)
            || self.last.elapsed() < Duration::from_secs(1)
        {
            return;
        }
        self.last = Instant::now();
        let rate = events as f64 / self.start.elapsed().as_secs_f64();
        eprintln!("eiw: {events} events, {rate:.0}/s");
    }
}

fn run(module: &str, flags: Flags) -> Result<bool, String> {
    flags.check_known(&["--config"], &["--stats"])?;
    let stdout = io::stdout();
    let mut sink = PrintSink {
        out: BufWriter::new(stdout.lock()),
        failed: None,
    };
    let host = load(module, flags.value("--config")?, &mut sink)?;
    let stdin = io::stdin();
    let mut progress = Progress {
        start: Instant::now(),
        last: Instant::now(),
        always: stdin.is_terminal(),
    };
    let mut all_ok = true;
    // A line may be as long as the largest event the host takes.
    let max_line = host.limits().max_event_bytes as usize;
    let mut input = stdin.lock();
    let mut buf = Vec::new();
    let mut index = 0;
    while let Some(line) =
        next_line(&mut input, max_line, &mut buf).map_err(|e| format!("reading stdin: {e}"))?
    {
        index += 1;
        let result = match line {
            Line::Text(line) if line.trim().is_empty() => continue,
            Line::Text(line) => encode_line(&line)
                .and_then(|event| host.process(&event, &mut sink).map_err(|e| e.to_string())),
            Line::TooLong(length) => Err(format!(
                "the line has {length} bytes, more than max_event_bytes ({max_line}); skipped"
            )),
            Line::NotUtf8(e) => Err(format!(
                "the line is not UTF-8 (invalid byte at offset {}); skipped",
                e.valid_up_to()
            )),
        };
        if let Err(e) = result {
            all_ok = false;
            eprintln!("line {index}: {e}");
        }
        if let Some(e) = sink.failed.take() {
            return Err(format!("writing stdout: {e}"));
        }
        progress.tick(index);
    }
    sink.out
        .flush()
        .map_err(|e| format!("writing stdout: {e}"))?;
    if flags.switch("--stats") {
        eprintln!("{}", stats_to_json(&host.stats()));
    }
    Ok(all_ok)
}

/// Events for `eiw bench` without --events: web-server log lines of about
/// 300 bytes, with nested objects and a `message`.
fn generated_events() -> Vec<Vec<u8>> {
    (0..1000)
        .map(|i| {
            let json = serde_json::json!({
                "@timestamp": format!("2026-11-30T08:{:02}:{:02}.{:03}Z", i / 60 % 60, i % 60, i % 1000),
                "message": format!("10.0.{}.{} - - \"GET /api/v1/items/{i} HTTP/1.1\" 200 {}", i % 256, i % 7, 100 + i),
                "log": {"level": if i % 10 == 0 { "debug" } else { "info" }},
                "host": {"name": format!("web-{}", i % 4)},
                "http": {"request": {"method": "GET"}, "response": {"status_code": 200, "bytes": 100 + i}},
                "url": {"path": format!("/api/v1/items/{i}")},
                "user_agent": {"original": "Mozilla/5.0 (X11; Linux x86_64)"},
                "event": {"duration": 1000 * i},
            });
            event_from_json(&json).expect("generated event").encode_to_vec()
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn bench(module: &str, flags: Flags) -> Result<bool, String> {
    flags.check_known(&["--events", "--config", "--seconds"], &[])?;
    let seconds: f64 = match flags.value("--seconds")? {
        Some(s) => s
            .parse()
            .map_err(|_| format!("--seconds {s:?} is not a number"))?,
        None => 3.0,
    };
    let events = match flags.value("--events")? {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
            let lines = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty());
            lines
                .map(|(i, l)| encode_line(l).map_err(|e| format!("{path}:{}: {e}", i + 1)))
                .collect::<Result<Vec<_>, _>>()?
        }
        None => generated_events(),
    };
    if events.is_empty() {
        return Err("no events to run".into());
    }
    let mut sink = CountSink::default();
    let host = load(module, flags.value("--config")?, &mut sink)?;
    let mut latencies = Vec::new();
    let mut failures = 0u64;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < seconds {
        for event in &events {
            let t = Instant::now();
            failures += u64::from(host.process(event, &mut sink).is_err());
            latencies.push(t.elapsed());
        }
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let total = latencies.len();
    println!("module      {module}");
    println!(
        "events      {total} in {:.2} s ({} distinct, {} failed)",
        elapsed.as_secs_f64(),
        events.len(),
        failures
    );
    println!(
        "throughput  {:.0} events/s on one thread",
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency     p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        latencies[total - 1]
    );
    println!("stats       {}", stats_to_json(&host.stats()));
    Ok(failures == 0)
}

fn check(module: &str, flags: Flags) -> Result<bool, String> {
    flags.check_known(&[], &[])?;
    let limits = Limits::default();
    let wasm = read_module(module, &limits)?;
    match Host::new(&wasm, limits) {
        Ok(host) => {
            let abi = host.abi();
            println!("{module}: ok");
            println!("abi         {}", abi.version);
            println!(
                "register    {}",
                if abi.has_register {
                    "exported (takes a config)"
                } else {
                    "not exported (takes no config)"
                }
            );
            println!(
                "batches     {}",
                if abi.has_process_batch {
                    "process_batch exported (many events per call)"
                } else {
                    "one process call per event"
                }
            );
            println!(
                "inputs      {}",
                if abi.has_input_buffer {
                    "input_buffer exported (no malloc per call)"
                } else {
                    "through malloc"
                }
            );
            println!(
                "memory      {} pages minimum ({} KiB)",
                abi.memory_minimum_pages,
                abi.memory_minimum_pages * 64
            );
            for export in host.exports() {
                println!("export      {export}");
            }
            for import in host.imports() {
                println!("import      {import}");
            }
            Ok(true)
        }
        Err(e) => {
            println!("{module}: {e}");
            Ok(false)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [command, module, rest @ ..] => {
            let flags = Flags { args: rest };
            match command.as_str() {
                "run" => run(module, flags),
                "bench" => bench(module, flags),
                "check" => check(module, flags),
                _ => Err(USAGE.into()),
            }
        }
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("eiw: {message}");
            ExitCode::from(2)
        }
    }
}
