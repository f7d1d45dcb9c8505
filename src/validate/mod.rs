//! Checks that bytes are a valid serialized `Event` without decoding them:
//! no allocation, one pass. It accepts exactly what `Event::decode` (prost)
//! accepts; a test holds the two together on mutated inputs.
//!
//! The schema walked is proto/eiw.proto's: Event, Timestamp, Struct, Value,
//! ListValue. Unknown fields are skipped, as prost skips them.

mod copied;
pub use copied::is_emit_of;

/// Protobuf's wire types (also the record formats' wire reader's).
pub(crate) const VARINT: u8 = 0;
pub(crate) const I64: u8 = 1;
pub(crate) const LEN: u8 = 2;
pub(crate) const START_GROUP: u8 = 3;
pub(crate) const END_GROUP: u8 = 4;
pub(crate) const I32: u8 = 5;

/// prost's recursion limit for nested messages.
pub(crate) const MAX_DEPTH: u32 = 100;

/// prost checks its limit before it enters a message, so a message at
/// depth MAX_DEPTH (counted from the event, at 0) is still read and only
/// the messages inside it are refused: the check reads a message while
/// its depth is below this.
pub(super) const READ_LIMIT: u32 = MAX_DEPTH + 1;

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn varint(&mut self) -> Option<u64> {
        // Most keys and lengths fit one or two bytes.
        match *self.bytes {
            [b0, ref rest @ ..] if b0 < 0x80 => {
                self.bytes = rest;
                Some(u64::from(b0))
            }
            [b0, b1, ref rest @ ..] if b1 < 0x80 => {
                self.bytes = rest;
                Some(u64::from(b0 & 0x7f) | u64::from(b1) << 7)
            }
            _ => self.long_varint(),
        }
    }

    #[cold]
    fn long_varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for i in 0..10 {
            let (&byte, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            // The tenth byte may only carry the top bit of a u64.
            if i == 9 && byte > 1 {
                return None;
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    /// Skips a varint whose value is not needed (a scalar): with eight
    /// bytes at hand, its end is found in one word.
    #[inline(always)]
    fn skip_varint(&mut self) -> Option<()> {
        if let Some(word) = self.bytes.first_chunk::<8>() {
            let ends = !u64::from_le_bytes(*word) & 0x8080_8080_8080_8080;
            if ends != 0 {
                let len = ends.trailing_zeros() as usize / 8 + 1;
                self.bytes = &self.bytes[len..];
                return Some(());
            }
        }
        self.varint().map(drop)
    }

    #[inline(always)]
    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        if n > self.bytes.len() as u64 {
            return None;
        }
        let (taken, rest) = self.bytes.split_at(n as usize);
        self.bytes = rest;
        Some(taken)
    }

    /// The payload of a length-delimited field.
    #[inline(always)]
    fn len_delimited(&mut self) -> Option<&'a [u8]> {
        let n = self.varint()?;
        self.take(n)
    }

    /// (field number, wire type)
    #[inline(always)]
    fn key(&mut self) -> Option<(u32, u8)> {
        let key = self.varint()?;
        if key > u64::from(u32::MAX) || key >> 3 == 0 {
            return None;
        }
        Some(((key >> 3) as u32, (key & 7) as u8))
    }

    /// Skips the value of a field of a wire type.
    fn skip(&mut self, number: u32, wire: u8, depth: u32) -> Option<()> {
        match wire {
            VARINT => self.skip_varint(),
            I64 => self.take(8).map(drop),
            I32 => self.take(4).map(drop),
            LEN => self.len_delimited().map(drop),
            START_GROUP => {
                if depth >= READ_LIMIT {
                    return None;
                }
                loop {
                    let (inner, inner_wire) = self.key()?;
                    if inner_wire == END_GROUP {
                        return (inner == number).then_some(());
                    }
                    self.skip(inner, inner_wire, depth + 1)?;
                }
            }
            _ => None,
        }
    }

    /// A string field's payload, which must be UTF-8.
    #[inline(always)]
    fn string(&mut self, wire: u8) -> Option<()> {
        if wire != LEN {
            return None;
        }
        utf8(self.len_delimited()?).then_some(())
    }

    /// A scalar field of wire type `want`.
    #[inline(always)]
    fn scalar(&mut self, wire: u8, want: u8) -> Option<()> {
        if wire != want {
            return None;
        }
        self.skip(0, wire, 0)
    }

    /// A nested message's payload, checked by `check` one level deeper.
    #[inline(always)]
    fn message(&mut self, wire: u8, depth: u32, check: Check) -> Option<()> {
        if wire != LEN {
            return None;
        }
        let bytes = self.len_delimited()?;
        check(bytes, depth + 1)
    }
}

/// Field names and values are mostly short and ASCII: test their high bits
/// with a few overlapping word loads (no loop with a data-dependent exit for
/// short strings) and leave anything else to the standard library.
#[inline(always)]
pub(crate) fn utf8(bytes: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = bytes.len();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let half = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
    let high = match n {
        0 => 0,
        1..=3 => u64::from(bytes[0] | bytes[n / 2] | bytes[n - 1]),
        4..=7 => u64::from(half(0) | half(n - 4)),
        8..=16 => word(0) | word(n - 8),
        _ => {
            let mut chunks = bytes.chunks_exact(8);
            let mut high = word(n - 8);
            for chunk in &mut chunks {
                high |= u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            }
            high
        }
    };
    high & HIGH == 0 || std::str::from_utf8(bytes).is_ok()
}

type Check = fn(&[u8], u32) -> Option<()>;

/// Walks the fields of one message at `depth`; `known` checks a field it
/// knows and returns None for a field it does not, which is skipped.
#[inline(always)]
fn fields(
    bytes: &[u8],
    depth: u32,
    mut known: impl FnMut(&mut Reader, u32, u8) -> Option<Option<()>>,
) -> Option<()> {
    if depth >= READ_LIMIT {
        return None;
    }
    let mut r = Reader { bytes };
    while !r.bytes.is_empty() {
        let (number, wire) = r.key()?;
        match known(&mut r, number, wire) {
            Some(checked) => checked?,
            None => r.skip(number, wire, depth)?,
        }
    }
    Some(())
}

fn event(bytes: &[u8], depth: u32) -> Option<()> {
    fields(bytes, depth, |r, number, wire| match number {
        1 => Some(r.message(wire, depth, timestamp)),
        2 => Some(r.message(wire, depth, object)),
        3 => Some(r.message(wire, depth, metadata_entry)),
        _ => None,
    })
}

fn timestamp(bytes: &[u8], depth: u32) -> Option<()> {
    // As encoders write it: seconds, then nanos, each at most once.
    let mut r = Reader { bytes };
    for tag in [0x08, 0x10] {
        if let [first, ref rest @ ..] = *r.bytes {
            if first == tag {
                r.bytes = rest;
                r.skip_varint()?;
            }
        }
    }
    if r.bytes.is_empty() && depth < READ_LIMIT {
        return Some(());
    }
    fields(bytes, depth, |r, number, wire| match number {
        1 | 2 => Some(r.scalar(wire, VARINT)),
        _ => None,
    })
}

/// A `Struct`: entries with a length of one or two bytes are taken
/// directly; from the first other field on, the rest is walked field by
/// field.
fn object(bytes: &[u8], depth: u32) -> Option<()> {
    if depth >= READ_LIMIT {
        return None;
    }
    let mut rest = bytes;
    loop {
        let (entry, next) = match *rest {
            [0x0a, n, ref tail @ ..] if n < 0x80 && usize::from(n) <= tail.len() => {
                tail.split_at(usize::from(n))
            }
            // An entry of 128 bytes to 16 KiB: a two-byte length.
            [0x0a, n0, n1, ref tail @ ..] if n0 >= 0x80 && n1 < 0x80 => {
                let n = usize::from(n0 & 0x7f) | usize::from(n1) << 7;
                if n > tail.len() {
                    break;
                }
                tail.split_at(n)
            }
            _ => break,
        };
        object_entry(entry, depth + 1)?;
        rest = next;
    }
    fields(rest, depth, |r, number, wire| match number {
        1 => Some(r.message(wire, depth, object_entry)),
        _ => None,
    })
}

/// One `map<string, Value>` entry. Encoders write the key, then the value,
/// each with a one-byte length for all but long values: that shape is
/// checked where it lies, its commonest values (a short string, a varint,
/// a short object) without a call per value; anything else field by
/// field. Inlined into `object`'s loop, so an entry costs no call either.
#[inline(always)]
fn object_entry(bytes: &[u8], depth: u32) -> Option<()> {
    if let [0x0a, n, ref rest @ ..] = *bytes {
        let n = usize::from(n);
        if n < 0x80 && n <= rest.len() && depth + 1 < READ_LIMIT {
            let (key, rest) = rest.split_at(n);
            match *rest {
                [0x12, m, ref payload @ ..] if m < 0x80 && usize::from(m) == payload.len() => {
                    return entry_value(bytes, key, payload, depth).then_some(());
                }
                // A value of 128 bytes to 16 KiB.
                [0x12, m0, m1, ref payload @ ..]
                    if m0 >= 0x80
                        && m1 < 0x80
                        && usize::from(m0 & 0x7f) | usize::from(m1) << 7 == payload.len() =>
                {
                    return (utf8(key) && long_value(payload, depth + 1)).then_some(());
                }
                _ => {}
            }
        }
    }
    entry_fields(bytes, depth)
}

/// A value of 128 bytes to 16 KiB at `depth` (below the limit): a string,
/// an object or a list with a two-byte length is checked where it lies.
#[inline(never)]
fn long_value(payload: &[u8], depth: u32) -> bool {
    if let [tag @ (0x32 | 0x52 | 0x4a), n0, n1, ref inner @ ..] = *payload {
        if n0 >= 0x80 && n1 < 0x80 && usize::from(n0 & 0x7f) | usize::from(n1) << 7 == inner.len() {
            return match tag {
                0x32 => utf8(inner),
                0x52 => object(inner, depth + 1).is_some(),
                _ => list(inner, depth + 1).is_some(),
            };
        }
    }
    value(payload, depth).is_some()
}

/// An entry of another shape, field by field.
#[inline(never)]
fn entry_fields(bytes: &[u8], depth: u32) -> Option<()> {
    fields(bytes, depth, |r, number, wire| match number {
        1 => Some(r.string(wire)),
        2 => Some(r.message(wire, depth, value)),
        _ => None,
    })
}

/// The key and value of an entry (`entry`) at `depth`, the value one
/// level deeper, its depth below the limit.
#[inline(always)]
fn entry_value(entry: &[u8], key: &[u8], payload: &[u8], depth: u32) -> bool {
    match *payload {
        // The key, the four tag and length bytes (all below 0x80) and the
        // string lie end to end: ASCII bytes end any UTF-8 sequence, so
        // the span is UTF-8 exactly when the key and the string are.
        [0x32, n, ref string @ ..] if n < 0x80 && usize::from(n) == string.len() => {
            utf8(&entry[2..])
        }
        // A null, bool, int or uint: one varint and nothing after it.
        [0x08 | 0x10 | 0x18 | 0x20, ref rest @ ..] if one_varint(rest) => utf8(key),
        // A double: eight bytes.
        [0x29, _, _, _, _, _, _, _, _] => utf8(key),
        // An object or a list, one level below the value.
        [0x52, n, ref inner @ ..] if n < 0x80 && usize::from(n) == inner.len() => {
            utf8(key) && object(inner, depth + 2).is_some()
        }
        [0x4a, n, ref inner @ ..] if n < 0x80 && usize::from(n) == inner.len() => {
            utf8(key) && list(inner, depth + 2).is_some()
        }
        _ => utf8(key) && value(payload, depth + 1).is_some(),
    }
}

/// Whether `bytes` are one varint and nothing after it.
#[inline(always)]
fn one_varint(bytes: &[u8]) -> bool {
    let mut r = Reader { bytes };
    r.skip_varint().is_some() && r.bytes.is_empty()
}

fn metadata_entry(bytes: &[u8], depth: u32) -> Option<()> {
    fields(bytes, depth, |r, number, wire| match number {
        1 | 2 => Some(r.string(wire)),
        _ => None,
    })
}

fn value(bytes: &[u8], depth: u32) -> Option<()> {
    // Most values are one string or one object with a one-byte length.
    match *bytes {
        [0x32, n, ref payload @ ..]
            if n < 0x80 && usize::from(n) == payload.len() && depth < READ_LIMIT =>
        {
            return utf8(payload).then_some(());
        }
        [0x52, n, ref payload @ ..]
            if n < 0x80 && usize::from(n) == payload.len() && depth < READ_LIMIT =>
        {
            return object(payload, depth + 1);
        }
        [0x4a, n, ref payload @ ..]
            if n < 0x80 && usize::from(n) == payload.len() && depth < READ_LIMIT =>
        {
            return list(payload, depth + 1);
        }
        // A null, bool, int or uint: one varint and nothing after it.
        [0x08 | 0x10 | 0x18 | 0x20, ref rest @ ..] if depth < READ_LIMIT && one_varint(rest) => {
            return Some(());
        }
        // A double: eight bytes.
        [0x29, _, _, _, _, _, _, _, _] if depth < READ_LIMIT => return Some(()),
        _ => {}
    }
    fields(bytes, depth, |r, number, wire| match number {
        1..=4 => Some(r.scalar(wire, VARINT)),
        5 => Some(r.scalar(wire, I64)),
        6 => Some(r.string(wire)),
        7 => Some(r.scalar(wire, LEN)),
        8 => Some(r.message(wire, depth, timestamp)),
        9 => Some(r.message(wire, depth, list)),
        10 => Some(r.message(wire, depth, object)),
        _ => None,
    })
}

/// A `ListValue`: elements with a one-byte length are taken directly (as
/// `object`'s entries); from the first other field on, field by field.
fn list(bytes: &[u8], depth: u32) -> Option<()> {
    if depth >= READ_LIMIT {
        return None;
    }
    let mut rest = bytes;
    while let [0x0a, n, ref tail @ ..] = *rest {
        let n = usize::from(n);
        if n >= 0x80 || n > tail.len() {
            break;
        }
        let (element, next) = tail.split_at(n);
        value(element, depth + 1)?;
        rest = next;
    }
    fields(rest, depth, |r, number, wire| match number {
        1 => Some(r.message(wire, depth, value)),
        _ => None,
    })
}

/// Why bytes that `is_event` refused are not an event, for an error
/// message: prost's reason, or the check's own limits when prost decodes
/// them. Decodes, so it is for the failure path only.
pub fn why_not_event(bytes: &[u8]) -> String {
    use prost::Message;
    match eiw_proto::Event::decode(bytes) {
        Err(e) => e.to_string(),
        Ok(_) => {
            "it breaks a limit of the event check (nesting deeper than 100 messages, say)".into()
        }
    }
}

/// True when `bytes` decode as an `Event`.
pub fn is_event(bytes: &[u8]) -> bool {
    event(bytes, 0).is_some()
}

#[cfg(test)]
mod tests;
