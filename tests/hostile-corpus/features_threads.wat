;; expect: load EIW_RESULT_INVALID_MODULE "threads"
;; Atomics on a shared memory.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1 1 shared)
  (func (export "process") (param i32 i32) (result i32)
    (i32.atomic.rmw.add (i32.const 0) (i32.const 1))))
