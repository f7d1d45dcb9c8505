//! `HostOptions` from a JSON object with its field names, so that a C
//! agent can configure a host with no protobuf library:
//! `{"event_format": "json", "max_event_bytes": 65536}`.
use eiw_proto::HostOptions;
use serde_json::Value as Json;

pub fn host_options_from_json(text: &[u8]) -> Result<HostOptions, String> {
    let json: Json = serde_json::from_slice(text).map_err(|e| format!("HostOptions JSON: {e}"))?;
    let Json::Object(map) = json else {
        return Err("HostOptions JSON must be an object".into());
    };
    let mut o = HostOptions::default();
    for (name, value) in &map {
        let int = |max: u64| -> Result<u64, String> {
            value
                .as_u64()
                .filter(|v| *v <= max)
                .ok_or_else(|| format!("HostOptions.{name} must be an integer from 0 to {max}"))
        };
        let u32_field = || int(u64::from(u32::MAX)).map(|v| v as u32);
        let flag = || {
            value
                .as_bool()
                .ok_or_else(|| format!("HostOptions.{name} must be true or false"))
        };
        let text = || {
            value
                .as_str()
                .ok_or_else(|| format!("HostOptions.{name} must be a string"))
        };
        match name.as_str() {
            "max_event_bytes" => o.max_event_bytes = u32_field()?,
            "max_emit_bytes" => o.max_emit_bytes = u32_field()?,
            "max_emits_per_call" => o.max_emits_per_call = u32_field()?,
            "max_log_bytes" => o.max_log_bytes = u32_field()?,
            "max_memory_pages" => o.max_memory_pages = u32_field()?,
            "cpu_points_per_call" => o.cpu_points_per_call = int(u64::MAX)?,
            "disable_metering" => o.disable_metering = flag()?,
            "min_log_level" => o.min_log_level = u32_field()?,
            "log_lines_per_second" => o.log_lines_per_second = u32_field()?,
            "log_burst" => o.log_burst = u32_field()?,
            "compile_threads" => o.compile_threads = u32_field()?,
            "cache_dir" => o.cache_dir = text()?.to_string(),
            "trusted_input" => o.trusted_input = flag()?,
            "max_module_bytes" => o.max_module_bytes = u32_field()?,
            "max_table_elements" => o.max_table_elements = u32_field()?,
            "cache_key" => {
                use base64::Engine as _;
                o.cache_key = base64::engine::general_purpose::STANDARD
                    .decode(text()?)
                    .map_err(|e| format!("HostOptions.cache_key must be base64: {e}"))?;
            }
            "event_format" => {
                o.event_format = match text()? {
                    "protobuf" => 0,
                    "json" => 1,
                    "msgpack" => 2,
                    other => {
                        return Err(format!(
                            "HostOptions.event_format {other:?} is not \"protobuf\", \"json\" or \"msgpack\""
                        ))
                    }
                }
            }
            "instance_idle_ms" => o.instance_idle_ms = u32_field()?,
            "no_emits" => o.no_emits = flag()?,
            "no_guest_logs" => o.no_guest_logs = flag()?,
            "release_idle_at_once" => o.release_idle_at_once = flag()?,
            "memory_reservation" => {
                o.memory_reservation = match text()? {
                    "cap" => 0,
                    "wasm32" => 1,
                    other => {
                        return Err(format!(
                            "HostOptions.memory_reservation {other:?} is not \"cap\" or \"wasm32\""
                        ))
                    }
                }
            }
            other => return Err(format!("HostOptions has no field {other:?}")),
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_field_and_names_mistakes() {
        let o = host_options_from_json(
            br#"{"event_format":"msgpack","max_event_bytes":65536,"disable_metering":true,
                "cpu_points_per_call":5000000000,"cache_dir":"/tmp/c","cache_key":"AAEC",
                "instance_idle_ms":250,"memory_reservation":"wasm32"}"#,
        )
        .unwrap();
        assert_eq!(o.event_format, 2);
        assert_eq!(o.max_event_bytes, 65536);
        assert!(o.disable_metering);
        assert_eq!(o.cpu_points_per_call, 5_000_000_000);
        assert_eq!(o.cache_key, vec![0, 1, 2]);
        assert_eq!(o.instance_idle_ms, 250);
        assert_eq!(o.memory_reservation, 1);
        for (json, says) in [
            (
                r#"{"max_event_bytes":-1}"#,
                "max_event_bytes must be an integer from 0 to 4294967295",
            ),
            (r#"{"max_event_bytes":4294967296}"#, "from 0 to 4294967295"),
            (r#"{"event_format":"xml"}"#, "\"xml\" is not"),
            (
                r#"{"memory_reservation":"none"}"#,
                "memory_reservation \"none\" is not",
            ),
            (r#"{"max_events":1}"#, "no field \"max_events\""),
            ("[]", "must be an object"),
            ("{", "HostOptions JSON:"),
        ] {
            let err = host_options_from_json(json.as_bytes()).unwrap_err();
            assert!(err.contains(says), "{json}: {err}");
        }
    }
}
