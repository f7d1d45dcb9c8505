//! The module loader on arbitrary bytes: a module or a typed error, never
//! a crash.
#![no_main]
use eiw::{Collect, Host, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        cpu_points_per_call: Some(1_000_000),
        ..Limits::default()
    };
    if let Ok(host) = Host::new(data, limits) {
        let _ = host.process(&[], &mut Collect::default());
    }
});
