;; expect: process EIW_RESULT_TRAP_OUT_OF_BOUNDS "out of bounds"
;; After growing to 2 pages, an 8-byte load that starts 4 bytes before the
;; end: half of it is outside the memory.
(module
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1 4)
  (func (export "process") (param i32 i32) (result i32)
    (if (i32.eq (memory.size) (i32.const 1)) (then (drop (memory.grow (i32.const 1)))))
    (drop (i64.load (i32.const 131068)))
    (i32.const 0)))
