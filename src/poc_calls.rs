//! The host functions of ABI 0.x (the proof of concept; docs/ABI.md):
//! fields of the event being processed read and written as JSON by dotted
//! path (`poc`), and the time written into guest memory.
use crate::abi::{self, status};
use crate::error::ResultCode;
use crate::host_calls::{charge, checked_range, checked_raw, guest_bytes, now_nanos, CallState};
use prost::Message;
use wasmer::{AsStoreMut, FunctionEnvMut, MemoryView, RuntimeError};

/// Writes `bytes` at a guest address, or None if they do not fit.
fn write_guest(view: &MemoryView, ptr: i32, bytes: &[u8]) -> Option<()> {
    let start = u64::from(ptr as u32);
    let end = start.checked_add(bytes.len() as u64)?;
    (end <= view.data_size()).then(|| view.write(start, bytes).ok())?
}

/// Reads the UTF-8 string at a guest range for a 0.x host call: the string,
/// or the status to return.
fn poc_string<'a>(
    state: &mut CallState,
    view: &'a MemoryView<'a>,
    call: &str,
    ptr: i32,
    len: i32,
) -> Result<String, i32> {
    let bytes = checked_range(state, view, call, ptr, len)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| status::INVALID_ARGUMENT)
}

/// ABI 0.x `elastic_get_field(key_ptr, key_len, ret_ptr_ptr, ret_len_ptr)`:
/// the field's JSON, copied into memory from the guest's `malloc`.
pub(crate) fn get_field(
    mut env: FunctionEnvMut<CallState>,
    key_ptr: i32,
    key_len: i32,
    ret_ptr_ptr: i32,
    ret_len_ptr: i32,
) -> std::result::Result<i32, RuntimeError> {
    let (json, malloc) = {
        let (state, mut store) = env.data_and_store_mut();
        state.refuse_in_malloc(abi::GET_FIELD)?;
        let (Some(memory), Some(malloc)) = (state.memory.clone(), state.malloc.clone()) else {
            return Ok(status::INTERNAL_FAILURE);
        };
        let view = memory.view(&store);
        let key = match poc_string(state, &view, abi::GET_FIELD, key_ptr, key_len) {
            Ok(key) => key,
            Err(status) => return Ok(status),
        };
        if guest_bytes(&view, ret_ptr_ptr, 4).is_none()
            || guest_bytes(&view, ret_len_ptr, 4).is_none()
        {
            return Ok(state.reject(
                ResultCode::GuestBadPointer,
                format!(
                    "{}: result pointers {ret_ptr_ptr}, {ret_len_ptr} are outside guest memory",
                    abi::GET_FIELD
                ),
            ));
        }
        let Some(event) = &state.event else {
            return Ok(state.reject(
                ResultCode::GuestBadArgument,
                format!("{} called outside `process`", abi::GET_FIELD),
            ));
        };
        let json = match crate::poc::get(event, &key) {
            Some(json) => json,
            None => return Ok(status::NOT_FOUND),
        };
        // The key's bytes and the JSON written, and soon copied.
        charge(state, &mut store, key.len() + 2 * json.len())?;
        (json, malloc)
    };
    let len = i32::try_from(json.len()).unwrap_or(i32::MAX);
    // The guest allocates the room; a trap in its malloc traps this call.
    env.data_mut().in_malloc = true;
    let allocated = malloc.call(&mut env.as_store_mut(), len);
    env.data_mut().in_malloc = false;
    let ptr = allocated?;
    let (state, store) = env.data_and_store_mut();
    let Some(memory) = state.memory.clone() else {
        return Ok(status::INTERNAL_FAILURE);
    };
    let view = memory.view(&store);
    let written = (ptr != 0)
        .then(|| write_guest(&view, ptr, json.as_bytes()))
        .flatten()
        .and_then(|()| write_guest(&view, ret_ptr_ptr, &ptr.to_le_bytes()))
        .and_then(|()| write_guest(&view, ret_len_ptr, &len.to_le_bytes()));
    if written.is_none() {
        let size = view.data_size();
        return Ok(state.reject(
            ResultCode::GuestMalloc,
            format!("`malloc({len})` returned {ptr}, which does not fit {len} bytes in guest memory of {size} bytes"),
        ));
    }
    Ok(status::OK)
}

/// ABI 0.x `elastic_put_field(key_ptr, key_len, value_ptr, value_len)`.
pub(crate) fn put_field(
    mut env: FunctionEnvMut<CallState>,
    key_ptr: i32,
    key_len: i32,
    value_ptr: i32,
    value_len: i32,
) -> std::result::Result<i32, RuntimeError> {
    let (state, mut store) = env.data_and_store_mut();
    state.refuse_in_malloc(abi::PUT_FIELD)?;
    // The call already failed and its event will not be emitted: it is
    // not built further (nor grown past max_emit_bytes).
    if state.violation.is_some() {
        return Ok(status::INVALID_ARGUMENT);
    }
    let key = {
        let Some(memory) = state.memory.clone() else {
            return Ok(status::INTERNAL_FAILURE);
        };
        let view = memory.view(&store);
        match poc_string(state, &view, abi::PUT_FIELD, key_ptr, key_len) {
            Ok(key) => key,
            Err(status) => return Ok(status),
        }
    };
    let value = match checked_raw(state, &store, abi::PUT_FIELD, value_ptr, value_len) {
        // SAFETY: as in `emit_event`.
        Ok(value) => unsafe { value.as_ref() },
        Err(status) => return Ok(status),
    };
    let max = state.limits.max_emit_bytes as usize;
    if value.len() > max {
        return Ok(state.reject(
            ResultCode::InvalidEmit,
            format!(
                "{}: a value of {} bytes is larger than max_emit_bytes ({max})",
                abi::PUT_FIELD,
                value.len()
            ),
        ));
    }
    charge(state, &mut store, key.len() + value.len())?;
    // serde_json refuses JSON nested more than 128 deep.
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(value) else {
        return Ok(status::INVALID_ARGUMENT);
    };
    let Some(event) = state.event.as_mut() else {
        return Ok(state.reject(
            ResultCode::GuestBadArgument,
            format!("{} called outside `process`", abi::PUT_FIELD),
        ));
    };
    if crate::poc::put(event, &key, &json).is_err() {
        return Ok(status::INVALID_ARGUMENT);
    }
    // The event may not outgrow max_emit_bytes: it is measured (and the
    // measuring paid for) whenever what was put since it was last measured
    // could have taken it over.
    state.poc_unmeasured += key.len() + value.len();
    if state.poc_unmeasured > max {
        let size = state.event.as_ref().map_or(0, Message::encoded_len);
        charge(state, &mut store, size)?;
        if size > max {
            return Ok(state.reject(
                ResultCode::InvalidEmit,
                format!(
                    "{}: the event grew to {size} bytes, larger than max_emit_bytes ({max})",
                    abi::PUT_FIELD
                ),
            ));
        }
        state.poc_unmeasured = size;
    }
    Ok(status::OK)
}

/// ABI 0.x `elastic_get_current_time_nanoseconds(ret_ptr)`: the time as a
/// little-endian u64 at `ret_ptr`.
pub(crate) fn get_time(
    mut env: FunctionEnvMut<CallState>,
    ret_ptr: i32,
) -> std::result::Result<i32, RuntimeError> {
    let (state, store) = env.data_and_store_mut();
    state.refuse_in_malloc(abi::GET_TIME)?;
    let Some(memory) = state.memory.clone() else {
        return Ok(status::INTERNAL_FAILURE);
    };
    let view = memory.view(&store);
    Ok(
        match write_guest(&view, ret_ptr, &now_nanos().to_le_bytes()) {
            Some(()) => status::OK,
            None => state.reject(
                ResultCode::GuestBadPointer,
                format!(
                    "{}({ret_ptr}): 8 bytes there are outside guest memory",
                    abi::GET_TIME
                ),
            ),
        },
    )
}
