//! Moves `message` to `event.original` (config `from` and `to` change the
//! paths). Events without the field pass unchanged.
use eiw_sdk::{Config, Error, EventPatch, Module};

pub struct Rename {
    from: String,
    to: String,
}

impl Module for Rename {
    fn new(config: &Config) -> Result<Self, Error> {
        Ok(Rename {
            from: config.get_str("from").unwrap_or("message").to_string(),
            to: config.get_str("to").unwrap_or("event.original").to_string(),
        })
    }

    fn process_patch(&mut self, mut event: EventPatch<'_>) -> Result<(), Error> {
        event.rename(&self.from, &self.to)?;
        event.emit()
    }
}

eiw_sdk::export_module!(Rename);

#[cfg(test)]
mod tests {
    use super::*;
    use eiw_sdk::Event;

    #[test]
    fn moves_message_to_event_original() {
        let mut event = Event::new();
        event.put("message", "text");
        let out = eiw_sdk::testing::run::<Rename>(&Config::default(), event).unwrap();
        assert_eq!(out[0].get_str("event.original"), Some("text"));
        assert_eq!(out[0].get("message"), None);
    }
}
