;; expect: process EIW_RESULT_INVALID_EMIT "grew"
;; ABI 0.x: 300 KB values put at new keys until the event outgrows
;; max_emit_bytes.
(module
  (import "elastic" "elastic_get_field" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "elastic" "elastic_put_field" (func $put (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 256)
  (func (export "malloc") (param i32) (result i32) (i32.const 1048576))
  (func (export "process") (result i32)
    (local $i i32) (local $n i32)
    (memory.fill (i32.const 4194304) (i32.const 0x61) (i32.const 300000))
    (i32.store8 (i32.const 4194304) (i32.const 0x22))
    (i32.store8 (i32.const 4494303) (i32.const 0x22))
    (loop $again
      (i32.store8 (i32.const 0) (i32.add (i32.const 0x61) (local.get $i)))
      (drop (call $put (i32.const 0) (i32.const 1) (i32.const 4194304) (i32.const 300000)))
      (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (i32.const 15)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $n) (i32.const 1000))))
    (i32.const 0)))
