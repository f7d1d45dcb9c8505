//! Checks that bytes are a valid serialized `Event` without decoding them:
//! no allocation, one pass. It accepts exactly what `Event::decode` (prost)
//! accepts; a test holds the two together on mutated inputs.
//!
//! The schema walked is proto/eiw.proto's: Event, Timestamp, Struct, Value,
//! ListValue. Unknown fields are skipped, as prost skips them.

const VARINT: u8 = 0;
const I64: u8 = 1;
const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const I32: u8 = 5;

/// prost's recursion limit for nested messages.
const MAX_DEPTH: u32 = 100;

#[derive(Clone, Copy)]
enum Msg {
    Event,
    Timestamp,
    Struct,
    StructEntry,
    Value,
    ListValue,
    MetadataEntry,
}

/// What a known field must look like.
enum Field {
    Scalar(u8),
    String,
    Bytes,
    Message(Msg),
    Unknown,
}

fn field(message: Msg, number: u32) -> Field {
    match (message, number) {
        (Msg::Event, 1) => Field::Message(Msg::Timestamp),
        (Msg::Event, 2) => Field::Message(Msg::Struct),
        (Msg::Event, 3) => Field::Message(Msg::MetadataEntry),
        (Msg::Timestamp, 1 | 2) => Field::Scalar(VARINT),
        (Msg::Struct, 1) => Field::Message(Msg::StructEntry),
        (Msg::StructEntry, 1) => Field::String,
        (Msg::StructEntry, 2) => Field::Message(Msg::Value),
        (Msg::MetadataEntry, 1 | 2) => Field::String,
        (Msg::Value, 1..=4) => Field::Scalar(VARINT),
        (Msg::Value, 5) => Field::Scalar(I64),
        (Msg::Value, 6) => Field::String,
        (Msg::Value, 7) => Field::Bytes,
        (Msg::Value, 8) => Field::Message(Msg::Timestamp),
        (Msg::Value, 9) => Field::Message(Msg::ListValue),
        (Msg::Value, 10) => Field::Message(Msg::Struct),
        (Msg::ListValue, 1) => Field::Message(Msg::Value),
        _ => Field::Unknown,
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Option<u64> {
        // Most keys and lengths fit one byte.
        if let Some((&byte, rest)) = self.bytes.split_first() {
            if byte < 0x80 {
                self.bytes = rest;
                return Some(u64::from(byte));
            }
        }
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

    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        if n > self.bytes.len() {
            return None;
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(taken)
    }

    /// (field number, wire type)
    fn key(&mut self) -> Option<(u32, u8)> {
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).ok()?;
        if key > u64::from(u32::MAX) || number == 0 {
            return None;
        }
        Some((number, (key & 7) as u8))
    }

    /// Skips the value of an unknown field of a wire type.
    fn skip(&mut self, number: u32, wire: u8, depth: u32) -> Option<()> {
        match wire {
            VARINT => self.varint().map(drop),
            I64 => self.take(8).map(drop),
            I32 => self.take(4).map(drop),
            LEN => {
                let n = self.varint()?;
                self.take(n).map(drop)
            }
            START_GROUP => {
                if depth >= MAX_DEPTH {
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
}

fn message(bytes: &[u8], kind: Msg, depth: u32) -> Option<()> {
    if depth >= MAX_DEPTH {
        return None;
    }
    let mut r = Reader { bytes };
    while !r.bytes.is_empty() {
        let (number, wire) = r.key()?;
        match field(kind, number) {
            Field::Unknown => r.skip(number, wire, depth)?,
            Field::Scalar(want) => {
                if wire != want {
                    return None;
                }
                r.skip(number, wire, depth)?;
            }
            Field::String | Field::Bytes | Field::Message(_) if wire != LEN => return None,
            Field::String => {
                let n = r.varint()?;
                std::str::from_utf8(r.take(n)?).ok()?;
            }
            Field::Bytes => {
                let n = r.varint()?;
                r.take(n)?;
            }
            Field::Message(inner) => {
                let n = r.varint()?;
                message(r.take(n)?, inner, depth + 1)?;
            }
        }
    }
    Some(())
}

/// True when `bytes` decode as an `Event`.
pub fn is_event(bytes: &[u8]) -> bool {
    message(bytes, Msg::Event, 0).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::event_from_json;
    use eiw_proto::Event;
    use prost::Message as _;
    use serde_json::json;

    fn sample() -> Vec<u8> {
        let mut event = event_from_json(&json!({
            "@timestamp": "2026-11-30T08:15:00.120Z",
            "@metadata": {"input": "file"},
            "message": "héllo", "n": -3, "big": 18446744073709551615u64, "f": 0.5,
            "ok": true, "none": null, "list": [1, "two", [3.5], {"k": "v"}],
        }))
        .unwrap();
        event.fields.as_mut().unwrap().fields.insert(
            "raw".into(),
            eiw_proto::Value::from(vec![0u8, 159, 146, 150]),
        );
        event.encode_to_vec()
    }

    #[test]
    fn accepts_what_prost_accepts() {
        assert!(is_event(&sample()));
        assert!(is_event(&[]));
        // An unknown field of each wire type, and an unknown group.
        assert!(is_event(&[
            0xf8, 0x01, 0x05, 0xf9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8
        ]));
        assert!(is_event(&[0xfb, 0x01, 0x08, 0x01, 0xfc, 0x01]));
    }

    /// A small deterministic generator, so the test needs no crate.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn agrees_with_prost_on_mutated_events() {
        let base = sample();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..200_000 {
            let mut bytes = base.clone();
            for _ in 0..1 + next(&mut state) % 3 {
                let i = (next(&mut state) % bytes.len() as u64) as usize;
                match next(&mut state) % 4 {
                    0 => bytes[i] = next(&mut state) as u8,
                    1 => bytes[i] ^= 1 << (next(&mut state) % 8),
                    2 => bytes.truncate(i),
                    _ => bytes.insert(i, next(&mut state) as u8),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            let prost_ok = Event::decode(bytes.as_slice()).is_ok();
            assert_eq!(is_event(&bytes), prost_ok, "disagree on {bytes:02x?}");
            if prost_ok {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 1000 && invalid > 1000,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn rejects_deep_nesting_as_prost_does() {
        let mut value = eiw_proto::Value::from(1i64);
        for _ in 0..120 {
            value = eiw_proto::Value::from(vec![value]);
        }
        let event = Event {
            fields: Some(eiw_proto::Struct {
                fields: [("deep".to_string(), value)].into(),
            }),
            ..Event::default()
        };
        let bytes = event.encode_to_vec();
        assert_eq!(is_event(&bytes), Event::decode(bytes.as_slice()).is_ok());
        assert!(!is_event(&bytes));
    }
}
