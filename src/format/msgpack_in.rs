//! msgpack records to the protobuf wire form of `Event` and `Config`, in
//! one pass with no tree. Records take the shapes Fluent Bit and Fluentd
//! use: a map; `[time, map]`; `[[time, metadata], map]` (docs/FORMATS.md).
use super::keys::{KeySets, ObjectKeys};
use super::wire_out::{self as wire, key};
use super::FormatError;
use crate::validate::MAX_DEPTH;
use rmp::Marker;

type Result<T> = std::result::Result<T, FormatError>;

/// Fluent Bit's EventTime extension type and msgpack's own timestamp.
pub(crate) const EVENT_TIME: i8 = 0;
pub(crate) const MSGPACK_TIMESTAMP: i8 = -1;

/// One msgpack item: scalars with their payload, containers with their size.
enum Item<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(u32),
    Map(u32),
    Ext(i8, &'a [u8]),
}

pub(crate) struct MsgpackReader<'a> {
    s: &'a [u8],
    pos: usize,
    keys: &'a mut KeySets,
}

impl<'a> MsgpackReader<'a> {
    pub(crate) fn new(s: &'a [u8], keys: &'a mut KeySets) -> Self {
        keys.clear();
        MsgpackReader { s, pos: 0, keys }
    }

    fn error<T>(&self, at: usize, what: impl Into<String>) -> Result<T> {
        Err(FormatError::at(at, what))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.s.get(self.pos..self.pos.saturating_add(n)) {
            Some(bytes) if self.pos.checked_add(n).is_some() => {
                self.pos += n;
                Ok(bytes)
            }
            _ => self.error(self.pos, "the record is cut off"),
        }
    }

    fn be(&mut self, n: usize) -> Result<u64> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
    }

    #[inline(always)]
    fn item(&mut self) -> Result<Item<'a>> {
        // The common small forms first: fixint, fixstr, fixmap, fixarray.
        if let Some(&m) = self.s.get(self.pos) {
            match m {
                0x00..=0x7f => {
                    self.pos += 1;
                    return Ok(Item::Int(i64::from(m)));
                }
                0x80..=0x8f => {
                    self.pos += 1;
                    return Ok(Item::Map(u32::from(m & 0x0f)));
                }
                0x90..=0x9f => {
                    self.pos += 1;
                    return Ok(Item::Array(u32::from(m & 0x0f)));
                }
                0xa0..=0xbf => {
                    let n = usize::from(m & 0x1f);
                    if let Some(s) = self.s.get(self.pos + 1..self.pos + 1 + n) {
                        self.pos += 1 + n;
                        return Ok(Item::Str(s));
                    }
                }
                _ => {}
            }
        }
        self.item_slow()
    }

    #[inline(never)]
    fn item_slow(&mut self) -> Result<Item<'a>> {
        let at = self.pos;
        let marker = *self.take(1)?.first().unwrap_or(&0xc1);
        let len = |r: &mut Self, n: usize| r.be(n).map(|v| v as usize);
        Ok(match Marker::from_u8(marker) {
            Marker::FixPos(v) => Item::Int(i64::from(v)),
            Marker::FixNeg(v) => Item::Int(i64::from(v)),
            Marker::Null => Item::Nil,
            Marker::True => Item::Bool(true),
            Marker::False => Item::Bool(false),
            Marker::U8 => Item::Int(self.be(1)? as i64),
            Marker::U16 => Item::Int(self.be(2)? as i64),
            Marker::U32 => Item::Int(self.be(4)? as i64),
            Marker::U64 => match self.be(8)? {
                v if v <= i64::MAX as u64 => Item::Int(v as i64),
                v => Item::Uint(v),
            },
            Marker::I8 => Item::Int(i64::from(self.be(1)? as u8 as i8)),
            Marker::I16 => Item::Int(i64::from(self.be(2)? as u16 as i16)),
            Marker::I32 => Item::Int(i64::from(self.be(4)? as u32 as i32)),
            Marker::I64 => Item::Int(self.be(8)? as i64),
            Marker::F32 => Item::Float(f64::from(f32::from_bits(self.be(4)? as u32))),
            Marker::F64 => Item::Float(f64::from_bits(self.be(8)?)),
            Marker::FixStr(n) => Item::Str(self.take(usize::from(n))?),
            Marker::Str8 => Item::Str({
                let n = len(self, 1)?;
                self.take(n)?
            }),
            Marker::Str16 => Item::Str({
                let n = len(self, 2)?;
                self.take(n)?
            }),
            Marker::Str32 => Item::Str({
                let n = len(self, 4)?;
                self.take(n)?
            }),
            Marker::Bin8 => Item::Bin({
                let n = len(self, 1)?;
                self.take(n)?
            }),
            Marker::Bin16 => Item::Bin({
                let n = len(self, 2)?;
                self.take(n)?
            }),
            Marker::Bin32 => Item::Bin({
                let n = len(self, 4)?;
                self.take(n)?
            }),
            Marker::FixArray(n) => Item::Array(u32::from(n)),
            Marker::Array16 => Item::Array(self.be(2)? as u32),
            Marker::Array32 => Item::Array(self.be(4)? as u32),
            Marker::FixMap(n) => Item::Map(u32::from(n)),
            Marker::Map16 => Item::Map(self.be(2)? as u32),
            Marker::Map32 => Item::Map(self.be(4)? as u32),
            Marker::FixExt1 => self.ext(1)?,
            Marker::FixExt2 => self.ext(2)?,
            Marker::FixExt4 => self.ext(4)?,
            Marker::FixExt8 => self.ext(8)?,
            Marker::FixExt16 => self.ext(16)?,
            Marker::Ext8 => {
                let n = len(self, 1)?;
                self.ext(n)?
            }
            Marker::Ext16 => {
                let n = len(self, 2)?;
                self.ext(n)?
            }
            Marker::Ext32 => {
                let n = len(self, 4)?;
                self.ext(n)?
            }
            Marker::Reserved => return self.error(at, "0xc1 is not a msgpack marker"),
        })
    }

    fn ext(&mut self, n: usize) -> Result<Item<'a>> {
        let ty = self.take(1)?[0] as i8;
        Ok(Item::Ext(ty, self.take(n)?))
    }

    /// A whole event record.
    pub(crate) fn event(mut self, out: &mut Vec<u8>, side: &mut Vec<u8>) -> Result<()> {
        side.clear();
        const SHAPE: &str = "a record must be a map, [time, map] or [[time, metadata], map]";
        let at = self.pos;
        let fields_count = match self.item()? {
            Item::Map(n) => n,
            Item::Array(2) => {
                let head_at = self.pos;
                let head = self.item()?;
                match head {
                    Item::Array(2) => {
                        let time_at = self.pos;
                        let time = self.item()?;
                        self.record_time(time, time_at, side)?;
                        self.metadata(side)?;
                    }
                    time => self.record_time(time, head_at, side)?,
                }
                match self.item()? {
                    Item::Map(n) => n,
                    _ => return self.error(at, SHAPE),
                }
            }
            _ => return self.error(at, SHAPE),
        };
        let fields = wire::open(out, key::EVENT_FIELDS);
        self.members(fields_count, at, out, 1)?;
        wire::close(out, fields);
        out.extend_from_slice(side);
        if self.pos != self.s.len() {
            return self.error(self.pos, "unexpected bytes after the record");
        }
        Ok(())
    }

    /// A config: a map of parameters.
    pub(crate) fn config(mut self, out: &mut Vec<u8>) -> Result<()> {
        let Item::Map(n) = self.item()? else {
            return self.error(0, "a config must be a msgpack map");
        };
        self.members(n, 0, out, 0)?;
        if self.pos != self.s.len() {
            return self.error(self.pos, "unexpected bytes after the config");
        }
        Ok(())
    }

    fn record_time(&mut self, time: Item, at: usize, side: &mut Vec<u8>) -> Result<()> {
        let (seconds, nanos) = match time {
            Item::Nil => return Ok(()),
            Item::Int(s) => (s, 0),
            Item::Float(f) => float_time(f)
                .ok_or_else(|| FormatError::at(at, format!("the record time {f} is not a time")))?,
            Item::Ext(ty, bytes) => self.ext_time(ty, bytes, at)?,
            _ => {
                return self.error(
                    at,
                    "a record time must be an EventTime, a timestamp, an integer, a float or nil",
                )
            }
        };
        let timestamp = wire::open(side, key::EVENT_TIMESTAMP);
        wire::timestamp_content(side, seconds, nanos);
        wire::close(side, timestamp);
        Ok(())
    }

    fn ext_time(&self, ty: i8, bytes: &[u8], at: usize) -> Result<(i64, i32)> {
        let be = |b: &[u8]| b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
        let (seconds, nanos) = match (ty, bytes.len()) {
            (EVENT_TIME, 8) => (be(&bytes[..4]) as i64, be(&bytes[4..])),
            (MSGPACK_TIMESTAMP, 4) => (be(bytes) as i64, 0),
            (MSGPACK_TIMESTAMP, 8) => {
                let v = be(bytes);
                ((v & ((1 << 34) - 1)) as i64, v >> 34)
            }
            (MSGPACK_TIMESTAMP, 12) => (be(&bytes[4..]) as i64, be(&bytes[..4])),
            (ty, n) => {
                return self.error(at, format!("msgpack extension type {ty} of {n} bytes has no Event form (EventTime and timestamps do)"))
            }
        };
        if nanos >= 1_000_000_000 {
            return self.error(at, format!("a time with {nanos} nanoseconds"));
        }
        Ok((seconds, nanos as i32))
    }

    /// The record's metadata: a map of strings.
    fn metadata(&mut self, side: &mut Vec<u8>) -> Result<()> {
        let at = self.pos;
        let n = match self.item()? {
            Item::Map(n) => n,
            Item::Nil => 0,
            _ => return self.error(at, "record metadata must be a map of strings"),
        };
        let mut object = self.keys.open();
        for _ in 0..n {
            let entry = wire::open(side, key::EVENT_METADATA);
            self.key(side, &mut object)?;
            let value_at = self.pos;
            match self.item()? {
                Item::Str(s) => {
                    self.utf8(s)?;
                    wire::bytes_field(side, key::MAP_VALUE, s);
                }
                _ => return self.error(value_at, "record metadata values must be strings"),
            }
            wire::close(side, entry);
        }
        self.close_keys(object, at)
    }

    /// `s`, a string payload that ends at `pos`, must be UTF-8.
    #[inline(always)]
    fn utf8(&self, s: &[u8]) -> Result<()> {
        if crate::validate::utf8(s) {
            return Ok(());
        }
        let valid = std::str::from_utf8(s).map_or_else(|e| e.valid_up_to(), |_| s.len());
        self.error(self.pos - s.len() + valid, "invalid UTF-8 in a string")
    }

    fn key(&mut self, out: &mut Vec<u8>, object: &mut ObjectKeys) -> Result<()> {
        let at = self.pos;
        let Item::Str(name) = self.item()? else {
            return self.error(at, "map keys must be strings");
        };
        self.utf8(name)?;
        if self.keys.add(object, name, self.s).is_err() {
            return self.error(
                at,
                format!("duplicate key {:?}", String::from_utf8_lossy(name)),
            );
        }
        wire::bytes_field(out, key::MAP_KEY, name);
        Ok(())
    }

    #[inline(always)]
    fn close_keys(&mut self, object: ObjectKeys, at: usize) -> Result<()> {
        self.keys.close(object, self.s).or_else(|name| {
            self.error(
                at,
                format!(
                    "duplicate key {:?} in the map",
                    String::from_utf8_lossy(&name)
                ),
            )
        })
    }

    /// `n` members of a map at `at`, as entries whose messages are at `depth + 1`.
    fn members(&mut self, n: u32, at: usize, out: &mut Vec<u8>, depth: u32) -> Result<()> {
        let mut object = self.keys.open();
        for _ in 0..n {
            let entry = wire::open(out, key::ENTRY);
            self.key(out, &mut object)?;
            self.value(out, key::MAP_VALUE, depth + 2)?;
            wire::close(out, entry);
        }
        self.close_keys(object, at)
    }

    fn depth_error<T>(&self) -> Result<T> {
        self.error(
            self.pos,
            format!("nested too deep: the event would nest more than {MAX_DEPTH} protobuf messages (the event check's limit)"),
        )
    }

    fn value(&mut self, out: &mut Vec<u8>, value_key: u8, depth: u32) -> Result<()> {
        if depth >= MAX_DEPTH {
            return self.depth_error();
        }
        let at = self.pos;
        match self.item()? {
            Item::Nil => wire::varint_value(out, value_key, key::NULL, 0),
            Item::Bool(b) => wire::varint_value(out, value_key, key::BOOL, u64::from(b)),
            Item::Int(i) => wire::varint_value(out, value_key, key::INT, i as u64),
            Item::Uint(u) => wire::varint_value(out, value_key, key::UINT, u),
            Item::Float(d) => wire::double_value(out, value_key, d),
            Item::Str(s) => {
                self.utf8(s)?;
                let value = wire::open(out, value_key);
                wire::bytes_field(out, key::STRING, s);
                wire::close(out, value);
            }
            Item::Bin(b) => {
                let value = wire::open(out, value_key);
                wire::bytes_field(out, key::BYTES, b);
                wire::close(out, value);
            }
            Item::Ext(ty, bytes) => {
                // The Timestamp is a message one level below the Value.
                if depth + 1 >= MAX_DEPTH {
                    return self.depth_error();
                }
                let (seconds, nanos) = self.ext_time(ty, bytes, at)?;
                let value = wire::open(out, value_key);
                let timestamp = wire::open(out, key::TIMESTAMP);
                wire::timestamp_content(out, seconds, nanos);
                wire::close(out, timestamp);
                wire::close(out, value);
            }
            Item::Array(n) => {
                if depth + 1 >= MAX_DEPTH {
                    return self.depth_error();
                }
                let value = wire::open(out, value_key);
                let list = wire::open(out, key::LIST);
                for _ in 0..n {
                    self.value(out, key::ENTRY, depth + 2)?;
                }
                wire::close(out, list);
                wire::close(out, value);
            }
            Item::Map(n) => {
                if depth + 2 >= MAX_DEPTH {
                    return self.depth_error();
                }
                let value = wire::open(out, value_key);
                let object = wire::open(out, key::STRUCT);
                self.members(n, at, out, depth + 1)?;
                wire::close(out, object);
                wire::close(out, value);
            }
        }
        Ok(())
    }
}

/// Float seconds to the nearest nanosecond (a float time carries no more).
fn float_time(f: f64) -> Option<(i64, i32)> {
    if !f.is_finite() || f.abs() >= 9.2e18 {
        return None;
    }
    let seconds = f.floor();
    let mut nanos = ((f - seconds) * 1e9).round() as i64;
    let mut seconds = seconds as i64;
    if nanos >= 1_000_000_000 {
        seconds += 1;
        nanos -= 1_000_000_000;
    }
    Some((seconds, nanos as i32))
}
