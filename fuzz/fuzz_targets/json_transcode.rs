//! JSON records: any bytes either fail with an error or become a valid
//! Event whose canonical JSON reads back to the same protobuf.
#![no_main]
use eiw::format::{EventFormat, Transcoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| round_trip(EventFormat::Json, data));

fn round_trip(format: EventFormat, data: &[u8]) {
    let mut t = Transcoder::default();
    let mut wire = Vec::new();
    if t.event_to_wire(format, data, &mut wire).is_err() {
        return;
    }
    assert!(eiw::validate::is_event(&wire), "transcoded bytes are not an Event");
    let mut canonical = Vec::new();
    t.event_from_wire(format, &wire, &mut canonical)
        .expect("what was read can be written");
    let mut again = Vec::new();
    t.event_to_wire(format, &canonical, &mut again)
        .expect("the canonical form reads back");
    assert_eq!(again, wire, "the canonical form reads back to other protobuf");
    // Protobuf from anywhere: converted or refused, never a crash.
    let _ = t.event_from_unchecked_wire(format, data, &mut Vec::new());
}
