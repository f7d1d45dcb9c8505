//! The JSON form of events and configs, used by the `eiw` CLI.
//!
//! An event is a JSON object. `@timestamp` (an RFC 3339 string) is the
//! event timestamp, `@metadata` (an object of strings) its metadata, and
//! every other key a field. Integers that fit i64 become `int_value`, larger
//! ones `uint_value`, other numbers `double_value`. On output, bytes become
//! base64 strings, timestamps RFC 3339 strings, and non-finite doubles null.
use crate::format::rfc3339::{civil_from_days, days_from_civil};
use base64::Engine as _;
use eiw_proto::{Config, Event, HostStats, Kind, Struct, Timestamp, Value};
use serde_json::{Map, Number, Value as Json};
use std::collections::BTreeMap;

const TIMESTAMP_KEY: &str = "@timestamp";
const METADATA_KEY: &str = "@metadata";

pub fn value_from_json(json: &Json) -> Value {
    match json {
        Json::Null => Value::null(),
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::from(u),
            _ => Value::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::from(items.iter().map(value_from_json).collect::<Vec<_>>()),
        Json::Object(map) => Value::from(fields_from_json(map)),
    }
}

fn fields_from_json(map: &Map<String, Json>) -> BTreeMap<String, Value> {
    map.iter()
        .map(|(k, v)| (k.clone(), value_from_json(v)))
        .collect()
}

pub fn value_to_json(value: &Value) -> Json {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => Json::Null,
        Some(Kind::BoolValue(b)) => Json::Bool(*b),
        Some(Kind::IntValue(i)) => Json::from(*i),
        Some(Kind::UintValue(u)) => Json::from(*u),
        Some(Kind::DoubleValue(d)) => Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Some(Kind::StringValue(s)) => Json::String(s.clone()),
        Some(Kind::BytesValue(b)) => {
            Json::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Some(Kind::TimestampValue(t)) => Json::String(format_rfc3339(t)),
        Some(Kind::ListValue(l)) => Json::Array(l.values.iter().map(value_to_json).collect()),
        Some(Kind::StructValue(s)) => Json::Object(fields_to_json(&s.fields)),
    }
}

fn fields_to_json(fields: &BTreeMap<String, Value>) -> Map<String, Json> {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), value_to_json(v)))
        .collect()
}

/// Builds an Event from one JSON object.
pub fn event_from_json(json: &Json) -> Result<Event, String> {
    let Json::Object(map) = json else {
        return Err("an event must be a JSON object".into());
    };
    let mut event = Event::default();
    let mut fields = BTreeMap::new();
    for (key, value) in map {
        match key.as_str() {
            TIMESTAMP_KEY => {
                let text = value.as_str().ok_or("@timestamp must be a string")?;
                event.timestamp = Some(
                    parse_rfc3339(text)
                        .ok_or_else(|| format!("@timestamp {text:?} is not an RFC 3339 time"))?,
                );
            }
            METADATA_KEY => {
                let Json::Object(meta) = value else {
                    return Err("@metadata must be an object".into());
                };
                for (k, v) in meta {
                    let v = v
                        .as_str()
                        .ok_or_else(|| format!("@metadata.{k} must be a string"))?;
                    event.metadata.insert(k.clone(), v.to_string());
                }
            }
            _ => {
                fields.insert(key.clone(), value_from_json(value));
            }
        }
    }
    event.fields = Some(Struct { fields });
    Ok(event)
}

/// The JSON object of an Event.
pub fn event_to_json(event: &Event) -> Json {
    let mut map = event
        .fields
        .as_ref()
        .map(|s| fields_to_json(&s.fields))
        .unwrap_or_default();
    if let Some(t) = &event.timestamp {
        map.insert(TIMESTAMP_KEY.into(), Json::String(format_rfc3339(t)));
    }
    if !event.metadata.is_empty() {
        let meta = event
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())));
        map.insert(METADATA_KEY.into(), Json::Object(meta.collect()));
    }
    Json::Object(map)
}

/// Builds a Config from a JSON object of parameters.
pub fn config_from_json(json: &Json) -> Result<Config, String> {
    let Json::Object(map) = json else {
        return Err("a config must be a JSON object".into());
    };
    Ok(Config {
        parameters: fields_from_json(map),
    })
}

/// The JSON form of host statistics, with the field names of `HostStats`.
pub fn stats_to_json(stats: &HostStats) -> Json {
    let latency = stats.process_latency.clone().unwrap_or_default();
    serde_json::json!({
        "events_in": stats.events_in,
        "events_passed": stats.events_passed,
        "events_dropped": stats.events_dropped,
        "events_failed": stats.events_failed,
        "events_emitted": stats.events_emitted,
        "failures": stats.failures,
        "instances_created": stats.instances_created,
        "instances_recycled": stats.instances_recycled,
        "instances_live": stats.instances_live,
        "instances_released_idle": stats.instances_released_idle,
        "register_calls": stats.register_calls,
        "register_replays": stats.register_replays,
        "cpu_points_used": stats.cpu_points_used,
        "cpu_points_max_per_call": stats.cpu_points_max_per_call,
        "peak_memory_pages": stats.peak_memory_pages,
        "process_latency": {
            "upper_bounds_ns": latency.upper_bounds_ns,
            "counts": latency.counts,
            "sum_ns": latency.sum_ns,
        },
        "log_lines_delivered": stats.log_lines_delivered,
        "log_lines_below_level": stats.log_lines_below_level,
        "log_lines_rate_limited": stats.log_lines_rate_limited,
        "module_loaded_from_cache": stats.module_loaded_from_cache,
        "module_cache_note": stats.module_cache_note,
    })
}

/// `2024-05-01T12:00:00.500Z`: UTC; the fraction, when nonzero, in
/// milli-, micro- or nanoseconds, whichever is exact.
pub fn format_rfc3339(t: &Timestamp) -> String {
    let nanos = i64::from(t.nanos).clamp(0, 999_999_999);
    let days = t.seconds.div_euclid(86_400);
    let secs = t.seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}");
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        let digits = match frac.trim_end_matches('0').len() {
            0..=3 => 3,
            4..=6 => 6,
            _ => 9,
        };
        out.push('.');
        out.push_str(&frac[..digits]);
    }
    out.push('Z');
    out
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        for (i, c) in frac[..digits].bytes().enumerate().take(9) {
            nanos += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (num(19 + 1..19 + 3)? * 3600 + num(19 + 4..19 + 6)? * 60)
        }
        _ => return None,
    };
    let seconds = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset;
    Some(Timestamp {
        seconds,
        nanos: nanos as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_round_trips() {
        for (text, seconds, nanos) in [
            ("1970-01-01T00:00:00Z", 0, 0),
            ("2024-02-29T23:59:59.500Z", 1_709_251_199, 500_000_000),
            ("1969-12-31T23:59:59.000000001Z", -1, 1),
        ] {
            let t = parse_rfc3339(text).unwrap();
            assert_eq!((t.seconds, t.nanos), (seconds, nanos), "{text}");
            assert_eq!(format_rfc3339(&t), text);
        }
        let t = parse_rfc3339("2024-01-01T02:00:00+02:00").unwrap();
        assert_eq!(format_rfc3339(&t), "2024-01-01T00:00:00Z");
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn events_round_trip_through_json() {
        let input = json!({
            "@timestamp": "2024-05-01T12:00:00.250Z",
            "@metadata": {"input": "file"},
            "message": "hello",
            "count": 3, "big": 18446744073709551615u64, "ratio": 0.5,
            "ok": true, "nothing": null,
            "nested": {"list": [1, "two", {"three": 3}]}
        });
        let event = event_from_json(&input).unwrap();
        assert_eq!(event.metadata["input"], "file");
        let fields = &event.fields.as_ref().unwrap().fields;
        assert_eq!(fields["count"].kind, Some(Kind::IntValue(3)));
        assert_eq!(fields["big"].kind, Some(Kind::UintValue(u64::MAX)));
        assert!(fields["nothing"].is_null());
        assert_eq!(event_to_json(&event), input);
    }

    #[test]
    fn rejects_non_objects_and_bad_timestamps() {
        assert!(event_from_json(&json!([1])).is_err());
        let err = event_from_json(&json!({"@timestamp": "noon"})).unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
    }
}
