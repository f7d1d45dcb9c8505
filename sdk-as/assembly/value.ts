// A value of an event or config where it lies: its kind, its scalar, and
// its encoding, which `Event.putValue` copies as it is.
import { Arena } from "./arena";
import { utf8 } from "./buf";
import { fail } from "./status";
import { WIRE_LEN, entryCursor, newField, nextField, objectGet, readValue, span } from "./wire";

export enum Kind {
  Null,
  Bool,
  Int,
  Uint,
  Double,
  String,
  Bytes,
  Timestamp,
  List,
  Object,
}

export class Value {
  kind: Kind = Kind.Null;
  boolean: bool = false;
  int: i64 = 0;
  uint: u64 = 0;
  double: f64 = 0;
  // A timestamp's time.
  seconds: i64 = 0;
  nanos: i32 = 0;
  // The encoding (the payload of an eiw.v1.Value), a string's or bytes'
  // UTF-8, and a list's or object's container: not for module code.
  rawPtr: usize = 0;
  rawLen: usize = 0;
  strPtr: usize = 0;
  strLen: usize = 0;
  containerPtr: usize = 0;
  containerLen: usize = 0;
  containerField: u32 = 0;

  // The string, or null when the value is not a string.
  asString(): string | null {
    if (this.kind != Kind.String) return null;
    return String.UTF8.decodeUnsafe(this.strPtr, this.strLen);
  }

  // Whether the value is the string `s`, compared without copying.
  isString(s: string): bool {
    return this.kind == Kind.String && equalsUtf8(this.strPtr, this.strLen, s);
  }

  // Bytes (a Bytes value), or null.
  asBytes(): Uint8Array | null {
    if (this.kind != Kind.Bytes) return null;
    let out = new Uint8Array(<i32>this.strLen);
    memory.copy(out.dataStart, this.strPtr, this.strLen);
    return out;
  }

  // The value under `key` (no dots) of an object; null when absent, when
  // this is not an object, or for bytes that do not decode (which fail
  // the call: see `Event.error`).
  get(key: string): Value | null {
    if (this.kind != Kind.Object) return null;
    let k = utf8(key);
    let out = new Value();
    let rc = objectGet<Value>(this.containerPtr, this.containerLen, this.containerField, k.ptr, k.len, out);
    if (rc < 0) fail();
    return rc == 1 ? out : null;
  }

  // The keys of an object, in encoding order (a repeated key once, where
  // it last appears); empty for other kinds.
  keys(): string[] {
    let all = new Array<string>();
    if (this.kind != Kind.Object) return all;
    let cursor = entryCursor(this.containerPtr, this.containerLen, this.containerField);
    let rc: i32;
    while ((rc = cursor.next()) == 1) all.push(String.UTF8.decodeUnsafe(cursor.keyPtr, cursor.keyLen));
    if (rc < 0) fail();
    // Each key where it last appears: walk back, keep the first seen.
    let seen = new Set<string>();
    let keys = new Array<string>();
    for (let i = all.length - 1; i >= 0; i--) {
      let key = unchecked(all[i]);
      if (seen.has(key)) continue;
      seen.add(key);
      keys.push(key);
    }
    return keys.reverse();
  }

  // The elements of a list in order; empty for other kinds.
  elements(): Value[] {
    let out = new Array<Value>();
    if (this.kind != Kind.List) return out;
    let outer = span(this.containerPtr, this.containerLen);
    let inner = span(0, 0);
    let f = newField();
    for (;;) {
      let rc = nextField(inner, f);
      if (rc < 0) break;
      if (rc == 1) {
        if (f.number != 1) continue;
        let element = new Value();
        if (f.wire != WIRE_LEN || !readValue<Value>(f.payloadPtr, f.payloadLen, element)) break;
        out.push(element);
        continue;
      }
      // The next occurrence of the list (field 9).
      rc = nextField(outer, f);
      while (rc == 1 && f.number != 9) rc = nextField(outer, f);
      if (rc == 0) return out;
      if (rc < 0 || f.wire != WIRE_LEN) break;
      inner.set(f.payloadPtr, f.payloadLen);
    }
    fail();
    return out;
  }
}

// Whether UTF-8 bytes equal a string.
export function equalsUtf8(ptr: usize, len: usize, s: string): bool {
  let n = s.length;
  // ASCII strings (most keys and values): one byte per code unit.
  if (<usize>n == len) {
    let i = 0;
    for (; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0x80 || <u8>c != load<u8>(ptr + <usize>i)) break;
    }
    if (i == n) return true;
    if (s.charCodeAt(i) < 0x80) return false;
  }
  let bytes = utf8(s);
  return bytes.len == len && memory.compare(bytes.ptr, ptr, len) == 0;
}

// A value read by the SDK itself (the fields of Value, unmanaged, in the
// call arena): what an edit writes, not for module code.
@unmanaged
export class Slot {
  kind: Kind;
  boolean: bool;
  int: i64;
  uint: u64;
  double: f64;
  seconds: i64;
  nanos: i32;
  rawPtr: usize;
  rawLen: usize;
  strPtr: usize;
  strLen: usize;
  containerPtr: usize;
  containerLen: usize;
  containerField: u32;
}

export function newSlot(): Slot {
  return Arena.zeroed<Slot>();
}

// Copies a value's fields (between Values and Slots).
export function copyValue<A, B>(to: A, from: B): void {
  to.kind = from.kind;
  to.boolean = from.boolean;
  to.int = from.int;
  to.uint = from.uint;
  to.double = from.double;
  to.seconds = from.seconds;
  to.nanos = from.nanos;
  to.rawPtr = from.rawPtr;
  to.rawLen = from.rawLen;
  to.strPtr = from.strPtr;
  to.strLen = from.strLen;
  to.containerPtr = from.containerPtr;
  to.containerLen = from.containerLen;
  to.containerField = from.containerField;
}
