//! The entries of a serialized `Struct` (map<string, Value>) and of the
//! metadata map: iterating them in encoding order, matching a key, and the
//! usual entry shape read without decoding field by field.
use super::reader::{for_each_field, Reader};
use crate::{Error, Timestamp};

/// Applies one encoded `Timestamp` onto `into` (later fields win).
pub(crate) fn merge_timestamp(into: &mut Timestamp, bytes: &[u8]) -> Result<(), Error> {
    for_each_field(bytes, |field| {
        match field.number {
            1 => into.seconds = field.varint()? as i64,
            2 => into.nanos = field.varint()? as i32,
            _ => {}
        }
        Ok(())
    })
}

/// The key and value of a `map<string, string>` entry (not yet checked
/// as UTF-8).
pub(crate) fn metadata_entry(bytes: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let (mut key, mut value): (&[u8], &[u8]) = (&[], &[]);
    for_each_field(bytes, |field| {
        match field.number {
            1 => key = field.bytes()?,
            2 => value = field.bytes()?,
            _ => {}
        }
        Ok(())
    })?;
    Ok((key, value))
}

/// One entry of a `Struct`: its key (not yet checked as UTF-8) and the
/// payload of its value (None: an entry without a value, which reads as a
/// value with no kind).
pub(crate) struct Entry<'a> {
    pub key: &'a [u8],
    pub value: Option<&'a [u8]>,
}

/// The key of an entry payload of any shape (not yet checked as UTF-8).
fn entry_key_by_fields(bytes: &[u8]) -> Result<&[u8], Error> {
    let mut key: &[u8] = &[];
    for_each_field(bytes, |field| {
        if field.number == 1 {
            key = field.bytes()?;
        }
        Ok(())
    })?;
    Ok(key)
}

/// Parses a `map<string, Value>` entry. Encoders write the key, then the
/// value, each with a one-byte length: that shape is read directly.
#[inline]
pub(crate) fn parse_entry(bytes: &[u8]) -> Result<Entry<'_>, Error> {
    if let Some((k, _)) = usual_entry(bytes) {
        return Ok(Entry {
            key: &bytes[2..2 + k],
            value: Some(&bytes[4 + k..]),
        });
    }
    let mut entry = Entry {
        key: &[],
        value: None,
    };
    for_each_field(bytes, |field| {
        match field.number {
            1 => entry.key = field.bytes()?,
            2 if entry.value.is_some() => return Err(merged()),
            2 => entry.value = Some(field.bytes()?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(entry)
}

/// A map entry whose value is encoded twice asks for the two values to be
/// merged, which only the tree API does.
fn merged() -> Error {
    Error::invalid_argument(
        "input has an object entry whose value is encoded twice (a protobuf merge): \
         the wire-level API does not read it; decode the event with Event::decode",
    )
}

/// The entries of the objects held in occurrences of message field `field`
/// of `container`, in order.
pub(crate) struct Entries<'a> {
    outer: Reader<'a>,
    field: u32,
    rest: &'a [u8],
}

impl<'a> Entries<'a> {
    pub fn new(container: &'a [u8], field: u32) -> Self {
        Entries {
            outer: Reader::new(container),
            field,
            rest: &[],
        }
    }

    #[inline(always)]
    #[allow(clippy::should_implement_trait)] // fallible: Result<Option<_>>
    pub fn next(&mut self) -> Result<Option<RawEntry<'a>>, Error> {
        loop {
            // Entries of fewer than 128 bytes: key 0x0a and a one-byte length.
            if let [0x0a, n, ref tail @ ..] = *self.rest {
                let n = usize::from(n);
                if n < 0x80 && n <= tail.len() {
                    let (raw, after) = self.rest.split_at(2 + n);
                    self.rest = after;
                    return Ok(Some(RawEntry {
                        raw,
                        payload: &raw[2..],
                    }));
                }
            }
            if !self.rest.is_empty() {
                let mut reader = Reader::new(self.rest);
                let field = reader.next_field()?.expect("not empty");
                self.rest = reader.bytes;
                if field.number == 1 {
                    return Ok(Some(RawEntry {
                        raw: field.raw,
                        payload: field.bytes()?,
                    }));
                }
                continue;
            }
            // The next occurrence of the object.
            match self.outer.next_occurrence(self.field)? {
                Some(payload) => self.rest = payload,
                None => return Ok(None),
            }
        }
    }
}

/// An entry as encoded (key, length, payload), and its payload.
#[derive(Clone, Copy)]
pub(crate) struct RawEntry<'a> {
    pub raw: &'a [u8],
    pub payload: &'a [u8],
}

/// Calls `each` with every entry (see [`Entries`]).
#[inline]
pub(crate) fn for_each_entry<'a>(
    container: &'a [u8],
    field: u32,
    mut each: impl FnMut(&'a [u8], &'a [u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut entries = Entries::new(container, field);
    while let Some(entry) = entries.next()? {
        each(entry.raw, entry.payload)?;
    }
    Ok(())
}

/// The key's and the value's lengths of an entry payload made of a key
/// and a value with one-byte lengths and nothing else.
#[inline(always)]
fn usual_entry(entry: &[u8]) -> Option<(usize, usize)> {
    let [0x0a, k, ref after_key @ ..] = *entry else {
        return None;
    };
    let k = usize::from(k);
    match *after_key.get(k..)? {
        [0x12, m, ref value @ ..] if k < 0x80 && m < 0x80 && usize::from(m) == value.len() => {
            Some((k, value.len()))
        }
        _ => None,
    }
}

/// The payload of the value under `key` in the objects held in
/// occurrences of message field `field` of `container` (the last entry with
/// the key; an entry without a value reads as an empty payload). The hot
/// path of every look-up: entries are matched on the key's length first.
#[inline]
pub(crate) fn lookup<'a>(
    container: &'a [u8],
    field: u32,
    key: &str,
) -> Result<Option<&'a [u8]>, Error> {
    let key = key.as_bytes();
    let mut found = None;
    let mut entries = Entries::new(container, field);
    while let Some(RawEntry { payload: entry, .. }) = entries.next()? {
        match usual_entry(entry) {
            Some((k, _)) => {
                if same_key(&entry[2..2 + k], key) {
                    found = Some(&entry[4 + k..]);
                }
            }
            None => {
                let entry = parse_entry(entry)?;
                if same_key(entry.key, key) {
                    found = Some(entry.value.unwrap_or_default());
                }
            }
        }
    }
    Ok(found)
}

/// Whether two keys are the same bytes. Keys are short: up to 16 bytes are
/// compared as two overlapping words, not through `memcmp` (on wasm32 a
/// call that compares byte by byte).
#[inline(always)]
pub(crate) fn same_key(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// The key of an entry payload (not yet checked as UTF-8).
#[inline(always)]
pub(crate) fn key_of(entry: &[u8]) -> Result<&[u8], Error> {
    match usual_entry(entry) {
        Some((k, _)) => Ok(&entry[2..2 + k]),
        None => entry_key_by_fields(entry),
    }
}

#[cfg(test)]
mod tests {
    use super::same_key;

    /// Equal exactly when the slices are: every length up to 40, a
    /// difference at every position, and keys of other lengths.
    #[test]
    fn same_key_is_slice_equality() {
        for n in 0..=40usize {
            let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i % 26).collect();
            assert!(same_key(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same_key(&a, &b), "{n} bytes, differing at {at}");
            }
            assert!(!same_key(&a, &a[..n.saturating_sub(1)]) || n == 0);
            assert!(!same_key(&a, &[a.as_slice(), b"x"].concat()));
        }
    }
}
