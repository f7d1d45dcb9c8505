;; expect: process EIW_RESULT_CPU_EXHAUSTED "CPU budget"
;; memory.copy of 16 MiB in a loop: one operator, paid by its length.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 256)
  (func (export "process") (param i32 i32) (result i32)
    (loop $again (memory.copy (i32.const 0) (i32.const 8388608) (i32.const 8388608)) (br $again))
    (i32.const 0)))
