// Splits an event with an array `messages` into one event per element,
// each a copy of the event without `messages` and with `message` set to
// the element. Events without such an array pass unchanged.
import { Event, Kind, Module, Status, setModule } from "../assembly";
export * from "../assembly/exports";

class Split extends Module {
  process(event: Event): Status {
    let messages = event.get("messages");
    if (!messages || messages.kind != Kind.List) return event.emit();
    event.remove("messages");
    let elements = messages.elements();
    for (let i = 0; i < elements.length; i++) {
      event.putValue("message", elements[i]);
      let status = event.emit();
      if (status != Status.Ok) return status;
    }
    return event.error;
  }
}

setModule(new Split());
