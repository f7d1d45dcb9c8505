;; expect: process EIW_RESULT_GUEST_MALLOC "from `malloc`"
;; ABI 0.x: a malloc that calls elastic_get_field again would recurse
;; through the host until the host thread's stack overflowed.
(module
  (import "elastic" "elastic_get_field" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "elastic" "elastic_put_field" (func $put (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 256)
  (data (i32.const 16) "message")
  (func (export "malloc") (param i32) (result i32)
    (drop (call $get (i32.const 16) (i32.const 7) (i32.const 32) (i32.const 36)))
    (i32.const 4096))
  (func (export "process") (result i32)
    (drop (call $get (i32.const 16) (i32.const 7) (i32.const 32) (i32.const 36)))
    (i32.const 0)))
