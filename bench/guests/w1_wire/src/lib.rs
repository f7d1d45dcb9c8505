//! Benchmark workload W1 on the wire-level API: the same edits as
//! `w1_transform` (clock, config field, rename), made by patching the
//! input. The same function runs natively in the harness.
use eiw_sdk::{now, Config, Error, EventPatch, Module, Timestamp, Value};

pub struct Transform {
    field: String,
    value: Value,
}

/// The transformation itself, shared with the native benchmark row.
pub fn transform(
    event: &mut EventPatch,
    now: Timestamp,
    field: &str,
    value: &Value,
) -> Result<(), Error> {
    event.put("event.ingested", now)?;
    event.put(field, value.clone())?;
    event.rename("message", "event.original")?;
    Ok(())
}

impl Module for Transform {
    fn new(config: &Config) -> Result<Self, Error> {
        Ok(Transform {
            field: config.get_str("field").unwrap_or("labels.env").to_string(),
            value: config
                .get("value")
                .cloned()
                .unwrap_or_else(|| Value::from("bench")),
        })
    }

    fn process_patch(&mut self, mut event: EventPatch<'_>) -> Result<(), Error> {
        transform(&mut event, now(), &self.field, &self.value)?;
        event.emit()
    }
}

eiw_sdk::export_module!(Transform);
