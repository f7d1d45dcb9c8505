//! Splits an event with an array `messages` into one event per element,
//! each a copy of the event without `messages` and with `message` set to
//! the element. Events without such an array pass unchanged.
//!
//! Written on the tree API (`Module::process` and `Event`), which decodes
//! the whole event: the other examples use the faster wire-level API.
use eiw_sdk::{emit, Config, Error, Event, Kind, Module};

pub struct Split;

impl Module for Split {
    fn new(_config: &Config) -> Result<Self, Error> {
        Ok(Split)
    }

    fn process(&mut self, mut event: Event) -> Result<(), Error> {
        let messages = match event.remove("messages") {
            Some(value) => match value.kind {
                Some(Kind::ListValue(list)) => list.values,
                other => {
                    event.put("messages", eiw_sdk::Value { kind: other });
                    return emit(&event);
                }
            },
            None => return emit(&event),
        };
        for message in messages {
            let mut one = event.clone();
            one.put("message", message);
            emit(&one)?;
        }
        Ok(())
    }
}

eiw_sdk::export_module!(Split);

#[cfg(test)]
mod tests {
    use super::*;
    use eiw_sdk::{testing::run, Value};

    #[test]
    fn one_event_per_message() {
        let mut event = Event::new();
        event.put("host.name", "a");
        event.put(
            "messages",
            Value::from(vec![Value::from("one"), Value::from("two")]),
        );
        let out = run::<Split>(&Config::default(), event).unwrap();
        let messages: Vec<_> = out.iter().map(|e| e.get_str("message").unwrap()).collect();
        assert_eq!(messages, ["one", "two"]);
        assert!(out
            .iter()
            .all(|e| e.get("messages").is_none() && e.get_str("host.name") == Some("a")));
    }

    #[test]
    fn events_without_an_array_pass() {
        let mut event = Event::new();
        event.put("messages", "not a list");
        assert_eq!(
            run::<Split>(&Config::default(), event.clone()).unwrap(),
            vec![event]
        );
    }
}
