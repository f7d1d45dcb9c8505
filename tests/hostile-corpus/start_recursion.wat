;; expect: load EIW_RESULT_INSTANTIATION_FAILED "call stack exhausted"
;; The start function recurses until the guest stack overflows (found by
;; the smith_module fuzz target): a typed error at load.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1)
  (func $deeper (param i64) (result i64) (i64.add (call $deeper (local.get 0)) (i64.const 1)))
  (func $start (drop (call $deeper (i64.const 0))))
  (start $start)
  (func (export "process") (param i32 i32) (result i32) (i32.const 0)))
