//! Random valid modules (wasm-smith) with the ABI's exports and imports,
//! in the feature set eiw accepts plus some it refuses: each loads or is
//! refused with a typed error, and runs one event within the CPU budget.
#![no_main]
use arbitrary::{Arbitrary, Unstructured};
use eiw::{Collect, Host, Limits};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn shape() -> &'static (Vec<u8>, Vec<u8>) {
    static SHAPE: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let exports = wat::parse_str(
            r#"(module
              (memory (export "memory") 1)
              (func (export "elastic_ingest_wasm_abi_1_1") unreachable)
              (func (export "malloc") (param i32) (result i32) unreachable)
              (func (export "process") (param i32 i32) (result i32) unreachable)
              (func (export "register") (param i32 i32) (result i32) unreachable)
              (func (export "process_batch") (param i32 i32) (result i32) unreachable))"#,
        )
        .expect("exports");
        let imports = wat::parse_str(
            r#"(module
              (import "elastic" "elastic_emit_event" (func (param i32 i32) (result i32)))
              (import "elastic" "elastic_log" (func (param i32 i32 i32) (result i32)))
              (import "elastic" "elastic_get_current_time_nanoseconds" (func (result i64)))
              (import "elastic" "elastic_batch_result" (func (param i32 i32) (result i32))))"#,
        )
        .expect("imports");
        (exports, imports)
    })
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut config) = wasm_smith::Config::arbitrary(&mut u) else {
        return;
    };
    let (exports, imports) = shape();
    config.exports = Some(exports.clone());
    config.available_imports = Some(imports.clone());
    config.max_memories = 1;
    config.max_memory32_bytes = 1 << 24;
    // Keep what is generated small enough to compile quickly.
    config.max_funcs = config.max_funcs.min(50);
    config.max_instructions = config.max_instructions.min(500);
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return;
    };
    let wasm = module.to_bytes();
    // To look at a crash's module: EIW_FUZZ_DUMP=FILE and run the input.
    if let Some(path) = std::env::var_os("EIW_FUZZ_DUMP") {
        std::fs::write(path, &wasm).expect("EIW_FUZZ_DUMP is writable");
    }
    let limits = Limits {
        cpu_points_per_call: Some(1_000_000),
        ..Limits::default()
    };
    match Host::new(&wasm, limits) {
        Ok(host) => {
            let event = eiw::json::event_from_json(&serde_json::json!({"message": "m"}))
                .expect("event");
            let _ = host.process(&prost::Message::encode_to_vec(&event), &mut Collect::default());
            let stats = host.stats();
            assert!(stats.cpu_points_max_per_call <= 1_000_000, "past the CPU budget");
        }
        Err(e) => assert_ne!(e.code(), eiw::ResultCode::Panic, "{e}"),
    }
});
