// module.ts
import { Event, Module, Status, nowNanos, setModule } from "eiw-guest/assembly";
export * from "eiw-guest/assembly/exports"; // the ABI's exports

class Enrich extends Module {
  process(event: Event): Status {
    let level = event.get("log.level");
    if (level && level.isString("debug")) return Status.Ok; // dropped
    event.putTimestampNanos("event.ingested", nowNanos());
    event.rename("message", "event.original");
    return event.emit();
  }
}

setModule(new Enrich());
