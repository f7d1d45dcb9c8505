//! Reading protobuf's wire format: varints, field keys, length-delimited
//! payloads, and skipping fields of any wire type.
use crate::Error;

pub(crate) const VARINT: u8 = 0;
pub(crate) const I64: u8 = 1;
pub(crate) const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
pub(crate) const I32: u8 = 5;

/// prost's recursion limit, which also bounds how deep a group is skipped.
const MAX_DEPTH: u32 = 100;

/// The error for bytes that are not a valid encoding of what was expected.
pub(crate) fn malformed(what: &str) -> Error {
    Error::invalid_argument(format!("input does not decode: {what}"))
}

/// A cursor over the fields of one message.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub bytes: &'a [u8],
}

/// One field of a message: its number, wire type and payload. A varint's
/// payload is its value; a length-delimited payload is the bytes.
#[derive(Clone, Copy)]
pub(crate) struct Field<'a> {
    pub number: u32,
    pub wire: u8,
    pub varint: u64,
    pub payload: &'a [u8],
    /// The whole field as encoded: key, length and payload.
    pub raw: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    #[inline(always)]
    pub fn varint(&mut self) -> Result<u64, Error> {
        match *self.bytes {
            [b0, ref rest @ ..] if b0 < 0x80 => {
                self.bytes = rest;
                Ok(u64::from(b0))
            }
            [b0, b1, ref rest @ ..] if b1 < 0x80 => {
                self.bytes = rest;
                Ok(u64::from(b0 & 0x7f) | u64::from(b1) << 7)
            }
            _ => self.long_varint(),
        }
    }

    #[cold]
    fn long_varint(&mut self) -> Result<u64, Error> {
        let mut value = 0u64;
        for i in 0..10 {
            let (&byte, rest) = self
                .bytes
                .split_first()
                .ok_or_else(|| malformed("a varint is truncated"))?;
            self.bytes = rest;
            if i == 9 && byte > 1 {
                return Err(malformed("a varint overflows 64 bits"));
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(malformed("a varint overflows 64 bits"))
    }

    #[inline(always)]
    fn take(&mut self, n: u64) -> Result<&'a [u8], Error> {
        if n > self.bytes.len() as u64 {
            return Err(malformed("a field runs past the end of its message"));
        }
        let (taken, rest) = self.bytes.split_at(n as usize);
        self.bytes = rest;
        Ok(taken)
    }

    /// The next field, or None at the end of the message.
    #[inline]
    pub fn next_field(&mut self) -> Result<Option<Field<'a>>, Error> {
        if self.bytes.is_empty() {
            return Ok(None);
        }
        let start = self.bytes;
        let key = self.varint()?;
        if key > u64::from(u32::MAX) || key >> 3 == 0 {
            return Err(malformed("a field number is out of range"));
        }
        let (number, wire) = ((key >> 3) as u32, (key & 7) as u8);
        let mut field = Field {
            number,
            wire,
            varint: 0,
            payload: &[],
            raw: &[],
        };
        match wire {
            VARINT => field.varint = self.varint()?,
            I64 => field.payload = self.take(8)?,
            I32 => field.payload = self.take(4)?,
            LEN => {
                let n = self.varint()?;
                field.payload = self.take(n)?;
            }
            START_GROUP => self.skip_group(number, 1)?,
            _ => return Err(malformed("a field has an invalid wire type")),
        }
        field.raw = &start[..start.len() - self.bytes.len()];
        Ok(Some(field))
    }

    /// The next field if it has the shape encoders write for all but huge
    /// payloads: length-delimited, a one-byte key, a length of one or two
    /// bytes. Read inline, where `next_field` is a call that returns a
    /// `Field` through memory (on wasm32). None (nothing read) otherwise.
    #[inline(always)]
    pub fn next_short_field(&mut self) -> Option<Field<'a>> {
        let bytes = self.bytes;
        let (key, len, header) = match *bytes {
            [key, n, ..] if n < 0x80 => (key, usize::from(n), 2),
            [key, n0, n1, ..] if n0 >= 0x80 && n1 < 0x80 => {
                (key, usize::from(n0 & 0x7f) | usize::from(n1) << 7, 3)
            }
            _ => return None,
        };
        // A key below 0x80 of wire type LEN, and a field number above 0.
        if key & 0x87 != LEN || key < 8 || header + len > bytes.len() {
            return None;
        }
        let (raw, rest) = bytes.split_at(header + len);
        self.bytes = rest;
        Some(Field {
            number: u32::from(key >> 3),
            wire: LEN,
            varint: 0,
            payload: &raw[header..],
            raw,
        })
    }

    /// The next field, or None at the end of the message: `next_field`,
    /// with the usual shape read inline (`next_short_field`).
    #[inline(always)]
    pub fn read_field(&mut self) -> Result<Option<Field<'a>>, Error> {
        if self.bytes.is_empty() {
            return Ok(None);
        }
        match self.next_short_field() {
            Some(field) => Ok(Some(field)),
            None => self.next_field(),
        }
    }

    /// The payload of the next occurrence of length-delimited field
    /// `number`, skipping other fields; None at the end of the message.
    #[inline]
    pub fn next_occurrence(&mut self, number: u32) -> Result<Option<&'a [u8]>, Error> {
        loop {
            match self.read_field()? {
                Some(field) if field.number == number => return field.bytes().map(Some),
                Some(_) => continue,
                None => return Ok(None),
            }
        }
    }

    fn skip_group(&mut self, number: u32, depth: u32) -> Result<(), Error> {
        if depth >= MAX_DEPTH {
            return Err(malformed("groups nest too deep"));
        }
        loop {
            let key = self.varint()?;
            if key > u64::from(u32::MAX) || key >> 3 == 0 {
                return Err(malformed("a field number is out of range"));
            }
            let (inner, wire) = ((key >> 3) as u32, (key & 7) as u8);
            match wire {
                END_GROUP if inner == number => return Ok(()),
                END_GROUP => return Err(malformed("a group ends with the wrong number")),
                START_GROUP => self.skip_group(inner, depth + 1)?,
                VARINT => drop(self.varint()?),
                I64 => drop(self.take(8)?),
                I32 => drop(self.take(4)?),
                LEN => {
                    let n = self.varint()?;
                    self.take(n)?;
                }
                _ => return Err(malformed("a field has an invalid wire type")),
            }
        }
    }
}

impl<'a> Field<'a> {
    /// The payload of a field that must be length-delimited.
    #[inline(always)]
    pub fn bytes(&self) -> Result<&'a [u8], Error> {
        if self.wire != LEN {
            return Err(malformed(
                "a message or string field has the wrong wire type",
            ));
        }
        Ok(self.payload)
    }

    /// The payload of a string field, which must be UTF-8.
    #[inline(always)]
    pub fn str(&self) -> Result<&'a str, Error> {
        utf8(self.bytes()?)
    }

    /// The value of a field that must be a varint.
    #[inline(always)]
    pub fn varint(&self) -> Result<u64, Error> {
        if self.wire != VARINT {
            return Err(malformed("a varint field has the wrong wire type"));
        }
        Ok(self.varint)
    }

    /// The value of a double field.
    pub fn double(&self) -> Result<f64, Error> {
        if self.wire != I64 {
            return Err(malformed("a double field has the wrong wire type"));
        }
        let bytes: [u8; 8] = self.payload.try_into().expect("8 bytes taken");
        Ok(f64::from_le_bytes(bytes))
    }
}

/// Bytes as a string, which they must be (UTF-8). Keys and values are
/// mostly ASCII: eight bytes at a time are tested for high bits first.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    let mut chunks = bytes.chunks_exact(8);
    let mut high = 0u64;
    for chunk in &mut chunks {
        high |= u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
    let tail = chunks.remainder().iter().fold(0u8, |acc, b| acc | b);
    if high & 0x8080_8080_8080_8080 == 0 && tail < 0x80 {
        // SAFETY: every byte is ASCII, which is UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).map_err(|_| malformed("a string is not UTF-8"))
}

/// Calls `each` with every field of `bytes` in order.
#[inline]
pub(crate) fn for_each_field<'a>(
    bytes: &'a [u8],
    mut each: impl FnMut(Field<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut reader = Reader::new(bytes);
    while let Some(field) = reader.read_field()? {
        each(field)?;
    }
    Ok(())
}

// Writing: the few encodings the patch encoder needs.

/// Copies `src` to the start of `dst` (at least as long). Keys are short:
/// up to 24 bytes are copied in a few moves of fixed size (overlapping),
/// not by `memcpy` of a length known only at run time, which on wasm32 is
/// a call out of the module.
#[inline(always)]
pub(crate) fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    let mut copy = |at: usize, len: usize| {
        dst[at..at + len].copy_from_slice(&src[at..at + len]);
    };
    match n {
        0 => {}
        1..=3 => {
            copy(0, 1);
            copy(n / 2, 1);
            copy(n - 1, 1);
        }
        4..=7 => {
            copy(0, 4);
            copy(n - 4, 4);
        }
        8..=16 => {
            copy(0, 8);
            copy(n - 8, 8);
        }
        17..=24 => {
            copy(0, 8);
            copy(8, 8);
            copy(n - 8, 8);
        }
        _ => dst[..n].copy_from_slice(src),
    }
}

pub(crate) fn varint_len(value: u64) -> usize {
    prost::encoding::encoded_len_varint(value)
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The size of a length-delimited field with a one-byte key.
pub(crate) fn len_field_size(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// Writes the key and length of a length-delimited field (number < 16).
pub(crate) fn put_len_header(out: &mut Vec<u8>, number: u32, len: usize) {
    debug_assert!(number < 16);
    out.push((number << 3) as u8 | LEN);
    put_varint(out, len as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the inline reading takes a field, it is the field `next_field`
    /// reads, to the byte: every first two bytes, third bytes on either side
    /// of the varint limit, and messages cut around the payload's end.
    #[test]
    fn short_fields_read_as_next_field_does() {
        let mut taken = 0;
        for key in 0..=255u8 {
            for n0 in 0..=255u8 {
                for n1 in [0u8, 1, 2, 0x7f, 0x80, 0xff] {
                    let len = if n0 < 0x80 {
                        usize::from(n0)
                    } else {
                        usize::from(n0 & 0x7f) | usize::from(n1) << 7
                    };
                    for total in [2, 3, len + 1, len + 2, len + 3, len + 4] {
                        let mut bytes = vec![0u8; total.max(3)];
                        bytes[..3].copy_from_slice(&[key, n0, n1]);
                        bytes.truncate(total);
                        let mut short = Reader::new(&bytes);
                        let Some(field) = short.next_short_field() else {
                            assert_eq!(short.bytes.len(), bytes.len(), "nothing read");
                            continue;
                        };
                        taken += 1;
                        let mut full = Reader::new(&bytes);
                        let expected = full.next_field().ok().flatten().expect("a field");
                        assert_eq!(
                            (field.number, field.wire, field.payload, field.raw),
                            (
                                expected.number,
                                expected.wire,
                                expected.payload,
                                expected.raw
                            ),
                            "{:02x?}",
                            &bytes[..3.min(bytes.len())]
                        );
                        assert_eq!(short.bytes, full.bytes);
                    }
                }
            }
        }
        assert!(taken > 10_000, "{taken}");
    }
}
