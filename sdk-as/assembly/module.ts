// What a module is, its config, and the host's clock and log.
import { utf8 } from "./buf";
import { Event } from "./event";
import { hostLog, hostNow } from "./host";
import { Status, fail } from "./status";
import { Value } from "./value";
import { objectGet } from "./wire";

export enum Level {
  Debug,
  Info,
  Warn,
  Error,
  Critical,
}

// The config registered with the module (eiw.v1.Config): top-level
// parameters by name. Values read from it stay valid for the instance.
export class Config {
  constructor(
    private ptr: usize,
    private len: usize,
  ) {}

  // A parameter, or null when absent (or for bytes that do not decode,
  // which fail the call).
  get(name: string): Value | null {
    let key = utf8(name);
    let out = new Value();
    let rc = objectGet<Value>(this.ptr, this.len, 0, key.ptr, key.len, out);
    if (rc < 0) fail();
    return rc == 1 ? out : null;
  }

  // A string parameter, or null when absent or not a string.
  getString(name: string): string | null {
    let v = this.get(name);
    return v ? v.asString() : null;
  }
}

// A module: `register` receives the config (called once, before any
// event), `process` each event. Both return a Status.
export abstract class Module {
  register(config: Config): Status {
    return Status.Ok;
  }
  abstract process(event: Event): Status;
}

let current: Module | null = null;

// Makes `module` the one the host calls (from the entry file's top level).
export function setModule(module: Module): void {
  current = module;
}

export function currentModule(): Module | null {
  return current;
}

export function nowNanos(): i64 {
  return hostNow();
}

export function log(level: Level, message: string): void {
  let utf8 = String.UTF8.encode(message);
  hostLog(level, changetype<usize>(utf8), utf8.byteLength);
}
