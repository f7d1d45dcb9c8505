//! The C guest SDK's modules (sdk-c/, built by `make wasm` into
//! target/wasm32-c) facing bad input: bytes that do not decode reach them
//! under `trusted_input` and fail the event with a guest status, never a
//! trap; events at the size limit and nested near the host's depth limit are
//! processed. (Their behaviour on good events is the conformance suite's.)
use eiw::proto::HostOptions;
use eiw::{Collect, Host, ResultCode};
use prost::Message;
use serde_json::{json, Value};

const EXAMPLES: [&str; 5] = ["passthrough", "add_fields", "drop_debug", "split", "rename"];

fn module(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/wasm32-c/{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run `make wasm`)", path.display()))
}

fn host(name: &str, options: HostOptions) -> Host {
    let host = Host::from_options(&module(name), &options.encode_to_vec()).unwrap();
    let config =
        eiw::json::config_from_json(&json!({"field": "labels.env", "value": "x"})).unwrap();
    if name == "add_fields" {
        host.register_protobuf(&config.encode_to_vec(), &mut Collect::default())
            .unwrap();
    }
    host
}

fn event(json: Value) -> Vec<u8> {
    eiw::json::event_from_json(&json).unwrap().encode_to_vec()
}

/// Every truncation and a byte flipped at every position of a good event:
/// each call ends with the module's own status or an event, and the host
/// serves the good event after each.
#[test]
fn undecodable_events_are_a_guest_status_not_a_trap() {
    let good = event(json!({"message": "m", "log": {"level": "info"}, "messages": ["a", "b"]}));
    for name in EXAMPLES {
        let host = host(
            name,
            HostOptions {
                trusted_input: true,
                ..Default::default()
            },
        );
        let mut bad_inputs: Vec<Vec<u8>> = (1..good.len()).map(|n| good[..n].to_vec()).collect();
        for at in 0..good.len() {
            let mut flipped = good.clone();
            flipped[at] ^= 0xff;
            bad_inputs.push(flipped);
        }
        let mut statuses = 0;
        for bad in &bad_inputs {
            match host.process(bad, &mut Collect::default()) {
                Ok(_) => {}
                Err(e) if e.code() == ResultCode::GuestStatus => statuses += 1,
                // Emitted bytes that do not decode are the host's to refuse.
                Err(e) if e.code() == ResultCode::InvalidEmit => {}
                Err(e) => panic!("{name}: {:?} on {bad:?}: {}", e.code(), e.message()),
            }
            let mut out = Collect::default();
            host.process(&good, &mut out).unwrap();
        }
        assert_eq!(host.stats().instances_recycled, 0, "{name}: no trap");
        if name != "passthrough" {
            assert!(statuses > 0, "{name}: some inputs fail with a status");
        }
    }
}

/// An event near the 1 MiB input limit, and one nested 30 objects deep
/// (each an entry, a Value and a Struct: 90 message levels of the 100 the
/// host allows), through every example.
#[test]
fn events_at_the_limits_are_processed() {
    let big = event(json!({"message": "x".repeat(1_000_000), "messages": ["y".repeat(10_000)]}));
    let mut deep = json!({"leaf": "bottom"});
    for _ in 0..30 {
        deep = json!({ "d": deep });
    }
    let deep = event(json!({"message": "m", "log": {"level": "info"}, "nest": deep}));
    for name in EXAMPLES {
        let host = host(name, HostOptions::default());
        for input in [&big, &deep] {
            let mut out = Collect::default();
            host.process(input, &mut out)
                .unwrap_or_else(|e| panic!("{name}: {}", e.message()));
            assert_eq!(out.events.len(), 1, "{name}");
        }
    }
}
