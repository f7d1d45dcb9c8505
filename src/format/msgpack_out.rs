//! The protobuf wire form of `Event` to one msgpack record: the map of
//! fields, or `[[EventTime, metadata], map]` when the event has a
//! timestamp or metadata (docs/FORMATS.md). Writes to a Vec can not fail,
//! so rmp's write results are dropped.
use super::keys::KeySets;
use super::msgpack_in::{EVENT_TIME, MSGPACK_TIMESTAMP};
use super::wire_in::{self, count, Entries, Kind, Values};
use super::FormatError;
use rmp::encode as mp;

type Result<T> = std::result::Result<T, FormatError>;

pub(crate) fn event(wire: &[u8], out: &mut Vec<u8>, keys: &mut KeySets) -> Result<()> {
    keys.clear();
    let parts = wire_in::event_parts(wire)?;
    if parts.timestamp.is_some() || parts.has_metadata {
        let _ = mp::write_array_len(out, 2);
        let _ = mp::write_array_len(out, 2);
        match parts.timestamp {
            Some((seconds, nanos)) => time(seconds, nanos, out)?,
            None => {
                let _ = mp::write_nil(out);
            }
        }
        let n = count(wire, 3)?;
        object(Entries::of_metadata(wire), n, out, keys, 1, true)
            .map_err(|e| e.in_field(super::METADATA_KEY))?;
    }
    let n = count(parts.fields, 1)?;
    object(Entries::of_struct(parts.fields, 2), n, out, keys, 2, false)
}

/// EventTime when the time fits its unsigned 32-bit seconds, else a
/// 12-byte msgpack timestamp.
fn time(seconds: i64, nanos: i32, out: &mut Vec<u8>) -> Result<()> {
    if !(0..1_000_000_000).contains(&nanos) {
        return Err(FormatError::new(format!(
            "a timestamp with {nanos} nanoseconds"
        )));
    }
    match u32::try_from(seconds) {
        Ok(s) => {
            let _ = mp::write_ext_meta(out, 8, EVENT_TIME);
            out.extend_from_slice(&s.to_be_bytes());
            out.extend_from_slice(&(nanos as u32).to_be_bytes());
        }
        Err(_) => {
            let _ = mp::write_ext_meta(out, 12, MSGPACK_TIMESTAMP);
            out.extend_from_slice(&(nanos as u32).to_be_bytes());
            out.extend_from_slice(&seconds.to_be_bytes());
        }
    }
    Ok(())
}

/// `n` map entries (the entries' messages at `depth`) as a msgpack map.
fn object(
    mut entries: Entries,
    n: u32,
    out: &mut Vec<u8>,
    keys: &mut KeySets,
    depth: u32,
    strings: bool,
) -> Result<()> {
    let _ = mp::write_map_len(out, n);
    let object_keys = keys.open();
    while let Some((key, value)) = entries.next_entry()? {
        if keys.add(&object_keys, key.as_bytes()).is_err() {
            return Err(FormatError::new(format!("duplicate key {key:?}")));
        }
        let _ = mp::write_str(out, key);
        match (value, strings) {
            (None, true) => {
                let _ = mp::write_str(out, "");
            }
            (Some(text), true) => {
                let text = std::str::from_utf8(text)
                    .map_err(|_| FormatError::new("a metadata value is not UTF-8"))?;
                let _ = mp::write_str(out, text);
            }
            (None, false) => {
                let _ = mp::write_nil(out);
            }
            (Some(bytes), false) => {
                self::value(bytes, out, keys, depth + 1).map_err(|e| e.in_field(key))?
            }
        }
    }
    keys.close(object_keys)
        .map_err(|k| FormatError::new(format!("duplicate key {:?}", String::from_utf8_lossy(&k))))
}

fn value(bytes: &[u8], out: &mut Vec<u8>, keys: &mut KeySets, depth: u32) -> Result<()> {
    match wire_in::value(bytes, depth)? {
        Kind::Null => {
            let _ = mp::write_nil(out);
        }
        Kind::Bool(b) => {
            let _ = mp::write_bool(out, b);
        }
        Kind::Int(i) => {
            let _ = mp::write_sint(out, i);
        }
        Kind::Uint(u) => {
            let _ = mp::write_uint(out, u);
        }
        Kind::Double(d) => {
            let _ = mp::write_f64(out, d);
        }
        Kind::String(s) => {
            let _ = mp::write_str(out, s);
        }
        Kind::Bytes(b) => {
            let _ = mp::write_bin(out, b);
        }
        Kind::Timestamp(seconds, nanos) => time(seconds, nanos, out)?,
        Kind::List(content) => {
            let _ = mp::write_array_len(out, count(content, 1)?);
            let mut values = Values::of(content, depth + 1);
            let mut index = 0usize;
            while let Some(item) = values.next_value()? {
                self::value(item, out, keys, depth + 2).map_err(|e| e.in_index(index))?;
                index += 1;
            }
        }
        Kind::Struct(content) => {
            let n = count(content, 1)?;
            object(
                Entries::of_struct(content, depth + 2),
                n,
                out,
                keys,
                depth + 2,
                false,
            )?;
        }
    }
    Ok(())
}
