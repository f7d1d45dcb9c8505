//! Writing the protobuf wire form of `Event` and `Config` field by field,
//! with no tree: a nested message is opened with a one-byte length slot and
//! closed when its end is known, its bytes moved up when the length needs
//! more than one byte (rare: most nested values are under 128 bytes).

/// Field keys (number << 3 | wire type) of proto/eiw.proto.
pub(crate) mod key {
    pub(crate) const EVENT_TIMESTAMP: u8 = 0x0a;
    pub(crate) const EVENT_FIELDS: u8 = 0x12;
    pub(crate) const EVENT_METADATA: u8 = 0x1a;
    pub(crate) const TIMESTAMP_SECONDS: u8 = 0x08;
    pub(crate) const TIMESTAMP_NANOS: u8 = 0x10;
    /// Struct.fields, ListValue.values and Config.parameters: field 1.
    pub(crate) const ENTRY: u8 = 0x0a;
    pub(crate) const MAP_KEY: u8 = 0x0a;
    pub(crate) const MAP_VALUE: u8 = 0x12;
    pub(crate) const NULL: u8 = 0x08;
    pub(crate) const BOOL: u8 = 0x10;
    pub(crate) const INT: u8 = 0x18;
    pub(crate) const UINT: u8 = 0x20;
    pub(crate) const DOUBLE: u8 = 0x29;
    pub(crate) const STRING: u8 = 0x32;
    pub(crate) const BYTES: u8 = 0x3a;
    pub(crate) const TIMESTAMP: u8 = 0x42;
    pub(crate) const LIST: u8 = 0x4a;
    pub(crate) const STRUCT: u8 = 0x52;
}

/// An open nested message: where its content starts.
#[must_use]
pub(crate) struct Open(usize);

#[inline(always)]
pub(crate) fn varint(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
        return;
    }
    let (bytes, n) = varint_bytes(v);
    out.extend_from_slice(&bytes[..n]);
}

/// The varint encoding of `v`, on the stack: (bytes, how many).
#[inline(always)]
fn varint_bytes(mut v: u64) -> ([u8; 10], usize) {
    let mut bytes = [0u8; 10];
    let mut n = 0;
    while v >= 0x80 {
        bytes[n] = v as u8 | 0x80;
        v >>= 7;
        n += 1;
    }
    bytes[n] = v as u8;
    (bytes, n + 1)
}

#[inline(always)]
fn varint_len(v: u64) -> usize {
    // 1 byte per 7 bits, at least one.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Writes `key`, then a length slot; the message's content follows.
#[inline(always)]
pub(crate) fn open(out: &mut Vec<u8>, key: u8) -> Open {
    out.extend_from_slice(&[key, 0]);
    Open(out.len())
}

/// Writes the length of the message opened at `open`.
#[inline(always)]
pub(crate) fn close(out: &mut Vec<u8>, open: Open) {
    let start = open.0;
    let len = out.len() - start;
    if len < 0x80 {
        out[start - 1] = len as u8;
        return;
    }
    close_long(out, start, len);
}

#[cold]
#[inline(never)]
fn close_long(out: &mut Vec<u8>, start: usize, len: usize) {
    let extra = varint_len(len as u64) - 1;
    out.resize(out.len() + extra, 0);
    out.copy_within(start..start + len, start + extra);
    let (slot, n) = varint_bytes(len as u64);
    out[start - 1..start + extra].copy_from_slice(&slot[..n]);
}

/// A length-delimited field whose bytes are known.
#[inline(always)]
pub(crate) fn bytes_field(out: &mut Vec<u8>, key: u8, bytes: &[u8]) {
    match bytes.len() {
        n @ 0..=0x7f => out.extend_from_slice(&[key, n as u8]),
        n => {
            out.push(key);
            varint(out, n as u64);
        }
    }
    out.extend_from_slice(bytes);
}

#[inline(always)]
pub(crate) fn varint_field(out: &mut Vec<u8>, key: u8, v: u64) {
    out.push(key);
    varint(out, v);
}

/// A `Value` holding a double: the whole value message.
#[inline(always)]
pub(crate) fn double_value(out: &mut Vec<u8>, value_key: u8, d: f64) {
    out.extend_from_slice(&[value_key, 9, key::DOUBLE]);
    out.extend_from_slice(&d.to_le_bytes());
}

/// A `Value` holding a varint kind (null, bool, int, uint).
#[inline(always)]
pub(crate) fn varint_value(out: &mut Vec<u8>, value_key: u8, kind: u8, v: u64) {
    if v < 0x80 {
        out.extend_from_slice(&[value_key, 2, kind, v as u8]);
        return;
    }
    out.extend_from_slice(&[value_key, 1 + varint_len(v) as u8, kind]);
    varint(out, v);
}

/// A Timestamp message's content (zero fields are left out, as prost does).
pub(crate) fn timestamp_content(out: &mut Vec<u8>, seconds: i64, nanos: i32) {
    if seconds != 0 {
        varint_field(out, key::TIMESTAMP_SECONDS, seconds as u64);
    }
    if nanos != 0 {
        varint_field(out, key::TIMESTAMP_NANOS, nanos as i64 as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_of_every_size_are_written_as_prost_writes_them() {
        for len in [0usize, 1, 127, 128, 300, 16_383, 16_384, 70_000] {
            let mut out = vec![7u8];
            let open = open(&mut out, key::STRING);
            out.extend(std::iter::repeat_n(b'a', len));
            close(&mut out, open);
            let mut want = vec![7u8, key::STRING];
            prost::encoding::encode_varint(len as u64, &mut want);
            want.extend(std::iter::repeat_n(b'a', len));
            assert_eq!(out, want, "{len}");
        }
        for v in [0u64, 1, 127, 128, 1 << 35, u64::MAX] {
            assert_eq!(varint_len(v), prost::encoding::encoded_len_varint(v));
        }
    }
}
