//! The event check against prost: what it accepts, at every depth, on
//! damaged events.
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
        "http": {"response": {"status_code": 200}, "ü": "ñandú"},
        "long": "x".repeat(130), "long_ü": format!("{}é", "y".repeat(14)),
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
/// A xorshift step, for mutations (also copied.rs's tests).
pub(super) fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// A length-delimited field: key byte, varint length, payload.
fn field(key: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![key];
    prost::encoding::encode_varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// A length byte of 0x80 or more is the first of two: read as one, it
/// can equal the bytes left and make a truncated value look whole.
/// An entry's key and string are checked in one span: a split
/// UTF-8 sequence on either side of the tag bytes is refused as prost
/// refuses it, whole ones accepted.
#[test]
fn entries_check_key_and_string_as_prost_does() {
    let cases: [(&[u8], &[u8]); 7] = [
        (b"k", b"v"),
        ("\u{e9}".as_bytes(), "\u{1f600}".as_bytes()),
        (b"\xc3", b"v"),
        (b"k", b"\x80v"),
        (b"\xe2\x82", b"\xac"),
        (b"ok", b"\xf0\x9f\x98"),
        (b"", b""),
    ];
    for (key, string) in cases {
        let entry = [field(0x0a, key), field(0x12, &field(0x32, string))].concat();
        let event = field(0x12, &field(0x0a, &entry));
        let prost = Event::decode(&event[..]).is_ok();
        assert_eq!(is_event(&event), prost, "{key:?} {string:?}");
    }
}

#[test]
fn two_byte_lengths_are_not_read_as_one() {
    let a = |n| vec![b'a'; n];
    // A string value: [0x81, 0x01] is 129, read as one byte also 129.
    let string = [&[0x32, 0x81, 0x01][..], &a(128)].concat();
    // An object value: [0x80, 0x0a] is 1280; read as one byte, 128
    // bytes of a well-formed entry.
    let inner_value = field(0x12, &[&[0x32, 0x77][..], &a(0x77)].concat());
    let entry = [field(0x0a, b"s"), inner_value].concat();
    let object = [&[0x52, 0x80, 0x0a, entry.len() as u8][..], &entry].concat();
    for value in [string, object] {
        let entry = [field(0x0a, b"s"), field(0x12, &value)].concat();
        let event = field(0x12, &field(0x0a, &entry));
        assert!(Event::decode(event.as_slice()).is_err());
        assert!(!is_event(&event), "{event:02x?}");
    }
    // The entry's value length: [0x80, 0x32] is 6400; read as one byte,
    // 128 bytes of a string value.
    let entry = [&field(0x0a, b"s")[..], &[0x12, 0x80, 0x32, 0x7e], &a(0x7e)].concat();
    let event = field(0x12, &field(0x0a, &entry));
    assert!(Event::decode(event.as_slice()).is_err());
    assert!(!is_event(&event));
}

#[test]
fn utf8_agrees_with_std_at_every_length_and_position() {
    for len in 0..40 {
        for at in 0..len {
            for bad in [[0xc3, 0xa9], [0xff, b'a'], [0xc3, b'a']] {
                let mut bytes = vec![b'a'; len + 1];
                bytes[at..at + 2].copy_from_slice(&bad);
                let bytes = &bytes[..len];
                assert_eq!(utf8(bytes), std::str::from_utf8(bytes).is_ok(), "{bytes:?}");
            }
        }
    }
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

/// Objects, lists and a mix nested to every depth around the limit,
/// innermost a string, an int, an empty object, a timestamp, a double or
/// a null (the inner levels have one-byte lengths, so the entries' fast
/// paths check them): accepted exactly where prost accepts them.
#[test]
fn nesting_limit_is_prosts_at_every_depth() {
    use eiw_proto::{Timestamp, Value};
    use std::collections::BTreeMap;
    let innermost = [
        Value::from("s"),
        Value::from(7i64),
        Value::from(BTreeMap::new()),
        Value::from(Timestamp::default()),
        Value::from(0.5),
        Value::null(),
    ];
    let mut accepted_at_limit = 0;
    for inner in &innermost {
        for shape in 0..3 {
            for levels in 20..45 {
                let mut value = inner.clone();
                for level in 0..levels {
                    value = match (shape, level % 2) {
                        (0, _) | (2, 0) => Value::from(BTreeMap::from([("k".to_string(), value)])),
                        _ => Value::from(vec![value]),
                    };
                }
                let event = Event {
                    fields: Some(eiw_proto::Struct {
                        fields: [("top".to_string(), value)].into(),
                    }),
                    ..Event::default()
                };
                let bytes = event.encode_to_vec();
                let prost = Event::decode(bytes.as_slice()).is_ok();
                assert_eq!(
                    is_event(&bytes),
                    prost,
                    "shape {shape}, {levels} levels, {inner:?}"
                );
                accepted_at_limit += usize::from(prost);
            }
        }
    }
    assert!(accepted_at_limit > 0 && accepted_at_limit < innermost.len() * 3 * 25);
}
