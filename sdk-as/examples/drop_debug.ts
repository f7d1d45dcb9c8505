// Drops events whose `log.level` is `debug` (any case); emits the rest.
import { Event, Module, Status, setModule } from "../assembly";
export * from "../assembly/exports";

class DropDebug extends Module {
  process(event: Event): Status {
    let level = event.getString("log.level");
    if (level != null && level.toLowerCase() == "debug") return Status.Ok;
    return event.emit();
  }
}

setModule(new DropDebug());
