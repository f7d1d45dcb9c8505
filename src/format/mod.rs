//! Record formats at the boundary: JSON and msgpack records transcoded to
//! and from the protobuf wire form of `Event` and `Config` that guests
//! see, streaming, with no tree and no allocation per field once a
//! [`Transcoder`]'s buffers have grown. The mapping is docs/FORMATS.md.
mod json_in;
mod json_out;
mod keys;
mod msgpack_in;
mod msgpack_out;
pub mod rfc3339;
mod wire_in;
mod wire_out;

use std::fmt;

pub(crate) const TIMESTAMP_KEY: &str = "@timestamp";
pub(crate) const METADATA_KEY: &str = "@metadata";

/// The form events and configs take at the C API (`HostOptions.event_format`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventFormat {
    /// Serialized protobuf (proto/eiw.proto): what guests see.
    #[default]
    Protobuf = 0,
    /// One JSON object per event or config.
    Json = 1,
    /// One msgpack record per event (a map, `[time, map]` or
    /// `[[time, metadata], map]`); a msgpack map per config.
    Msgpack = 2,
}

impl EventFormat {
    pub fn from_u32(value: u32) -> Option<Self> {
        [
            EventFormat::Protobuf,
            EventFormat::Json,
            EventFormat::Msgpack,
        ]
        .into_iter()
        .find(|f| *f as u32 == value)
    }

    pub fn name(self) -> &'static str {
        match self {
            EventFormat::Protobuf => "protobuf",
            EventFormat::Json => "JSON",
            EventFormat::Msgpack => "msgpack",
        }
    }
}

/// Why a record does not transcode: where (a byte offset of the input, or
/// a path in the event) and what.
///
/// Boxed, so that the transcoders' results stay one word wide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError(Box<ErrorDetail>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct ErrorDetail {
    at: Option<usize>,
    /// Field names and list indices from the innermost out.
    path: Vec<String>,
    what: String,
}

impl FormatError {
    #[cold]
    pub(crate) fn new(what: impl Into<String>) -> Self {
        FormatError(Box::new(ErrorDetail {
            at: None,
            path: Vec::new(),
            what: what.into(),
        }))
    }

    #[cold]
    pub(crate) fn at(at: usize, what: impl Into<String>) -> Self {
        FormatError(Box::new(ErrorDetail {
            at: Some(at),
            path: Vec::new(),
            what: what.into(),
        }))
    }

    #[cold]
    pub(crate) fn in_field(mut self, name: &str) -> Self {
        self.0.path.push(format!(".{name}"));
        self
    }

    #[cold]
    pub(crate) fn in_index(mut self, index: usize) -> Self {
        self.0.path.push(format!("[{index}]"));
        self
    }

    /// The byte offset in the input, when the error is tied to one.
    pub fn offset(&self) -> Option<usize> {
        self.0.at
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let detail = &self.0;
        if let Some(at) = detail.at {
            write!(f, "at byte {at}: ")?;
        }
        if !detail.path.is_empty() {
            let path: String = detail.path.iter().rev().map(String::as_str).collect();
            write!(f, "at {}: ", path.trim_start_matches('.'))?;
        }
        f.write_str(&detail.what)
    }
}

impl std::error::Error for FormatError {}

/// Reusable buffers for transcoding; one per thread that transcodes.
#[derive(Default)]
pub struct Transcoder {
    keys: keys::KeySets,
    side: Vec<u8>,
}

/// Where `part` starts in `base`, when it is a slice of it.
#[inline(always)]
pub(crate) fn offset_in(base: &[u8], part: &[u8]) -> Option<usize> {
    let offset = (part.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    (offset <= base.len() && part.len() <= base.len() - offset).then_some(offset)
}

/// The 16 bytes of `base` from where `part` starts, when `part` is a slice
/// of it shorter than 16 bytes with 16 bytes there: a short string is then
/// copied as one fixed move (no call to memcpy) and cut back to its length.
#[inline(always)]
pub(crate) fn short_window<'b>(base: &'b [u8], part: &[u8]) -> Option<&'b [u8]> {
    match part.len() {
        0..=15 => base
            .get(offset_in(base, part)?..)
            .and_then(|rest| rest.get(..16)),
        _ => None,
    }
}

/// A mask of the low `n` bytes of a word (all of it from 8 on).
#[inline(always)]
pub(crate) fn low_bytes(n: usize) -> u64 {
    match n {
        0..=7 => (1u64 << (8 * n)) - 1,
        _ => u64::MAX,
    }
}

/// Runs `write`, which appends to `out`; on an error `out` is left as it was.
fn appending(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let start = out.len();
    let result = write(out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Bytes that must be a valid Event, and why not.
fn check_event(bytes: &[u8]) -> Result<(), FormatError> {
    if crate::validate::is_event(bytes) {
        return Ok(());
    }
    Err(FormatError::new(format!(
        "the bytes are not a valid Event: {}",
        crate::validate::why_not_event(bytes)
    )))
}

impl Transcoder {
    /// Appends the protobuf `Event` of one record in `format` to `out`.
    pub fn event_to_wire(
        &mut self,
        format: EventFormat,
        record: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        appending(out, |out| match format {
            EventFormat::Protobuf => {
                check_event(record)?;
                out.extend_from_slice(record);
                Ok(())
            }
            EventFormat::Json => {
                json_in::JsonReader::new(record, &mut self.keys).event(out, &mut self.side)
            }
            EventFormat::Msgpack => {
                msgpack_in::MsgpackReader::new(record, &mut self.keys).event(out, &mut self.side)
            }
        })
    }

    /// Appends the protobuf `Config` of one record in `format` to `out`.
    pub fn config_to_wire(
        &mut self,
        format: EventFormat,
        record: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        appending(out, |out| match format {
            EventFormat::Protobuf => {
                out.extend_from_slice(record);
                Ok(())
            }
            EventFormat::Json => json_in::JsonReader::new(record, &mut self.keys).config(out),
            EventFormat::Msgpack => {
                msgpack_in::MsgpackReader::new(record, &mut self.keys).config(out)
            }
        })
    }

    /// Appends the record in `format` of a protobuf `Event` to `out`. The
    /// bytes must be a valid Event (`validate::is_event`): the host checks
    /// every emit, and [`Transcoder::event_from_unchecked_wire`] checks first.
    pub fn event_from_wire(
        &mut self,
        format: EventFormat,
        wire: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        appending(out, |out| match format {
            EventFormat::Protobuf => {
                out.extend_from_slice(wire);
                Ok(())
            }
            EventFormat::Json => json_out::event(wire, out, &mut self.keys),
            EventFormat::Msgpack => msgpack_out::event(wire, out, &mut self.keys),
        })
    }

    /// Like `event_from_wire`, for bytes nobody has checked.
    pub fn event_from_unchecked_wire(
        &mut self,
        format: EventFormat,
        wire: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        check_event(wire)?;
        self.event_from_wire(format, wire, out)
    }
}
