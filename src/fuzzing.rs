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
