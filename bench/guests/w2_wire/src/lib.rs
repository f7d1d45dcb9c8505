//! Benchmark workload W2 on the wire-level API: keep only events whose
//! `log.level` is `error`, reading that one field where it lies; a kept
//! event is passed on as its input bytes.
use eiw_sdk::{Config, Error, EventPatch, EventView, Module};

pub struct Filter;

/// The decision, shared with the native benchmark row.
pub fn keep(event: &EventView) -> Result<bool, Error> {
    Ok(event.get_str("log.level")? == Some("error"))
}

impl Module for Filter {
    fn new(_config: &Config) -> Result<Self, Error> {
        Ok(Filter)
    }

    fn process_patch(&mut self, event: EventPatch<'_>) -> Result<(), Error> {
        if keep(&event.input())? {
            event.emit()?;
        }
        Ok(())
    }
}

eiw_sdk::export_module!(Filter);
