//! The event check, held to prost: it accepts exactly the bytes prost
//! decodes as an `Event`, on every input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let checked = eiw::validate::is_event(data);
    let decoded = eiw::proto::Event::decode(data);
    assert_eq!(
        checked,
        decoded.is_ok(),
        "the check says {checked}, prost says {decoded:?}"
    );
});
