;; expect: batch EIW_RESULT_CPU_EXHAUSTED "CPU budget"
;; ABI 1.1: process_batch loops forever. The batch of 40 gets 40 budgets in
;; all (it used to get n x budget, then (n-1) x budget after each failure:
;; about n^2/2 budgets, 29.5 s for 40 events).
(module
  (import "elastic" "elastic_batch_result" (func $result (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "elastic_ingest_wasm_abi_1_1"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "process") (param i32 i32) (result i32) (loop $l (br $l)) (i32.const 0))
  (func (export "process_batch") (param i32 i32) (result i32) (loop $l (br $l)) (i32.const 0)))
