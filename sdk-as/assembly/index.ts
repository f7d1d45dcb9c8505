// eiw guest SDK for AssemblyScript (docs/GUEST-SDKS.md has the quick start).
// A module's entry file extends Module, passes an instance to setModule,
// and re-exports the ABI: `export * from "eiw-guest/assembly/exports"`.
export { Status } from "./status";
export { Kind, Value } from "./value";
export { Event } from "./event";
export { Config, Level, Module, log, nowNanos, setModule } from "./module";
