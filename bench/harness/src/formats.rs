//! Record formats at the boundary: the transcoders against the reference
//! path (serde_json + prost trees, what `eiw run` did before), and a host
//! in JSON or msgpack against one in protobuf, side by side.
use crate::suite::run_once;
use eiw::format::{EventFormat, Transcoder};
use eiw::{Host, Limits, LogLevel, Sink};
use prost::Message;

/// Nested log events of about 550 bytes of JSON: ten top-level members,
/// objects two deep, a string array and a ~90-byte message.
pub fn nested_json_events() -> Vec<Vec<u8>> {
    (0..1000)
        .map(|i| {
            serde_json::to_vec(&serde_json::json!({
                "@timestamp": format!("2026-11-30T08:{:02}:{:02}.{:03}Z", i / 60 % 60, i % 60, i % 1000),
                "message": format!("10.0.{}.{} GET /api/v1/items/{i}?page={} HTTP/1.1 200 {} \"Mozilla/5.0 (X11; Linux)\"", i % 256, i % 7, i % 13, 100 + i),
                "log": {"level": if i % 10 == 0 { "debug" } else { "info" }, "origin": {"file": {"line": i % 400}}},
                "host": {"name": format!("web-{}", i % 4), "ip": ["10.0.0.1", "fe80::1"]},
                "http": {"request": {"method": "GET"}, "response": {"status_code": 200, "bytes": 512 + i}},
                "url": {"path": format!("/api/v1/items/{i}")},
                "user_agent": {"original": "Mozilla/5.0", "device": {"name": "Other"}},
                "event": {"duration": 1000 * i, "ratio": 947865360.6090633 + f64::from(i)},
                "tags": ["web", "prod", "eu-west-1"],
                "service": {"name": "shop", "version": "1.4.2"},
            }))
            .expect("event")
        })
        .collect()
}

/// The nested events of the record-formats benchmarks (about 550 bytes of
/// JSON: ten top-level members, objects two deep, a string array, a
/// ~90-byte message) as serialized `Event`s.
pub fn nested_events() -> Vec<Vec<u8>> {
    nested_json_events()
        .iter()
        .map(|json| {
            let json: serde_json::Value = serde_json::from_slice(json).unwrap();
            eiw::json::event_from_json(&json).unwrap().encode_to_vec()
        })
        .collect()
}

/// EIW_BENCH_PROFILE=json-in|json-out|msgpack-in|msgpack-out: one
/// conversion of the nested events for 5 s, to run under a profiler.
pub fn profile(which: &str) -> bool {
    let (format, to_wire) = match which {
        "json-in" => (EventFormat::Json, true),
        "json-out" => (EventFormat::Json, false),
        "msgpack-in" => (EventFormat::Msgpack, true),
        "msgpack-out" => (EventFormat::Msgpack, false),
        _ => return false,
    };
    let json = nested_json_events();
    let input = match (format, to_wire) {
        (EventFormat::Json, true) => json,
        (_, true) => to(EventFormat::Msgpack, &json, EventFormat::Json),
        (_, false) => to(EventFormat::Protobuf, &json, EventFormat::Json),
    };
    let mut pass = Pass::default();
    let start = std::time::Instant::now();
    let mut n = 0u64;
    // EIW_BENCH_ROUNDS=N: N passes over the events instead of 5 s (for callgrind).
    let rounds: Option<u64> = std::env::var("EIW_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok());
    while rounds.map_or(start.elapsed() < std::time::Duration::from_secs(5), |r| {
        n < r * input.len() as u64
    }) {
        n += pass.run(format, to_wire, &input);
    }
    println!(
        "{which}: {:.0} ns/event",
        start.elapsed().as_nanos() as f64 / n as f64
    );
    true
}

/// One conversion over every input, into a reused buffer.
#[derive(Default)]
struct Pass {
    transcoder: Transcoder,
    out: Vec<u8>,
}

impl Pass {
    /// Converts each input (to protobuf, or from it); returns how many.
    fn run(&mut self, format: EventFormat, to_wire: bool, input: &[Vec<u8>]) -> u64 {
        for r in input {
            self.out.clear();
            let result = match to_wire {
                true => self.transcoder.event_to_wire(format, r, &mut self.out),
                false => self.transcoder.event_from_wire(format, r, &mut self.out),
            };
            result.expect("transcodes");
            std::hint::black_box(&self.out);
        }
        input.len() as u64
    }
}

/// A bench row of one conversion with its own buffers.
fn pass_row<'a>(
    name: &'static str,
    format: EventFormat,
    to_wire: bool,
    input: &'a [Vec<u8>],
) -> crate::Row<'a> {
    let mut pass = Pass::default();
    (
        name,
        Box::new(move || run_once(&mut || pass.run(format, to_wire, input))),
    )
}

struct Discard;

impl Sink for Discard {
    fn emit(&mut self, event: &[u8]) {
        std::hint::black_box(event);
    }
    fn log(&mut self, _level: LogLevel, _message: &str) {}
}

fn to(format: EventFormat, records: &[Vec<u8>], from: EventFormat) -> Vec<Vec<u8>> {
    let mut t = Transcoder::default();
    records
        .iter()
        .map(|r| {
            let mut wire = Vec::new();
            t.event_to_wire(from, r, &mut wire).expect("event");
            let mut out = Vec::new();
            t.event_from_wire(format, &wire, &mut out).expect("event");
            out
        })
        .collect()
}

/// The four conversions of `json`, each beside the tree path where there is one.
fn conversions(title: &str, json: &[Vec<u8>], rows: &mut dyn FnMut(&str, &mut [crate::Row])) {
    let wire = to(EventFormat::Protobuf, json, EventFormat::Json);
    let msgpack = to(EventFormat::Msgpack, json, EventFormat::Json);
    let size = |v: &[Vec<u8>]| v.iter().map(Vec::len).sum::<usize>() / v.len();
    println!(
        "\n### Record formats, {title}: {} bytes of JSON, {} of msgpack, {} of protobuf\n",
        size(json),
        size(&msgpack),
        size(&wire)
    );
    let mut to_protobuf: Vec<crate::Row> = vec![
        (
            "JSON -> protobuf, serde_json+prost",
            Box::new(|| {
                run_once(&mut || {
                    for r in json {
                        let tree: serde_json::Value = serde_json::from_slice(r).expect("json");
                        std::hint::black_box(
                            eiw::json::event_from_json(&tree)
                                .expect("event")
                                .encode_to_vec(),
                        );
                    }
                    json.len() as u64
                })
            }),
        ),
        pass_row(
            "JSON -> protobuf, eiw::format",
            EventFormat::Json,
            true,
            json,
        ),
    ];
    rows("conversion", &mut to_protobuf);
    let mut from_protobuf: Vec<crate::Row> = vec![
        (
            "protobuf -> JSON, prost+serde_json",
            Box::new(|| {
                run_once(&mut || {
                    for r in &wire {
                        let event = eiw::proto::Event::decode(r.as_slice()).expect("event");
                        std::hint::black_box(eiw::json::event_to_json(&event).to_string());
                    }
                    wire.len() as u64
                })
            }),
        ),
        pass_row(
            "protobuf -> JSON, eiw::format",
            EventFormat::Json,
            false,
            &wire,
        ),
    ];
    rows("conversion", &mut from_protobuf);
    rows(
        "conversion",
        &mut [pass_row(
            "msgpack -> protobuf",
            EventFormat::Msgpack,
            true,
            &msgpack,
        )],
    );
    rows(
        "conversion",
        &mut [pass_row(
            "protobuf -> msgpack",
            EventFormat::Msgpack,
            false,
            &wire,
        )],
    );
}

pub fn formats(
    passthrough: &[u8],
    suite: &[Vec<u8>],
    rows: &mut dyn FnMut(&str, &mut [crate::Row]),
) {
    // EIW_BENCH_ONLY=formats runs this part alone (with the loading rows).
    if std::env::var("EIW_BENCH_ONLY").is_ok_and(|only| only != "formats") {
        return;
    }
    let suite_json = to(EventFormat::Json, suite, EventFormat::Protobuf);
    conversions("the suite's events", &suite_json, rows);
    let json = nested_json_events();
    conversions("nested events", &json, rows);
    let wire = to(EventFormat::Protobuf, &json, EventFormat::Json);
    let msgpack = to(EventFormat::Msgpack, &json, EventFormat::Json);
    println!("\nThe passthrough module (W0) on the nested events, by the host's event_format:\n");
    let host = |format| {
        Host::new(
            passthrough,
            Limits {
                event_format: format,
                ..Limits::default()
            },
        )
        .expect("host")
    };
    let (pb_host, json_host, mp_host) = (
        host(EventFormat::Protobuf),
        host(EventFormat::Json),
        host(EventFormat::Msgpack),
    );
    let pass = |host: &Host, input: &[Vec<u8>]| -> u64 {
        for r in input {
            host.process(r, &mut Discard).expect("processes");
        }
        input.len() as u64
    };
    let mut calls: Vec<crate::Row> = vec![
        (
            "process W0, protobuf host",
            Box::new(|| run_once(&mut || pass(&pb_host, &wire))),
        ),
        (
            "process W0, JSON host",
            Box::new(|| run_once(&mut || pass(&json_host, &json))),
        ),
        (
            "process W0, msgpack host",
            Box::new(|| run_once(&mut || pass(&mp_host, &msgpack))),
        ),
    ];
    rows("passthrough call", &mut calls);
}
