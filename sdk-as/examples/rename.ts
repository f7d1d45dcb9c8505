// Moves `message` to `event.original` (config `from` and `to` change the
// paths). Events without the field pass unchanged.
import { Config, Event, Module, Status, setModule } from "../assembly";
export * from "../assembly/exports";

class Rename extends Module {
  from: string = "message";
  to: string = "event.original";

  register(config: Config): Status {
    let from = config.getString("from"),
      to = config.getString("to");
    if (from != null) this.from = from;
    if (to != null) this.to = to;
    return Status.Ok;
  }

  process(event: Event): Status {
    event.rename(this.from, this.to);
    return event.emit();
  }
}

setModule(new Rename());
