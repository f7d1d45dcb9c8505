;; expect: load EIW_RESULT_CPU_EXHAUSTED "start function"
;; The start function runs under the budget, bulk operations included.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 256)
  (func $start (loop $again (memory.fill (i32.const 0) (i32.const 0) (i32.const 16777216)) (br $again)))
  (start $start)
  (func (export "process") (param i32 i32) (result i32) (i32.const 0)))
