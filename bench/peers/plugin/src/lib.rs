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
