//! Emits every event unchanged, without decoding it.
use eiw_sdk::{emit, emit_raw, Config, Error, Event, Module};

pub struct Passthrough;

impl Module for Passthrough {
    fn new(_config: &Config) -> Result<Self, Error> {
        Ok(Passthrough)
    }

    fn process(&mut self, event: Event) -> Result<(), Error> {
        emit(&event)
    }

    fn process_raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        emit_raw(bytes)
    }
}

eiw_sdk::export_module!(Passthrough);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emits_the_event_unchanged() {
        let mut event = Event::new();
        event.put("message", "hi");
        let out = eiw_sdk::testing::run::<Passthrough>(&Config::default(), event.clone()).unwrap();
        assert_eq!(out, vec![event]);
    }
}
