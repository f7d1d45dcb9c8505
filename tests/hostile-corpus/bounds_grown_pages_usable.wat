;; expect: process OK 1
;; A memory grown in place (it never moves): the new pages are usable, the
;; old ones keep their bytes, and an event written across the old end is
;; emitted (the host calls it more than once: it grows on the first). The event: field 15 (unknown, length-delimited) of 4 bytes.
(module
  (import "elastic" "elastic_emit_event" (func $emit (param i32 i32) (result i32)))
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1 3)
  (func (export "process") (param i32 i32) (result i32)
    (i32.store8 (i32.const 65534) (i32.const 0x7a))
    (i32.store8 (i32.const 65535) (i32.const 4))
    (if (i32.eq (memory.size) (i32.const 1))
      (then (if (i32.ne (memory.grow (i32.const 2)) (i32.const 1)) (then unreachable))))
    (i32.store (i32.const 65536) (i32.const 0x64636261))
    (i32.store (i32.const 196604) (i32.const 7))
    (if (i32.ne (i32.load (i32.const 196604)) (i32.const 7)) (then unreachable))
    (drop (call $emit (i32.const 65534) (i32.const 6)))
    (i32.const 0)))
