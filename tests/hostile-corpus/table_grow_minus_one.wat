;; expect: process OK 1
;; table.grow by 2^32-1 elements: wasmer would try to allocate 32 GiB and
;; abort the process. It must return -1 in the guest; the guest then echoes
;; its input, and traps if the grow succeeded.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (func (export "process") (param $ptr i32) (param $len i32) (result i32)
    (if (i32.ne (table.grow $t (ref.null func) (i32.const -1)) (i32.const -1))
      (then unreachable))
    (if (i32.ne (table.grow $t (ref.null func) (i32.const 200000)) (i32.const -1))
      (then unreachable))
    (call $emit (local.get $ptr) (local.get $len))))
