//! A module for the proof-of-concept ABI (0.x), written the way its SDK
//! wrote them: raw `elastic` imports, `malloc`, and `process()` with no
//! parameters that reaches the event only through host calls. No ABI
//! marker. The event's `case` field picks what it does:
//!
//! - `types`: puts one field of every JSON type under `t`;
//! - `get`: copies `message`, `log.level` and `log` under `copy` (those
//!   present), and the status of getting a missing key to
//!   `copy.missing_status`;
//! - `time`: puts the host time under `event.ingested_ns`;
//! - `log`: logs "hello from 0.x" at warn level;
//! - `fail`: returns status 1;
//! - `bad_pointer`: calls get_field with a key outside memory;
//! - `bad_json`: puts invalid JSON and records the status it got;
//! - anything else: changes nothing (the event is emitted unchanged).
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "elastic")]
extern "C" {
    fn elastic_get_field(
        key_ptr: *const u8,
        key_len: usize,
        ret_ptr_ptr: *mut u32,
        ret_len_ptr: *mut u32,
    ) -> i32;
    fn elastic_put_field(
        key_ptr: *const u8,
        key_len: usize,
        value_ptr: *const u8,
        value_len: usize,
    ) -> i32;
    fn elastic_log(level: i32, ptr: *const u8, len: usize) -> i32;
    fn elastic_get_current_time_nanoseconds(ret_ptr: *mut u64) -> i32;
}

/// Host stand-ins so the crate also builds (and lints) on the host.
#[cfg(not(target_arch = "wasm32"))]
mod host_stand_ins {
    pub unsafe fn elastic_get_field(_: *const u8, _: usize, _: *mut u32, _: *mut u32) -> i32 {
        3
    }
    pub unsafe fn elastic_put_field(_: *const u8, _: usize, _: *const u8, _: usize) -> i32 {
        0
    }
    pub unsafe fn elastic_log(_: i32, _: *const u8, _: usize) -> i32 {
        0
    }
    pub unsafe fn elastic_get_current_time_nanoseconds(_: *mut u64) -> i32 {
        0
    }
}
#[cfg(not(target_arch = "wasm32"))]
use host_stand_ins::*;

/// The JSON at a key, or the status the host returned.
fn get(key: &str) -> Result<String, i32> {
    let (mut ptr, mut len) = (0u32, 0u32);
    let status = unsafe { elastic_get_field(key.as_ptr(), key.len(), &mut ptr, &mut len) };
    if status != 0 {
        return Err(status);
    }
    // The host wrote the JSON into memory from our malloc: take it back.
    let bytes = unsafe { Vec::from_raw_parts(ptr as *mut u8, len as usize, len as usize) };
    String::from_utf8(bytes).map_err(|_| 2)
}

fn put(key: &str, json: &str) -> i32 {
    unsafe { elastic_put_field(key.as_ptr(), key.len(), json.as_ptr(), json.len()) }
}

fn run() -> i32 {
    let case = get("case").unwrap_or_default();
    match case.as_str() {
        "\"types\"" => {
            for (key, json) in [
                ("t.string", "\"text\""),
                ("t.int", "42"),
                ("t.negative", "-7"),
                ("t.float", "2.5"),
                ("t.whole_float", "2.0"),
                ("t.big", "18446744073709551615"),
                ("t.bool", "true"),
                ("t.null", "null"),
                ("t.array", "[1,\"a\",null,[true]]"),
                ("t.object", "{\"k\":{\"n\":1}}"),
            ] {
                let status = put(key, json);
                if status != 0 {
                    return status;
                }
            }
            0
        }
        "\"get\"" => {
            for (from, to) in [
                ("message", "copy.message"),
                ("log.level", "copy.level"),
                ("log", "copy.log"),
            ] {
                match get(from) {
                    Ok(json) => {
                        put(to, &json);
                    }
                    Err(3) => continue,
                    Err(status) => return status,
                }
            }
            let missing = get("no.such.key").err().unwrap_or(0);
            put("copy.missing_status", &missing.to_string())
        }
        "\"time\"" => {
            let mut now = 0u64;
            let status = unsafe { elastic_get_current_time_nanoseconds(&mut now) };
            if status != 0 {
                return status;
            }
            put("event.ingested_ns", &now.to_string())
        }
        "\"log\"" => {
            let line = "hello from 0.x";
            unsafe { elastic_log(2, line.as_ptr(), line.len()) }
        }
        "\"fail\"" => 1,
        "\"bad_pointer\"" => {
            let (mut ptr, mut len) = (0u32, 0u32);
            unsafe { elastic_get_field(0xffff_ff00usize as *const u8, 4, &mut ptr, &mut len) }
        }
        "\"bad_json\"" => {
            let status = put("x", "{not json");
            put("copy.bad_json_status", &status.to_string())
        }
        _ => 0,
    }
}

// Only on wasm32: on the host a `malloc` symbol would replace libc's.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn malloc(size: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(size);
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn process() -> i32 {
    run()
}
