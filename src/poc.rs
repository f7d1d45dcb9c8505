//! The field access of ABI 0.x (the proof of concept): fields of the event
//! being processed are read and written as JSON by dotted path.
//!
//! The event is seen as the JSON document of `json::event_to_json`:
//! `@timestamp` is the event timestamp (an RFC 3339 string), `@metadata`
//! its string metadata, and every other key a field; docs/ABI.md gives the
//! mapping of values.
use crate::json::{format_rfc3339, parse_rfc3339, value_from_json, value_to_json};
use eiw_proto::{Event, Struct};
use serde_json::Value as Json;

const TIMESTAMP: &str = "@timestamp";
const METADATA: &str = "@metadata";

/// Most names in a path `put` takes. Each object level is three messages
/// deep in the encoded event, so deeper paths could never pass the event
/// check's nesting bound (100); refusing them first keeps the host's
/// recursion over the event (encode, drop) shallow.
pub(crate) const MAX_PATH_NAMES: usize = 32;

/// The value at `path` serialized as JSON, or None when there is none.
pub(crate) fn get(event: &Event, path: &str) -> Option<String> {
    if path == TIMESTAMP {
        return event
            .timestamp
            .as_ref()
            .map(|t| Json::String(format_rfc3339(t)).to_string());
    }
    if path == METADATA {
        let meta = event
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())));
        return Some(Json::Object(meta.collect()).to_string());
    }
    if let Some(key) = path.strip_prefix("@metadata.") {
        return event
            .metadata
            .get(key)
            .map(|v| Json::String(v.clone()).to_string());
    }
    let value = eiw_proto::get_path(&event.fields.as_ref()?.fields, path)?;
    Some(value_to_json(value).to_string())
}

/// Sets `path` to a JSON value, creating the objects on the way (a
/// non-object on the way is replaced).
pub(crate) fn put(event: &mut Event, path: &str, json: &Json) -> Result<(), String> {
    if path == TIMESTAMP {
        let text = json
            .as_str()
            .ok_or("@timestamp must be an RFC 3339 string")?;
        event.timestamp = Some(parse_rfc3339(text).ok_or("@timestamp is not an RFC 3339 time")?);
        return Ok(());
    }
    if let Some(key) = path.strip_prefix("@metadata.") {
        let text = json.as_str().ok_or("@metadata values must be strings")?;
        event.metadata.insert(key.to_string(), text.to_string());
        return Ok(());
    }
    if path.is_empty() || path.split('.').any(str::is_empty) || path == METADATA {
        return Err(format!("{path:?} is not a field path"));
    }
    if path.split('.').nth(MAX_PATH_NAMES).is_some() {
        return Err(format!("a path has at most {MAX_PATH_NAMES} names"));
    }
    let fields = &mut event.fields.get_or_insert_with(Struct::default).fields;
    eiw_proto::put_path(fields, path, value_from_json(json));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::event_from_json;
    use serde_json::json;

    fn event() -> Event {
        event_from_json(&json!({
            "@timestamp": "2026-11-30T08:15:00.120Z",
            "@metadata": {"input": "file"},
            "message": "hi", "log": {"level": "info"}, "n": 3, "x": 2.0, "z": null
        }))
        .unwrap()
    }

    #[test]
    fn gets_fields_as_json() {
        let e = event();
        assert_eq!(get(&e, "message").as_deref(), Some("\"hi\""));
        assert_eq!(get(&e, "log").as_deref(), Some("{\"level\":\"info\"}"));
        assert_eq!(get(&e, "log.level").as_deref(), Some("\"info\""));
        assert_eq!(get(&e, "n").as_deref(), Some("3"));
        assert_eq!(get(&e, "x").as_deref(), Some("2.0"), "floats stay floats");
        assert_eq!(
            get(&e, "z").as_deref(),
            Some("null"),
            "null is a value, not missing"
        );
        assert_eq!(get(&e, "missing"), None);
        assert_eq!(get(&e, "message.deeper"), None);
        assert_eq!(
            get(&e, "@timestamp").as_deref(),
            Some("\"2026-11-30T08:15:00.120Z\"")
        );
        assert_eq!(get(&e, "@metadata.input").as_deref(), Some("\"file\""));
    }

    #[test]
    fn puts_json_at_dotted_paths() {
        let mut e = event();
        put(&mut e, "a.b.c", &json!([1, 2.5, "s", null, {"k": true}])).unwrap();
        put(&mut e, "message.inner", &json!(1)).unwrap();
        put(&mut e, "@timestamp", &json!("2024-01-01T00:00:00Z")).unwrap();
        put(&mut e, "@metadata.route", &json!("x")).unwrap();
        assert_eq!(
            get(&e, "a.b.c").as_deref(),
            Some("[1,2.5,\"s\",null,{\"k\":true}]")
        );
        assert_eq!(get(&e, "message").as_deref(), Some("{\"inner\":1}"));
        assert_eq!(e.timestamp.unwrap().seconds, 1_704_067_200);
        assert_eq!(e.metadata["route"], "x");
        assert!(put(&mut e, "@timestamp", &json!(5)).is_err());
        assert!(put(&mut e, "a..b", &json!(5)).is_err());
        let deepest = vec!["k"; MAX_PATH_NAMES].join(".");
        put(&mut e, &deepest, &json!(5)).unwrap();
        assert!(put(&mut e, &format!("{deepest}.k"), &json!(5)).is_err());
    }
}
