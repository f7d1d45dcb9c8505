//! The protobuf wire form of `Event` to JSON text, in one pass over the
//! bytes (docs/FORMATS.md has the mapping). What JSON can not hold exactly
//! (NaN, infinities, a field named like the event's own `@timestamp`) is
//! an error naming where it is.
use super::json_in::{plain_run, specials};
use super::keys::KeySets;
use super::wire_in::{self, Entries, Kind, Values};
use super::{low_bytes, rfc3339, short_window, FormatError, METADATA_KEY, TIMESTAMP_KEY};
use base64::Engine as _;

type Result<T> = std::result::Result<T, FormatError>;

/// What the writing of one event needs besides the output.
struct Writer<'w> {
    /// The whole event: keys are noted as places in it.
    wire: &'w [u8],
    keys: &'w mut KeySets,
}

fn lossy(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

pub(crate) fn event(wire: &[u8], out: &mut Vec<u8>, keys: &mut KeySets) -> Result<()> {
    keys.clear();
    let parts = wire_in::event_parts(wire)?;
    out.reserve(wire.len() + wire.len() / 2 + 64);
    let mut w = Writer { wire, keys };
    out.push(b'{');
    let mut first = true;
    if let Some((seconds, nanos)) = parts.timestamp {
        if let Some(why) = rfc3339::unwritable(seconds, nanos) {
            return Err(FormatError::new(format!("@timestamp: {why}")));
        }
        out.extend_from_slice(b"\"@timestamp\":\"");
        rfc3339::write(out, seconds, nanos);
        out.push(b'"');
        first = false;
    }
    if parts.has_metadata {
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(b"\"@metadata\":");
        w.object(Entries::of_metadata(wire), out, 1, true)
            .map_err(|e| e.in_field(METADATA_KEY))?;
    }
    w.members(
        Entries::of_struct(parts.fields, 2),
        out,
        2,
        Members::Fields,
        first,
    )?;
    out.push(b'}');
    Ok(())
}

/// What the members of an object are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Members {
    /// The event's fields: the names of its own timestamp and metadata
    /// can not be used.
    Fields,
    /// A Struct's fields.
    Values,
    /// The event's metadata: strings, not Values.
    Strings,
}

impl Writer<'_> {
    /// A JSON string of `s`, a slice of the event: a short one with
    /// nothing to escape is copied as one fixed 16-byte move, cut back.
    #[inline(always)]
    fn string(&self, s: &[u8], out: &mut Vec<u8>) {
        if let Some(window) = short_window(self.wire, s) {
            let word =
                |i: usize| u64::from_le_bytes(window[i..i + 8].try_into().unwrap_or_default());
            let n = s.len();
            let flagged = specials(word(0)) & low_bytes(n)
                | specials(word(8)) & low_bytes(n.saturating_sub(8));
            if flagged == 0 {
                let at = out.len() + 1;
                out.push(b'"');
                out.extend_from_slice(window);
                out.truncate(at + n);
                out.push(b'"');
                return;
            }
        }
        string(s, out);
    }

    /// A map's entries (their messages at `depth`) as an object.
    fn object(
        &mut self,
        entries: Entries,
        out: &mut Vec<u8>,
        depth: u32,
        strings: bool,
    ) -> Result<()> {
        out.push(b'{');
        let kind = if strings {
            Members::Strings
        } else {
            Members::Values
        };
        self.members(entries, out, depth, kind, true)?;
        out.push(b'}');
        Ok(())
    }

    /// A map's entries as the members of an object whose `{` is written;
    /// `first`: no member is written yet.
    fn members(
        &mut self,
        mut entries: Entries,
        out: &mut Vec<u8>,
        depth: u32,
        kind: Members,
        mut first: bool,
    ) -> Result<()> {
        let mut object_keys = self.keys.open();
        while let Some((key, value)) = entries.next_entry()? {
            if kind == Members::Fields
                && (key == TIMESTAMP_KEY.as_bytes() || key == METADATA_KEY.as_bytes())
            {
                let key = lossy(key);
                return Err(FormatError::new(format!(
                    "the event has a field named {key:?}, which JSON would read back as the event's own {key}"
                )));
            }
            if self.keys.add(&mut object_keys, key, self.wire).is_err() {
                return Err(FormatError::new(format!("duplicate key {:?}", lossy(key))));
            }
            if !first {
                out.push(b',');
            }
            first = false;
            self.string(key, out);
            out.push(b':');
            match (value, kind == Members::Strings) {
                (value, true) => self.string(value.unwrap_or_default(), out),
                (Some(bytes), false) => self
                    .value(bytes, out, depth + 1)
                    .map_err(|e| e.in_field(&lossy(key)))?,
                // A missing value is null, as prost reads it.
                (None, false) => out.extend_from_slice(b"null"),
            }
        }
        self.keys
            .close(object_keys, self.wire)
            .map_err(|k| FormatError::new(format!("duplicate key {:?}", lossy(&k))))
    }

    fn value(&mut self, bytes: &[u8], out: &mut Vec<u8>, depth: u32) -> Result<()> {
        match wire_in::value(bytes, depth)? {
            Kind::Null => out.extend_from_slice(b"null"),
            Kind::Bool(true) => out.extend_from_slice(b"true"),
            Kind::Bool(false) => out.extend_from_slice(b"false"),
            Kind::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
            Kind::Uint(u) => out.extend_from_slice(itoa::Buffer::new().format(u).as_bytes()),
            Kind::Double(d) => double(d, out)?,
            Kind::String(s) => self.string(s, out),
            Kind::Bytes(b) => {
                out.push(b'"');
                let at = out.len();
                out.resize(at + b.len().div_ceil(3) * 4, 0);
                let written = base64::engine::general_purpose::STANDARD
                    .encode_slice(b, &mut out[at..])
                    .map_err(|e| FormatError::new(format!("base64: {e}")))?;
                out.truncate(at + written);
                out.push(b'"');
            }
            Kind::Timestamp(seconds, nanos) => {
                if let Some(why) = rfc3339::unwritable(seconds, nanos) {
                    return Err(FormatError::new(why));
                }
                out.push(b'"');
                rfc3339::write(out, seconds, nanos);
                out.push(b'"');
            }
            Kind::List(content) => {
                out.push(b'[');
                let mut values = Values::of(content, depth + 1);
                let mut index = 0usize;
                while let Some(item) = values.next_value()? {
                    if index > 0 {
                        out.push(b',');
                    }
                    self.value(item, out, depth + 2)
                        .map_err(|e| e.in_index(index))?;
                    index += 1;
                }
                out.push(b']');
            }
            Kind::Struct(content) => {
                self.object(
                    Entries::of_struct(content, depth + 2),
                    out,
                    depth + 2,
                    false,
                )?;
            }
        }
        Ok(())
    }
}

/// The shortest text that reads back as the same double; always with a
/// `.` or an exponent, so that it reads back as a double, not an integer.
fn double(d: f64, out: &mut Vec<u8>) -> Result<()> {
    if !d.is_finite() {
        return Err(FormatError::new(format!(
            "the double {d} has no JSON form (JSON has no NaN or infinity)"
        )));
    }
    out.extend_from_slice(ryu::Buffer::new().format_finite(d).as_bytes());
    Ok(())
}

/// A JSON string of UTF-8 text: `"`, `\` and control characters escaped.
pub(crate) fn string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    let mut i = 0;
    loop {
        let end = plain_run(s, i);
        out.extend_from_slice(&s[i..end]);
        let Some(&c) = s.get(end) else {
            break;
        };
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            8 => out.extend_from_slice(b"\\b"),
            12 => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(c >> 4)],
                    HEX[usize::from(c & 15)],
                ]);
            }
        }
        i = end + 1;
    }
    out.push(b'"');
}
