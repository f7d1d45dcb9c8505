//! The msgpack mapping (docs/FORMATS.md): record shapes, every type, errors.
use eiw::format::{EventFormat, Transcoder};
use eiw::proto::{Event, Kind, Timestamp, Value};
use prost::Message;
use rmp::encode as mp;

fn to_wire(record: &[u8]) -> Result<Event, String> {
    let mut out = Vec::new();
    Transcoder::default()
        .event_to_wire(EventFormat::Msgpack, record, &mut out)
        .map_err(|e| e.to_string())?;
    Ok(Event::decode(out.as_slice()).unwrap())
}

fn to_msgpack(event: &Event) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    Transcoder::default()
        .event_from_unchecked_wire(EventFormat::Msgpack, &event.encode_to_vec(), &mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn body(out: &mut Vec<u8>) {
    mp::write_map_len(out, 1).unwrap();
    mp::write_str(out, "log").unwrap();
    mp::write_str(out, "x").unwrap();
}

fn event_time(out: &mut Vec<u8>, seconds: u32, nanos: u32) {
    mp::write_ext_meta(out, 8, 0).unwrap();
    out.extend_from_slice(&seconds.to_be_bytes());
    out.extend_from_slice(&nanos.to_be_bytes());
}

fn time_of(event: &Event) -> (i64, i32) {
    let t = event.timestamp.unwrap();
    (t.seconds, t.nanos)
}

#[test]
fn every_record_shape_fluent_bit_and_fluentd_use() {
    // A bare map.
    let mut record = Vec::new();
    body(&mut record);
    assert_eq!(to_wire(&record).unwrap().timestamp, None);
    // [EventTime, map], [integer, map], [float, map].
    type WriteTime = fn(&mut Vec<u8>);
    let times: [(WriteTime, (i64, i32)); 3] = [
        (
            |out| event_time(out, 1_700_000_000, 123),
            (1_700_000_000, 123),
        ),
        (
            |out| drop(mp::write_uint(out, 1_700_000_000)),
            (1_700_000_000, 0),
        ),
        (
            |out| mp::write_f64(out, 1_700_000_000.25).unwrap(),
            (1_700_000_000, 250_000_000),
        ),
    ];
    for (time, want) in times {
        let mut record = vec![0x92];
        time(&mut record);
        body(&mut record);
        assert_eq!(time_of(&to_wire(&record).unwrap()), want);
    }
    // [[EventTime, metadata], map]: Fluent Bit 2.1+.
    let mut record = vec![0x92, 0x92];
    event_time(&mut record, 5, 6);
    mp::write_map_len(&mut record, 1).unwrap();
    mp::write_str(&mut record, "tag").unwrap();
    mp::write_str(&mut record, "app").unwrap();
    body(&mut record);
    let event = to_wire(&record).unwrap();
    assert_eq!(time_of(&event), (5, 6));
    assert_eq!(event.metadata["tag"], "app");
    // Written back in the canonical shape, which here is the input's.
    assert_eq!(to_msgpack(&event).unwrap(), record);
}

#[test]
fn every_msgpack_type() {
    let mut record = Vec::new();
    mp::write_map_len(&mut record, 13).unwrap();
    let mut put = |k: &str, f: &dyn Fn(&mut Vec<u8>)| {
        mp::write_str(&mut record, k).unwrap();
        f(&mut record);
    };
    put("nil", &|o| mp::write_nil(o).unwrap());
    put("t", &|o| mp::write_bool(o, true).unwrap());
    put("u8", &|o| mp::write_u8(o, 200).unwrap());
    put("i8", &|o| mp::write_i8(o, -100).unwrap());
    put("i64", &|o| mp::write_i64(o, i64::MIN).unwrap());
    put("u64", &|o| mp::write_u64(o, u64::MAX).unwrap());
    put("u64small", &|o| mp::write_u64(o, 7).unwrap());
    put("f32", &|o| mp::write_f32(o, 0.1).unwrap());
    put("f64", &|o| mp::write_f64(o, f64::NAN).unwrap());
    put("str", &|o| mp::write_str(o, "é").unwrap());
    put("bin", &|o| mp::write_bin(o, &[0, 255]).unwrap());
    put("arr", &|o| {
        mp::write_array_len(o, 2).unwrap();
        mp::write_nil(o).unwrap();
        mp::write_map_len(o, 0).unwrap();
    });
    put("ts", &|o| {
        mp::write_ext_meta(o, 12, -1).unwrap();
        o.extend_from_slice(&7u32.to_be_bytes());
        o.extend_from_slice(&(-5i64).to_be_bytes());
    });
    let fields = to_wire(&record).unwrap().fields.unwrap().fields;
    let kind = |k: &str| fields[k].kind.clone();
    assert!(matches!(kind("nil"), Some(Kind::NullValue(0))));
    assert_eq!(kind("t"), Some(Kind::BoolValue(true)));
    assert_eq!(kind("u8"), Some(Kind::IntValue(200)));
    assert_eq!(kind("i8"), Some(Kind::IntValue(-100)));
    assert_eq!(kind("i64"), Some(Kind::IntValue(i64::MIN)));
    assert_eq!(kind("u64"), Some(Kind::UintValue(u64::MAX)));
    assert_eq!(kind("u64small"), Some(Kind::IntValue(7)));
    assert_eq!(kind("f32"), Some(Kind::DoubleValue(f64::from(0.1f32))));
    assert!(matches!(kind("f64"), Some(Kind::DoubleValue(d)) if d.is_nan()));
    assert_eq!(kind("str"), Some(Kind::StringValue("é".into())));
    assert_eq!(kind("bin"), Some(Kind::BytesValue(vec![0, 255])));
    assert_eq!(
        kind("ts"),
        Some(Kind::TimestampValue(Timestamp {
            seconds: -5,
            nanos: 7
        }))
    );
    let Some(Kind::ListValue(list)) = kind("arr") else {
        panic!()
    };
    assert_eq!(list.values.len(), 2);
    // Back to msgpack and in again: the same event.
    let event = to_wire(&record).unwrap();
    let again = to_wire(&to_msgpack(&event).unwrap()).unwrap();
    assert_eq!(format!("{again:?}"), format!("{event:?}"));
}

#[test]
fn bad_records_are_errors_naming_the_byte() {
    let mut non_string_key = vec![0x81];
    mp::write_uint(&mut non_string_key, 1).unwrap();
    mp::write_nil(&mut non_string_key).unwrap();
    let mut other_ext = vec![0x81, 0xa1, b'e'];
    mp::write_ext_meta(&mut other_ext, 1, 5).unwrap();
    other_ext.push(0);
    let mut bad_utf8 = vec![0x81, 0xa1, b's', 0xa2, b'a', 0xff];
    let mut duplicate = vec![0x82, 0xa1, b'a', 0xc0, 0xa1, b'a', 0xc0];
    let mut deep = vec![0x81, 0xa1, b'a'];
    deep.extend(std::iter::repeat_n(0x91, 100_000));
    deep.push(0xc0);
    let mut too_many_nanos = vec![0x92];
    event_time(&mut too_many_nanos, 1, 1_000_000_000);
    body(&mut too_many_nanos);
    for (record, says) in [
        (&mut non_string_key, "at byte 1: map keys must be strings"),
        (
            &mut other_ext,
            "at byte 3: msgpack extension type 5 of 1 bytes has no Event form",
        ),
        (&mut bad_utf8, "at byte 5: invalid UTF-8 in a string"),
        (&mut duplicate, "at byte 4: duplicate key \"a\""),
        (&mut deep, "nested too deep"),
        (
            &mut too_many_nanos,
            "at byte 1: a time with 1000000000 nanoseconds",
        ),
        (
            &mut vec![0x93, 0, 0x80, 0x80],
            "at byte 0: a record must be a map, [time, map] or [[time, metadata], map]",
        ),
        (&mut vec![0xa1, b'x'], "a record must be a map"),
        (
            &mut vec![0x80, 0xc0],
            "at byte 1: unexpected bytes after the record",
        ),
        (
            &mut vec![0x82, 0xa1, b'a'],
            "at byte 3: the record is cut off",
        ),
        (
            &mut vec![0xdf, 0xff, 0xff, 0xff, 0xff],
            "at byte 5: the record is cut off",
        ),
        (
            &mut vec![0x81, 0xa1, b'a', 0xc1],
            "at byte 3: 0xc1 is not a msgpack marker",
        ),
        (&mut vec![], "at byte 0: the record is cut off"),
    ] {
        let err = to_wire(record).unwrap_err();
        assert!(err.contains(says), "{record:02x?}: {err}");
    }
}

#[test]
fn timestamps_outside_event_time_use_the_msgpack_timestamp() {
    let mut event = Event {
        timestamp: Some(Timestamp {
            seconds: -1,
            nanos: 5,
        }),
        fields: Some(Default::default()),
        ..Event::default()
    };
    event
        .fields
        .as_mut()
        .unwrap()
        .fields
        .insert("v".into(), Value::from("x"));
    let record = to_msgpack(&event).unwrap();
    assert_eq!(&record[..4], &[0x92, 0x92, 0xc7, 12]);
    assert_eq!(time_of(&to_wire(&record).unwrap()), (-1, 5));
}

/// What a hostile record can make the transcoders do is bounded by its
/// bytes: sizes it claims but does not carry end at its end, and an object
/// of many keys is sorted once, not compared pair by pair.
#[test]
fn hostile_records_cost_what_their_bytes_cost() {
    for claim in [
        vec![0xdf, 0xff, 0xff, 0xff, 0xff],
        vec![0x81, 0xa1, b'a', 0xdd, 0xff, 0xff, 0xff, 0xff],
        vec![0x81, 0xa1, b'a', 0xdb, 0xff, 0xff, 0xff, 0xff],
        vec![0x81, 0xa1, b'a', 0xc9, 0xff, 0xff, 0xff, 0xff, 0x00],
    ] {
        assert!(
            to_wire(&claim).unwrap_err().contains("cut off"),
            "{claim:02x?}"
        );
    }
    // 200,000 distinct keys and then one repeated: found by one sort.
    let n = 200_000u32;
    let mut record = Vec::new();
    mp::write_map_len(&mut record, n + 1).unwrap();
    for i in 0..n {
        mp::write_str(&mut record, &format!("k{i}")).unwrap();
        mp::write_nil(&mut record).unwrap();
    }
    mp::write_str(&mut record, "k123456").unwrap();
    mp::write_nil(&mut record).unwrap();
    assert_eq!(
        to_wire(&record).unwrap_err(),
        "at byte 0: duplicate key \"k123456\" in the map"
    );
    let mut json = String::from("{");
    for i in 0..n {
        json.push_str(&format!("\"k{i}\":0,"));
    }
    json.push_str("\"k99\":1}");
    let err = Transcoder::default()
        .event_to_wire(EventFormat::Json, json.as_bytes(), &mut Vec::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "at byte 0: duplicate key \"k99\" in the object"
    );
}

/// A value one level above the depth limit can be a number but not a
/// timestamp (its Timestamp is a message one level deeper): the deepest
/// timestamp is refused by name, never written as bytes the event check
/// refuses (found by the msgpack_transcode fuzz target).
#[test]
fn a_timestamp_at_the_depth_limit_is_refused_not_written_invalid() {
    let wire = |record: &[u8]| {
        let mut out = Vec::new();
        Transcoder::default()
            .event_to_wire(EventFormat::Msgpack, record, &mut out)
            .map(|_| out)
            .map_err(|e| e.to_string())
    };
    let (mut deepest_number, mut deepest_timestamp) = (0, 0);
    for n in 1..60 {
        for (leaf, deepest) in [
            (&[0x01][..], &mut deepest_number),
            (&[0xd6, 0xff, 0, 0, 0, 1][..], &mut deepest_timestamp),
        ] {
            let mut record = vec![0x81, 0xa1, b'a'];
            record.extend(std::iter::repeat_n(0x91, n));
            record.extend_from_slice(leaf);
            match wire(&record) {
                Ok(bytes) => {
                    assert!(eiw::validate::is_event(&bytes), "{n} arrays, {leaf:02x?}");
                    *deepest = n;
                }
                Err(e) => assert!(e.contains("nested too deep"), "{e}"),
            }
        }
    }
    assert_eq!((deepest_number, deepest_timestamp), (48, 47));
}
