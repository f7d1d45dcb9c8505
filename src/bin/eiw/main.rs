//! The eiw command line:
//!
//! - `eiw run MODULE.wasm [--config FILE.json] [--format json|msgpack] [--stats]`
//!   runs a module over newline-delimited JSON events (or a msgpack
//!   stream) on stdin and writes what it emits in the same format on
//!   stdout; guest log lines and per-event errors go to stderr.
//! - `eiw bench MODULE.wasm [--events FILE.ndjson] [--config FILE.json] [--seconds N]`
//!   reports events/s, latency percentiles and the host's statistics.
//! - `eiw check MODULE.wasm` validates a module and prints what it found.
mod input;

use clap::{Parser, Subcommand, ValueEnum};
use eiw::format::{EventFormat, Transcoder};
use eiw::json::{event_from_json, stats_to_json};
use eiw::{Host, Limits, LogLevel, Sink};
use input::Record;
use prost::Message;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "eiw", version, about = "Run WebAssembly modules on log events")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Newline-delimited JSON objects.
    Json,
    /// A stream of msgpack records (a map, [time, map] or [[time, metadata], map]).
    Msgpack,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a module over events on stdin; writes what it emits to stdout.
    Run {
        /// The module (.wasm).
        module: PathBuf,
        /// A JSON object of parameters for the module's `register`.
        #[arg(long, value_name = "FILE.json")]
        config: Option<PathBuf>,
        /// The format of stdin and stdout.
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Prints the host's statistics as JSON on stderr at the end.
        #[arg(long)]
        stats: bool,
    },
    /// Measures events/s and latency of a module on one thread.
    Bench {
        module: PathBuf,
        /// NDJSON events to run (default: generated web-server logs).
        #[arg(long, value_name = "FILE.ndjson")]
        events: Option<PathBuf>,
        #[arg(long, value_name = "FILE.json")]
        config: Option<PathBuf>,
        /// How long to run.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
    /// Validates a module and prints its ABI, exports and imports.
    Check { module: PathBuf },
}

/// Writes emitted records to stdout: JSON one per line, msgpack back to back.
struct PrintSink<W: Write> {
    out: W,
    newline: bool,
    failed: Option<io::Error>,
}

impl<W: Write> Sink for PrintSink<W> {
    fn emit(&mut self, event: &[u8]) {
        let mut written = self.out.write_all(event);
        if self.newline {
            written = written.and_then(|()| self.out.write_all(b"\n"));
        }
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

/// Reads a module, refusing one over `max_module_bytes` before reading it
/// (and while reading, should the file grow).
fn read_module(path: &Path, limits: &Limits) -> Result<Vec<u8>, String> {
    let max = u64::from(limits.max_module_bytes);
    let path = path.display();
    let too_large = |size: u64| {
        format!("{path}: the module has {size} bytes or more, more than max_module_bytes ({max})")
    };
    let file = std::fs::File::open(path.to_string()).map_err(|e| format!("reading {path}: {e}"))?;
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

fn load(
    module: &Path,
    config: Option<&Path>,
    limits: Limits,
    sink: &mut dyn Sink,
) -> Result<Host, String> {
    let wasm = read_module(module, &limits)?;
    let host = Host::new(&wasm, limits).map_err(|e| format!("{}: {e}", module.display()))?;
    if let Some(path) = config {
        let path = path.display();
        let text = std::fs::read(path.to_string()).map_err(|e| format!("reading {path}: {e}"))?;
        let mut config = Vec::new();
        Transcoder::default()
            .config_to_wire(EventFormat::Json, &text, &mut config)
            .map_err(|e| format!("{path}: {e}"))?;
        host.register_protobuf(&config, sink)
            .map_err(|e| format!("register {path}: {e}"))?;
    }
    Ok(host)
}

fn encode_line(line: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    Transcoder::default()
        .event_to_wire(EventFormat::Json, line, &mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
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

fn run(module: &Path, config: Option<&Path>, format: Format, stats: bool) -> Result<bool, String> {
    let (event_format, noun) = match format {
        Format::Json => (EventFormat::Json, "line"),
        Format::Msgpack => (EventFormat::Msgpack, "record"),
    };
    let limits = Limits {
        event_format,
        ..Limits::default()
    };
    let stdout = io::stdout();
    let mut sink = PrintSink {
        out: BufWriter::with_capacity(1 << 16, stdout.lock()),
        newline: matches!(format, Format::Json),
        failed: None,
    };
    let host = load(module, config, limits, &mut sink)?;
    let stdin = io::stdin();
    let mut progress = Progress {
        start: Instant::now(),
        last: Instant::now(),
        always: stdin.is_terminal(),
    };
    let mut all_ok = true;
    // A record may be as long as the largest event the host takes.
    let max = host.limits().max_event_bytes as usize;
    let mut input = io::BufReader::with_capacity(1 << 16, stdin.lock());
    let mut buf = Vec::new();
    let mut index = 0;
    loop {
        let next = match format {
            Format::Json => input::next_line(&mut input, max, &mut buf),
            Format::Msgpack => input::next_msgpack(&mut input, max, &mut buf),
        };
        let Some(record) = next.map_err(|e| format!("reading stdin: {e}"))? else {
            break;
        };
        index += 1;
        let result = match record {
            Record::Whole if matches!(format, Format::Json) && buf.trim_ascii().is_empty() => {
                continue
            }
            Record::Whole => host
                .process(&buf, &mut sink)
                .map(drop)
                .map_err(|e| e.to_string()),
            Record::TooLong(length) => Err(format!(
                "the {noun} has {length} bytes, more than max_event_bytes ({max}); skipped"
            )),
            Record::CutOff(length) => Err(format!(
                "the input ends inside the {noun}, after {length} bytes"
            )),
        };
        if let Err(e) = result {
            all_ok = false;
            eprintln!("{noun} {index}: {e}");
        }
        if let Some(e) = sink.failed.take() {
            return Err(format!("writing stdout: {e}"));
        }
        progress.tick(index);
    }
    sink.out
        .flush()
        .map_err(|e| format!("writing stdout: {e}"))?;
    if stats {
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

fn bench(
    module: &Path,
    events: Option<&Path>,
    config: Option<&Path>,
    seconds: f64,
) -> Result<bool, String> {
    let events = match events {
        Some(path) => {
            let path = path.display();
            let text = std::fs::read_to_string(path.to_string())
                .map_err(|e| format!("reading {path}: {e}"))?;
            let lines = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty());
            lines
                .map(|(i, l)| {
                    encode_line(l.as_bytes()).map_err(|e| format!("{path}:{}: {e}", i + 1))
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        None => generated_events(),
    };
    if events.is_empty() {
        return Err("no events to run".into());
    }
    let mut sink = CountSink::default();
    let host = load(module, config, Limits::default(), &mut sink)?;
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
    println!("module      {}", module.display());
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

fn check(module: &Path) -> Result<bool, String> {
    let limits = Limits::default();
    let wasm = read_module(module, &limits)?;
    match Host::new(&wasm, limits) {
        Ok(host) => {
            let abi = host.abi();
            println!("{}: ok", module.display());
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
            println!("{}: {e}", module.display());
            Ok(false)
        }
    }
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run {
            module,
            config,
            format,
            stats,
        } => run(&module, config.as_deref(), format, stats),
        Command::Bench {
            module,
            events,
            config,
            seconds,
        } => bench(&module, events.as_deref(), config.as_deref(), seconds),
        Command::Check { module } => check(&module),
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
