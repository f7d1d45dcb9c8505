// Benchmark workload W1 in AssemblyScript: set `event.ingested` from the
// host clock, set a field from config, rename `message` to
// `event.original`.
import { Config, Event, Module, Status, Value, nowNanos, setModule } from "../assembly";
export * from "../assembly/exports";

class W1 extends Module {
  field: string = "labels.env";
  value: Value | null = null;

  register(config: Config): Status {
    this.value = config.get("value");
    let field = config.getString("field");
    if (field != null) this.field = field;
    return Status.Ok;
  }

  process(event: Event): Status {
    event.putTimestampNanos("event.ingested", nowNanos());
    let value = this.value;
    if (value) event.putValue(this.field, value);
    event.rename("message", "event.original");
    return event.emit();
  }
}

setModule(new W1());
