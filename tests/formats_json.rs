//! The JSON mapping (docs/FORMATS.md), edge by edge, both ways.
use eiw::format::{EventFormat, Transcoder};
use eiw::proto::{Event, Kind, Value};
use prost::Message;

fn to_wire(json: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    Transcoder::default()
        .event_to_wire(EventFormat::Json, json.as_bytes(), &mut out)
        .map(|()| out)
        .map_err(|e| e.to_string())
}

fn to_event(json: &str) -> Event {
    Event::decode(to_wire(json).unwrap().as_slice()).unwrap()
}

fn to_json(event: &Event) -> Result<String, String> {
    let mut out = Vec::new();
    Transcoder::default()
        .event_from_unchecked_wire(EventFormat::Json, &event.encode_to_vec(), &mut out)
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).unwrap())
}

fn field(event: &Event, name: &str) -> Option<Kind> {
    event.fields.as_ref()?.fields.get(name)?.kind.clone()
}

/// JSON to protobuf to JSON, keeping the order of fields.
fn round_trip(json: &str) -> String {
    let mut out = Vec::new();
    Transcoder::default()
        .event_from_wire(EventFormat::Json, &to_wire(json).unwrap(), &mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_mapping_of_every_kind() {
    let event = to_event(
        r#"{"@timestamp":"2024-05-01T12:00:00.250Z","@metadata":{"input":"file"},
            "s":"x","i":-3,"u":18446744073709551615,"d":0.5,"t":true,"f":false,"n":null,
            "o":{"a":[1,"two",{"three":3}]},"e":{},"l":[]}"#,
    );
    let ts = event.timestamp.unwrap();
    assert_eq!((ts.seconds, ts.nanos), (1_714_564_800, 250_000_000));
    assert_eq!(event.metadata["input"], "file");
    assert_eq!(field(&event, "s"), Some(Kind::StringValue("x".into())));
    assert_eq!(field(&event, "i"), Some(Kind::IntValue(-3)));
    assert_eq!(field(&event, "u"), Some(Kind::UintValue(u64::MAX)));
    assert_eq!(field(&event, "d"), Some(Kind::DoubleValue(0.5)));
    assert_eq!(field(&event, "t"), Some(Kind::BoolValue(true)));
    assert!(matches!(field(&event, "n"), Some(Kind::NullValue(0))));
    // The reference path (serde_json + prost) reads the same event.
    let text = r#"{"@timestamp":"2024-05-01T12:00:00.250Z","@metadata":{"input":"file"},"s":"x","i":-3,"u":18446744073709551615,"d":0.5,"t":true,"f":false,"n":null,"o":{"a":[1,"two",{"three":3}]},"e":{},"l":[]}"#;
    let reference = eiw::json::event_from_json(&serde_json::from_str(text).unwrap()).unwrap();
    assert_eq!(to_event(text), reference);
    // Canonical output: @timestamp, @metadata, then fields in order.
    assert_eq!(round_trip(text), text);
}

#[test]
fn doubles_are_written_shortest_and_read_back_bit_exact() {
    for text in [
        "947865360.6090633",
        "0.1",
        "1e300",
        "5e-324",
        "-2.5",
        "1.7976931348623157e308",
        "123456789012345680000.0",
    ] {
        let event = to_event(&format!(r#"{{"d":{text}}}"#));
        let Some(Kind::DoubleValue(d)) = field(&event, "d") else {
            panic!("{text}")
        };
        assert_eq!(d, text.parse::<f64>().unwrap(), "{text}");
        let back = to_event(&to_json(&event).unwrap());
        let Some(Kind::DoubleValue(again)) = field(&back, "d") else {
            panic!()
        };
        assert_eq!(again.to_bits(), d.to_bits(), "{text}");
    }
    assert_eq!(
        round_trip(r#"{"d":947865360.6090633}"#),
        r#"{"d":947865360.6090633}"#
    );
    // A whole double keeps a fraction so that it reads back as a double.
    assert_eq!(round_trip(r#"{"d":2.0,"e":1E2}"#), r#"{"d":2.0,"e":100.0}"#);
    // -0 and -0.0 are the double -0 (as serde_json reads them).
    assert_eq!(round_trip(r#"{"a":-0,"b":-0.0}"#), r#"{"a":-0.0,"b":-0.0}"#);
    let mut state = 0x1234_5678_9abc_def1u64;
    for _ in 0..100_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let d = f64::from_bits(state);
        if !d.is_finite() {
            continue;
        }
        let event = Event {
            fields: Some(eiw::proto::Struct {
                fields: [("d".to_string(), Value::from(d))].into(),
            }),
            ..Event::default()
        };
        let back = to_event(&to_json(&event).unwrap());
        let Some(Kind::DoubleValue(again)) = field(&back, "d") else {
            panic!("{d}")
        };
        assert_eq!(again.to_bits(), d.to_bits());
    }
}

#[test]
fn numbers_it_can_not_hold_exactly_are_errors() {
    for (json, says) in [
        (
            r#"{"a":18446744073709551616}"#,
            "at byte 5: the integer 18446744073709551616 is outside the range of int64 and uint64",
        ),
        (
            r#"{"a":-9223372036854775809}"#,
            "outside the range of int64",
        ),
        (
            r#"{"a":1e400}"#,
            "at byte 5: the number 1e400 is beyond the range of a double",
        ),
        (r#"{"a":-1e400}"#, "beyond the range of a double"),
        (
            r#"{"a":1e-400}"#,
            "too small for a double (it would become 0)",
        ),
        (r#"{"a":01}"#, "at byte 6: expected , or } in an object"),
        (r#"{"a":1.}"#, "a digit after its decimal point"),
        (r#"{"a":NaN}"#, "expected a value"),
    ] {
        let err = to_wire(json).unwrap_err();
        assert!(err.contains(says), "{json}: {err}");
    }
    assert_eq!(
        field(&to_event(r#"{"a":-9223372036854775808}"#), "a"),
        Some(Kind::IntValue(i64::MIN))
    );
    assert_eq!(
        field(&to_event(r#"{"a":9223372036854775808}"#), "a"),
        Some(Kind::UintValue(1 << 63))
    );
    assert_eq!(
        field(&to_event(r#"{"a":0e-999}"#), "a"),
        Some(Kind::DoubleValue(0.0))
    );
}

#[test]
fn non_finite_doubles_and_colliding_names_are_not_written() {
    for d in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut event = to_event(r#"{"x":{"y":[1]}}"#);
        let Some(Kind::StructValue(s)) = &mut event
            .fields
            .as_mut()
            .unwrap()
            .fields
            .get_mut("x")
            .unwrap()
            .kind
        else {
            panic!()
        };
        s.fields.insert("rate".into(), Value::from(d));
        let err = to_json(&event).unwrap_err();
        assert!(
            err.starts_with("at x.rate: the double")
                && err.ends_with("has no JSON form (JSON has no NaN or infinity)"),
            "{err}"
        );
    }
    let mut event = to_event("{}");
    event
        .fields
        .as_mut()
        .unwrap()
        .fields
        .insert("@timestamp".into(), Value::from("noon"));
    assert!(to_json(&event)
        .unwrap_err()
        .contains("a field named \"@timestamp\""));
}

#[test]
fn strings_escapes_and_surrogates() {
    let event = to_event(r#"{"s":"a\"b\\c\/d\b\f\n\r\t\u0000\u00e9\ud83d\ude00 é😀"}"#);
    assert_eq!(
        field(&event, "s"),
        Some(Kind::StringValue(
            "a\"b\\c/d\u{8}\u{c}\n\r\t\u{0}é😀 é😀".into()
        ))
    );
    assert_eq!(
        to_json(&event).unwrap(),
        r#"{"s":"a\"b\\c/d\b\f\n\r\t\u0000é😀 é😀"}"#
    );
    // Escaped member names are decoded like values; a long escaped string
    // takes a two-byte length.
    let long = format!(r#"{{"k\u0041":"{}\n"}}"#, "x".repeat(300));
    assert!(field(&to_event(&long), "kA").is_some());
    for (json, at, says) in [
        (r#"{"s":"\ud800"}"#, 6, "lone surrogate"),
        (r#"{"s":"\ud800\u0041"}"#, 6, "lone surrogate"),
        (r#"{"s":"\udc00"}"#, 6, "lone surrogate"),
        (r#"{"s":"\u12"}"#, 6, "four hex digits"),
        (r#"{"s":"\x"}"#, 6, "invalid escape"),
        ("{\"s\":\"a\tb\"}", 7, "control character"),
        (r#"{"s":"abc"#, 9, "ends inside a string"),
    ] {
        let err = to_wire(json).unwrap_err();
        assert!(
            err.starts_with(&format!("at byte {at}: ")) && err.contains(says),
            "{json}: {err}"
        );
    }
    let mut bad = br#"{"s":"abcd"}"#.to_vec();
    bad[8] = 0xff;
    let err = Transcoder::default()
        .event_to_wire(EventFormat::Json, &bad, &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.to_string(), "at byte 8: invalid UTF-8 in a string");
    assert_eq!(err.offset(), Some(8));
    let mut bad = "{\"s\":\"éé\"}".as_bytes().to_vec();
    bad[8] = b'x';
    assert_eq!(
        Transcoder::default()
            .event_to_wire(EventFormat::Json, &bad, &mut Vec::new())
            .unwrap_err()
            .offset(),
        Some(9)
    );
    let mut bad = "{\"s\":\"éé\"}".as_bytes().to_vec();
    bad[7] = b'x';
    assert_eq!(
        Transcoder::default()
            .event_to_wire(EventFormat::Json, &bad, &mut Vec::new())
            .unwrap_err()
            .offset(),
        Some(6)
    );
}

#[test]
fn structure_errors_name_the_byte() {
    for (json, says) in [
        (
            "[1]",
            "at byte 0: an event must be a JSON object; found '['",
        ),
        (
            "",
            "at byte 0: an event must be a JSON object; found nothing",
        ),
        (
            "  \"x\"",
            "at byte 2: an event must be a JSON object; found '\"'",
        ),
        (r#"{"a":1} x"#, "at byte 8: unexpected text after the event"),
        (r#"{"a":1}{}"#, "at byte 7: unexpected text after the event"),
        (r#"{"a":1,"a":2}"#, "at byte 7: duplicate key \"a\""),
        (r#"{"o":{"b":1,"b":1}}"#, "duplicate key \"b\""),
        (
            r#"{"@timestamp":"noon"}"#,
            "at byte 14: @timestamp \"noon\": it is not an RFC 3339 time",
        ),
        (r#"{"@timestamp":5}"#, "@timestamp must be a string"),
        (
            r#"{"@metadata":{"a":1}}"#,
            "@metadata values must be strings",
        ),
        (
            r#"{"@metadata":[]}"#,
            "@metadata must be an object of strings",
        ),
        (r#"{"a":[1,}"#, "expected a value"),
        (r#"{"a" 1}"#, "expected :"),
        (r#"{a:1}"#, "expected a member name"),
        (r#"{"a":tru}"#, "expected a value"),
        (r#"{"a":[1"#, "the input ends inside an array"),
    ] {
        let err = to_wire(json).unwrap_err();
        assert!(err.contains(says), "{json}: {err}");
    }
    // Many keys: duplicates found by the sort at the object's end.
    let many: Vec<String> = (0..50).map(|i| format!("\"k{i}\":{i}")).collect();
    let json = format!("{{{},\"k7\":0}}", many.join(","));
    assert_eq!(
        to_wire(&json).unwrap_err(),
        "at byte 0: duplicate key \"k7\" in the object"
    );
}

#[test]
fn depth_is_bounded_as_the_event_check_bounds_it() {
    // The deepest arrays the event check accepts, and one more.
    let mut ok_depth = 0;
    for n in 1..60 {
        let json = format!(r#"{{"a":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
        match to_wire(&json) {
            Ok(wire) => {
                assert!(eiw::validate::is_event(&wire), "{n}");
                ok_depth = n;
            }
            Err(e) => {
                assert!(e.contains("nested too deep"), "{e}");
                let reference =
                    eiw::json::event_from_json(&serde_json::from_str(&json).unwrap()).unwrap();
                assert!(!eiw::validate::is_event(&reference.encode_to_vec()), "{n}");
                break;
            }
        }
    }
    assert_eq!(ok_depth, 48);
    for n in 1..40 {
        let json = format!(r#"{{"a":{}1{}}}"#, r#"{"a":"#.repeat(n), "}".repeat(n));
        let reference = eiw::json::event_from_json(&serde_json::from_str(&json).unwrap()).unwrap();
        assert_eq!(
            to_wire(&json).is_ok(),
            eiw::validate::is_event(&reference.encode_to_vec()),
            "{n}"
        );
    }
    // Far deeper than any stack would hold: an error, not a crash.
    let deep = format!(r#"{{"a":{}}}"#, "[".repeat(1_000_000));
    assert!(to_wire(&deep).unwrap_err().contains("nested too deep"));
}

#[test]
fn bytes_and_timestamps_in_values_are_written_as_strings() {
    let mut event = to_event("{}");
    let fields = &mut event.fields.as_mut().unwrap().fields;
    fields.insert("b".into(), Value::from(vec![0u8, 255, 10]));
    fields.insert(
        "t".into(),
        Value {
            kind: Some(Kind::TimestampValue(eiw::proto::Timestamp {
                seconds: 1,
                nanos: 5000,
            })),
        },
    );
    assert_eq!(
        to_json(&event).unwrap(),
        r#"{"b":"AP8K","t":"1970-01-01T00:00:01.000005Z"}"#
    );
    event.timestamp = Some(eiw::proto::Timestamp {
        seconds: 253_402_300_800,
        nanos: 0,
    });
    assert!(to_json(&event)
        .unwrap_err()
        .contains("outside the years 0000 to 9999"));
}

#[test]
fn protobuf_that_is_not_an_event_is_an_error() {
    let mut out = Vec::new();
    let err = Transcoder::default()
        .event_from_unchecked_wire(EventFormat::Json, &[0x12, 0x05, 0x0a], &mut out)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the bytes are not a valid Event"),
        "{err}"
    );
    assert!(out.is_empty());
}
