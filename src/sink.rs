//! Where a guest's output goes: the events it emits and the lines it logs.
use crate::abi::LogLevel;

/// Receives what a guest produces during one call. Both methods run on the
/// thread that made the call, before the call returns.
pub trait Sink {
    /// One emitted event: a serialized `Event` the host has validated.
    fn emit(&mut self, event: &[u8]);
    /// One guest log line, cut to `max_log_bytes`, invalid UTF-8 replaced.
    fn log(&mut self, level: LogLevel, message: &str);

    /// How the host hands over an emitted event: `emit`, unless the sink
    /// transcodes it first and can refuse it (an error fails the emit
    /// with `InvalidEmit` and this message).
    fn deliver(&mut self, event: &[u8]) -> Result<(), String> {
        self.emit(event);
        Ok(())
    }

    /// In `Host::process_batch`: what follows belongs to input `index`.
    fn set_event(&mut self, _index: usize) {}
}

/// A sink that keeps everything, for tests and tools.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collect {
    pub events: Vec<Vec<u8>>,
    pub logs: Vec<(LogLevel, String)>,
}

impl Sink for Collect {
    fn emit(&mut self, event: &[u8]) {
        self.events.push(event.to_vec());
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        self.logs.push((level, message.to_string()));
    }
}

/// A sink for batches that keeps each emitted event with its input index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectBatch {
    current: usize,
    pub events: Vec<(usize, Vec<u8>)>,
    pub logs: Vec<(usize, LogLevel, String)>,
}

impl Sink for CollectBatch {
    fn emit(&mut self, event: &[u8]) {
        self.events.push((self.current, event.to_vec()));
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        self.logs.push((self.current, level, message.to_string()));
    }

    fn set_event(&mut self, index: usize) {
        self.current = index;
    }
}
