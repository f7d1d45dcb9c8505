//! Hosts whose events are JSON or msgpack at the API (HostOptions.event_format).
mod common;
use common::{example, guest};
use eiw::format::{EventFormat, Transcoder};
use eiw::proto::{Event, Kind};
use eiw::{Collect, CollectBatch, Host, Limits, ResultCode};
use prost::Message;

fn host(wasm: &[u8], format: EventFormat) -> Host {
    Host::new(
        wasm,
        Limits {
            event_format: format,
            ..Limits::default()
        },
    )
    .unwrap()
}

fn wire_of(format: EventFormat, record: &[u8]) -> Event {
    let mut wire = Vec::new();
    Transcoder::default()
        .event_to_wire(format, record, &mut wire)
        .unwrap();
    Event::decode(wire.as_slice()).unwrap()
}

#[test]
fn a_json_host_takes_and_gives_json_and_a_json_config() {
    let host = host(&example("add_fields"), EventFormat::Json);
    host.register(
        br#"{"field": "labels.environment", "value": "production"}"#,
        &mut Collect::default(),
    )
    .unwrap();
    let mut sink = Collect::default();
    let line =
        br#"{"@timestamp":"2026-11-30T08:15:00.120Z","message":"GET / 200","d":947865360.6090633}"#;
    assert_eq!(host.process(line, &mut sink).unwrap(), 1);
    let out = String::from_utf8(sink.events[0].clone()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["labels"]["environment"], "production");
    assert_eq!(json["@timestamp"], "2026-11-30T08:15:00.120Z");
    // The double survives the guest and both transcoders bit for bit.
    assert!(out.contains("\"d\":947865360.6090633"), "{out}");
}

#[test]
fn an_unchanged_emit_is_the_input_record_itself() {
    let host = host(&example("passthrough"), EventFormat::Json);
    let line = b"{ \"b\" : 1,\n \"a\" : [ \"x\\u00e9\" ] }";
    let mut sink = Collect::default();
    host.process(line, &mut sink).unwrap();
    assert_eq!(sink.events, vec![line.to_vec()]);
}

#[test]
fn bad_records_fail_alone_with_offsets_and_the_next_is_served() {
    let host = Host::new(
        &example("passthrough"),
        Limits {
            event_format: EventFormat::Json,
            max_event_bytes: 64,
            ..Limits::default()
        },
    )
    .unwrap();
    let mut sink = Collect::default();
    let err = host.process(br#"{"a":1,"a":2}"#, &mut sink).unwrap_err();
    assert_eq!(err.code(), ResultCode::InvalidEvent);
    assert_eq!(
        err.message(),
        "the event is not a valid JSON record: at byte 7: duplicate key \"a\""
    );
    let long = format!(r#"{{"a":"{}"}}"#, "x".repeat(100));
    let err = host.process(long.as_bytes(), &mut sink).unwrap_err();
    assert_eq!(err.code(), ResultCode::EventTooLarge);
    assert!(
        err.message()
            .contains("event of 108 bytes (JSON) is larger than max_event_bytes (64)"),
        "{}",
        err.message()
    );
    assert_eq!(host.process(br#"{"a":1}"#, &mut sink).unwrap(), 1);
    let stats = host.stats();
    assert_eq!((stats.events_in, stats.events_failed), (3, 2));
    assert_eq!(stats.failures["EIW_RESULT_INVALID_EVENT"], 1);
}

#[test]
fn an_emit_json_can_not_hold_fails_the_call_with_its_field() {
    // Emits {"r": NaN} as protobuf.
    let wasm = guest(
        "(drop (call $emit (i32.const 16) (i32.const 18))) (i32.const 0)",
        r#"(data (i32.const 16) "\12\10\0a\0e\0a\01r\12\09\29\00\00\00\00\00\00\f8\7f")"#,
    );
    let json = host(&wasm, EventFormat::Json);
    let mut sink = Collect::default();
    let err = json.process(b"{}", &mut sink).unwrap_err();
    assert_eq!(err.code(), ResultCode::InvalidEmit);
    assert!(
        err.message()
            .contains("the emitted event has no JSON form: at r: the double NaN has no JSON form"),
        "{}",
        err.message()
    );
    assert!(sink.events.is_empty());
    // msgpack holds NaN.
    let msgpack = host(&wasm, EventFormat::Msgpack);
    let mut sink = Collect::default();
    msgpack.process(&[0x80], &mut sink).unwrap();
    let event = wire_of(EventFormat::Msgpack, &sink.events[0]);
    assert!(
        matches!(event.fields.unwrap().fields["r"].kind, Some(Kind::DoubleValue(d)) if d.is_nan())
    );
}

#[test]
fn a_msgpack_host_takes_fluent_bit_records() {
    let host = host(&example("add_fields"), EventFormat::Msgpack);
    // {"field": "tag", "value": "x"} as a msgpack map.
    let mut config = Vec::new();
    rmp::encode::write_map_len(&mut config, 2).unwrap();
    for s in ["field", "tag", "value", "x"] {
        rmp::encode::write_str(&mut config, s).unwrap();
    }
    host.register(&config, &mut Collect::default()).unwrap();
    // [[EventTime(1700000000.5), {}], {"log": "hello"}]
    let mut record = vec![0x92, 0x92, 0xd7, 0x00];
    record.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    record.extend_from_slice(&500_000_000u32.to_be_bytes());
    record.push(0x80);
    rmp::encode::write_map_len(&mut record, 1).unwrap();
    rmp::encode::write_str(&mut record, "log").unwrap();
    rmp::encode::write_str(&mut record, "hello").unwrap();
    let mut sink = Collect::default();
    host.process(&record, &mut sink).unwrap();
    let event = wire_of(EventFormat::Msgpack, &sink.events[0]);
    let ts = event.timestamp.unwrap();
    assert_eq!((ts.seconds, ts.nanos), (1_700_000_000, 500_000_000));
    let fields = event.fields.unwrap().fields;
    assert_eq!(fields["tag"].kind, Some(Kind::StringValue("x".into())));
    assert_eq!(fields["log"].kind, Some(Kind::StringValue("hello".into())));
    // Cut mid-record: an error naming the byte.
    let err = host
        .process(&record[..record.len() - 2], &mut sink)
        .unwrap_err();
    assert_eq!(err.code(), ResultCode::InvalidEvent);
    assert!(
        err.message().ends_with("the record is cut off"),
        "{}",
        err.message()
    );
}

#[test]
fn batches_of_records_keep_each_result_and_output_in_place() {
    let host = host(&example("passthrough"), EventFormat::Json);
    let records: Vec<&[u8]> = vec![
        br#"{"i":0}"#,
        b"[",
        br#"{"i":2}"#,
        br#"{"i":1e999}"#,
        br#"{"i":4}"#,
    ];
    let mut sink = CollectBatch::default();
    let results = host.process_batch(&records, &mut sink);
    assert_eq!(
        common::result_codes(&results),
        vec![
            Ok(1),
            Err(ResultCode::InvalidEvent),
            Ok(1),
            Err(ResultCode::InvalidEvent),
            Ok(1)
        ]
    );
    let outputs: Vec<(usize, &[u8])> = sink
        .events
        .iter()
        .map(|(i, e)| (*i, e.as_slice()))
        .collect();
    assert_eq!(
        outputs,
        vec![(0, records[0]), (2, records[2]), (4, records[4])]
    );
    assert_eq!(host.stats().events_failed, 2);
}

#[test]
fn an_unknown_event_format_is_an_invalid_option() {
    let options = eiw::proto::HostOptions {
        event_format: 9,
        ..Default::default()
    }
    .encode_to_vec();
    let err = Host::from_options(&example("passthrough"), &options)
        .err()
        .unwrap();
    assert_eq!(err.code(), ResultCode::InvalidOptions);
    assert!(err
        .message()
        .contains("event_format 9 is not a format eiw knows"));
}
