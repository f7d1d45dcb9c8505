;; expect: process EIW_RESULT_CPU_EXHAUSTED "CPU budget"
;; table.fill of 100,000 elements in a loop.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1)
  (table $t 100000 funcref)
  (func (export "process") (param i32 i32) (result i32)
    (loop $again (table.fill $t (i32.const 0) (ref.null func) (i32.const 100000)) (br $again))
    (i32.const 0)))
