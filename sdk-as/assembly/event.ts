// An event read and edited where it lies (the Rust SDK's wire-level API):
// look-ups scan the serialized bytes and see the edits, edits are recorded,
// and `emit` copies every unedited field of the input as it is.
import { Arena, List, newList } from "./arena";
import { Buf, Utf8, newBuf, putTimestampContent, utf8, varintLen } from "./buf";
import { hostEmit } from "./host";
import { Edit, below, edited, newEdit, newResult, writeObject } from "./patch";
import { Status, callStatus, fail } from "./status";
import { Kind, Slot, Value, copyValue, newSlot } from "./value";
import {
  Field,
  WIRE_LEN,
  newField,
  nextField,
  objectGetPath,
  readTimestampFields,
  readMapEntry,
  readValue,
  sameBytes,
  span,
} from "./wire";

@unmanaged
class MetadataEdit {
  key: Utf8;
  remove: bool;
  value: Utf8 | null;
}

function metadataEdit(key: string, remove: bool, value: string | null): MetadataEdit {
  let m = Arena.zeroed<MetadataEdit>();
  m.key = utf8(key);
  m.remove = remove;
  m.value = value != null ? utf8(value) : null;
  return m;
}

export class Event {
  // The edits, in the call arena: an Event is valid during its call.
  private edits: List<Edit> = newList<Edit>();
  private timestampSet: bool = false;
  private seconds: i64 = 0;
  private nanos: i32 = 0;
  private metadata: List<MetadataEdit> = newList<MetadataEdit>();

  private inputPtr: usize = 0;
  private inputLen: usize = 0;

  // Starts over on a serialized input (the SDK reuses one Event for every
  // call: an Event is valid during its call only). Not for module code.
  reset(inputPtr: usize, inputLen: usize): Event {
    this.inputPtr = inputPtr;
    this.inputLen = inputLen;
    this.edits = newList<Edit>();
    this.timestampSet = false;
    this.seconds = 0;
    this.nanos = 0;
    this.metadata = newList<MetadataEdit>();
    return this;
  }

  // The call's status: not Ok once a read met bytes that do not decode.
  get error(): Status {
    return callStatus();
  }

  // The value at a dotted path ("log.level"), edits included; null when
  // absent (or for bytes that do not decode, which fail the call).
  get(path: string): Value | null {
    let p = utf8(path);
    let out = new Value();
    let rc = this.lookup<Value>(p.ptr, p.len, out);
    if (rc < 0) fail(<Status>-rc);
    return rc == 1 ? out : null;
  }

  // The string at a path, or null when absent or not a string.
  getString(path: string): string | null {
    let v = this.get(path);
    return v ? v.asString() : null;
  }

  // Sets the value at a path (objects on the way are made or replaced);
  // the value's encoding is copied as it is.
  putValue(path: string, value: Value): void {
    this.addEdit(path, false, value.rawPtr, value.rawLen);
  }

  putString(path: string, s: string): void {
    let bytes = utf8(s);
    let b = newBuf(bytes.len + 8);
    b.putLenField(6, bytes.ptr, bytes.len);
    this.addEdit(path, false, b.ptr, b.len);
  }

  putInt(path: string, n: i64): void {
    this.putVarintValue(path, 3, <u64>n);
  }

  putUint(path: string, n: u64): void {
    this.putVarintValue(path, 4, n);
  }

  putBool(path: string, b: bool): void {
    this.putVarintValue(path, 2, b ? 1 : 0);
  }

  putNull(path: string): void {
    this.putVarintValue(path, 1, 0);
  }

  putDouble(path: string, d: f64): void {
    let b = newBuf(9);
    b.putByte((5 << 3) | 1);
    store<f64>(b.ptr + 1, d);
    b.len = 9;
    this.addEdit(path, false, b.ptr, b.len);
  }

  // A timestamp value, from nanoseconds since the Unix epoch.
  putTimestampNanos(path: string, unixNanos: i64): void {
    let seconds = unixNanos / 1000000000,
      nanos = unixNanos % 1000000000;
    if (nanos < 0) {
      seconds -= 1;
      nanos += 1000000000;
    }
    let t = newBuf(24);
    putTimestampContent(t, seconds, nanos);
    let b = newBuf(t.len + 2);
    b.putLenField(8, t.ptr, t.len);
    this.addEdit(path, false, b.ptr, b.len);
  }

  // Removes the value at a path: whether there was one.
  remove(path: string): bool {
    if (!this.get(path)) return false;
    this.addEdit(path, true, 0, 0);
    return true;
  }

  // Moves the value at `from` to `to`: whether there was one.
  rename(from: string, to: string): bool {
    let p = utf8(from);
    let v = newSlot();
    let rc = this.lookup<Slot>(p.ptr, p.len, v);
    if (rc < 0) fail(<Status>-rc);
    if (rc != 1) return false;
    this.addEdit(from, true, 0, 0);
    this.addEdit(to, false, v.rawPtr, v.rawLen);
    return true;
  }

  // The event's time (edits included): a Timestamp value, or null.
  get timestamp(): Value | null {
    let out = new Value();
    out.kind = Kind.Timestamp;
    if (this.timestampSet) {
      out.seconds = this.seconds;
      out.nanos = this.nanos;
      return out;
    }
    // Occurrences of field 1 merge, later fields winning.
    let rest = span(this.inputPtr, this.inputLen);
    let f = newField();
    let rc: i32,
      found = false;
    while ((rc = nextField(rest, f)) == 1) {
      if (f.number != 1) continue;
      if (f.wire != WIRE_LEN || !readTimestampFields(f.payloadPtr, f.payloadLen, out)) {
        fail();
        return null;
      }
      found = true;
    }
    if (rc < 0) fail();
    return rc == 0 && found ? out : null;
  }

  setTimestamp(seconds: i64, nanos: i32): void {
    this.timestampSet = true;
    this.seconds = seconds;
    this.nanos = nanos;
  }

  // A metadata value (edits included), or null.
  getMetadata(key: string): string | null {
    let k = utf8(key);
    for (let i = this.metadata.length - 1; i >= 0; i--) {
      let m = this.metadata.at(i);
      if (!sameBytes(m.key.ptr, m.key.len, k.ptr, k.len)) continue;
      let value = m.value;
      return m.remove || !value ? null : String.UTF8.decodeUnsafe(value.ptr, value.len);
    }
    let rest = span(this.inputPtr, this.inputLen);
    let f = newField();
    let entry = metadataEntry();
    let rc: i32,
      found = false,
      valuePtr: usize = 0,
      valueLen: usize = 0;
    while ((rc = nextField(rest, f)) == 1) {
      if (f.number != 3) continue;
      if (f.wire != WIRE_LEN || !entry.read(f.payloadPtr, f.payloadLen)) {
        fail();
        return null;
      }
      if (sameBytes(entry.keyPtr, entry.keyLen, k.ptr, k.len)) {
        found = true;
        valuePtr = entry.valuePtr;
        valueLen = entry.valueLen;
      }
    }
    if (rc < 0) fail();
    return rc == 0 && found ? String.UTF8.decodeUnsafe(valuePtr, valueLen) : null;
  }

  setMetadata(key: string, value: string): void {
    this.metadata.push(metadataEdit(key, false, value));
  }

  // Removes a metadata key: whether it was there.
  removeMetadata(key: string): bool {
    if (this.getMetadata(key) == null) return false;
    this.metadata.push(metadataEdit(key, true, null));
    return true;
  }

  // Passes the edited event on: Ok, or the host's status (or the call's
  // error, when a read failed: nothing is emitted then).
  emit(): Status {
    if (callStatus()) return callStatus();
    if (this.edits.length == 0 && !this.timestampSet && this.metadata.length == 0)
      return emitBytes(this.inputPtr, this.inputLen);
    let editedBytes: usize = 64;
    for (let i = 0; i < this.edits.length; i++) editedBytes += this.edits.at(i).len + this.edits.at(i).valueLen + 16;
    for (let i = 0; i < this.metadata.length; i++) {
      let m = this.metadata.at(i);
      let value = m.value;
      editedBytes += m.key.len + (value ? value.len : 0) + 8;
    }
    let out = newBuf(this.inputLen + editedBytes);
    // The input's top-level fields as they are, but those edited: the
    // object when its fields are, the timestamp, edited metadata keys.
    let rest = span(this.inputPtr, this.inputLen);
    let f = newField();
    let rc: i32;
    while ((rc = nextField(rest, f)) == 1)
      if ((f.number != 2 || this.edits.length == 0) && this.keepsField(f)) out.put(f.rawPtr, f.rawLen);
    if (rc < 0) return Status.InvalidArgument;
    if (this.edits.length > 0) {
      let body = newBuf(this.inputLen + editedBytes);
      let fields = newSlot();
      fields.kind = Kind.Object;
      fields.containerPtr = this.inputPtr;
      fields.containerLen = this.inputLen;
      fields.containerField = 2;
      let status = writeObject(body, fields, this.edits, 0);
      if (status) return status;
      out.putLenField(2, body.ptr, body.len);
    }
    this.putTimestampAndMetadata(out);
    return emitBytes(out.ptr, out.len);
  }

  // The value at a path given as UTF-8: 1, 0, or -status.
  private lookup<T>(path: usize, len: usize, out: T): i32 {
    let edits = this.edits;
    // The last edit at the path or above it governs; edits below it after
    // that one are applied over what it gives.
    let g = edits.length;
    for (let i = 0; i < edits.length; i++) {
      let x = edits.at(i);
      if (sameBytes(x.path, x.len, path, len) || below(path, len, x.path, x.len)) g = i;
    }
    let has: i32;
    if (g == edits.length) {
      has = objectGetPath<T>(this.inputPtr, this.inputLen, 2, path, len, out);
    } else if (edits.at(g).remove) {
      has = 0;
    } else {
      let x = edits.at(g);
      let v = newSlot();
      if (!readValue<Slot>(x.valuePtr, x.valueLen, v)) return -Status.InvalidArgument;
      if (x.len == len) {
        copyValue<T, Slot>(out, v);
        has = 1;
      } else if (v.kind == Kind.Object) {
        has = objectGetPath<T>(
          v.containerPtr,
          v.containerLen,
          v.containerField,
          path + x.len + 1,
          len - x.len - 1,
          out,
        );
      } else {
        has = 0;
      }
    }
    if (has < 0) return -Status.InvalidArgument;
    // Later edits below the path apply over it: as the value of one key
    // made of them (listed only when there are some).
    let all: List<Edit> | null = null;
    for (let i = g == edits.length ? 0 : g + 1; i < edits.length; i++) {
      let x = edits.at(i);
      if (!below(x.path, x.len, path, len)) continue;
      if (!all) {
        all = newList<Edit>();
        all.push(newEdit(path, len, has == 0, has ? out.rawPtr : 0, has ? out.rawLen : 0));
      }
      all.push(x);
    }
    if (!all) return has;
    let skip: usize = 0;
    for (let i: usize = 0; i < len; i++) if (load<u8>(path + i) == 0x2e) skip = i + 1;
    let r = newResult();
    let status = edited(null, all, skip, len - skip, r);
    if (status) return -status;
    if (!r.has) return 0;
    let body = r.body;
    if (!r.isBody) {
      copyValue<T, Slot>(out, r.value);
      return 1;
    }
    let payload = newBuf(body.len + 6);
    payload.putLenField(10, body.ptr, body.len);
    return readValue<T>(payload.ptr, payload.len, out) ? 1 : -Status.InvalidArgument;
  }

  private addEdit(path: string, remove: bool, valuePtr: usize, valueLen: usize): void {
    let p = utf8(path);
    // A put replaces what earlier edits did at or below its path. (A
    // remove does not drop them: the objects they made on the way stay.)
    let edits = this.edits;
    if (!remove) {
      let kept = 0;
      for (let i = 0; i < edits.length; i++) {
        let x = edits.at(i);
        if (!sameBytes(x.path, x.len, p.ptr, p.len) && !below(x.path, x.len, p.ptr, p.len)) edits.set(kept++, x);
      }
      edits.length = kept;
    }
    edits.push(newEdit(p.ptr, p.len, remove, valuePtr, valueLen));
  }

  private putVarintValue(path: string, number: u32, v: u64): void {
    let b = newBuf(11);
    b.putByte(<u8>(number << 3));
    b.putVarint(v);
    this.addEdit(path, false, b.ptr, b.len);
  }

  // Whether emit copies a top-level field of the input as it is.
  private keepsField(f: Field): bool {
    if (f.number == 1) return !this.timestampSet;
    if (f.number != 3 || this.metadata.length == 0) return true;
    let entry = metadataEntry();
    if (f.wire != WIRE_LEN || !entry.read(f.payloadPtr, f.payloadLen)) return true; // the host's check refuses it
    for (let i = 0; i < this.metadata.length; i++) {
      let key = this.metadata.at(i).key;
      if (sameBytes(key.ptr, key.len, entry.keyPtr, entry.keyLen)) return false;
    }
    return true;
  }

  private putTimestampAndMetadata(out: Buf): void {
    if (this.timestampSet) {
      let t = newBuf(24);
      putTimestampContent(t, this.seconds, this.nanos);
      out.putLenField(1, t.ptr, t.len);
    }
    for (let i = 0; i < this.metadata.length; i++) {
      let m = this.metadata.at(i);
      let value = m.value;
      if (m.remove || !value || !this.lastOfKey(i)) continue;
      let body: usize = 1 + varintLen(m.key.len) + m.key.len + 1 + varintLen(value.len) + value.len;
      out.putByte((3 << 3) | WIRE_LEN);
      out.putVarint(body);
      out.putLenField(1, m.key.ptr, m.key.len);
      out.putLenField(2, value.ptr, value.len);
    }
  }

  // The last edit of each metadata key counts.
  private lastOfKey(i: i32): bool {
    let key = this.metadata.at(i).key;
    for (let j = i + 1; j < this.metadata.length; j++) {
      let other = this.metadata.at(j).key;
      if (sameBytes(other.ptr, other.len, key.ptr, key.len)) return false;
    }
    return true;
  }
}

// A metadata map entry's key and value.
@unmanaged
class MetadataEntry {
  keyPtr: usize;
  keyLen: usize;
  valuePtr: usize;
  valueLen: usize;

  read(ptr: usize, len: usize): bool {
    return readMapEntry<MetadataEntry>(ptr, len, this, false);
  }
}

function metadataEntry(): MetadataEntry {
  return Arena.zeroed<MetadataEntry>();
}

export function emitBytes(ptr: usize, len: usize): Status {
  let status = hostEmit(ptr, len);
  if (status == 0) return Status.Ok;
  return status == 2 || status == 3 ? <Status>status : Status.Internal;
}
