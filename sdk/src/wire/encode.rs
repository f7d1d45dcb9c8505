//! Encoding an edited event: unedited fields and subtrees of the input are
//! copied as they are; each edited object's size is computed once, in a
//! sizing pass before the writing pass.
use super::entries::metadata_entry;
use super::overlay::{Node, Overlay};
use super::patch::EventPatch;
use super::reader::{copy_short, for_each_field, len_field_size, put_len_header};
use super::view::Source;
use crate::{Error, Kind, Timestamp, Value};
use prost::Message;

pub(crate) fn write_event(out: &mut Vec<u8>, patch: &EventPatch) -> Result<(), Error> {
    let fields_edited = patch.fields_edited();
    let metadata_edited = |key: &[u8]| patch.metadata.iter().any(|(k, _)| k.as_bytes() == key);
    for_each_field(patch.input().bytes(), |field| {
        let keep = match field.number {
            1 => patch.timestamp.is_none(),
            2 => !fields_edited,
            3 if !patch.metadata.is_empty() => !metadata_edited(metadata_entry(field.bytes()?)?.0),
            _ => true,
        };
        if keep {
            out.extend_from_slice(field.raw);
        }
        Ok(())
    })?;
    if let Some(timestamp) = patch.timestamp {
        write_timestamp(out, 1, &timestamp);
    }
    if let Some(fields) = patch.fields.as_ref().filter(|_| fields_edited) {
        let size = overlay_size(fields)?;
        put_len_header(out, 2, size);
        write_overlay(out, fields)?;
    }
    for (key, value) in &patch.metadata {
        if let Some(value) = value {
            let body = len_field_size(key.len()) + len_field_size(value.len());
            put_len_header(out, 3, body);
            put_len_header(out, 1, key.len());
            out.extend_from_slice(key.as_bytes());
            put_len_header(out, 2, value.len());
            out.extend_from_slice(value.as_bytes());
        }
    }
    Ok(())
}

fn write_timestamp(out: &mut Vec<u8>, number: u32, timestamp: &Timestamp) {
    put_len_header(out, number, timestamp.encoded_len());
    timestamp.encode_raw(out);
}

/// Writes a `Value` payload holding the edited object (field 10 and the
/// object), sizing it first.
pub(crate) fn write_object_value(out: &mut Vec<u8>, overlay: &Overlay) -> Result<(), Error> {
    let size = overlay_size(overlay)?;
    put_len_header(out, 10, size);
    write_overlay(out, overlay)
}

/// The size of an edited object's `Struct` payload; sets it (and its edited
/// objects' sizes) for `write_overlay`.
fn overlay_size(overlay: &Overlay) -> Result<usize, Error> {
    let mut size = overlay.kept;
    for edit in &overlay.edits {
        if let Some(payload) = payload(&edit.node) {
            size += len_field_size(entry_size(edit.key.bytes(), payload.size(true)?));
        }
    }
    overlay.size.set(size);
    Ok(size)
}

/// What an edited entry's value payload is made of.
enum Payload<'p> {
    /// A value of the input, copied as it is.
    Bytes(&'p [u8]),
    Owned(&'p Value),
    /// An edited object: field 10 and its `Struct` payload.
    Object(&'p Overlay<'p>),
}

/// The payload of an edit; None for a removal.
fn payload<'p>(node: &'p Node<'p>) -> Option<Payload<'p>> {
    Some(match node {
        Node::Removed => return None,
        Node::Owned(value) => Payload::Owned(value),
        Node::Object(inner) => Payload::Object(inner),
        Node::Input(value) => match value.source {
            Source::Wire(body) => Payload::Bytes(body),
            Source::Owned(value) => Payload::Owned(value),
            Source::Patched(inner) => Payload::Object(inner),
        },
    })
}

impl Payload<'_> {
    /// Its size; an object's is computed (and recorded) by `overlay_size`
    /// in the sizing pass, then read back when writing.
    fn size(&self, sizing: bool) -> Result<usize, Error> {
        Ok(match self {
            Payload::Bytes(body) => body.len(),
            Payload::Owned(value) => owned_size(value),
            Payload::Object(inner) if sizing => len_field_size(overlay_size(inner)?),
            Payload::Object(inner) => len_field_size(inner.size.get()),
        })
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Payload::Bytes(body) => out.extend_from_slice(body),
            Payload::Owned(value) => write_owned(out, value),
            Payload::Object(inner) => {
                put_len_header(out, 10, inner.size.get());
                write_overlay(out, inner)?;
            }
        }
        Ok(())
    }
}

/// The payload size of a value put by the module. Strings and times, the
/// usual ones, are encoded here, as prost would (a `oneof` member is
/// written even when empty or zero); others by prost.
fn owned_size(value: &Value) -> usize {
    match &value.kind {
        Some(Kind::StringValue(string)) => len_field_size(string.len()),
        Some(Kind::TimestampValue(time)) => len_field_size(time.encoded_len()),
        _ => value.encoded_len(),
    }
}

fn write_owned(out: &mut Vec<u8>, value: &Value) {
    match &value.kind {
        Some(Kind::StringValue(string)) => {
            put_len_header(out, 6, string.len());
            out.extend_from_slice(string.as_bytes());
        }
        Some(Kind::TimestampValue(time)) => write_timestamp(out, 8, time),
        _ => value.encode_raw(out),
    }
}

/// The size of a map entry's payload: its key and its value's payload.
fn entry_size(key: &[u8], value_size: usize) -> usize {
    len_field_size(key.len()) + len_field_size(value_size)
}

/// Writes the start of a map entry: its key and length, the key field,
/// and the key and length of its value (of `value_size` bytes).
fn put_entry_start(out: &mut Vec<u8>, key: &[u8], value_size: usize) {
    let size = entry_size(key, value_size);
    let n = key.len();
    if n <= 22 && size < 0x80 {
        // The usual case (a short key, one-byte lengths): one block of
        // fixed size, cut to its length (no `memcpy` call, see
        // `copy_short`, and no byte-by-byte pushes). Tags and lengths of
        // the entry and of the key, the key, the value's tag and length.
        let mut block = [0u8; 28];
        block[..4].copy_from_slice(&[0x0a, size as u8, 0x0a, n as u8]);
        copy_short(&mut block[4..], key);
        block[4 + n] = 0x12;
        block[5 + n] = value_size as u8;
        let end = out.len() + 6 + n;
        out.extend_from_slice(&block);
        out.truncate(end);
        return;
    }
    put_len_header(out, 1, size);
    put_len_header(out, 1, n);
    out.extend_from_slice(key);
    put_len_header(out, 2, value_size);
}

/// Writes an edited object's `Struct` payload, sized by `overlay_size`.
fn write_overlay(out: &mut Vec<u8>, overlay: &Overlay) -> Result<(), Error> {
    // Unedited entries next to each other are copied as one run.
    let origin = overlay.container.as_ptr() as usize;
    let mut run = 0..0;
    for entry in overlay.base.iter().filter(|entry| !entry.shadowed) {
        let start = entry.raw.as_ptr() as usize - origin;
        if start != run.end {
            out.extend_from_slice(&overlay.container[run]);
            run = start..start;
        }
        run.end = start + entry.raw.len();
    }
    out.extend_from_slice(&overlay.container[run]);
    for edit in &overlay.edits {
        let Some(payload) = payload(&edit.node) else {
            continue;
        };
        let value_size = payload.size(false)?;
        put_entry_start(out, edit.key.bytes(), value_size);
        payload.write(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// What prost writes for a value put by the module, byte for byte.
    #[test]
    fn owned_values_encode_as_prost_does() {
        let time = |seconds, nanos| Value {
            kind: Some(Kind::TimestampValue(Timestamp { seconds, nanos })),
        };
        let values = [
            Value::from(""),
            Value::from("é, a string"),
            Value::from("x".repeat(300)),
            time(0, 0),
            time(-5, 999_999_999),
            time(i64::MAX, -1),
            Value::from(-3i64),
            Value::from(true),
            Value::from(0.5),
            Value::default(),
            Value::from(BTreeMap::from([("k".to_string(), Value::from("v"))])),
        ];
        for value in values {
            let mut ours = Vec::new();
            write_owned(&mut ours, &value);
            assert_eq!(ours, value.encode_to_vec(), "{value:?}");
            assert_eq!(owned_size(&value), ours.len(), "{value:?}");
        }
    }

    /// An entry's start is the same written as one block or field by field,
    /// for keys and sizes on either side of the block's limits.
    #[test]
    fn entry_starts_are_the_fields_headers() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789";
        for n in 0..=30 {
            for value_size in [0, 1, 100, 127 - n - 4, 127, 128, 300] {
                let key = &text.as_bytes()[..n];
                let mut expected = Vec::new();
                put_len_header(&mut expected, 1, entry_size(key, value_size));
                put_len_header(&mut expected, 1, key.len());
                expected.extend_from_slice(key);
                put_len_header(&mut expected, 2, value_size);
                let mut ours = vec![7u8];
                put_entry_start(&mut ours, key, value_size);
                assert_eq!(ours[0], 7);
                assert_eq!(&ours[1..], expected, "key of {n}, value of {value_size}");
            }
        }
    }
}
