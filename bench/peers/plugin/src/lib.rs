//! The benchmark workloads as an Extism plugin: bytes in, bytes out.
use eiw_sdk::{Event, Timestamp, Value};
use extism_pdk::*;

/// W0: the input back.
#[plugin_fn]
pub fn w0(input: Vec<u8>) -> FnResult<Vec<u8>> {
    Ok(input)
}

/// W1: the transformation of bench/guests/w1_transform. Extism gives a
/// wasm32-unknown-unknown plugin no clock, so the time comes in the
/// plugin's config once (a fixed value); the rest is the same code path.
#[plugin_fn]
pub fn w1(input: Vec<u8>) -> FnResult<Vec<u8>> {
    let mut event = Event::decode(&input).map_err(|e| Error::msg(e.message))?;
    event.put(
        "event.ingested",
        Timestamp {
            seconds: 1_764_490_500,
            nanos: 0,
        },
    );
    event.put("labels.env", Value::from("bench"));
    event.rename("message", "event.original");
    Ok(event.encode())
}

/// W2: bench/guests/w2_filter's decision; a dropped event is no output.
#[plugin_fn]
pub fn w2(input: Vec<u8>) -> FnResult<Vec<u8>> {
    let event = Event::decode(&input).map_err(|e| Error::msg(e.message))?;
    match event.get_str("log.level") == Some("error") {
        true => Ok(event.encode()),
        false => Ok(Vec::new()),
    }
}

/// W3: examples/split's fan-out, one event per entry of `messages`. Extism
/// returns one buffer, so the events come out length-prefixed (u32, little
/// endian) and the host splits them.
#[plugin_fn]
pub fn w3(input: Vec<u8>) -> FnResult<Vec<u8>> {
    let mut event = Event::decode(&input).map_err(|e| Error::msg(e.message))?;
    let mut out = Vec::new();
    let mut push = |event: &Event| {
        let bytes = event.encode();
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&bytes);
    };
    match event.remove("messages") {
        Some(Value {
            kind: Some(eiw_sdk::Kind::ListValue(list)),
        }) => {
            for message in list.values {
                let mut one = event.clone();
                one.put("message", message);
                push(&one);
            }
        }
        Some(other) => {
            event.put("messages", other);
            push(&event);
        }
        None => push(&event),
    }
    Ok(out)
}
