;; expect: process OK 1
;; ABI 0.x: put_field with a key of 131,072 dotted levels (stack overflow
;; in encode and drop, quadratic time) gets INVALID_ARGUMENT; the guest
;; traps if the put succeeded.
(module
  (import "elastic" "elastic_get_field" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "elastic" "elastic_put_field" (func $put (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 256)
  (func (export "malloc") (param i32) (result i32) (i32.const 1048576))
  (data (i32.const 0) "1")
  (func (export "process") (result i32)
    (local $i i32)
    ;; "k.k.k....k" of 262143 bytes at 65536
    (loop $fill
      (i32.store16 (i32.add (i32.const 65536) (local.get $i)) (i32.const 0x2e6b))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 262144))))
    (if (i32.eqz (call $put (i32.const 65536) (i32.const 262143) (i32.const 0) (i32.const 1)))
      (then unreachable))
    (i32.const 0)))
