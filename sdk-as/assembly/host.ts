// The host's functions (docs/ABI.md, module `elastic`).

@external("elastic", "elastic_emit_event")
export declare function hostEmit(ptr: usize, len: usize): i32;

@external("elastic", "elastic_log")
export declare function hostLog(level: i32, ptr: usize, len: usize): i32;

@external("elastic", "elastic_get_current_time_nanoseconds")
export declare function hostNow(): i64;

@external("elastic", "elastic_batch_result")
export declare function hostBatchResult(index: i32, status: i32): i32;
