//! The hostile corpus of WAT modules (tests/hostile-corpus/*.wat): each
//! file's first line says what a host must make of it,
//!
//!   ;; expect: load CODE "text"       eiw_host_new fails with CODE
//!   ;; expect: process CODE "text"    processing an event fails with CODE
//!   ;; expect: process OK N           processing an event emits N events
//!   ;; expect: batch CODE "text"      every event of a batch of 40 fails
//!                                     with CODE, the first with "text"
//!
//! and the next event is served the same way (the host is still whole).
//! Each module also runs through the `eiw` CLI, which must end by itself,
//! without a signal and under 1.5 GB of memory.
mod common;

use common::*;
use eiw::{Collect, CollectBatch, Host, Limits};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Case {
    name: String,
    wasm: Vec<u8>,
    stage: String,
    code: String,
    expected: String,
}

fn corpus() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile-corpus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "the corpus has {} modules", paths.len());
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("corpus file");
            let first = text.lines().next().unwrap_or_default();
            let spec = first
                .strip_prefix(";; expect: ")
                .unwrap_or_else(|| panic!("{}: no expect line", path.display()));
            let mut words = spec.splitn(3, ' ');
            let (stage, code, rest) = (
                words.next().unwrap_or_default().to_string(),
                words.next().unwrap_or_default().to_string(),
                words
                    .next()
                    .unwrap_or_default()
                    .trim_matches('"')
                    .to_string(),
            );
            Case {
                name: path.file_stem().unwrap().to_string_lossy().into_owned(),
                wasm: wat(&text),
                stage,
                code,
                expected: rest,
            }
        })
        .collect()
}

fn event() -> Vec<u8> {
    event_bytes(json!({"message": "hello"}))
}

#[test]
fn every_corpus_module_gets_its_typed_error_and_the_host_stays_whole() {
    for case in corpus() {
        let loaded = Host::new(&case.wasm, Limits::default());
        if case.stage == "load" {
            let e = loaded
                .err()
                .unwrap_or_else(|| panic!("{}: loaded", case.name));
            assert_eq!(e.code().name(), case.code, "{}: {e}", case.name);
            assert!(e.message().contains(&case.expected), "{}: {e}", case.name);
            continue;
        }
        let host = loaded.unwrap_or_else(|e| panic!("{}: {e}", case.name));
        if case.stage == "batch" {
            let events = vec![event(); 40];
            let inputs: Vec<&[u8]> = events.iter().map(Vec::as_slice).collect();
            let results = host.process_batch(&inputs, &mut CollectBatch::default());
            for (i, result) in results.iter().enumerate() {
                let e = result
                    .as_ref()
                    .err()
                    .unwrap_or_else(|| panic!("{}: event {i} succeeded", case.name));
                assert_eq!(e.code().name(), case.code, "{} event {i}: {e}", case.name);
            }
            let first = results[0].as_ref().unwrap_err();
            assert!(
                first.message().contains(&case.expected),
                "{}: {first}",
                case.name
            );
            let used = host.stats().cpu_points_used;
            let budget = Limits::default().cpu_points_per_call.unwrap_or_default();
            assert!(
                used <= 40 * budget,
                "{}: {used} points for 40 events",
                case.name
            );
            continue;
        }
        for attempt in 0..2 {
            let mut sink = Collect::default();
            let result = host.process(&event(), &mut sink);
            match case.code.as_str() {
                "OK" => {
                    let emitted = result.unwrap_or_else(|e| panic!("{}: {e}", case.name));
                    assert_eq!(emitted.to_string(), case.expected, "{}", case.name);
                }
                code => {
                    let e = result
                        .err()
                        .unwrap_or_else(|| panic!("{}: succeeded", case.name));
                    assert_eq!(e.code().name(), code, "{} (try {attempt}): {e}", case.name);
                    assert!(e.message().contains(&case.expected), "{}: {e}", case.name);
                }
            }
        }
    }
}

/// The largest resident set of any waited-for child, in KiB.
fn children_max_rss_kib() -> i64 {
    #[repr(C)]
    struct RUsage {
        utime: [i64; 2],
        stime: [i64; 2],
        maxrss: i64,
        rest: [i64; 13],
    }
    extern "C" {
        fn getrusage(who: i32, usage: *mut RUsage) -> i32;
    }
    const RUSAGE_CHILDREN: i32 = -1;
    let mut usage = RUsage {
        utime: [0; 2],
        stime: [0; 2],
        maxrss: 0,
        rest: [0; 13],
    };
    // SAFETY: `usage` has the layout of struct rusage on Linux x86-64.
    assert_eq!(unsafe { getrusage(RUSAGE_CHILDREN, &mut usage) }, 0);
    usage.maxrss
}

#[test]
fn the_cli_survives_every_corpus_module() {
    let dir = std::env::temp_dir().join(format!("eiw-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for case in corpus() {
        let module = dir.join(format!("{}.wasm", case.name));
        std::fs::write(&module, &case.wasm).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_eiw"))
            .arg("run")
            .arg(&module)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("eiw runs");
        let lines = "{\"message\":\"one\"}\n{\"message\":\"two\"}\n";
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(lines.as_bytes());
        let output = child.wait_with_output().expect("eiw ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Exit status 0 (all served), 1 (events failed) or 2 (the module
        // was refused): never a signal.
        let code = output.status.code();
        assert!(
            code.is_some(),
            "{}: killed by a signal: {stderr}",
            case.name
        );
        let want = match (case.stage.as_str(), case.code.as_str()) {
            ("load", _) => 2,
            (_, "OK") => 0,
            _ => 1,
        };
        assert_eq!(code, Some(want), "{}: {stderr}", case.name);
        if want == 1 {
            assert!(
                stderr.contains("line 2:"),
                "{}: the second line was not served: {stderr}",
                case.name
            );
        }
    }
    let rss = children_max_rss_kib();
    assert!(rss < 1_500_000, "an eiw run reached {rss} KiB");
    std::fs::remove_dir_all(&dir).unwrap();
}
