;; expect: process EIW_RESULT_TRAP_OUT_OF_BOUNDS "out of bounds"
;; A load whose static offset (1 MiB) is past the 64 KiB guard that follows
;; the memory's reserved cap: the compiled bounds check, not the guard,
;; must stop it (the cap here is 2 pages, so 1 MiB in is unreserved
;; address space that might belong to anything).
(module
  (func (export "elastic_ingest_wasm_abi_1_0"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (memory (export "memory") 1 2)
  (func (export "process") (param i32 i32) (result i32)
    (i32.load offset=1048576 (i32.const 0))))
