;; expect: process EIW_RESULT_INVALID_EMIT "not a valid Event"
;; ABI 0.x: a value nested 120 arrays deep makes an event deeper than the
;; event check allows: what the adapter emits is checked like any emit.
(module
  (import "elastic" "elastic_get_field" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "elastic" "elastic_put_field" (func $put (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 256)
  (func (export "malloc") (param i32) (result i32) (i32.const 1048576))
  (data (i32.const 0) "a")
  (data (i32.const 16) "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")
  (func (export "process") (result i32)
    (if (call $put (i32.const 0) (i32.const 1) (i32.const 16) (i32.const 241))
      (then unreachable))
    (i32.const 0)))
