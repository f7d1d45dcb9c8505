;; expect: load EIW_RESULT_INVALID_MODULE "tail"
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1)
  (func $f (result i32) (i32.const 0))
  (func (export "process") (param i32 i32) (result i32) (return_call $f)))
