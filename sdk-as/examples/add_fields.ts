// Sets `event.ingested` from the host clock, and the field named by the
// config parameter `field` to the config parameter `value`.
// Config: {"field": "labels.env", "value": "production"}; both optional,
// but `value` needs `field`.
import { Config, Event, Level, Module, Status, Value, log, nowNanos, setModule } from "../assembly";
export * from "../assembly/exports";

class AddFields extends Module {
  field: string | null = null;
  value: Value | null = null; // read from the config, kept for the instance

  register(config: Config): Status {
    this.value = config.get("value");
    if (!this.value) return Status.Ok;
    let name = config.get("field");
    if (!name) {
      log(Level.Error, "add_fields: the config parameter `field` (a string) is required with `value`");
      return Status.InvalidArgument;
    }
    this.field = name.asString();
    if (this.field == null) {
      log(Level.Error, "add_fields: `field` must be a string");
      return Status.InvalidArgument;
    }
    return Status.Ok;
  }

  process(event: Event): Status {
    event.putTimestampNanos("event.ingested", nowNanos());
    let field = this.field,
      value = this.value;
    if (field != null && value) event.putValue(field, value);
    return event.emit();
  }
}

setModule(new AddFields());
