//! The protobuf wire form of `Event` to one msgpack record: the map of
//! fields, or `[[EventTime, metadata], map]` when the event has a
//! timestamp or metadata (docs/FORMATS.md).
//!
//! The encodings are written here rather than with rmp's writers: through
//! `io::Write` they were 11% of the conversion (docs/PERFORMANCE.md). A
//! map's or array's size is written in a one-byte slot and widened, moving
//! the items, in the rare case it has 16 or more.
use super::keys::KeySets;
use super::msgpack_in::{EVENT_TIME, MSGPACK_TIMESTAMP};
use super::wire_in::{self, Entries, Kind, Values};
use super::{short_window, FormatError};

type Result<T> = std::result::Result<T, FormatError>;

/// A map or array whose size is not known yet: where its slot is.
#[must_use]
struct Open(usize);

fn open(out: &mut Vec<u8>) -> Open {
    out.push(0);
    Open(out.len() - 1)
}

/// Writes the size of the map (`fix` 0x80, `wide` 0xde) or array (0x90,
/// 0xdc) opened at `open`.
fn close(out: &mut Vec<u8>, open: Open, n: u32, fix: u8, wide: u8) {
    if n < 16 {
        out[open.0] = fix | n as u8;
        return;
    }
    let header: &[u8] = &match u16::try_from(n) {
        Ok(n) => [wide, (n >> 8) as u8, n as u8, 0, 0],
        Err(_) => {
            let b = n.to_be_bytes();
            [wide + 1, b[0], b[1], b[2], b[3]]
        }
    };
    let header = if header[0] == wide {
        &header[..3]
    } else {
        header
    };
    let at = open.0;
    let extra = header.len() - 1;
    let end = out.len();
    out.resize(end + extra, 0);
    out.copy_within(at + 1..end, at + 1 + extra);
    out[at..at + header.len()].copy_from_slice(header);
}

fn str_header(out: &mut Vec<u8>, n: usize) {
    match n {
        0..=31 => out.push(0xa0 | n as u8),
        32..=0xff => out.extend_from_slice(&[0xd9, n as u8]),
        0x100..=0xffff => out.extend_from_slice(&[0xda, (n >> 8) as u8, n as u8]),
        _ => {
            out.push(0xdb);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
}

fn str(out: &mut Vec<u8>, s: &[u8]) {
    str_header(out, s.len());
    out.extend_from_slice(s);
}

fn bin(out: &mut Vec<u8>, b: &[u8]) {
    match b.len() {
        n @ 0..=0xff => out.extend_from_slice(&[0xc4, n as u8]),
        n @ 0x100..=0xffff => out.extend_from_slice(&[0xc5, (n >> 8) as u8, n as u8]),
        n => {
            out.push(0xc6);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(b);
}

/// The smallest encoding of an unsigned integer.
fn uint(out: &mut Vec<u8>, u: u64) {
    match u {
        0..=0x7f => out.push(u as u8),
        0x80..=0xff => out.extend_from_slice(&[0xcc, u as u8]),
        0x100..=0xffff => {
            out.push(0xcd);
            out.extend_from_slice(&(u as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xce);
            out.extend_from_slice(&(u as u32).to_be_bytes());
        }
        _ => {
            out.push(0xcf);
            out.extend_from_slice(&u.to_be_bytes());
        }
    }
}

/// The smallest encoding of a signed integer (non-negative ones as unsigned).
fn int(out: &mut Vec<u8>, i: i64) {
    match i {
        0.. => uint(out, i as u64),
        -32..=-1 => out.push(i as u8),
        -0x80..=-33 => out.extend_from_slice(&[0xd0, i as u8]),
        -0x8000..=-0x81 => {
            out.push(0xd1);
            out.extend_from_slice(&(i as i16).to_be_bytes());
        }
        -0x8000_0000..=-0x8001 => {
            out.push(0xd2);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        }
        _ => {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
    }
}

fn lossy(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

pub(crate) fn event(wire: &[u8], out: &mut Vec<u8>, keys: &mut KeySets) -> Result<()> {
    keys.clear();
    let parts = wire_in::event_parts(wire)?;
    out.reserve(wire.len() + 64);
    let mut w = Writer { wire, keys };
    if parts.timestamp.is_some() || parts.has_metadata {
        out.extend_from_slice(&[0x92, 0x92]);
        match parts.timestamp {
            Some((seconds, nanos)) => time(seconds, nanos, out)?,
            None => out.push(0xc0),
        }
        w.map(Entries::of_metadata(wire), out, 1, true)
            .map_err(|e| e.in_field(super::METADATA_KEY))?;
    }
    w.map(Entries::of_struct(parts.fields, 2), out, 2, false)
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
            out.extend_from_slice(&[0xd7, EVENT_TIME as u8]);
            out.extend_from_slice(&s.to_be_bytes());
            out.extend_from_slice(&(nanos as u32).to_be_bytes());
        }
        Err(_) => {
            out.extend_from_slice(&[0xc7, 12, MSGPACK_TIMESTAMP as u8]);
            out.extend_from_slice(&(nanos as u32).to_be_bytes());
            out.extend_from_slice(&seconds.to_be_bytes());
        }
    }
    Ok(())
}

struct Writer<'w> {
    /// The whole event: keys are noted as places in it.
    wire: &'w [u8],
    keys: &'w mut KeySets,
}

impl Writer<'_> {
    /// A str of `s`, a slice of the event: a short one is copied as one
    /// fixed 16-byte move, cut back.
    #[inline(always)]
    fn str(&self, out: &mut Vec<u8>, s: &[u8]) {
        if let Some(window) = short_window(self.wire, s) {
            let at = out.len() + 1;
            out.push(0xa0 | s.len() as u8);
            out.extend_from_slice(window);
            out.truncate(at + s.len());
            return;
        }
        str(out, s);
    }

    /// Map entries (their messages at `depth`) as a msgpack map;
    /// `strings`: metadata, whose values are strings, not Values.
    fn map(
        &mut self,
        mut entries: Entries,
        out: &mut Vec<u8>,
        depth: u32,
        strings: bool,
    ) -> Result<()> {
        let header = open(out);
        let mut object_keys = self.keys.open();
        let mut n = 0u32;
        while let Some((key, value)) = entries.next_entry()? {
            if self.keys.add(&mut object_keys, key, self.wire).is_err() {
                return Err(FormatError::new(format!("duplicate key {:?}", lossy(key))));
            }
            self.str(out, key);
            match (value, strings) {
                (value, true) => self.str(out, value.unwrap_or_default()),
                (None, false) => out.push(0xc0),
                (Some(bytes), false) => self
                    .value(bytes, out, depth + 1)
                    .map_err(|e| e.in_field(&lossy(key)))?,
            }
            n += 1;
        }
        self.keys
            .close(object_keys, self.wire)
            .map_err(|k| FormatError::new(format!("duplicate key {:?}", lossy(&k))))?;
        close(out, header, n, 0x80, 0xde);
        Ok(())
    }

    fn value(&mut self, bytes: &[u8], out: &mut Vec<u8>, depth: u32) -> Result<()> {
        match wire_in::value(bytes, depth)? {
            Kind::Null => out.push(0xc0),
            Kind::Bool(b) => out.push(if b { 0xc3 } else { 0xc2 }),
            Kind::Int(i) => int(out, i),
            Kind::Uint(u) => uint(out, u),
            Kind::Double(d) => {
                out.push(0xcb);
                out.extend_from_slice(&d.to_bits().to_be_bytes());
            }
            Kind::String(s) => self.str(out, s),
            Kind::Bytes(b) => bin(out, b),
            Kind::Timestamp(seconds, nanos) => time(seconds, nanos, out)?,
            Kind::List(content) => {
                let header = open(out);
                let mut values = Values::of(content, depth + 1);
                let mut index = 0u32;
                while let Some(item) = values.next_value()? {
                    self.value(item, out, depth + 2)
                        .map_err(|e| e.in_index(index as usize))?;
                    index += 1;
                }
                close(out, header, index, 0x90, 0xdc);
            }
            Kind::Struct(content) => {
                self.map(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size class of every encoding, held to rmp's writers.
    #[test]
    fn encodings_agree_with_rmp() {
        for i in [
            0i64,
            1,
            127,
            128,
            255,
            256,
            65535,
            65536,
            u32::MAX as i64,
            1 << 40,
            i64::MAX,
            -1,
            -32,
            -33,
            -128,
            -129,
            -32768,
            -32769,
            i32::MIN as i64,
            i32::MIN as i64 - 1,
            i64::MIN,
        ] {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            int(&mut ours, i);
            rmp::encode::write_sint(&mut theirs, i).unwrap();
            assert_eq!(ours, theirs, "{i}");
        }
        for n in [0usize, 31, 32, 255, 256, 65535, 65536] {
            let s = vec![b'a'; n];
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            str(&mut ours, &s);
            rmp::encode::write_str(&mut theirs, std::str::from_utf8(&s).unwrap()).unwrap();
            assert_eq!(ours, theirs, "str {n}");
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            bin(&mut ours, &s);
            rmp::encode::write_bin(&mut theirs, &s).unwrap();
            assert_eq!(ours, theirs, "bin {n}");
        }
        for n in [0u32, 15, 16, 65535, 65536] {
            for (fix, wide) in [(0x80, 0xde), (0x90, 0xdc)] {
                let mut ours = vec![7];
                let header = open(&mut ours);
                ours.extend_from_slice(b"items");
                close(&mut ours, header, n, fix, wide);
                let mut theirs = vec![7];
                match fix {
                    0x80 => rmp::encode::write_map_len(&mut theirs, n).unwrap(),
                    _ => rmp::encode::write_array_len(&mut theirs, n).unwrap(),
                };
                theirs.extend_from_slice(b"items");
                assert_eq!(ours, theirs, "{fix:x} {n}");
            }
        }
    }
}
