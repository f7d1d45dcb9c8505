// A test guest: sets `keys` to the keys of the object `o`, joined by
// commas (tests/guest_sdks.rs checks their order and that a repeated key
// appears once, where it last appears).
import { Event, Module, Status, setModule } from "../assembly";
export * from "../assembly/exports";

class Keys extends Module {
  process(event: Event): Status {
    let o = event.get("o");
    if (o) event.putString("keys", o.keys().join(","));
    return event.emit();
  }
}

setModule(new Keys());
