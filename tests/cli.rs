//! The `eiw` command line, run as a user would.
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn wasm(name: &str) -> PathBuf {
    let dir = std::env::var_os("EIW_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/wasm32-unknown-unknown/release")
        });
    dir.join(format!("{name}.wasm"))
}

fn eiw(args: &[&str], stdin: &str) -> Output {
    eiw_bytes(args, stdin.as_bytes().to_vec())
}

/// Runs eiw with raw bytes on stdin, written from another thread so that
/// a large input cannot block on a full pipe.
fn eiw_bytes(args: &[&str], stdin: Vec<u8>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eiw"));
    command.args(args);
    run_with_stdin(command, stdin)
}

/// Runs `command` in the repository with `stdin` and its output captured.
fn run_with_stdin(mut command: Command, stdin: Vec<u8>) -> Output {
    let mut child = command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run eiw");
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Each line of stdout as JSON.
fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    text(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_prints_emitted_events_and_stats() {
    let events = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/events.ndjson"
    ))
    .unwrap();
    let module = wasm("add_fields");
    let out = eiw(
        &[
            "run",
            module.to_str().unwrap(),
            "--config",
            "examples/add_fields/config.json",
            "--stats",
        ],
        &events,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 5);
    assert!(lines
        .iter()
        .all(|e| e["labels"]["environment"] == "production"));
    assert_eq!(lines[0]["message"], "GET /index.html 200 512");
    let stats: serde_json::Value = serde_json::from_str(text(&out.stderr).trim()).unwrap();
    assert_eq!(stats["events_in"], 5);
    assert_eq!(stats["events_passed"], 5);
    assert_eq!(stats["register_calls"], 1);
}

#[test]
fn run_reports_bad_lines_with_their_number_and_goes_on() {
    let module = wasm("passthrough");
    let out = eiw(
        &["run", module.to_str().unwrap()],
        "{\"a\": 1}\nnot json\n{\"b\": 2}\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).lines().count(), 2);
    assert!(
        text(&out.stderr).starts_with("line 2: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_describes_a_module_and_rejects_a_bad_one() {
    let module = wasm("add_fields");
    let out = eiw(&["check", module.to_str().unwrap()], "");
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("abi         1.1"), "{stdout}");
    assert!(
        stdout.contains("batches     process_batch exported"),
        "{stdout}"
    );
    assert!(stdout.contains("register    exported"), "{stdout}");
    assert!(
        stdout.contains("import      elastic.elastic_get_current_time_nanoseconds"),
        "{stdout}"
    );
    assert!(!stdout.contains("eiw_cpu_points"), "{stdout}");

    let out = eiw(&["check", "Cargo.toml"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("EIW_RESULT_INVALID_MODULE"));
}

#[test]
fn bench_reports_throughput_latency_and_stats() {
    let module = wasm("passthrough");
    let out = eiw(&["bench", module.to_str().unwrap(), "--seconds", "0.2"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("events/s on one thread"), "{stdout}");
    assert!(stdout.contains("latency     p50 "), "{stdout}");
    assert!(stdout.contains("\"events_passed\":"), "{stdout}");
}

#[test]
fn usage_errors_exit_2() {
    let out = eiw(&["frobnicate"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("Usage: eiw <COMMAND>"),
        "{}",
        text(&out.stderr)
    );
    let module = wasm("passthrough");
    let out = eiw(&["run", module.to_str().unwrap(), "--bogus"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unexpected argument '--bogus'"));
}

#[test]
fn help_on_every_command_version_and_flags_anywhere() {
    for command in ["run", "bench", "check"] {
        let out = eiw(&[command, "--help"], "");
        assert!(out.status.success());
        assert!(
            text(&out.stdout).contains(&format!("Usage: eiw {command}")),
            "{}",
            text(&out.stdout)
        );
    }
    let out = eiw(&["--version"], "");
    assert_eq!(
        text(&out.stdout).trim(),
        format!("eiw {}", env!("CARGO_PKG_VERSION"))
    );
    let module = wasm("passthrough");
    let out = eiw(
        &["run", "--stats", module.to_str().unwrap()],
        "{\"a\": 1}\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("\"events_passed\":1"));
}

#[test]
fn run_is_exact_on_doubles() {
    let module = wasm("add_fields");
    let line = "{\"a\":947865360.6090633,\"b\":[1e-300,-0.0,0.1,5e-324,1.7976931348623157e308]}\n";
    let out = eiw(
        &[
            "run",
            module.to_str().unwrap(),
            "--config",
            "examples/add_fields/config.json",
        ],
        line,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("\"a\":947865360.6090633"), "{stdout}");
    assert!(
        stdout.contains("[1e-300,-0.0,0.1,5e-324,1.7976931348623157e308]"),
        "{stdout}"
    );
}

#[test]
fn run_reads_and_writes_a_msgpack_stream_and_names_a_cut_record() {
    let module = wasm("add_fields");
    // {"log": "a"}, [[EventTime(7.5), {}], {"log": "b"}], then a cut record.
    let mut input = vec![0x81, 0xa3, b'l', b'o', b'g', 0xa1, b'a'];
    input.extend_from_slice(&[
        0x92, 0x92, 0xd7, 0x00, 0, 0, 0, 7, 0x1d, 0xcd, 0x65, 0x00, 0x80,
    ]);
    input.extend_from_slice(&[0x81, 0xa3, b'l', b'o', b'g', 0xa1, b'b']);
    input.extend_from_slice(&[0x81, 0xa3, b'l', b'o', b'g', 0xd9, 50, b'c']);
    let args = [
        "run",
        module.to_str().unwrap(),
        "--format",
        "msgpack",
        "--config",
        "examples/add_fields/config.json",
    ];
    let out = eiw_bytes(&args, input);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("record 3: the input ends inside the record, after 8 bytes"),
        "{stderr}"
    );
    // Two records out in the canonical shapes: a map of three fields (the
    // guest adds `labels` and `event.ingested`), then [[EventTime, {}], map].
    let stdout = &out.stdout;
    assert_eq!(stdout[0], 0x83, "{stdout:02x?}");
    let header = [
        0x92, 0x92, 0xd7, 0x00, 0, 0, 0, 7, 0x1d, 0xcd, 0x65, 0x00, 0x80, 0x83,
    ];
    assert!(
        stdout.windows(header.len()).any(|w| w == header),
        "{stdout:02x?}"
    );
    let production = stdout.windows(10).filter(|w| w == b"production").count();
    assert_eq!(production, 2);
}

#[test]
fn run_on_a_0x_module_gives_the_fields_its_host_produced() {
    let module = wasm("poc");
    let input = concat!(
        "{\"case\":\"types\"}\n",
        "{\"case\":\"get\",\"message\":\"hi\",\"log\":{\"level\":\"warn\"}}\n",
        "{\"case\":\"log\",\"@timestamp\":\"2026-11-30T08:15:00.120Z\"}\n",
        "{\"case\":\"fail\"}\n"
    );
    let out = eiw(&["run", module.to_str().unwrap()], input);
    assert_eq!(out.status.code(), Some(1), "one event failed");
    let lines = json_lines(&out.stdout);
    assert_eq!(
        lines,
        vec![
            serde_json::json!({"case": "types", "t": {
                "string": "text", "int": 42, "negative": -7, "float": 2.5, "whole_float": 2.0,
                "big": 18446744073709551615u64, "bool": true, "null": null,
                "array": [1, "a", null, [true]], "object": {"k": {"n": 1}}}}),
            serde_json::json!({"case": "get", "message": "hi", "log": {"level": "warn"},
                "copy": {"message": "hi", "level": "warn", "log": {"level": "warn"}, "missing_status": 3}}),
            serde_json::json!({"case": "log", "@timestamp": "2026-11-30T08:15:00.120Z"}),
        ]
    );
    assert!(
        text(&out.stdout).contains("\"whole_float\":2.0"),
        "2.0 prints as a float"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("guest warn: hello from 0.x"), "{stderr}");
    assert!(
        stderr.contains("line 4: EIW_RESULT_GUEST_STATUS"),
        "{stderr}"
    );
}

#[test]
fn run_skips_lines_that_are_not_utf8_or_too_long_and_goes_on() {
    let module = wasm("passthrough");
    let mut input = b"{\"n\": 1}\n{\"bad\": \"\xff\xfe\"}\n".to_vec();
    // A line of 2 MiB, over max_event_bytes (1 MiB), without a newline
    // until its end, then a good line, then a last line without newline.
    input.extend(std::iter::repeat_n(b'x', 2 << 20));
    input.extend_from_slice(b"\n{\"n\": 2}\n{\"n\": 3}");
    let out = eiw_bytes(&["run", module.to_str().unwrap()], input);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines = json_lines(&out.stdout);
    assert_eq!(
        lines,
        vec![
            serde_json::json!({"n": 1}),
            serde_json::json!({"n": 2}),
            serde_json::json!({"n": 3})
        ]
    );
    assert!(
        stderr.contains("line 2: EIW_RESULT_INVALID_EVENT: the event is not a valid JSON record: at byte 9: invalid UTF-8 in a string"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "line 3: the line has 2097152 bytes, more than max_event_bytes (1048576); skipped"
        ),
        "{stderr}"
    );
}

#[test]
fn a_module_over_the_size_limit_is_refused_before_it_is_read() {
    // A sparse 2 GB file: refused by its size, never read into memory.
    let path = std::env::temp_dir().join(format!("eiw-sparse-{}.wasm", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(2_000_000_000).unwrap();
    for command in ["run", "check"] {
        let out = eiw(&[command, path.to_str().unwrap()], "");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(
                "the module has 2000000000 bytes or more, more than max_module_bytes (16777216)"
            ),
            "{stderr}"
        );
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn run_works_under_a_2_gb_address_space_limit() {
    // `prlimit --as`, as `ulimit -v` would set it: each guest instance
    // reserves its memory cap (16 MiB by default), not 8 GiB.
    let module = wasm("add_fields");
    let mut command = Command::new("prlimit");
    command
        .arg("--as=2000000000")
        .arg(env!("CARGO_BIN_EXE_eiw"))
        .args([
            "run",
            module.to_str().unwrap(),
            "--config",
            "examples/add_fields/config.json",
        ]);
    let out = run_with_stdin(command, br#"{"message":"under a limit"}"#.to_vec());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["message"], "under a limit");
    assert_eq!(lines[0]["labels"]["environment"], "production");
}
