//! `eiw run MODULE.wasm [--config FILE.json] < events.ndjson`
//!
//! Runs a module over newline-delimited JSON events and prints what it
//! emits as NDJSON. Guest log lines and per-event errors go to stderr.
use eiw::json::{config_from_json, event_from_json, event_to_json};
use eiw::proto::Event;
use eiw::{Host, Limits, LogLevel, Sink};
use prost::Message;
use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: eiw run MODULE.wasm [--config FILE.json] < events.ndjson";

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

fn run(args: &[String]) -> Result<bool, String> {
    let (module_path, config_path) = match args {
        [module] => (module, None),
        [module, flag, config] if flag == "--config" => (module, Some(config)),
        _ => return Err(USAGE.into()),
    };
    let wasm = std::fs::read(module_path).map_err(|e| format!("reading {module_path}: {e}"))?;
    let host = Host::new(&wasm, Limits::default()).map_err(|e| format!("{module_path}: {e}"))?;
    let stdout = io::stdout();
    let mut sink = PrintSink {
        out: BufWriter::new(stdout.lock()),
        failed: None,
    };
    if let Some(path) = config_path {
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
        let json = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        let config = config_from_json(&json).map_err(|e| format!("{path}: {e}"))?;
        host.register(&config.encode_to_vec(), &mut sink)
            .map_err(|e| format!("register {path}: {e}"))?;
    }
    let mut all_ok = true;
    let mut buffer = Vec::new();
    for (index, line) in io::stdin().lock().lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|e| format!("reading stdin: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str(&line)
            .map_err(|e| e.to_string())
            .and_then(|json| event_from_json(&json));
        let result = event.and_then(|event| {
            buffer.clear();
            event.encode(&mut buffer).map_err(|e| e.to_string())?;
            host.process(&buffer, &mut sink).map_err(|e| e.to_string())
        });
        if let Err(e) = result {
            all_ok = false;
            eprintln!("line {line_number}: {e}");
        }
        if let Some(e) = sink.failed.take() {
            return Err(format!("writing stdout: {e}"));
        }
    }
    sink.out
        .flush()
        .map_err(|e| format!("writing stdout: {e}"))?;
    Ok(all_ok)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((command, rest)) if command == "run" => match run(rest) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(message) => {
                eprintln!("eiw: {message}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
