//! The PoC (ABI 0.x) adapter's JSON field access: an arbitrary path and
//! JSON value put into an event and read back. Never a panic or a stack
//! overflow; a put that succeeds can be read.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &[u8])| {
    let (path, json) = input;
    eiw::fuzzing::poc_put_get(path, json);
});
