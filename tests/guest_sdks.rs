//! The C and AssemblyScript guest SDKs' modules (sdk-c/, sdk-as/, built by
//! `make wasm` into target/wasm32-c and target/wasm32-as) facing bad input:
//! bytes that do not decode reach them under `trusted_input` and fail the
//! event with a guest status, never a trap; events at the size limit and
//! nested near the host's depth limit are processed; their edits and reads
//! follow the tree API's rules. (Their behaviour on good events is the
//! conformance suite's.)
mod common;
use eiw::proto::HostOptions;
use eiw::{Collect, Host, ResultCode};
use prost::Message;
use serde_json::{json, Value};

const EXAMPLES: [&str; 5] = ["passthrough", "add_fields", "drop_debug", "split", "rename"];

/// Each SDK's build directory.
const SDKS: [&str; 2] = ["target/wasm32-c", "target/wasm32-as"];

fn module(sdk: &str, name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{sdk}/{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run `make wasm`)", path.display()))
}

fn host(sdk: &str, name: &str, options: HostOptions) -> Host {
    let host = Host::from_options(&module(sdk, name), &options.encode_to_vec()).unwrap();
    let config =
        eiw::json::config_from_json(&json!({"field": "labels.env", "value": "x"})).unwrap();
    if name == "add_fields" {
        host.register_protobuf(&config.encode_to_vec(), &mut Collect::default())
            .unwrap();
    }
    host
}

fn event(json: Value) -> Vec<u8> {
    eiw::json::event_from_json(&json).unwrap().encode_to_vec()
}

/// Every truncation and a byte flipped at every position of a good event:
/// each call ends with the module's own status or an event, and the host
/// serves the good event after each.
#[test]
fn undecodable_events_are_a_guest_status_not_a_trap() {
    let good = event(json!({"message": "m", "log": {"level": "info"}, "messages": ["a", "b"]}));
    for (sdk, name) in SDKS
        .iter()
        .flat_map(|sdk| EXAMPLES.map(|name| (*sdk, name)))
    {
        let host = host(
            sdk,
            name,
            HostOptions {
                trusted_input: true,
                ..Default::default()
            },
        );
        let mut bad_inputs: Vec<Vec<u8>> = (1..good.len()).map(|n| good[..n].to_vec()).collect();
        for at in 0..good.len() {
            let mut flipped = good.clone();
            flipped[at] ^= 0xff;
            bad_inputs.push(flipped);
        }
        let mut statuses = 0;
        for bad in &bad_inputs {
            match host.process(bad, &mut Collect::default()) {
                Ok(_) => {}
                Err(e) if e.code() == ResultCode::GuestStatus => statuses += 1,
                // Emitted bytes that do not decode are the host's to refuse.
                Err(e) if e.code() == ResultCode::InvalidEmit => {}
                Err(e) => panic!("{sdk} {name}: {:?} on {bad:?}: {}", e.code(), e.message()),
            }
            let mut out = Collect::default();
            host.process(&good, &mut out).unwrap();
        }
        assert_eq!(host.stats().instances_recycled, 0, "{sdk} {name}: no trap");
        if name != "passthrough" {
            assert!(statuses > 0, "{sdk} {name}: some inputs fail with a status");
        }
    }
}

/// An event near the 1 MiB input limit, and one nested 30 objects deep
/// (each an entry, a Value and a Struct: 90 message levels of the 100 the
/// host allows), through every example.
#[test]
fn events_at_the_limits_are_processed() {
    let big = event(json!({"message": "x".repeat(1_000_000), "messages": ["y".repeat(10_000)]}));
    let mut deep = json!({"leaf": "bottom"});
    for _ in 0..30 {
        deep = json!({ "d": deep });
    }
    let deep = event(json!({"message": "m", "log": {"level": "info"}, "nest": deep}));
    for (sdk, name) in SDKS
        .iter()
        .flat_map(|sdk| EXAMPLES.map(|name| (*sdk, name)))
    {
        let host = host(sdk, name, HostOptions::default());
        for input in [&big, &deep] {
            let mut out = Collect::default();
            host.process(input, &mut out)
                .unwrap_or_else(|e| panic!("{sdk} {name}: {}", e.message()));
            assert_eq!(out.events.len(), 1, "{sdk} {name}");
        }
    }
}

mod scripted {
    //! Each SDK's edits and reads against the tree rules (eiw_proto's
    //! put_path and get_path, Event's remove and rename) on random events
    //! and random edit scripts, run by sdk-c/tests/scripted.c and
    //! sdk-as/tests/scripted.ts.
    use super::{module, SDKS};
    use eiw::proto::{self, get_path, put_path, Kind, ListValue, Struct, Value};
    use eiw::{Collect, Host};
    use proptest::prelude::*;
    use prost::Message;
    use std::collections::BTreeMap;

    type Fields = BTreeMap<String, Value>;

    fn path() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(&["a", "b", "c"][..]), 1..4)
            .prop_map(|p| p.join("."))
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::null()),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|values| Value::from_kind(Kind::ListValue(ListValue { values }))),
                prop::collection::btree_map(
                    prop::sample::select(&["a", "b", "c"][..]).prop_map(str::to_string),
                    inner,
                    0..3
                )
                .prop_map(Value::from),
            ]
        })
    }

    #[derive(Clone, Debug)]
    enum Op {
        Put(String, Value),
        Remove(String),
        Rename(String, String),
        Get(String),
        Timestamp(i64),
        Meta(String, String),
        Unmeta(String),
        GetMeta(String),
    }

    fn meta_key() -> impl Strategy<Value = String> {
        prop::sample::select(&["x", "y"][..]).prop_map(str::to_string)
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (path(), value()).prop_map(|(p, v)| Op::Put(p, v)),
            2 => path().prop_map(Op::Remove),
            2 => (path(), path()).prop_map(|(f, t)| Op::Rename(f, t)),
            3 => path().prop_map(Op::Get),
            1 => any::<i64>().prop_map(Op::Timestamp),
            1 => (meta_key(), "[a-z]{0,3}").prop_map(|(k, v)| Op::Meta(k, v)),
            1 => meta_key().prop_map(Op::Unmeta),
            1 => meta_key().prop_map(Op::GetMeta),
        ]
    }

    fn op_value(op: &Op) -> Value {
        let pairs: Vec<(&str, Value)> = match op {
            Op::Put(p, v) => vec![("put", Value::from(p.as_str())), ("value", v.clone())],
            Op::Remove(p) => vec![("remove", Value::from(p.as_str()))],
            Op::Rename(f, t) => vec![
                ("rename", Value::from(f.as_str())),
                ("to", Value::from(t.as_str())),
            ],
            Op::Get(p) => vec![("get", Value::from(p.as_str()))],
            Op::Timestamp(n) => vec![("timestamp", Value::from(*n))],
            Op::Meta(k, v) => vec![
                ("meta", Value::from(k.as_str())),
                ("value", Value::from(v.as_str())),
            ],
            Op::Unmeta(k) => vec![("unmeta", Value::from(k.as_str()))],
            Op::GetMeta(k) => vec![("getmeta", Value::from(k.as_str()))],
        };
        Value::from(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<Fields>(),
        )
    }

    /// Event::remove's rule: every object on the way must be there.
    fn remove(fields: &mut Fields, path: &str) -> Option<Value> {
        let (parents, last) = match path.rsplit_once('.') {
            Some((p, l)) => (Some(p), l),
            None => (None, path),
        };
        let mut map = fields;
        for part in parents.into_iter().flat_map(|p| p.split('.')) {
            map = map.get_mut(part)?.as_struct_mut()?;
        }
        map.remove(last)
    }

    /// The ops applied by the tree rules to the event (fields, timestamp, metadata).
    fn tree(mut event: proto::Event, ops: &[Op]) -> proto::Event {
        let mut fields = event.fields.take().map(|s| s.fields).unwrap_or_default();
        for (n, op) in ops.iter().enumerate() {
            match op {
                Op::Timestamp(nanos) => {
                    event.timestamp = Some(eiw::proto::Timestamp::from_unix_nanos(*nanos))
                }
                Op::Meta(k, v) => drop(event.metadata.insert(k.clone(), v.clone())),
                Op::Unmeta(k) => drop(event.metadata.remove(k)),
                Op::GetMeta(k) => match event.metadata.get(k) {
                    Some(v) => put_path(&mut fields, &format!("got.{n}"), Value::from(v.as_str())),
                    None => put_path(&mut fields, &format!("missing.{n}"), Value::from("")),
                },
                Op::Put(p, v) => put_path(&mut fields, p, v.clone()),
                Op::Remove(p) => drop(remove(&mut fields, p)),
                Op::Rename(f, t) => {
                    if let Some(v) = remove(&mut fields, f) {
                        put_path(&mut fields, t, v);
                    }
                }
                Op::Get(p) => match get_path(&fields, p).cloned() {
                    Some(v) => put_path(&mut fields, &format!("got.{n}"), v),
                    None => put_path(&mut fields, &format!("missing.{n}"), Value::from("")),
                },
            }
        }
        event.fields = Some(Struct { fields });
        event
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn edits_and_reads_match_the_tree_rules(
            fields in prop::collection::btree_map(prop::sample::select(&["a", "b", "c"][..]).prop_map(str::to_string), value(), 0..4),
            timestamp in prop::option::of(any::<i64>()),
            metadata in prop::collection::btree_map(meta_key(), "[a-z]{0,3}", 0..2),
            ops in prop::collection::vec(op(), 1..8),
        ) {
            thread_local! {
                static HOSTS: Vec<Host> = SDKS
                    .iter()
                    .map(|sdk| Host::new(&module(sdk, "scripted"), eiw::Limits::default()).unwrap())
                    .collect();
            }
            let mut input = fields.clone();
            input.insert("ops".into(), Value::from_kind(Kind::ListValue(ListValue { values: ops.iter().map(op_value).collect() })));
            let timestamp = timestamp.map(eiw::proto::Timestamp::from_unix_nanos);
            let event = proto::Event { fields: Some(Struct { fields: input }), timestamp, metadata: metadata.clone() };
            let before = proto::Event { fields: Some(Struct { fields }), timestamp, metadata };
            let want = tree(before, &ops);
            HOSTS.with(|hosts| {
                for (sdk, host) in SDKS.iter().zip(hosts) {
                    let mut out = Collect::default();
                    host.process(&event.encode_to_vec(), &mut out).unwrap();
                    prop_assert_eq!(out.events.len(), 1, "{}", sdk);
                    let mut got = proto::Event::decode(out.events[0].as_slice()).unwrap();
                    if got.fields.is_none() {
                        got.fields = Some(Struct::default());
                    }
                    prop_assert_eq!(&got, &want, "{}", sdk);
                }
                Ok(())
            })?;
        }
    }
}

/// AssemblyScript's `Value.keys()`: the keys of an object in encoding
/// order, a repeated key once, where it last appears (protobuf's rule: the
/// last entry of a key is the one that counts).
#[test]
fn assemblyscript_keys_follow_the_encoding() {
    let host = host("target/wasm32-as", "keys", HostOptions::default());
    let entry = |key: &str, value: i64| {
        let mut fields = std::collections::BTreeMap::new();
        fields.insert(key.to_string(), eiw::proto::Value::from(value));
        eiw::proto::Struct { fields }.encode_to_vec()
    };
    // o = {b: 1, a: 2, c: 3, b: 4}: four entries, as an encoder that does
    // not sort or merge would write them.
    let object: Vec<u8> = [entry("b", 1), entry("a", 2), entry("c", 3), entry("b", 4)].concat();
    let mut value = vec![0x52];
    prost::encoding::encode_varint(object.len() as u64, &mut value);
    value.extend_from_slice(&object);
    // Decoded, `b` is there once (its last entry's value).
    let decoded = eiw::proto::Value::decode(value.as_slice()).unwrap();
    assert_eq!(
        decoded.as_struct().unwrap()["b"],
        eiw::proto::Value::from(4i64)
    );
    // The event {o: ...} with o's entries as written.
    let mut fields = Vec::new();
    prost::encoding::encode_key(1, prost::encoding::WireType::LengthDelimited, &mut fields);
    let mut entry_o = Vec::new();
    prost::encoding::string::encode(1, &"o".to_string(), &mut entry_o);
    prost::encoding::encode_key(2, prost::encoding::WireType::LengthDelimited, &mut entry_o);
    prost::encoding::encode_varint(value.len() as u64, &mut entry_o);
    entry_o.extend_from_slice(&value);
    prost::encoding::encode_varint(entry_o.len() as u64, &mut fields);
    fields.extend_from_slice(&entry_o);
    let mut input = vec![0x12];
    prost::encoding::encode_varint(fields.len() as u64, &mut input);
    input.extend_from_slice(&fields);
    let mut out = Collect::default();
    host.process(&input, &mut out).unwrap();
    let got = eiw::proto::Event::decode(out.events[0].as_slice()).unwrap();
    assert_eq!(
        got.fields.unwrap().fields["keys"],
        eiw::proto::Value::from("a,c,b")
    );
}

/// AssemblyScript's puts of every kind of value, and its reads of the
/// event's time, metadata and bytes (sdk-as/tests/typed.ts), exactly.
#[test]
fn assemblyscript_puts_and_reads_every_kind() {
    use eiw::proto::{Kind, Timestamp, Value};
    let host = host("target/wasm32-as", "typed", HostOptions::default());
    let mut input = eiw::json::event_from_json(&json!({"keep": "k"})).unwrap();
    input.timestamp = Some(Timestamp {
        seconds: 1_700_000_000,
        nanos: 250,
    });
    input.metadata.insert("m".into(), "meta".into());
    input.fields.as_mut().unwrap().fields.insert(
        "raw".into(),
        Value::from_kind(Kind::BytesValue(vec![0, 159, 146, 150])),
    );
    let mut out = Collect::default();
    host.process(&input.encode_to_vec(), &mut out).unwrap();
    let got = eiw::proto::Event::decode(out.events[0].as_slice()).unwrap();
    assert_eq!(
        got.timestamp,
        Some(Timestamp {
            seconds: 7,
            nanos: 8
        })
    );
    assert_eq!(got.metadata["m"], "changed");
    let fields = got.fields.unwrap().fields;
    let put = fields["put"].as_struct().unwrap();
    assert_eq!(put["int"], Value::from(-5i64));
    assert_eq!(put["uint"], Value::from(u64::MAX));
    assert_eq!(put["bool"], Value::from(true));
    assert_eq!(put["null"], Value::null());
    assert_eq!(put["double"], Value::from(-2.5f64));
    assert_eq!(put["string"], Value::from("é✓"));
    assert_eq!(
        put["time"],
        Value::from_kind(Kind::TimestampValue(Timestamp {
            seconds: -1,
            nanos: 999_999_999
        }))
    );
    let read = fields["read"].as_struct().unwrap();
    assert_eq!(read["seconds"], Value::from(1_700_000_000i64));
    assert_eq!(read["nanos"], Value::from(250i64));
    assert_eq!(read["metadata"], Value::from("meta"));
    assert_eq!(read["bytes"], Value::from(4i64));
    assert_eq!(fields["keep"], Value::from("k"));
}

/// `process_batch` of each SDK: every event gets its own outputs and
/// result, an undecodable one (under `trusted_input`) fails alone with a
/// guest status, and a batch larger than the input buffer (the host
/// allocates it through `malloc`) is read to its end.
#[test]
fn batches_give_each_event_its_outputs_and_result() {
    for sdk in SDKS {
        let host = host(
            sdk,
            "rename",
            HostOptions {
                trusted_input: true,
                ..Default::default()
            },
        );
        assert!(host.abi().has_process_batch, "{sdk}");
        let big = "x".repeat(100_000);
        let good = event(json!({"message": "m"}));
        let mut bad = good.clone();
        bad.truncate(good.len() - 1);
        let events = [
            event(json!({"message": "first"})),
            bad,
            event(json!({"message": big})),
            event(json!({"message": "last"})),
        ];
        let refs: Vec<&[u8]> = events.iter().map(Vec::as_slice).collect();
        let mut out = eiw::CollectBatch::default();
        let results = host.process_batch(&refs, &mut out);
        assert_eq!(
            common::result_codes(&results),
            [Ok(1), Err(ResultCode::GuestStatus), Ok(1), Ok(1)],
            "{sdk}"
        );
        let originals: Vec<(usize, String)> = out
            .events
            .iter()
            .map(|(i, bytes)| {
                let e = eiw::proto::Event::decode(bytes.as_slice()).unwrap();
                let fields = e.fields.unwrap().fields;
                let original = fields["event"].as_struct().unwrap()["original"].clone();
                (*i, original.as_str().unwrap().to_string())
            })
            .collect();
        assert_eq!(
            originals,
            [
                (0, "first".to_string()),
                (2, big.clone()),
                (3, "last".to_string())
            ],
            "{sdk}"
        );
    }
}

/// The quick starts of docs/GUEST-SDKS.md (built by `make wasm` from
/// sdk-c/tests/quickstart.c and sdk-as/tests/quickstart.ts, the latter
/// importing the SDK as the package `eiw-guest`): each file is the
/// documented code, and the module does what its comments say.
#[test]
fn quick_starts_run_as_documented() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(root.join("docs/GUEST-SDKS.md")).unwrap();
    for (sdk, source, fence) in [
        ("target/wasm32-c", "sdk-c/tests/quickstart.c", "c"),
        ("target/wasm32-as", "sdk-as/tests/quickstart.ts", "ts"),
    ] {
        let code = std::fs::read_to_string(root.join(source)).unwrap();
        assert!(
            docs.contains(&format!("```{fence}\n{code}```")),
            "docs/GUEST-SDKS.md shows {source}"
        );
        let host = host(sdk, "quickstart", HostOptions::default());
        let mut out = Collect::default();
        host.process(
            &event(json!({"message": "m", "log": {"level": "debug"}})),
            &mut out,
        )
        .unwrap();
        assert!(out.events.is_empty(), "{sdk}: debug events are dropped");
        host.process(
            &event(json!({"message": "m", "log": {"level": "info"}})),
            &mut out,
        )
        .unwrap();
        let got = eiw::proto::Event::decode(out.events[0].as_slice()).unwrap();
        let fields = got.fields.unwrap().fields;
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["event", "log"], "{sdk}");
        let event_fields = &fields["event"].as_struct().unwrap();
        assert_eq!(
            event_fields["original"],
            eiw::proto::Value::from("m"),
            "{sdk}"
        );
        assert!(
            matches!(
                event_fields["ingested"].kind,
                Some(eiw::proto::Kind::TimestampValue(_))
            ),
            "{sdk}"
        );
    }
}
