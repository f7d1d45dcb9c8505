;; expect: process EIW_RESULT_CPU_EXHAUSTED "CPU budget"
;; A valid Event of 1 MiB (one unknown length-delimited field, number 15)
;; emitted until the host stops it: each emit's check is paid for.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 256)
  (func (export "process") (param i32 i32) (result i32)
    ;; tag 15/wire type 2, then the varint 1048560.
    (i32.store8 (i32.const 65536) (i32.const 0x7a))
    (i32.store8 (i32.const 65537) (i32.const 0xf0))
    (i32.store8 (i32.const 65538) (i32.const 0xff))
    (i32.store8 (i32.const 65539) (i32.const 0x3f))
    (loop $again
      (drop (call $emit (i32.const 65536) (i32.const 1048564)))
      (br $again))
    (i32.const 0)))
