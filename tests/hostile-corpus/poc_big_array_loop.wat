;; expect: process EIW_RESULT_INVALID_EMIT "max_emit_bytes"
;; ABI 0.x: put_field of an 8 MiB JSON array, 1000 times (host memory
;; grew to GBs): refused by its size, without parsing it.
(module
  (import "elastic" "elastic_get_field" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "elastic" "elastic_put_field" (func $put (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 256)
  (func (export "malloc") (param i32) (result i32) (i32.const 1048576))
  (data (i32.const 0) "a")
  (func (export "process") (result i32)
    (local $i i32)
    ;; "[0,0,...,0]" of 8 MiB at 4 MiB
    (memory.fill (i32.const 4194304) (i32.const 0x30) (i32.const 8388608))
    (i32.store8 (i32.const 4194304) (i32.const 0x5b))
    (loop $commas
      (i32.store8 (i32.add (i32.const 4194306) (local.get $i)) (i32.const 0x2c))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $commas (i32.lt_u (local.get $i) (i32.const 8388604))))
    (i32.store8 (i32.const 12582911) (i32.const 0x5d))
    (local.set $i (i32.const 0))
    (loop $again
      (drop (call $put (i32.const 0) (i32.const 1) (i32.const 4194304) (i32.const 8388608)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 1000))))
    (i32.const 0)))
