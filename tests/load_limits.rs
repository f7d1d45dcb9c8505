//! The load-time check: modules over a bound are refused before Cranelift
//! sees them, with an `EIW_RESULT_INVALID_MODULE` naming the bound and the
//! value; modules of legitimate shape, large ones included, load.
mod common;

use common::*;
use eiw::{Host, Limits, ResultCode};

#[path = "../bench/harness/src/big_module.rs"]
mod generated;

/// A valid 1.0 module with `extra` module fields.
fn module_with(extra: &str) -> Vec<u8> {
    guest("(i32.const 0)", extra)
}

fn refused(wasm: &[u8], limits: Limits, needle: &str) {
    let e = Host::new(wasm, limits)
        .err()
        .expect("the module is refused");
    assert_eq!(e.code(), ResultCode::InvalidModule, "{e}");
    assert!(e.message().contains(needle), "wanted {needle:?} in: {e}");
}

#[test]
fn each_count_over_its_bound_is_refused_by_name() {
    let d = Limits::default;
    let cases: Vec<(&str, String, &str)> = vec![
        ("functions", "(func)".repeat(100_001), "the number of functions is 100006, the limit is 100000"),
        ("types", "(type (func))".repeat(10_001), "the number of types"),
        ("globals", "(global i32 (i32.const 0))".repeat(10_001), "the number of globals is 10001"),
        (
            "exports",
            (0..10_001).map(|i| format!("(func (export \"f{i}\"))")).collect(),
            "the number of exports",
        ),
        (
            "imports",
            (0..1001)
                .map(|i| format!("(import \"elastic\" \"elastic_log\" (func $l{i} (param i32 i32 i32) (result i32)))"))
                .collect(),
            "the number of imports",
        ),
        ("tables", "(table 1 funcref)".repeat(5), "the number of tables is 5, the limit is 4"),
        (
            "locals",
            format!("(func {})", "(local i32)".repeat(50_001)),
            "the number of locals in a function",
        ),
        (
            "body size",
            format!("(func {})", "(drop (i32.const 0))".repeat(400_000)),
            "a function body's size in bytes",
        ),
        (
            "nesting",
            format!("(func {}{})", "(block ".repeat(10_001), ")".repeat(10_001)),
            "the nesting of blocks in a function is 10001",
        ),
        (
            "br_table",
            format!(
                "(func (block $b (br_table {} (i32.const 0))))",
                "$b ".repeat(65_538)
            ),
            "the number of targets of a br_table is 65537",
        ),
        (
            "br_table targets in the module",
            format!(
                "(func (param i32) (block $b {}))",
                format!("(br_table {} (local.get 0))", "$b ".repeat(65_537)).repeat(8)
            )
            .repeat(2),
            "the number of br_table targets in the module is 1048576",
        ),
    ];
    for (what, extra, needle) in cases {
        let wasm = if what == "imports" {
            wat(&format!(
                r#"(module {extra} (memory (export "memory") 1)
                  (func (export "elastic_ingest_wasm_abi_1_0"))
                  (func (export "malloc") (param i32) (result i32) (i32.const 0))
                  (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#
            ))
        } else {
            module_with(&extra)
        };
        eprintln!("{what}: {} bytes", wasm.len());
        refused(&wasm, d(), needle);
    }
}

#[test]
fn sizes_follow_the_host_options() {
    let wasm = module_with("");
    refused(
        &wasm,
        Limits {
            max_module_bytes: 100,
            ..Limits::default()
        },
        "max_module_bytes",
    );
    let data = format!("(data (i32.const 0) \"{}\")", "x".repeat(70_000));
    refused(
        &module_with(&data),
        Limits {
            max_memory_pages: 1,
            ..Limits::default()
        },
        "a data segment's size in bytes (max_memory_pages x 64 KiB) is 70000",
    );
    let elements = format!(
        "(table 10 funcref) (elem (i32.const 0) {})",
        "$f ".repeat(11)
    );
    refused(
        &module_with(&format!("(func $f) {elements}")),
        Limits {
            max_table_elements: 10,
            ..Limits::default()
        },
        "an element segment's length (max_table_elements) is 11",
    );
    refused(
        &module_with("(table 11 funcref)"),
        Limits {
            max_table_elements: 10,
            ..Limits::default()
        },
        "a table's minimum size in elements (max_table_elements) is 11",
    );
}

#[test]
fn legitimate_modules_load_under_the_defaults() {
    for name in [
        "passthrough",
        "add_fields",
        "drop_debug",
        "split",
        "rename",
        "poc",
        "hostile",
    ] {
        Host::new(&example(name), Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // The benchmark's 1.3 MB module, and one of about 10 MB of the same
    // shape (many functions of ordinary size).
    for functions in [4000, 30_000] {
        let wasm = generated::many_functions(functions, 40);
        Host::new(&wasm, Limits::default()).unwrap_or_else(|e| panic!("{} bytes: {e}", wasm.len()));
    }
}

#[test]
fn webassembly_2_features_are_accepted() {
    // SIMD, bulk memory, reference types, sign extension, saturating
    // conversions and multi-value: the features of WebAssembly 2.0.
    let wasm = module_with(
        r#"(table $t 4 funcref)
        (func $pair (result i32 i32) (i32.const 1) (i32.const 2))
        (func (export "uses_all") (result i32)
          (drop (i8x16.splat (i32.const 1)))
          (memory.fill (i32.const 0) (i32.const 0) (i32.const 16))
          (drop (table.grow $t (ref.null func) (i32.const 1)))
          (drop (i32.extend8_s (i32.const 255)))
          (drop (i32.trunc_sat_f32_s (f32.const 1e30)))
          (i32.add (call $pair)))"#,
    );
    Host::new(&wasm, Limits::default()).expect("a WebAssembly 2.0 module loads");
}
