//! `process` with arbitrary event bytes, on a passthrough module and a
//! transforming one (the examples, built by `make wasm`): every call ends
//! with a result, and everything emitted is a valid Event.
#![no_main]
use eiw::{Collect, Host, Limits};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use std::sync::OnceLock;

const PASSTHROUGH: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../target/wasm32-unknown-unknown/release/passthrough.wasm"
));
const ADD_FIELDS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../target/wasm32-unknown-unknown/release/add_fields.wasm"
));

fn hosts() -> &'static [Host; 2] {
    static HOSTS: OnceLock<[Host; 2]> = OnceLock::new();
    HOSTS.get_or_init(|| {
        let add_fields = Host::new(ADD_FIELDS, Limits::default()).expect("add_fields loads");
        let config = eiw::json::config_from_json(&serde_json::json!({"fields": {"a.b": "c"}}))
            .expect("config");
        add_fields
            .register(&config.encode_to_vec(), &mut Collect::default())
            .expect("register");
        [
            Host::new(PASSTHROUGH, Limits::default()).expect("passthrough loads"),
            add_fields,
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    for host in hosts() {
        let mut out = Collect::default();
        let result = host.process(data, &mut out);
        if result.is_ok() && !eiw::validate::is_event(data) {
            panic!("an invalid input was processed");
        }
        for event in &out.events {
            eiw::proto::Event::decode(event.as_slice()).expect("emitted events decode");
        }
    }
});
