//! Entry points for the fuzz targets (`fuzz/`) into internals that are not
//! part of the API.
use crate::proto::Event;
use prost::Message;

/// Puts `json` at `path` in an empty event as the PoC adapter does, and
/// reads it back; the event encodes, and what was put can be read.
pub fn poc_put_get(path: &str, json: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    let mut event = Event::default();
    if crate::poc::put(&mut event, path, &value).is_ok() {
        assert!(
            crate::poc::get(&event, path).is_some(),
            "{path:?} was put but cannot be read"
        );
        let bytes = event.encode_to_vec();
        let _ = crate::validate::is_event(&bytes);
    }
}

/// Any bytes as a record in `format`: an error, or a valid Event whose
/// canonical record reads back to the same protobuf. Any bytes as
/// protobuf: converted or refused, never a crash.
pub fn transcode_round_trip(format: crate::format::EventFormat, data: &[u8]) {
    let mut t = crate::format::Transcoder::default();
    let mut wire = Vec::new();
    if t.event_to_wire(format, data, &mut wire).is_ok() {
        assert!(
            crate::validate::is_event(&wire),
            "transcoded bytes are not an Event"
        );
        let mut canonical = Vec::new();
        t.event_from_wire(format, &wire, &mut canonical)
            .expect("what was read can be written");
        let mut again = Vec::new();
        t.event_to_wire(format, &canonical, &mut again)
            .expect("the canonical form reads back");
        assert_eq!(
            again, wire,
            "the canonical form reads back to other protobuf"
        );
    }
    let _ = t.event_from_unchecked_wire(format, data, &mut Vec::new());
}
