//! The wire-level API against the tree API: random events (canonical
//! encodings, and concatenations of two, which protobuf merges) and random
//! edit sequences; every read and the encoded result must agree.
use eiw_sdk::proto::{self, Kind, ListValue, Struct};
use eiw_sdk::{Event, EventPatch, EventView, Timestamp, Value};
use proptest::prelude::*;
use std::collections::BTreeMap;

const KEYS: &[&str] = &["a", "b", "message", "event", ""];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-zé]{0,3}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(key(), 1..4).prop_map(|parts| parts.join("."))
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value { kind: None }),
        Just(Value::null()),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(|u| Value::from_kind(Kind::UintValue(u))),
        (-1e300f64..1e300).prop_map(Value::from),
        "[a-z\u{e9}\u{1f600} ]{0,12}".prop_map(Value::from),
        prop::collection::vec(any::<u8>(), 0..6)
            .prop_map(|b| Value::from_kind(Kind::BytesValue(b))),
        (any::<i64>(), 0..1_000_000_000i32)
            .prop_map(|(seconds, nanos)| Value::from(Timestamp { seconds, nanos })),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|values| Value::from_kind(Kind::ListValue(ListValue { values }))),
            prop::collection::btree_map(key(), inner, 0..4).prop_map(Value::from),
        ]
    })
}

fn event() -> impl Strategy<Value = Event> {
    (
        prop::collection::btree_map(key(), value(), 0..6),
        prop::option::of((any::<i64>(), 0..1_000_000_000i32)),
        prop::collection::btree_map("[a-c]{1,2}", "[a-z]{0,3}", 0..3),
    )
        .prop_map(|(fields, timestamp, metadata)| {
            Event::from_proto(proto::Event {
                timestamp: timestamp.map(|(seconds, nanos)| Timestamp { seconds, nanos }),
                fields: Some(Struct { fields }),
                metadata: metadata.into_iter().collect(),
            })
        })
}

#[derive(Clone, Debug)]
enum Edit {
    Put(String, Value),
    /// Puts the input's value at the first path (if any) at the second.
    PutInput(String, String),
    Remove(String),
    Rename(String, String),
    Timestamp(i64),
    SetMetadata(String, String),
    RemoveMetadata(String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (path(), value()).prop_map(|(p, v)| Edit::Put(p, v)),
        1 => (path(), path()).prop_map(|(f, t)| Edit::PutInput(f, t)),
        2 => path().prop_map(Edit::Remove),
        2 => (path(), path()).prop_map(|(f, t)| Edit::Rename(f, t)),
        1 => any::<i64>().prop_map(Edit::Timestamp),
        1 => ("[a-c]{1,2}", "[a-z]{0,3}").prop_map(|(k, v)| Edit::SetMetadata(k, v)),
        1 => "[a-c]{1,2}".prop_map(Edit::RemoveMetadata),
    ]
}

/// The tree and the patch agree on `path`, the timestamp and metadata.
fn same_reads(tree: &Event, patch: &EventPatch, path: &str) {
    let wire = patch.get(path).unwrap().map(|v| v.to_value().unwrap());
    assert_eq!(wire.as_ref(), tree.get(path), "get({path:?})");
    assert_eq!(
        patch.get_str(path).unwrap(),
        tree.get_str(path),
        "get_str({path:?})"
    );
    assert_eq!(patch.timestamp().unwrap(), tree.timestamp());
    for key in ["a", "b", "c", "ab"] {
        assert_eq!(
            patch.metadata(key).unwrap(),
            tree.metadata().get(key).map(String::as_str)
        );
    }
}

fn check(bytes: &[u8], edits: &[Edit], probes: &[String]) {
    let input = Event::decode(bytes).unwrap();
    let mut tree = input.clone();
    let mut patch = EventPatch::new(bytes);
    let view = EventView::new(bytes);
    for probe in probes {
        let found = view.get(probe).unwrap().map(|v| v.to_value().unwrap());
        assert_eq!(found.as_ref(), input.get(probe), "view get({probe:?})");
    }
    for edit in edits {
        match edit {
            Edit::Put(path, value) => {
                tree.put(path, value.clone());
                patch.put(path, value.clone()).unwrap();
            }
            Edit::PutInput(from, to) => {
                if let Some(value) = input.get(from) {
                    tree.put(to, value.clone());
                    let found = patch.input().get(from).unwrap().unwrap();
                    patch.put_input(to, found).unwrap();
                }
            }
            Edit::Remove(path) => {
                assert_eq!(patch.remove(path).unwrap(), tree.remove(path).is_some());
            }
            Edit::Rename(from, to) => {
                assert_eq!(patch.rename(from, to).unwrap(), tree.rename(from, to));
            }
            Edit::Timestamp(nanos) => {
                let timestamp = Timestamp::from_unix_nanos(*nanos);
                tree.set_timestamp(timestamp);
                patch.set_timestamp(timestamp);
            }
            Edit::SetMetadata(key, value) => {
                tree.metadata_mut().insert(key.clone(), value.clone());
                patch.set_metadata(key, value);
            }
            Edit::RemoveMetadata(key) => {
                assert_eq!(
                    patch.remove_metadata(key).unwrap(),
                    tree.metadata_mut().remove(key).is_some()
                );
            }
        }
        for probe in probes {
            same_reads(&tree, &patch, probe);
        }
    }
    let encoded = patch.encode().unwrap();
    assert_eq!(Event::decode(&encoded).unwrap(), tree, "encoded result");
    assert_eq!(patch.to_event().unwrap(), tree);
    if !patch.is_edited() {
        assert_eq!(encoded, bytes, "no edits: the input's bytes");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn edits_match_the_tree_api(
        event in event(),
        edits in prop::collection::vec(edit(), 0..8),
        probes in prop::collection::vec(path(), 1..4),
    ) {
        check(&event.encode(), &edits, &probes);
    }

    /// Two serialized events concatenated read as one (protobuf merges
    /// them: the later entry of a key wins, timestamps merge field by field).
    #[test]
    fn concatenated_inputs_match_the_tree_api(
        first in event(),
        second in event(),
        edits in prop::collection::vec(edit(), 0..6),
        probes in prop::collection::vec(path(), 1..4),
    ) {
        let mut bytes = first.encode();
        bytes.extend(second.encode());
        check(&bytes, &edits, &probes);
    }
}

/// A value whose oneof repeats a message kind merges; another kind between
/// two occurrences starts over. Built by hand: no encoder writes these.
#[test]
fn repeated_oneof_fields_read_as_protobuf_reads_them() {
    let object = |k: &str, v: &str| {
        let mut fields = BTreeMap::new();
        fields.insert(k.to_string(), Value::from(v));
        Value::from(fields).encode()
    };
    let string = Value::from("between").encode();
    for (parts, label) in [
        (vec![object("x", "1"), object("y", "2")], "merged objects"),
        (
            vec![object("x", "1"), string.clone(), object("y", "2")],
            "restarted",
        ),
        (vec![object("x", "1"), string.clone()], "a string last"),
    ] {
        let value_body: Vec<u8> = parts.concat();
        let entry = [
            vec![0x0a, 1, b'v', 0x12, value_body.len() as u8],
            value_body,
        ]
        .concat();
        let object = [vec![0x0a, entry.len() as u8], entry].concat();
        let bytes = [vec![0x12, object.len() as u8], object].concat();
        let tree = Event::decode(&bytes).unwrap();
        for path in ["v", "v.x", "v.y"] {
            let wire = EventView::new(&bytes)
                .get(path)
                .unwrap()
                .map(|v| v.to_value().unwrap());
            assert_eq!(wire.as_ref(), tree.get(path), "{label}: {path}");
        }
        check(
            &bytes,
            &[Edit::Put("v.z".into(), Value::from(true))],
            &["v".into(), "v.z".into()],
        );
    }
}

trait EncodeValue {
    fn encode(&self) -> Vec<u8>;
}

impl EncodeValue for Value {
    fn encode(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(self)
    }
}

/// The edits of `check`, on bytes that may not decode: never a panic; an
/// error only where the tree API fails too, or for an object entry whose
/// value is encoded twice (a merge only the tree API reads).
fn check_mutated(bytes: &[u8], edits: &[Edit], probes: &[String]) {
    let run = || -> Result<Vec<u8>, eiw_sdk::Error> {
        let mut patch = EventPatch::new(bytes);
        for probe in probes {
            patch.get(probe)?;
        }
        for edit in edits {
            match edit {
                Edit::Put(path, value) => patch.put(path, value.clone())?,
                Edit::Remove(path) => drop(patch.remove(path)?),
                Edit::Rename(from, to) => drop(patch.rename(from, to)?),
                _ => {}
            }
        }
        patch.encode()
    };
    let result = run();
    if Event::decode(bytes).is_ok() {
        match result {
            Ok(_) => check(bytes, edits, probes),
            Err(e) => assert!(e.message.contains("encoded twice"), "{e}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn damaged_inputs_fail_cleanly(
        event in event(),
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        edits in prop::collection::vec(edit(), 0..4),
        probes in prop::collection::vec(path(), 1..3),
    ) {
        let mut bytes = event.encode();
        if !bytes.is_empty() {
            for (at, byte) in damage {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len()));
            }
        }
        check_mutated(&bytes, &edits, &probes);
    }
}

#[test]
fn bad_bytes_are_invalid_argument_errors() {
    let mut event = Event::new();
    event.put("a.b", "text");
    let bytes = event.encode();
    let truncated = &bytes[..bytes.len() - 2];
    let error = EventView::new(truncated).get("a.b").unwrap_err();
    assert_eq!(error.status, eiw_sdk::Status::InvalidArgument);
    assert!(
        error.message.starts_with("input does not decode"),
        "{error}"
    );

    let mut bad_utf8 = bytes.clone();
    let at = bad_utf8.len() - 1;
    bad_utf8[at] = 0xff;
    let error = EventView::new(&bad_utf8).get_str("a.b").unwrap_err();
    assert!(error.message.contains("UTF-8"), "{error}");
    // Not read by an edit elsewhere, so copied as it is: the output does
    // not decode either (the host's check of emitted events refuses it).
    let mut patch = EventPatch::new(&bad_utf8);
    patch.put("c", 1i64).unwrap();
    let out = patch.encode().unwrap();
    assert!(out.windows(2).any(|w| w == [b'x', 0xff]), "{out:?}");
    assert!(Event::decode(&out).is_err());
}

#[test]
fn an_entry_with_its_value_twice_is_refused_where_read() {
    let value = Value::from("x").encode();
    let entry = [
        vec![0x0a, 1, b'v', 0x12, value.len() as u8],
        value.clone(),
        vec![0x12, value.len() as u8],
        value,
    ]
    .concat();
    let object = [vec![0x0a, entry.len() as u8], entry].concat();
    let bytes = [vec![0x12, object.len() as u8], object].concat();
    assert!(Event::decode(&bytes).is_ok());
    let error = EventView::new(&bytes).get("v").unwrap_err();
    assert!(error.message.contains("encoded twice"), "{error}");
    // Elsewhere the event reads and edits as usual, the entry copied as it is.
    let mut patch = EventPatch::new(&bytes);
    patch.put("w", true).unwrap();
    let out = Event::decode(&patch.encode().unwrap()).unwrap();
    assert_eq!(out.get_str("v"), Some("x"));
    assert_eq!(out.get("w").and_then(Value::as_bool), Some(true));
}

#[test]
fn an_unedited_patch_is_the_input() {
    let mut event = Event::new();
    event.put("message", "hello");
    let bytes = event.encode();
    let mut patch = EventPatch::new(&bytes);
    assert!(!patch.is_edited());
    assert_eq!(patch.encode().unwrap(), bytes);
    // Renames and removals of what is not there change nothing.
    assert!(!patch.rename("absent", "x").unwrap());
    assert!(!patch.rename("message.inner", "x").unwrap());
    assert!(!patch.remove("absent").unwrap());
    assert!(!patch.is_edited());
    assert_eq!(patch.encode().unwrap(), bytes);
}
