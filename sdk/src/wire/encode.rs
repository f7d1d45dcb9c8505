//! Encoding an edited event: unedited fields and subtrees of the input are
//! copied as they are; each edited object's size is computed once, in a
//! sizing pass before the writing pass.
use super::entries::metadata_entry;
use super::overlay::{Node, Overlay};
use super::patch::EventPatch;
use super::reader::{for_each_field, len_field_size, put_len_header};
use super::view::Source;
use crate::{Error, Timestamp, Value};
use prost::Message;

pub(crate) fn write_event(out: &mut Vec<u8>, patch: &EventPatch) -> Result<(), Error> {
    let fields_edited = patch.fields.is_some();
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
    if let Some(fields) = &patch.fields {
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
    let mut size = 0;
    for entry in overlay.base.iter().filter(|entry| !entry.shadowed) {
        size += entry.raw.len();
    }
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
            Payload::Owned(value) => value.encoded_len(),
            Payload::Object(inner) if sizing => len_field_size(overlay_size(inner)?),
            Payload::Object(inner) => len_field_size(inner.size.get()),
        })
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Payload::Bytes(body) => out.extend_from_slice(body),
            Payload::Owned(value) => value.encode_raw(out),
            Payload::Object(inner) => {
                put_len_header(out, 10, inner.size.get());
                write_overlay(out, inner)?;
            }
        }
        Ok(())
    }
}

/// The size of a map entry's payload: its key and its value's payload.
fn entry_size(key: &[u8], value_size: usize) -> usize {
    len_field_size(key.len()) + len_field_size(value_size)
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
        let key = edit.key.bytes();
        put_len_header(out, 1, entry_size(key, value_size));
        put_len_header(out, 1, key.len());
        out.extend_from_slice(key);
        put_len_header(out, 2, value_size);
        payload.write(out)?;
    }
    Ok(())
}
