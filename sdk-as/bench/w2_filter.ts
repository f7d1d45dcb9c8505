// Benchmark workload W2 in AssemblyScript: keep only events whose
// `log.level` is `error`, passed on as their input bytes.
import { Event, Module, Status, setModule } from "../assembly";
export * from "../assembly/exports";

class W2 extends Module {
  process(event: Event): Status {
    let level = event.get("log.level");
    if (level && level.isString("error")) return event.emit();
    return Status.Ok;
  }
}

setModule(new W2());
