//! Benchmark workload W2: keep only events whose `log.level` is `error`
//! (10% of the generated events); the rest are dropped.
use eiw_sdk::{emit, Config, Error, Event, Module};

pub struct Filter;

/// The decision, shared with the native benchmark row.
pub fn keep(event: &Event) -> bool {
    event.get_str("log.level") == Some("error")
}

impl Module for Filter {
    fn new(_config: &Config) -> Result<Self, Error> {
        Ok(Filter)
    }

    fn process(&mut self, event: Event) -> Result<(), Error> {
        if keep(&event) {
            emit(&event)?;
        }
        Ok(())
    }
}

eiw_sdk::export_module!(Filter);
