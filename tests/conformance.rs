//! The conformance suite (conformance/README.md): the build of every
//! example in every language listed in conformance/languages turns
//! conformance/events.ndjson into exactly conformance/<example>/expected.ndjson
//! (`event.ingested`, the clock, aside). EIW_CONFORMANCE_WRITE=1 writes the
//! expected files from the first language (Rust), to review and commit.
use eiw::proto::{EventFormat, HostOptions};
use eiw::{Collect, Host};
use prost::Message;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const EXAMPLES: [&str; 5] = ["passthrough", "add_fields", "drop_debug", "split", "rename"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn languages() -> Vec<(String, PathBuf)> {
    let list = std::fs::read_to_string(root().join("conformance/languages")).unwrap();
    list.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, dir) = l.split_once(' ').expect("`name dir`");
            (name.to_string(), root().join(dir.trim()))
        })
        .collect()
}

/// What one example made of each input event: `{"in": n, "out": [events]}`
/// or `{"in": n, "error": "EIW_RESULT_…"}`.
fn run(wasm: &Path, example: &str, inputs: &[String]) -> Vec<Value> {
    let wasm = std::fs::read(wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    let options = HostOptions {
        event_format: EventFormat::Json as i32,
        ..Default::default()
    };
    let host = Host::from_options(&wasm, &options.encode_to_vec()).unwrap();
    let config = root().join("conformance").join(example).join("config.json");
    if let Ok(config) = std::fs::read(&config) {
        host.register(&config, &mut Collect::default()).unwrap();
    }
    inputs
        .iter()
        .enumerate()
        .map(|(n, input)| {
            let mut out = Collect::default();
            match host.process(input.as_bytes(), &mut out) {
                Ok(_) => {
                    let events: Vec<Value> = out.events.iter().map(|e| without_clock(e)).collect();
                    json!({"in": n, "out": events})
                }
                Err(e) => json!({"in": n, "error": e.code().name()}),
            }
        })
        .collect()
}

/// The event without `event.ingested`, which must be an RFC 3339 time
/// (and `event` without it, if it held nothing else).
fn without_clock(event: &[u8]) -> Value {
    let mut event: Value = serde_json::from_slice(event).unwrap();
    if let Some(inner) = event.get_mut("event").and_then(Value::as_object_mut) {
        if let Some(ingested) = inner.remove("ingested") {
            let text = ingested.as_str().expect("event.ingested is a time");
            assert!(text.ends_with('Z') && text.len() >= 20, "{text}");
            if inner.is_empty() {
                event.as_object_mut().unwrap().remove("event");
            }
        }
    }
    event
}

#[test]
fn every_language_behaves_like_the_reference() {
    let inputs: Vec<String> = std::fs::read_to_string(root().join("conformance/events.ndjson"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let write = std::env::var_os("EIW_CONFORMANCE_WRITE").is_some();
    let mut failures = Vec::new();
    for (i, (language, dir)) in languages().iter().enumerate() {
        for example in EXAMPLES {
            let got = run(&dir.join(format!("{example}.wasm")), example, &inputs);
            let expected_path = root()
                .join("conformance")
                .join(example)
                .join("expected.ndjson");
            if write && i == 0 {
                let text: String = got.iter().map(|v| format!("{v}\n")).collect();
                std::fs::write(&expected_path, text).unwrap();
                continue;
            }
            let expected: Vec<Value> = std::fs::read_to_string(&expected_path)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(expected.len(), inputs.len(), "{}", expected_path.display());
            for (want, have) in expected.iter().zip(&got) {
                if want != have {
                    failures.push(format!("{language} {example}: want {want}, got {have}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
