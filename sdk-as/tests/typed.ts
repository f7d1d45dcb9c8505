// A test guest: puts a value of every kind, reads each back, and copies
// what it reads of the event's time, metadata and bytes into fields
// (tests/guest_sdks.rs checks the emitted event exactly).
import { Event, Kind, Module, Status, setModule } from "../assembly";
export * from "../assembly/exports";

class Typed extends Module {
  process(event: Event): Status {
    event.putInt("put.int", -5);
    event.putUint("put.uint", u64.MAX_VALUE);
    event.putBool("put.bool", true);
    event.putNull("put.null");
    event.putDouble("put.double", -2.5);
    event.putString("put.string", "é✓");
    event.putTimestampNanos("put.time", -1);
    // Each reads back as it was put.
    let i = event.get("put.int"),
      u = event.get("put.uint"),
      b = event.get("put.bool"),
      n = event.get("put.null"),
      d = event.get("put.double"),
      s = event.get("put.string"),
      t = event.get("put.time");
    if (!i || i.kind != Kind.Int || i.int != -5) return Status.Internal;
    if (!u || u.kind != Kind.Uint || u.uint != u64.MAX_VALUE) return Status.Internal;
    if (!b || b.kind != Kind.Bool || !b.boolean) return Status.Internal;
    if (!n || n.kind != Kind.Null) return Status.Internal;
    if (!d || d.kind != Kind.Double || d.double != -2.5) return Status.Internal;
    if (!s || s.asString() != "é✓" || !s.isString("é✓")) return Status.Internal;
    if (!t || t.kind != Kind.Timestamp || t.seconds != -1 || t.nanos != 999999999) return Status.Internal;
    let time = event.timestamp;
    if (time) {
      event.putInt("read.seconds", time.seconds);
      event.putInt("read.nanos", time.nanos);
    }
    let m = event.getMetadata("m");
    if (m != null) event.putString("read.metadata", m);
    let raw = event.get("raw");
    if (raw) {
      let bytes = raw.asBytes();
      if (bytes) event.putInt("read.bytes", bytes.length);
    }
    event.setTimestamp(7, 8);
    event.setMetadata("m", "changed");
    return event.emit();
  }
}

setModule(new Typed());
