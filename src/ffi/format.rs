//! Standalone conversions between record formats and protobuf, for agents
//! that want them without a host, and HostOptions from JSON.
use super::boundary::{bytes, null_argument, run};
use super::error::eiw_error;
use crate::error::{Error, Result, ResultCode};
use crate::format::{EventFormat, Transcoder};
use crate::host_format;

fn format_arg(format: u32) -> Result<EventFormat> {
    EventFormat::from_u32(format).ok_or_else(|| {
        Error::new(
            ResultCode::InvalidOptions,
            format!("format {format} is not an eiw_event_format"),
        )
    })
}

/// Runs `convert` into a new buffer and hands it to the caller.
fn output(
    out: *mut *mut u8,
    out_len: *mut usize,
    convert: impl FnOnce(&mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    if out.is_null() || out_len.is_null() {
        return Err(null_argument(if out.is_null() { "out" } else { "out_len" }));
    }
    // SAFETY: checked non-NULL; the caller passes writable slots.
    unsafe {
        *out = std::ptr::null_mut();
        *out_len = 0;
    }
    let mut buffer = Vec::new();
    convert(&mut buffer)?;
    let boxed = buffer.into_boxed_slice();
    // SAFETY: as above.
    unsafe {
        *out_len = boxed.len();
        *out = Box::into_raw(boxed).cast::<u8>();
    }
    Ok(())
}

/// The input's bytes, with the name an error gives them.
type Input<'a> = (*const u8, usize, &'a str);
/// Where the output's pointer and length go.
type Output = (*mut *mut u8, *mut usize);

/// One conversion of `input` in the `eiw_event_format` `format` into a
/// new buffer handed to the caller.
fn convert(
    format: u32,
    (input, input_len, name): Input,
    (out, out_len): Output,
    error_out: *mut *mut eiw_error,
    conversion: impl FnOnce(&mut Transcoder, EventFormat, &[u8], &mut Vec<u8>) -> Result<()>,
) -> ResultCode {
    run(error_out, || {
        output(out, out_len, |buffer| {
            let format = format_arg(format)?;
            // SAFETY: the caller passes a readable (pointer, length) pair.
            let input = unsafe { bytes(input, input_len, name) }?;
            conversion(&mut Transcoder::default(), format, input, buffer)
        })
    })
}

/// Converts one event record in `format` (an `eiw_event_format`) to a
/// serialized `Event`, by the mapping of docs/FORMATS.md.
///
/// On success `*out` points to `*out_len` bytes that the caller frees with
/// `eiw_bytes_free(*out, *out_len)`; both are required and set to NULL and
/// 0 on entry. A record that does not convert fails with
/// `EIW_RESULT_INVALID_EVENT` and a message naming the byte offset or field.
#[no_mangle]
pub extern "C" fn eiw_event_to_protobuf(
    format: u32,
    record: *const u8,
    record_len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    convert(
        format,
        (record, record_len, "record"),
        (out, out_len),
        error_out,
        |transcoder, format, input, buffer| {
            transcoder
                .event_to_wire(format, input, buffer)
                .map_err(|e| host_format::record_error(format, e))
        },
    )
}

/// Converts a serialized `Event` to one record in `format`. The bytes are
/// checked first (`EIW_RESULT_INVALID_EVENT` when they are not an Event);
/// an event the format can not hold exactly (a NaN in JSON, say) fails
/// with `EIW_RESULT_INVALID_EVENT` naming the field. The output is freed
/// as `eiw_event_to_protobuf`'s.
#[no_mangle]
pub extern "C" fn eiw_event_from_protobuf(
    format: u32,
    event: *const u8,
    event_len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    convert(
        format,
        (event, event_len, "event"),
        (out, out_len),
        error_out,
        |transcoder, format, input, buffer| {
            transcoder
                .event_from_unchecked_wire(format, input, buffer)
                .map_err(|e| {
                    Error::new(
                        ResultCode::InvalidEvent,
                        format!("the event has no {} form: {e}", format.name()),
                    )
                })
        },
    )
}

/// Converts a config record in `format` (a JSON object or a msgpack map of
/// parameters) to a serialized `Config`; `EIW_RESULT_INVALID_CONFIG` when
/// it does not convert. The output is freed as `eiw_event_to_protobuf`'s.
#[no_mangle]
pub extern "C" fn eiw_config_to_protobuf(
    format: u32,
    record: *const u8,
    record_len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    convert(
        format,
        (record, record_len, "record"),
        (out, out_len),
        error_out,
        |transcoder, format, input, buffer| {
            transcoder
                .config_to_wire(format, input, buffer)
                .map_err(|e| host_format::config_error(format, e))
        },
    )
}

/// Serialized `HostOptions` from a JSON object of its fields, for
/// `eiw_host_new`: `{"event_format": "json", "max_event_bytes": 65536}`.
/// `event_format` is "protobuf", "json" or "msgpack"; `cache_key` is
/// base64; other fields are numbers and booleans as in proto/eiw.proto.
/// An unknown field or a value out of range fails with
/// `EIW_RESULT_INVALID_OPTIONS`. The output is freed as
/// `eiw_event_to_protobuf`'s.
#[no_mangle]
pub extern "C" fn eiw_host_options_from_json(
    json: *const u8,
    json_len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
    error_out: *mut *mut eiw_error,
) -> ResultCode {
    run(error_out, || {
        output(out, out_len, |buffer| {
            // SAFETY: the caller passes a readable (pointer, length) pair.
            let json = unsafe { bytes(json, json_len, "json") }?;
            let options = crate::options_json::host_options_from_json(json)
                .map_err(|e| Error::new(ResultCode::InvalidOptions, e))?;
            prost::Message::encode(&options, buffer)
                .map_err(|e| Error::new(ResultCode::Panic, e.to_string()))
        })
    })
}
