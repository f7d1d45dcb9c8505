//! Sets `event.ingested` from the host clock, and the field named by the
//! config parameter `field` to the config parameter `value`.
//!
//! Config: `{"field": "labels.env", "value": "production"}`; both optional,
//! but `value` needs `field`.
use eiw_sdk::{now, Config, Error, EventPatch, Module, Value};

pub struct AddFields {
    field: Option<(String, Value)>,
}

impl Module for AddFields {
    fn new(config: &Config) -> Result<Self, Error> {
        let field = match config.get("value") {
            Some(value) => Some((config.require_str("field")?.to_string(), value.clone())),
            None => None,
        };
        Ok(AddFields { field })
    }

    fn process_patch(&mut self, mut event: EventPatch<'_>) -> Result<(), Error> {
        event.put("event.ingested", now())?;
        if let Some((path, value)) = &self.field {
            event.put(path, value.clone())?;
        }
        event.emit()
    }
}

eiw_sdk::export_module!(AddFields);

#[cfg(test)]
mod tests {
    use super::*;
    use eiw_sdk::{testing, Event, Kind, Timestamp};
    use std::collections::BTreeMap;

    #[test]
    fn adds_ingested_time_and_configured_field() {
        testing::set_now_nanos(1_700_000_000_123_000_000);
        let config = Config::from_parameters(BTreeMap::from([
            ("field".to_string(), Value::from("labels.env")),
            ("value".to_string(), Value::from("prod")),
        ]));
        let out = testing::run::<AddFields>(&config, Event::new()).unwrap();
        assert_eq!(out.len(), 1);
        let ingested = Timestamp {
            seconds: 1_700_000_000,
            nanos: 123_000_000,
        };
        assert_eq!(
            out[0].get("event.ingested").unwrap().kind,
            Some(Kind::TimestampValue(ingested))
        );
        assert_eq!(out[0].get_str("labels.env"), Some("prod"));
    }

    #[test]
    fn value_without_field_is_a_config_error() {
        let config =
            Config::from_parameters(BTreeMap::from([("value".to_string(), Value::from(1i64))]));
        let err = AddFields::new(&config).err().unwrap();
        assert!(err.message.contains("`field`"), "{}", err.message);
    }
}
