//! The event check, held to prost: it accepts exactly the bytes prost
//! decodes as an `Event`, on every input; and the emit check given an input
//! (which takes the input's copied entries as checked) agrees with the full
//! check on outputs made from a valid input by changing one byte.
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
    if checked && !data.is_empty() {
        assert!(eiw::validate::is_emit_of(data, data));
        let mut output = data.to_vec();
        let at = usize::from(data[0]) * 7 % output.len();
        output[at] ^= 1 << (data[data.len() - 1] % 8);
        assert_eq!(
            eiw::validate::is_emit_of(&output, data),
            eiw::validate::is_event(&output),
            "given the input {data:02x?}, the emit check disagrees on {output:02x?}"
        );
    }
});
