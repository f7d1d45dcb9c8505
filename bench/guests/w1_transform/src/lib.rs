//! Benchmark workload W1: set `event.ingested` from the host clock, set a
//! field from config, rename `message` to `event.original`, emit. The same
//! function runs natively in the harness.
use eiw_sdk::{emit, now, Config, Error, Event, Module, Timestamp, Value};

pub struct Transform {
    field: String,
    value: Value,
}

/// The transformation itself, shared with the native benchmark row.
pub fn transform(event: &mut Event, now: Timestamp, field: &str, value: &Value) {
    event.put("event.ingested", now);
    event.put(field, value.clone());
    event.rename("message", "event.original");
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

    fn process(&mut self, mut event: Event) -> Result<(), Error> {
        transform(&mut event, now(), &self.field, &self.value);
        emit(&event)
    }
}

eiw_sdk::export_module!(Transform);
