;; expect: process EIW_RESULT_CPU_EXHAUSTED "CPU budget"
;; 1 MiB of invalid bytes emitted 5000 times: each check is paid for (one
;; point a byte), so the budget runs out after about 95; only the first is
;; decoded to say why.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 256)
  (func (export "process") (param i32 i32) (result i32)
    (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 0xff) (i32.const 1048576))
    (loop $again
      (drop (call $emit (i32.const 65536) (i32.const 1048576)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 5000))))
    (i32.const 0)))
