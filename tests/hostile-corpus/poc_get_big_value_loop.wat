;; expect: process EIW_RESULT_CPU_EXHAUSTED "CPU budget"
;; ABI 0.x: elastic_get_field of a 900 KB value in an endless loop: each
;; call pays for the JSON it writes and copies.
(module
  (import "elastic" "elastic_get_field" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "elastic" "elastic_put_field" (func $put (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 256)
  (func (export "malloc") (param i32) (result i32) (i32.const 2097152))
  (data (i32.const 0) "big")
  (func (export "process") (result i32)
    (memory.fill (i32.const 65536) (i32.const 0x78) (i32.const 900000))
    (i32.store8 (i32.const 65536) (i32.const 0x22))
    (i32.store8 (i32.const 965535) (i32.const 0x22))
    (if (call $put (i32.const 0) (i32.const 3) (i32.const 65536) (i32.const 900000))
      (then unreachable))
    (loop $again
      (drop (call $get (i32.const 0) (i32.const 3) (i32.const 32) (i32.const 36)))
      (br $again))
    (i32.const 0)))
