;; expect: load EIW_RESULT_INVALID_MODULE "max_table_elements"
;; 10M entries: 1.5 GB and 1.5 s per instance.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1)
  (table 10000000 funcref)
  (func (export "process") (param i32 i32) (result i32) (i32.const 0)))
