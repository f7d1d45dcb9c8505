//! The eiw parser inside the real syslog-ng daemon (integrations/syslog-ng,
//! docs/INTEGRATIONS.md). Each test starts `syslog-ng -F` with its own
//! config, control socket, persist file and output in a temporary
//! directory, and a TCP source on a free port; the daemon is stopped when
//! the test ends, however it ends. Run by `make syslog-ng-test`, which
//! builds the module first (these tests are ignored by a plain
//! `cargo test`).
mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn wasm(name: &str) -> String {
    let dir = std::env::var_os("EIW_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/wasm32-unknown-unknown/release")
        });
    dir.join(format!("{name}.wasm")).display().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running daemon; dropping it stops it and removes its directory.
struct Daemon {
    child: Child,
    dir: PathBuf,
    port: u16,
}

/// `syslog-ng -F` on the config, persist file and control socket in `dir`,
/// with its own messages on stderr.
fn syslog_ng(dir: &Path) -> Command {
    // Ours, then syslog-ng's own (make syslog-ng-test sets both).
    let modules = std::env::var("EIW_SYSLOG_NG_MODULES")
        .expect("EIW_SYSLOG_NG_MODULES: run these tests with `make syslog-ng-test`");
    let mut command = Command::new("syslog-ng");
    command
        .arg("-F")
        .arg("-e")
        .arg(format!(
            "--cfgfile={}",
            dir.join("syslog-ng.conf").display()
        ))
        .arg(format!("--module-path={modules}"))
        .arg(format!("--persist-file={}", dir.join("persist").display()))
        .arg(format!("--pidfile={}", dir.join("pid").display()))
        .arg(format!("--control={}", dir.join("ctl").display()));
    command
}

/// A fresh directory of this test process.
fn temp_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("eiw-syslog-ng-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Daemon {
    /// Starts syslog-ng with `parsers` (parser statements, in order) between
    /// the TCP source and a file destination of JSON lines.
    fn start(parsers: &str, threaded: bool) -> Daemon {
        let dir = temp_dir();
        let port = free_port();
        std::fs::write(
            dir.join("syslog-ng.conf"),
            config(&dir, port, parsers, threaded),
        )
        .unwrap();
        let child = syslog_ng(&dir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("daemon.log")).unwrap())
            .spawn()
            .expect("start syslog-ng (syslog-ng-core)");
        let daemon = Daemon { child, dir, port };
        daemon.wait_for(
            || TcpStream::connect(("127.0.0.1", port)).is_ok(),
            "the TCP source to listen",
        );
        daemon
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("daemon.log")).unwrap_or_default()
    }

    fn wait_for(&self, mut done: impl FnMut() -> bool, what: &str) {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}; daemon log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends lines over one connection (newline-framed).
    fn send(&self, lines: &[String]) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut all = String::new();
        for line in lines {
            all.push_str(line);
            all.push('\n');
        }
        stream.write_all(all.as_bytes()).unwrap();
    }

    /// The output so far, one JSON object per message.
    fn output(&self) -> Vec<serde_json::Value> {
        let Ok(file) = std::fs::File::open(self.path("out.log")) else {
            return Vec::new();
        };
        BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter(|l| l.ends_with('}'))
            .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// Waits until `n` messages are out, and a little longer, and returns them.
    fn expect_output(&self, n: usize) -> Vec<serde_json::Value> {
        self.wait_for(|| self.output().len() >= n, &format!("{n} messages out"));
        std::thread::sleep(Duration::from_millis(300));
        self.output()
    }

    fn ctl(&self, command: &str) {
        let status = Command::new("syslog-ng-ctl")
            .arg(command)
            .arg(format!("--control={}", self.path("ctl").display()))
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "syslog-ng-ctl {command}; log:\n{}",
            self.log()
        );
    }

    fn rewrite_config(&self, parsers: &str, threaded: bool) {
        std::fs::write(
            self.path("syslog-ng.conf"),
            config(&self.dir, self.port, parsers, threaded),
        )
        .unwrap();
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// flow-control: a destination behind slows the sources down instead of
/// dropping messages, so counts in and out can be compared.
fn config(dir: &Path, port: u16, parsers: &str, threaded: bool) -> String {
    format!(
        r#"@version: 3.38
options {{ stats_freq(0); threaded({threaded}); flush_lines(0); keep_hostname(yes); }};
source s {{ network(ip("127.0.0.1") port({port}) transport("tcp") max_connections(64) log_iw_size(100000)); }};
destination d {{ file("{out}" template("$(format-json --scope nv-pairs --key MESSAGE --key .eiw.* --exclude HOST_FROM --exclude SOURCE)\n")); }};
log {{ source(s); {parsers} destination(d); flags(flow-control); }};
"#,
        threaded = if threaded { "yes" } else { "no" },
        out = dir.join("out.log").display(),
    )
}

fn eiw_parser(module: &str, extra: &str) -> String {
    format!(
        r#"parser {{ eiw(option("module" "{}") {extra}); }};"#,
        wasm(module)
    )
}

fn json_line(message: &str, level: &str) -> String {
    format!(
        r#"<13>Dec  1 05:00:00 web-1 app[42]: {{"message":"{message}","log":{{"level":"{level}"}}}}"#
    )
}

const JSON_PARSER: &str = r#"parser { json-parser(prefix("")); };"#;

#[test]
#[ignore = "needs the module: make syslog-ng-test"]
fn add_fields_adds_its_fields_to_every_message_from_loggen() {
    let config = std::env::temp_dir().join(format!("eiw-sng-config-{}.json", std::process::id()));
    std::fs::write(
        &config,
        r#"{"field": "labels.environment", "value": "production"}"#,
    )
    .unwrap();
    let daemon = Daemon::start(
        &eiw_parser(
            "add_fields",
            &format!(r#"option("config" "{}")"#, config.display()),
        ),
        false,
    );
    let status = Command::new("loggen")
        .args([
            "-i",
            "-S",
            "-n",
            "500",
            "-r",
            "100000",
            "-Q",
            "127.0.0.1",
            &daemon.port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("loggen (syslog-ng-core)");
    assert!(status.success());
    let out = daemon.expect_output(500);
    std::fs::remove_file(&config).unwrap();
    assert_eq!(out.len(), 500);
    for message in &out {
        assert_eq!(message["labels"]["environment"], "production", "{message}");
        assert!(
            message["event"]["ingested"]
                .as_str()
                .unwrap()
                .ends_with('Z'),
            "{message}"
        );
        assert!(
            message["MESSAGE"].as_str().unwrap().starts_with("seq: "),
            "{message}"
        );
        assert_eq!(message["PROGRAM"], "prg00000");
    }
}

#[test]
#[ignore = "needs the module: make syslog-ng-test"]
fn drop_debug_drops_exactly_the_debug_messages_of_json_payloads() {
    let daemon = Daemon::start(
        &format!(
            "{JSON_PARSER} {}",
            eiw_parser("drop_debug", r#"option("stats_interval" "1")"#)
        ),
        false,
    );
    let lines: Vec<String> = (0..300)
        .map(|i| json_line(&format!("m{i}"), if i % 3 == 0 { "debug" } else { "info" }))
        .collect();
    daemon.send(&lines);
    let out = daemon.expect_output(200);
    assert_eq!(out.len(), 200);
    for message in &out {
        assert_eq!(message["log"]["level"], "info", "{message}");
        let n: usize = message["message"].as_str().unwrap()[1..].parse().unwrap();
        assert_ne!(n % 3, 0);
    }
    // The host's counters reach syslog-ng's log every stats_interval.
    std::thread::sleep(Duration::from_millis(1100));
    daemon.send(&[json_line("last", "info")]);
    daemon.expect_output(201);
    daemon.wait_for(|| daemon.log().contains("eiw: stats"), "the stats line");
    let log = daemon.log();
    let line = log.lines().find(|l| l.contains("eiw: stats")).unwrap();
    assert!(
        line.contains("events_in='301'") && line.contains("events_dropped='100'"),
        "{line}"
    );
}

#[test]
#[ignore = "needs the module: make syslog-ng-test"]
fn rename_moves_the_field_and_unsets_the_old_name() {
    let daemon = Daemon::start(
        &format!("{JSON_PARSER} {}", eiw_parser("rename", "")),
        false,
    );
    daemon.send(&[json_line("hello", "info")]);
    let out = daemon.expect_output(1);
    // rename moves `message` to `event.original` (examples/rename).
    assert_eq!(out[0]["event"]["original"], "hello", "{}", out[0]);
    assert!(out[0].get("message").is_none(), "{}", out[0]);
}

#[test]
#[ignore = "needs the module: make syslog-ng-test"]
fn a_trapping_module_fails_only_its_messages_under_each_policy() {
    for (policy, survivors) in [("pass", 100), ("mark", 100), ("drop", 90)] {
        let mut daemon = Daemon::start(
            &format!(
                "{JSON_PARSER} {}",
                eiw_parser("hostile", &format!(r#"option("on_failure" "{policy}")"#))
            ),
            false,
        );
        let lines: Vec<String> = (0..100)
            .map(|i| match i % 10 {
                0 => format!(r#"<13>Dec  1 05:00:00 web-1 app[42]: {{"message":"m{i}","attack":"unreachable"}}"#),
                _ => json_line(&format!("m{i}"), "info"),
            })
            .collect();
        daemon.send(&lines);
        let out = daemon.expect_output(survivors);
        assert_eq!(out.len(), survivors, "{policy}");
        let marked = out.iter().filter(|m| m["eiw"]["error"].is_string()).count();
        match policy {
            "mark" => {
                assert_eq!(marked, 10);
                let error = out.iter().find_map(|m| m["eiw"]["error"].as_str()).unwrap();
                assert!(error.starts_with("EIW_RESULT_TRAP_UNREACHABLE"), "{error}");
            }
            _ => assert_eq!(marked, 0, "{policy}"),
        }
        assert!(daemon.alive(), "the daemon died under {policy}");
        assert!(
            daemon.log().contains("EIW_RESULT_TRAP_UNREACHABLE"),
            "{}",
            daemon.log()
        );
    }
}

#[test]
#[ignore = "needs the module: make syslog-ng-test"]
fn threaded_100k_messages_over_8_connections_all_come_out() {
    let daemon = Daemon::start(
        &format!("{JSON_PARSER} {}", eiw_parser("passthrough", "")),
        true,
    );
    std::thread::scope(|s| {
        for c in 0..8 {
            let daemon = &daemon;
            s.spawn(move || {
                let lines: Vec<String> = (0..12_500)
                    .map(|i| json_line(&format!("c{c}-{i}"), "info"))
                    .collect();
                daemon.send(&lines);
            });
        }
    });
    let out = daemon.expect_output(100_000);
    assert_eq!(out.len(), 100_000);
    let mut seen = std::collections::HashSet::new();
    for message in &out {
        assert!(
            seen.insert(message["message"].as_str().unwrap().to_string()),
            "duplicate {message}"
        );
    }
}

#[test]
#[ignore = "needs the module: make syslog-ng-test"]
fn reload_with_a_new_module_mid_stream_loses_and_duplicates_nothing() {
    let parsers = |module: &str| format!("{JSON_PARSER} {}", eiw_parser(module, ""));
    let daemon = Daemon::start(&parsers("passthrough"), true);
    let sender = {
        let port = daemon.port;
        std::thread::spawn(move || {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            for i in 0..20_000 {
                let line = json_line(&format!("r{i}"), "info") + "\n";
                stream.write_all(line.as_bytes()).unwrap();
                if i % 1000 == 0 {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        })
    };
    daemon.wait_for(
        || daemon.output().len() > 2000,
        "messages before the reload",
    );
    daemon.rewrite_config(&parsers("rename"), true);
    daemon.ctl("reload");
    sender.join().unwrap();
    let out = daemon.expect_output(20_000);
    assert_eq!(out.len(), 20_000, "daemon log:\n{}", daemon.log());
    let mut seen = std::collections::HashSet::new();
    let mut renamed = 0;
    for message in &out {
        let text = message["message"]
            .as_str()
            .or_else(|| message["event"]["original"].as_str())
            .unwrap_or_else(|| panic!("{message}"));
        renamed += usize::from(message["event"]["original"].is_string());
        assert!(seen.insert(text.to_string()), "duplicate {message}");
    }
    assert!(
        renamed > 0 && renamed < 20_000,
        "{renamed} renamed: the swap happened mid-stream"
    );
}

#[test]
#[ignore = "needs the module: make syslog-ng-test"]
fn a_module_that_cannot_start_fails_the_config_and_its_log_line_reaches_syslog_ngs_log() {
    let dir = temp_dir();
    let bad_config = dir.join("bad.json");
    // add_fields needs `field`: its `register` logs an error and fails.
    std::fs::write(&bad_config, r#"{"value": "x"}"#).unwrap();
    let parser = eiw_parser(
        "add_fields",
        &format!(r#"option("config" "{}")"#, bad_config.display()),
    );
    std::fs::write(
        dir.join("syslog-ng.conf"),
        config(&dir, free_port(), &parser, false),
    )
    .unwrap();
    let out = syslog_ng(&dir).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the daemon started with a module that cannot: {log}"
    );
    let line = log
        .lines()
        .find(|l| l.contains("eiw: module log"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(line.contains("`field`"), "{line}");
    assert!(log.contains("eiw: cannot start the parser"), "{log}");
    assert!(log.contains("register the config"), "{log}");
}

#[test]
#[ignore = "needs the module: make syslog-ng-test"]
fn extra_emits_are_dropped_and_counted() {
    // A module that emits its input three times: a parser passes one
    // message on, so the other two of each are dropped and counted.
    let module = temp_dir().join("thrice.wasm");
    let emit = "(drop (call $emit (local.get $ptr) (local.get $len)))";
    std::fs::write(
        &module,
        common::guest(&format!("{emit} {emit} {emit} (i32.const 0)"), ""),
    )
    .unwrap();
    let parser = format!(
        r#"parser {{ eiw(option("module" "{}") option("stats_interval" "1")); }};"#,
        module.display()
    );
    let daemon = Daemon::start(&format!("{JSON_PARSER} {parser}"), false);
    let lines: Vec<String> = (0..10)
        .map(|i| json_line(&format!("m{i}"), "info"))
        .collect();
    daemon.send(&lines);
    assert_eq!(daemon.expect_output(10).len(), 10);
    std::thread::sleep(Duration::from_millis(1100));
    daemon.send(&[json_line("last", "info")]);
    assert_eq!(daemon.expect_output(11).len(), 11);
    daemon.wait_for(|| daemon.log().contains("eiw: stats"), "the stats line");
    let log = daemon.log();
    let stats = log.lines().find(|l| l.contains("eiw: stats")).unwrap();
    assert!(stats.contains("extra_emits_dropped='22'"), "{stats}");
    assert!(log.contains("emitted more than one event"), "{log}");
    let _ = std::fs::remove_dir_all(module.parent().unwrap());
}
