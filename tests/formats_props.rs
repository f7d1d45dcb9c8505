//! Property tests: random documents round-trip JSON → Event → JSON and
//! msgpack → Event → msgpack to the canonical form, and agree with the
//! reference path (serde_json + prost trees).
use eiw::format::{EventFormat, Transcoder};
use eiw::proto::{Event, Struct, Value};
use proptest::prelude::*;
use prost::Message;
use serde_json::Value as Json;
use std::collections::BTreeMap;

fn leaf() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |d| d.is_finite())
            .prop_map(|d| serde_json::Number::from_f64(d).map_or(Json::Null, Json::Number)),
        "\\PC{0,12}".prop_map(Json::from),
        any::<String>().prop_map(Json::from),
    ]
}

fn document() -> impl Strategy<Value = Json> {
    leaf().prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::btree_map("[a-z@é]{0,6}", inner, 0..6)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

fn event_document() -> impl Strategy<Value = Json> {
    prop::collection::btree_map("[a-z]{1,8}", document(), 0..8).prop_map(|m| {
        let mut m: serde_json::Map<String, Json> = m.into_iter().collect();
        m.insert(
            "@timestamp".into(),
            Json::from("2026-11-30T08:15:00.123456Z"),
        );
        m.insert("@metadata".into(), serde_json::json!({"input": "file"}));
        Json::Object(m)
    })
}

fn transcode(to_wire: bool, format: EventFormat, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut t = Transcoder::default();
    let result = match to_wire {
        true => t.event_to_wire(format, bytes, &mut out),
        false => t.event_from_wire(format, bytes, &mut out),
    };
    result.unwrap_or_else(|e| panic!("{e}"));
    out
}

/// The msgpack of a JSON tree (the shape msgpack-c or rmp-serde would write).
fn msgpack_of(json: &Json, out: &mut Vec<u8>) {
    use rmp::encode as mp;
    match json {
        Json::Null => mp::write_nil(out).unwrap(),
        Json::Bool(b) => mp::write_bool(out, *b).unwrap(),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                mp::write_sint(out, i).unwrap();
            } else if let Some(u) = n.as_u64() {
                mp::write_uint(out, u).unwrap();
            } else {
                mp::write_f64(out, n.as_f64().unwrap()).unwrap();
            }
        }
        Json::String(s) => mp::write_str(out, s).unwrap(),
        Json::Array(items) => {
            mp::write_array_len(out, items.len() as u32).unwrap();
            items.iter().for_each(|i| msgpack_of(i, out));
        }
        Json::Object(map) => {
            mp::write_map_len(out, map.len() as u32).unwrap();
            for (k, v) in map {
                mp::write_str(out, k).unwrap();
                msgpack_of(v, out);
            }
        }
    }
}

fn is_negative_zero(json: &Json) -> bool {
    match json {
        Json::Number(n) => {
            n.as_f64().is_some_and(|d| d == 0.0 && d.is_sign_negative()) && n.is_f64()
        }
        Json::Array(a) => a.iter().any(is_negative_zero),
        Json::Object(m) => m.values().any(is_negative_zero),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn json_agrees_with_the_reference_and_round_trips(doc in event_document()) {
        let text = serde_json::to_string(&doc).unwrap();
        let wire = transcode(true, EventFormat::Json, text.as_bytes());
        prop_assert!(eiw::validate::is_event(&wire));
        let reference = eiw::json::event_from_json(&doc).unwrap();
        prop_assert_eq!(Event::decode(wire.as_slice()).unwrap(), reference.clone());
        // Canonical: JSON → Event → JSON is stable from the first output on,
        // and the reference's own protobuf gives the same document.
        let canonical = transcode(false, EventFormat::Json, &wire);
        let again = transcode(false, EventFormat::Json, &transcode(true, EventFormat::Json, &canonical));
        prop_assert_eq!(&canonical, &again);
        let parsed: Json = serde_json::from_slice(&canonical).unwrap();
        if !is_negative_zero(&doc) {
            prop_assert_eq!(&parsed, &doc);
        }
        let from_reference = transcode(false, EventFormat::Json, &reference.encode_to_vec());
        let from_reference: Json = serde_json::from_slice(&from_reference).unwrap();
        prop_assert_eq!(from_reference, parsed);
    }

    #[test]
    fn msgpack_agrees_with_the_tree_and_round_trips(doc in prop::collection::btree_map("[a-z@]{1,8}", document(), 0..8)) {
        let doc = Json::Object(doc.into_iter().collect());
        let mut record = Vec::new();
        msgpack_of(&doc, &mut record);
        let wire = transcode(true, EventFormat::Msgpack, &record);
        prop_assert!(eiw::validate::is_event(&wire));
        let Json::Object(map) = &doc else { unreachable!() };
        let fields: BTreeMap<String, Value> = map.iter().map(|(k, v)| (k.clone(), eiw::json::value_from_json(v))).collect();
        let expected = Event { fields: Some(Struct { fields }), ..Event::default() };
        prop_assert_eq!(Event::decode(wire.as_slice()).unwrap(), expected);
        let canonical = transcode(false, EventFormat::Msgpack, &wire);
        let again = transcode(false, EventFormat::Msgpack, &transcode(true, EventFormat::Msgpack, &canonical));
        prop_assert_eq!(&canonical, &again);
        // No timestamp or metadata: the canonical record is the map itself.
        prop_assert_eq!(canonical, record);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_what_converts_is_an_event(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        // What converts is a valid Event whose canonical record reads back
        // to the same protobuf (the fuzz targets' property).
        for format in [EventFormat::Json, EventFormat::Msgpack] {
            eiw::fuzzing::transcode_round_trip(format, &bytes);
        }
    }
}
