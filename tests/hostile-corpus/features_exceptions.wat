;; expect: load EIW_RESULT_INVALID_MODULE "exceptions"
;; A try_table loop: wasmer keeps every thrown exception in the Store.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (tag $t)
  (memory (export "memory") 1)
  (func (export "process") (param i32 i32) (result i32)
    (loop $again
      (block $caught (try_table (catch $t $caught) (throw $t)))
      (br $again))
    (i32.const 0)))
