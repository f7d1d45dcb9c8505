// A test guest: applies the edit script in the event's `ops` list to the
// rest of the event and emits the result, so that tests compare the SDK's
// edits and reads with the tree API's (tests/guest_sdks.rs). Each op is an
// object: {"put": path, "value": v}, {"remove": path}, {"rename": from,
// "to": to}, {"get": path}, {"timestamp": unix nanos}, {"meta": key,
// "value": string}, {"unmeta": key} or {"getmeta": key}; a get's result
// goes to `got.<n>` (or `missing.<n>`: ""), n its op's index.
import { Event, Kind, Module, Status, Value, setModule } from "../assembly";
export * from "../assembly/exports";

function text(op: Value, key: string): string | null {
  let v = op.get(key);
  return v ? v.asString() : null;
}

class Scripted extends Module {
  process(event: Event): Status {
    let ops = event.get("ops");
    if (!ops || ops.kind != Kind.List) return Status.InvalidArgument;
    event.remove("ops");
    let list = ops.elements();
    for (let n = 0; n < list.length; n++) {
      let op = list[n];
      let path: string | null, arg: Value | null;
      if ((path = text(op, "put")) != null) {
        let value = op.get("value");
        if (!value) return Status.InvalidArgument;
        event.putValue(path, value);
      } else if ((path = text(op, "remove")) != null) {
        event.remove(path);
      } else if ((path = text(op, "rename")) != null) {
        let to = text(op, "to");
        if (to == null) return Status.InvalidArgument;
        event.rename(path, to);
      } else if ((path = text(op, "get")) != null) {
        let value = event.get(path);
        if (value) event.putValue("got." + n.toString(), value);
        else event.putString("missing." + n.toString(), "");
      } else if ((arg = op.get("timestamp")) != null && arg.kind == Kind.Int) {
        let seconds = arg.int / 1000000000,
          nanos = arg.int % 1000000000;
        if (nanos < 0) {
          seconds -= 1;
          nanos += 1000000000;
        }
        event.setTimestamp(seconds, <i32>nanos);
      } else if ((path = text(op, "meta")) != null) {
        let value = text(op, "value");
        if (value == null) return Status.InvalidArgument;
        event.setMetadata(path, value);
      } else if ((path = text(op, "unmeta")) != null) {
        event.removeMetadata(path);
      } else if ((path = text(op, "getmeta")) != null) {
        let found = event.getMetadata(path);
        if (found != null) event.putString("got." + n.toString(), found);
        else event.putString("missing." + n.toString(), "");
      } else {
        return Status.InvalidArgument;
      }
    }
    return event.emit();
  }
}

setModule(new Scripted());
