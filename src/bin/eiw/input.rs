//! Reading the CLI's input one record at a time, with memory bounded by
//! the largest event: NDJSON lines, or a stream of msgpack records framed
//! by walking their headers (payloads are counted, not parsed).
use std::io::{self, BufRead};

/// One input record.
pub enum Record {
    /// The record's bytes are in the buffer.
    Whole,
    /// Longer than the bound: skipped to its end, never held whole.
    TooLong(u64),
    /// The input ended inside the record, after this many bytes.
    CutOff(u64),
}

/// Moves `n` bytes of `input` to `buf` while the record stays within
/// `max`; returns false when the input ends first.
fn pull(
    input: &mut impl BufRead,
    mut n: u64,
    buf: &mut Vec<u8>,
    max: usize,
    total: &mut u64,
) -> io::Result<bool> {
    while n > 0 {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(false);
        }
        let take = chunk.len().min(usize::try_from(n).unwrap_or(usize::MAX));
        *total += take as u64;
        if *total <= max as u64 {
            buf.extend_from_slice(&chunk[..take]);
        }
        input.consume(take);
        n -= take as u64;
    }
    Ok(true)
}

/// Reads a big-endian length of `n` bytes that is part of the record.
fn length(
    input: &mut impl BufRead,
    n: u64,
    buf: &mut Vec<u8>,
    max: usize,
    total: &mut u64,
) -> io::Result<Option<u64>> {
    let mut bytes = Vec::with_capacity(8);
    if !pull(input, n, &mut bytes, usize::MAX, &mut 0)? {
        *total += bytes.len() as u64;
        return Ok(None);
    }
    *total += n;
    if *total <= max as u64 {
        buf.extend_from_slice(&bytes);
    }
    Ok(Some(
        bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)),
    ))
}

/// The next msgpack record into `buf`; None at the end of the input.
pub fn next_msgpack(
    input: &mut impl BufRead,
    max: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Record>> {
    buf.clear();
    let mut total = 0u64;
    let mut pending = 1u64;
    while pending > 0 {
        pending -= 1;
        let mut marker = Vec::with_capacity(1);
        if !pull(input, 1, &mut marker, 1, &mut 0)? {
            return Ok(match total {
                0 => None,
                n => Some(Record::CutOff(n)),
            });
        }
        total += 1;
        let m = marker[0];
        if total <= max as u64 {
            buf.push(m);
        }
        // (bytes of the length, extra bytes, fixed payload)
        let (len_bytes, extra, fixed): (u64, u64, u64) = match m {
            0x80..=0x8f => {
                pending += 2 * u64::from(m & 0x0f);
                (0, 0, 0)
            }
            0x90..=0x9f => {
                pending += u64::from(m & 0x0f);
                (0, 0, 0)
            }
            0xa0..=0xbf => (0, 0, u64::from(m & 0x1f)),
            0xc4 | 0xd9 => (1, 0, 0),
            0xc5 | 0xda => (2, 0, 0),
            0xc6 | 0xdb => (4, 0, 0),
            0xc7 => (1, 1, 0),
            0xc8 => (2, 1, 0),
            0xc9 => (4, 1, 0),
            0xcc | 0xd0 => (0, 0, 1),
            0xcd | 0xd1 => (0, 0, 2),
            0xca | 0xce | 0xd2 => (0, 0, 4),
            0xcb | 0xcf | 0xd3 => (0, 0, 8),
            0xd4 => (0, 0, 2),
            0xd5 => (0, 0, 3),
            0xd6 => (0, 0, 5),
            0xd7 => (0, 0, 9),
            0xd8 => (0, 0, 17),
            0xdc..=0xdf => {
                let n = if m & 1 == 0 { 2 } else { 4 };
                let Some(count) = length(input, n, buf, max, &mut total)? else {
                    return Ok(Some(Record::CutOff(total)));
                };
                pending += if m >= 0xde { 2 * count } else { count };
                (0, 0, 0)
            }
            // Single-byte items, and 0xc1, which the transcoder reports.
            _ => (0, 0, 0),
        };
        let mut payload = fixed;
        if len_bytes > 0 {
            let Some(n) = length(input, len_bytes, buf, max, &mut total)? else {
                return Ok(Some(Record::CutOff(total)));
            };
            payload = n + extra;
        }
        if !pull(input, payload, buf, max, &mut total)? {
            return Ok(Some(Record::CutOff(total)));
        }
    }
    Ok(Some(if total > max as u64 {
        Record::TooLong(total)
    } else {
        Record::Whole
    }))
}

/// The next line (without its newline) into `buf`; None at the end.
pub fn next_line(
    input: &mut impl BufRead,
    max: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Record>> {
    buf.clear();
    let mut length = 0u64;
    let mut seen_any = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            if !seen_any {
                return Ok(None);
            }
            break;
        }
        seen_any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(end) => (&chunk[..end], Some(end + 1)),
            None => (chunk, None),
        };
        length += part.len() as u64;
        if length <= max as u64 {
            buf.extend_from_slice(part);
        } else {
            buf.clear();
        }
        let used = done.unwrap_or(chunk.len());
        input.consume(used);
        if done.is_some() {
            break;
        }
    }
    Ok(Some(if length > max as u64 {
        Record::TooLong(length)
    } else {
        Record::Whole
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_msgpack_records_and_reports_cut_and_long_ones() {
        // {"a": [1, "xy"]}, [1, {}], then a str8 cut off.
        let stream: &[u8] = &[
            0x81, 0xa1, b'a', 0x92, 0x01, 0xa2, b'x', b'y', 0x92, 0x01, 0x80, 0xd9, 0x05, b'a',
        ];
        let mut input = stream;
        let mut buf = Vec::new();
        assert!(matches!(
            next_msgpack(&mut input, 100, &mut buf).unwrap(),
            Some(Record::Whole)
        ));
        assert_eq!(buf, &stream[..8]);
        assert!(matches!(
            next_msgpack(&mut input, 2, &mut buf).unwrap(),
            Some(Record::TooLong(3))
        ));
        assert!(matches!(
            next_msgpack(&mut input, 100, &mut buf).unwrap(),
            Some(Record::CutOff(3))
        ));
        assert!(next_msgpack(&mut input, 100, &mut buf).unwrap().is_none());
    }
}
