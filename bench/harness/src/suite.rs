//! What every benchmark of eiw shares: the generated events and how one
//! timed run is measured. Also compiled into bench/peers (its own
//! workspace), so eiw and Extism run on the same events.
use prost::Message;
use serde_json::json;
use std::time::{Duration, Instant};

/// Timed runs per figure (the figure is their median), and their length.
pub const RUNS: usize = 5;
pub const RUN_TIME: Duration = Duration::from_millis(600);

/// The suite's 1000 events: about 450 serialized bytes, ten fields, nested
/// objects, a message; one in ten has `log.level: error`. With `fan_out`,
/// `messages` holds ten lines instead.
pub fn events(fan_out: bool) -> Vec<Vec<u8>> {
    (0..1000)
        .map(|i| {
            let mut json = json!({
                "@timestamp": format!("2026-11-30T08:{:02}:{:02}.{:03}Z", i / 60 % 60, i % 60, i % 1000),
                "log": {"level": if i % 10 == 0 { "error" } else { "info" }},
                "host": {"name": format!("web-{}", i % 4)},
                "http": {"request": {"method": "GET"}, "response": {"status_code": 200}},
                "url": {"path": format!("/api/v1/items/{i}")},
                "user_agent": {"original": "curl/8.5.0"},
                "source": {"ip": format!("192.0.2.{}", i % 200), "port": 40000 + i},
                "event": {"duration": 1_000_000 + i},
                "service": {"name": "shop"},
            });
            let line = format!("192.0.2.{} - - [30/Nov/2026:08:15:00 +0000] \"GET /api/v1/items/{i} HTTP/1.1\" 200 {}", i % 200, 1000 + i);
            if fan_out {
                json["messages"] = (0..10).map(|k| format!("{line} part {k}")).collect();
            } else {
                json["message"] = line.into();
            }
            eiw::json::event_from_json(&json).unwrap().encode_to_vec()
        })
        .collect()
}

/// One timed run: `pass` repeated for the run time; events/s.
pub fn run_once(pass: &mut dyn FnMut() -> u64) -> f64 {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < RUN_TIME {
        n += pass();
    }
    n as f64 / start.elapsed().as_secs_f64()
}
