// The guest side of docs/ABI.md 1.1, re-exported by a module's entry file:
// the marker, `malloc`, `input_buffer`, `register`, `process` and
// `process_batch`. What a call allocates in the call arena is released
// when it returns; the config is copied and kept.
import { Arena, arenaMark, arenaReleaseAll, arenaReleaseToMark } from "./arena";
import { Event } from "./event";
import { hostBatchResult } from "./host";
import { Config, currentModule } from "./module";
import { Status, callStatus, resetCallStatus } from "./status";

export function elastic_ingest_wasm_abi_1_1(): void {}

// Released (with everything else of the call) when it returns.
export function malloc(size: usize): usize {
  return Arena.alloc(size ? size : 1);
}

let inputBuffer: usize = 0;
let inputBufferSize: usize = 0;

export function input_buffer(size: usize): usize {
  if (inputBuffer == 0 && size > 0) {
    inputBuffer = heap.alloc(size);
    inputBufferSize = size;
  }
  return size <= inputBufferSize ? inputBuffer : 0;
}

let config: Config | null = null;

function registerConfig(ptr: usize, len: usize): Status {
  // A copy stays (the host may have written it into the input buffer).
  let copy = heap.alloc(len ? len : 1);
  memory.copy(copy, ptr, len);
  let c = new Config(copy, len);
  config = c;
  let module = currentModule();
  let status = module ? module.register(c) : Status.Internal;
  return callStatus() ? callStatus() : status;
}

export function register(ptr: usize, len: usize): i32 {
  resetCallStatus();
  let status = registerConfig(ptr, len);
  arenaReleaseAll();
  return status;
}

const event = new Event();

function processOne(ptr: usize, len: usize): Status {
  resetCallStatus();
  // A host that processes before any register: an empty config.
  if (!config) {
    let status = registerConfig(ptr, 0);
    if (status) return status;
  }
  let module = currentModule();
  if (!module) return Status.Internal;
  let status = module.process(event.reset(ptr, len));
  return callStatus() ? callStatus() : status;
}

export function process(ptr: usize, len: usize): i32 {
  let status = processOne(ptr, len);
  arenaReleaseAll();
  return status;
}

// [u32 count] then [u32 length, bytes] per event, little-endian; each
// event's status is reported after its outputs.
export function process_batch(ptr: usize, len: usize): i32 {
  if (len < 4) {
    arenaReleaseAll();
    return Status.InvalidArgument;
  }
  let count = load<u32>(ptr);
  let at: usize = 4;
  for (let i: u32 = 0; i < count; i++) {
    let status = Status.InvalidArgument;
    if (len - at >= 4 && <usize>load<u32>(ptr + at) <= len - at - 4) {
      let n = <usize>load<u32>(ptr + at);
      arenaMark();
      status = processOne(ptr + at + 4, n);
      arenaReleaseToMark();
      at += 4 + n;
    } else {
      at = len;
    }
    hostBatchResult(<i32>i, status);
  }
  arenaReleaseAll();
  return Status.Ok;
}
