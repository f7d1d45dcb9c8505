//! Drops events whose `log.level` is `debug` (any case); emits the rest.
use eiw_sdk::{Config, Error, EventPatch, Module};

pub struct DropDebug;

impl Module for DropDebug {
    fn new(_config: &Config) -> Result<Self, Error> {
        Ok(DropDebug)
    }

    fn process_patch(&mut self, event: EventPatch<'_>) -> Result<(), Error> {
        match event.input().get_str("log.level")? {
            Some(level) if level.eq_ignore_ascii_case("debug") => Ok(()),
            _ => event.emit(),
        }
    }
}

eiw_sdk::export_module!(DropDebug);

#[cfg(test)]
mod tests {
    use super::*;
    use eiw_sdk::testing::run;
    use eiw_sdk::Event;

    fn with_level(level: &str) -> Event {
        let mut event = Event::new();
        event.put("log.level", level);
        event
    }

    #[test]
    fn drops_debug_and_keeps_the_rest() {
        assert!(run::<DropDebug>(&Config::default(), with_level("DEBUG"))
            .unwrap()
            .is_empty());
        assert_eq!(
            run::<DropDebug>(&Config::default(), with_level("info"))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            run::<DropDebug>(&Config::default(), Event::new())
                .unwrap()
                .len(),
            1
        );
    }
}
