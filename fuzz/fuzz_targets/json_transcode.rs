//! JSON records: any bytes either fail with an error or become a valid
//! Event whose canonical JSON reads back to the same protobuf.
#![no_main]
use eiw::format::EventFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| eiw::fuzzing::transcode_round_trip(EventFormat::Json, data));
