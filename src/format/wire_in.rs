//! Reading the protobuf wire form of `Event` without decoding it into a
//! tree: the event's parts, a Struct's entries, a ListValue's values and
//! one Value's kind, as slices of the input. Unknown fields are skipped as
//! prost skips them. Where prost would merge two copies of a message (a
//! Value with two kinds, an Event with two `fields`), the reader refuses:
//! the writers never produce that, and merging would hide a value.
//!
//! Strings are handed out as bytes, unchecked: callers give valid Events
//! (the host checks every emit; `event_from_unchecked_wire` checks first),
//! whose strings are UTF-8.
use super::FormatError;
use crate::validate::{END_GROUP, I32, I64, LEN, MAX_DEPTH, START_GROUP, VARINT};

type Result<T> = std::result::Result<T, FormatError>;

fn malformed<T>(what: &str) -> Result<T> {
    Err(FormatError::new(format!(
        "the protobuf bytes are malformed: {what}"
    )))
}

pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn varint(&mut self) -> Result<u64> {
        // Most keys and lengths fit one byte.
        if let [b0, ref rest @ ..] = *self.bytes {
            if b0 < 0x80 {
                self.bytes = rest;
                return Ok(u64::from(b0));
            }
        }
        self.long_varint()
    }

    #[cold]
    fn long_varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for i in 0..10 {
            let Some((&byte, rest)) = self.bytes.split_first() else {
                return malformed("a varint is cut off");
            };
            self.bytes = rest;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        malformed("a varint is longer than 10 bytes")
    }

    #[inline(always)]
    fn take(&mut self, n: u64) -> Result<&'a [u8]> {
        if n > self.bytes.len() as u64 {
            return malformed("a field is longer than the bytes left");
        }
        let (taken, rest) = self.bytes.split_at(n as usize);
        self.bytes = rest;
        Ok(taken)
    }

    /// The next field: (number, wire type), or None at the end.
    #[inline(always)]
    fn key(&mut self) -> Result<Option<(u32, u8)>> {
        if self.bytes.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        if key > u64::from(u32::MAX) || key >> 3 == 0 {
            return malformed("a field number is out of range");
        }
        Ok(Some(((key >> 3) as u32, (key & 7) as u8)))
    }

    fn len_delimited(&mut self, wire: u8) -> Result<&'a [u8]> {
        if wire != LEN {
            return malformed("a message or string field has the wrong wire type");
        }
        let n = self.varint()?;
        self.take(n)
    }

    fn scalar(&mut self, wire: u8, want: u8) -> Result<u64> {
        if wire != want {
            return malformed("a scalar field has the wrong wire type");
        }
        match wire {
            I64 => Ok(u64::from_le_bytes(
                self.take(8)?.try_into().unwrap_or_default(),
            )),
            _ => self.varint(),
        }
    }

    fn skip(&mut self, number: u32, wire: u8, depth: u32) -> Result<()> {
        match wire {
            VARINT => self.varint().map(drop),
            I64 => self.take(8).map(drop),
            I32 => self.take(4).map(drop),
            LEN => self.len_delimited(LEN).map(drop),
            START_GROUP if depth < MAX_DEPTH => loop {
                match self.key()? {
                    Some((inner, END_GROUP)) if inner == number => return Ok(()),
                    Some((inner, inner_wire)) => self.skip(inner, inner_wire, depth + 1)?,
                    None => return malformed("a group is not closed"),
                }
            },
            _ => malformed("an unknown field has an invalid wire type or nests too deep"),
        }
    }
}

/// The top-level parts of an Event.
#[derive(Default)]
pub(crate) struct EventParts<'a> {
    pub(crate) timestamp: Option<(i64, i32)>,
    /// The content of `fields` (a Struct).
    pub(crate) fields: &'a [u8],
    pub(crate) has_metadata: bool,
}

pub(crate) fn event_parts(bytes: &[u8]) -> Result<EventParts<'_>> {
    let mut parts = EventParts::default();
    let (mut seen_timestamp, mut seen_fields) = (false, false);
    let mut r = Reader { bytes };
    while let Some((number, wire)) = r.key()? {
        match number {
            1 => {
                if std::mem::replace(&mut seen_timestamp, true) {
                    return malformed("the event's timestamp appears twice");
                }
                parts.timestamp = Some(timestamp(r.len_delimited(wire)?)?);
            }
            2 => {
                if std::mem::replace(&mut seen_fields, true) {
                    return malformed("the event's fields appear twice");
                }
                parts.fields = r.len_delimited(wire)?;
            }
            3 => {
                r.len_delimited(wire)?;
                parts.has_metadata = true;
            }
            _ => r.skip(number, wire, 1)?,
        }
    }
    Ok(parts)
}

fn timestamp(bytes: &[u8]) -> Result<(i64, i32)> {
    let (mut seconds, mut nanos) = (0i64, 0i32);
    let mut r = Reader { bytes };
    while let Some((number, wire)) = r.key()? {
        match number {
            1 => seconds = r.scalar(wire, VARINT)? as i64,
            2 => nanos = r.scalar(wire, VARINT)? as i32,
            _ => r.skip(number, wire, 2)?,
        }
    }
    Ok((seconds, nanos))
}

/// A map entry: its key, and its value field's bytes (None when missing).
pub(crate) type Entry<'a> = (&'a [u8], Option<&'a [u8]>);

/// Map entries: the event's metadata (strings), a Struct's fields (Values).
pub(crate) struct Entries<'a> {
    r: Reader<'a>,
    /// The field number the entries have in their message.
    number: u32,
    depth: u32,
}

impl<'a> Entries<'a> {
    /// The entries of a Struct's content whose messages are at `depth`.
    pub(crate) fn of_struct(content: &'a [u8], depth: u32) -> Self {
        Entries {
            r: Reader { bytes: content },
            number: 1,
            depth,
        }
    }

    /// The metadata entries of a whole Event.
    pub(crate) fn of_metadata(event: &'a [u8]) -> Self {
        Entries {
            r: Reader { bytes: event },
            number: 3,
            depth: 1,
        }
    }

    /// The next entry: (key, value field's bytes); a missing value is None.
    #[inline]
    pub(crate) fn next_entry(&mut self) -> Result<Option<Entry<'a>>> {
        // The shape encoders write: the entry, its key and its value each
        // with a one-byte length, key first.
        let tag = (self.number << 3 | 2) as u8;
        if let [t, n, 0x0a, k, ref rest @ ..] = *self.r.bytes {
            let (n, k) = (usize::from(n), usize::from(k));
            if t == tag
                && n < 0x80
                && k < 0x80
                && 2 + k <= n
                && n <= rest.len() + 2
                && self.depth < MAX_DEPTH
            {
                let (key, after) = rest.split_at(k);
                if let [0x12, m, ref value @ ..] = *after {
                    let m = usize::from(m);
                    if m < 0x80 && 2 + k + 2 + m == n {
                        self.r.bytes = &value[m..];
                        return Ok(Some((key, Some(&value[..m]))));
                    }
                }
            }
        }
        self.next_entry_slow()
    }

    #[inline(never)]
    fn next_entry_slow(&mut self) -> Result<Option<Entry<'a>>> {
        loop {
            let Some((number, wire)) = self.r.key()? else {
                return Ok(None);
            };
            if number != self.number {
                self.r.skip(number, wire, self.depth)?;
                continue;
            }
            if self.depth >= MAX_DEPTH {
                return malformed("messages nest too deep");
            }
            let mut entry = Reader {
                bytes: self.r.len_delimited(wire)?,
            };
            let (mut key, mut value): (&[u8], _) = (&[], None);
            while let Some((number, wire)) = entry.key()? {
                match number {
                    1 => key = entry.len_delimited(wire)?,
                    2 => {
                        if value.replace(entry.len_delimited(wire)?).is_some() {
                            return malformed("a map entry has two values");
                        }
                    }
                    _ => entry.skip(number, wire, self.depth + 1)?,
                }
            }
            return Ok(Some((key, value)));
        }
    }
}

/// One Value's kind; message kinds as their content.
pub(crate) enum Kind<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    /// UTF-8 (the event was checked).
    String(&'a [u8]),
    Bytes(&'a [u8]),
    Timestamp(i64, i32),
    List(&'a [u8]),
    Struct(&'a [u8]),
}

/// The kind of the Value whose content is `bytes`, at `depth`.
#[inline]
pub(crate) fn value(bytes: &[u8], depth: u32) -> Result<Kind<'_>> {
    if depth >= MAX_DEPTH {
        return malformed("messages nest too deep");
    }
    // The usual shapes: one string or object with a one-byte length, one
    // small int.
    match *bytes {
        // (A byte of 0x80 or more is the first of a longer length.)
        [0x32, n, ref payload @ ..] if n < 0x80 && usize::from(n) == payload.len() => {
            return Ok(Kind::String(payload))
        }
        [0x52, n, ref payload @ ..] if n < 0x80 && usize::from(n) == payload.len() => {
            return Ok(Kind::Struct(payload))
        }
        [0x18, v] if v < 0x80 => return Ok(Kind::Int(i64::from(v))),
        _ => {}
    }
    value_slow(bytes, depth)
}

#[inline(never)]
fn value_slow(bytes: &[u8], depth: u32) -> Result<Kind<'_>> {
    let mut kind = Kind::Null;
    let mut seen = false;
    let mut r = Reader { bytes };
    while let Some((number, wire)) = r.key()? {
        if !(1..=10).contains(&number) {
            r.skip(number, wire, depth + 1)?;
            continue;
        }
        if std::mem::replace(&mut seen, true) {
            return malformed("a Value sets more than one kind");
        }
        kind = match number {
            1 => {
                r.scalar(wire, VARINT)?;
                Kind::Null
            }
            2 => Kind::Bool(r.scalar(wire, VARINT)? != 0),
            3 => Kind::Int(r.scalar(wire, VARINT)? as i64),
            4 => Kind::Uint(r.scalar(wire, VARINT)?),
            5 => Kind::Double(f64::from_bits(r.scalar(wire, I64)?)),
            6 => Kind::String(r.len_delimited(wire)?),
            7 => Kind::Bytes(r.len_delimited(wire)?),
            8 => {
                let (seconds, nanos) = timestamp(r.len_delimited(wire)?)?;
                Kind::Timestamp(seconds, nanos)
            }
            9 => Kind::List(r.len_delimited(wire)?),
            _ => Kind::Struct(r.len_delimited(wire)?),
        };
    }
    Ok(kind)
}

/// The values of a ListValue's content, at `depth`.
pub(crate) struct Values<'a> {
    r: Reader<'a>,
    depth: u32,
}

impl<'a> Values<'a> {
    pub(crate) fn of(content: &'a [u8], depth: u32) -> Self {
        Values {
            r: Reader { bytes: content },
            depth,
        }
    }

    pub(crate) fn next_value(&mut self) -> Result<Option<&'a [u8]>> {
        loop {
            match self.r.key()? {
                None => return Ok(None),
                Some((1, wire)) => return self.r.len_delimited(wire).map(Some),
                Some((number, wire)) => self.r.skip(number, wire, self.depth)?,
            }
        }
    }
}
