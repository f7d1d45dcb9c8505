//! A valid ABI 1.0 module made of many small functions, to compile: the
//! bench's ~1 MB module (4000 x 40) and tests/compile_threads.rs's (which
//! includes this file) are both this.

/// `functions` functions of `adds` add-and-xor steps each.
pub fn many_functions(functions: u32, adds: u32) -> Vec<u8> {
    let mut text = String::from(
        r#"(module (memory (export "memory") 1)
        (func (export "elastic_ingest_wasm_abi_1_0"))
        (func (export "malloc") (param i32) (result i32) (i32.const 1024))
        (func (export "process") (param i32 i32) (result i32) (i32.const 0))"#,
    );
    for f in 0..functions {
        text.push_str(&format!(
            "(func $f{f} (param i32) (result i32) (local.get 0)"
        ));
        for k in 0..adds {
            text.push_str(&format!(
                " (i32.const {}) (i32.add) (i32.const {k}) (i32.xor)",
                f * 7 + k
            ));
        }
        text.push_str(")\n");
    }
    text.push(')');
    wat::parse_str(&text).expect("the generated module parses")
}
