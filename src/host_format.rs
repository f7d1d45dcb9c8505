//! A host whose events are JSON or msgpack at the API: inputs and configs
//! are transcoded to protobuf before the guest sees them, and what the
//! guest emits back to the host's format before the sink gets it. The
//! buffers are per thread and reused, so a call allocates nothing once
//! they have grown.
use crate::error::{Error, Result, ResultCode};
use crate::format::{EventFormat, FormatError, Transcoder};
use crate::sink::Sink;
use std::cell::RefCell;
use std::ops::Range;

#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) transcoder: Transcoder,
    /// The inputs in protobuf, back to back.
    pub(crate) wire: Vec<u8>,
    /// Each input's range in `wire`.
    pub(crate) ranges: Vec<Range<usize>>,
    /// One emitted event in the host's format.
    pub(crate) out: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Runs `f` with this thread's buffers, or with fresh ones when they are in
/// use (a callback of one host calling another host).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    let mut f = Some(f);
    let result = SCRATCH.try_with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => Some((f.take().expect("called once"))(&mut scratch)),
        Err(_) => None,
    });
    match (result, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(&mut Scratch::default()),
        (_, None) => unreachable!("f ran but returned nothing"),
    }
}

/// Checks a record's size in its own form, then transcodes it into
/// `scratch.wire`, returning its range.
pub(crate) fn event_to_wire(
    scratch: &mut Scratch,
    format: EventFormat,
    record: &[u8],
    max_event_bytes: u32,
) -> Result<Range<usize>> {
    let too_large = |n: usize, form: &str| {
        Error::new(
            ResultCode::EventTooLarge,
            format!("event of {n} bytes{form} is larger than max_event_bytes ({max_event_bytes})"),
        )
    };
    if record.len() > max_event_bytes as usize {
        return Err(too_large(record.len(), &format!(" ({})", format.name())));
    }
    let start = scratch.wire.len();
    scratch
        .transcoder
        .event_to_wire(format, record, &mut scratch.wire)
        .map_err(|e| record_error(format, e))?;
    let n = scratch.wire.len() - start;
    if n > max_event_bytes as usize {
        scratch.wire.truncate(start);
        return Err(too_large(n, " (as protobuf)"));
    }
    Ok(start..scratch.wire.len())
}

/// An event record that does not convert.
pub(crate) fn record_error(format: EventFormat, e: FormatError) -> Error {
    Error::new(
        ResultCode::InvalidEvent,
        format!("the event is not a valid {} record: {e}", format.name()),
    )
}

/// A config record that does not convert.
pub(crate) fn config_error(format: EventFormat, e: FormatError) -> Error {
    Error::new(
        ResultCode::InvalidConfig,
        format!("the config is not a valid {} record: {e}", format.name()),
    )
}

/// The protobuf Config of a config record.
pub(crate) fn config_to_wire(format: EventFormat, record: &[u8]) -> Result<Vec<u8>> {
    let mut wire = Vec::with_capacity(record.len());
    with_scratch(|scratch| scratch.transcoder.config_to_wire(format, record, &mut wire))
        .map_err(|e| config_error(format, e))?;
    Ok(wire)
}

/// Hands emitted events to `inner` in the host's format: an emit equal to
/// its input as the input record itself, others transcoded.
pub(crate) struct FormatSink<'a> {
    pub(crate) inner: &'a mut dyn Sink,
    pub(crate) format: EventFormat,
    pub(crate) transcoder: &'a mut Transcoder,
    pub(crate) out: &'a mut Vec<u8>,
    /// Per input of the call: (its protobuf, its record).
    pub(crate) inputs: &'a [(&'a [u8], &'a [u8])],
    pub(crate) current: usize,
}

impl Sink for FormatSink<'_> {
    fn emit(&mut self, event: &[u8]) {
        // The host calls `deliver`; an emit that does not transcode is lost
        // here, so it is kept out of this path.
        let _ = self.deliver(event);
    }

    fn deliver(&mut self, event: &[u8]) -> std::result::Result<(), String> {
        if let Some(&(wire, record)) = self.inputs.get(self.current) {
            if wire == event {
                self.inner.emit(record);
                return Ok(());
            }
        }
        self.out.clear();
        self.transcoder
            .event_from_wire(self.format, event, self.out)
            .map_err(|e| format!("the emitted event has no {} form: {e}", self.format.name()))?;
        self.inner.emit(self.out);
        Ok(())
    }

    fn log(&mut self, level: crate::abi::LogLevel, message: &str) {
        self.inner.log(level, message)
    }

    fn set_event(&mut self, index: usize) {
        self.current = index;
        self.inner.set_event(index)
    }
}
