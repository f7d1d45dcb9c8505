// Reading eiw.v1 messages where they lie, with protobuf's rules: the last
// of a repeated map key wins, a oneof takes its last field, repeated
// occurrences of a message merge (views span them all). Functions return
// 1 found / 0 absent or at the end / -1 for bytes that do not decode.
import { Arena, heapZeroed } from "./arena";
import { Kind } from "./value";

export const WIRE_VARINT: u8 = 0;
export const WIRE_I64: u8 = 1;
export const WIRE_LEN: u8 = 2;
export const WIRE_I32: u8 = 5;

// The SDK's working objects are unmanaged, in the call arena (released
// when the call returns): no garbage collection on the event path.

// A byte range, read from the front.
@unmanaged
export class Span {
  ptr: usize;
  len: usize;
  set(ptr: usize, len: usize): void {
    this.ptr = ptr;
    this.len = len;
  }
}

export function span(ptr: usize, len: usize): Span {
  let s = Arena.zeroed<Span>();
  s.ptr = ptr;
  s.len = len;
  return s;
}

@unmanaged
export class Field {
  number: u32;
  wire: i32;
  varint: u64;
  payloadPtr: usize; // WIRE_LEN, WIRE_I64, WIRE_I32
  payloadLen: usize;
  rawPtr: usize; // the whole field
  rawLen: usize;
}

export function newField(): Field {
  return Arena.zeroed<Field>();
}

// Working objects of functions that never run twice at once, kept for the
// instance (allocated once, outside the arena).
function scratch<T>(): T {
  return changetype<T>(heapZeroed(offsetof<T>()));
}
const timestampBody = scratch<Span>();
const timestampField = scratch<Field>();
const valueRest = scratch<Span>();
const valueField = scratch<Field>();
const valueRun = scratch<Span>();
const entryBody = scratch<Span>();
const entryField = scratch<Field>();

let varintOut: u64 = 0;

// Reads a varint into `varintOut`: false on bad bytes.
function varint(r: Span): bool {
  if (r.len == 0) return false;
  let b = load<u8>(r.ptr);
  if (b < 0x80) {
    varintOut = b;
    r.ptr++;
    r.len--;
    return true;
  }
  let v: u64 = 0;
  for (let i = 0; i < 10; i++) {
    if (r.len == 0) return false;
    b = load<u8>(r.ptr);
    r.ptr++;
    r.len--;
    if (i == 9 && b > 1) return false;
    v |= (<u64>(b & 0x7f)) << (7 * i);
    if (b < 0x80) {
      varintOut = v;
      return true;
    }
  }
  return false;
}

function skip(r: Span, n: u64): bool {
  if (n > <u64>r.len) return false;
  r.ptr += <usize>n;
  r.len -= <usize>n;
  return true;
}

function skipGroup(r: Span, number: u64, depth: i32): bool {
  if (depth > 100) return false;
  for (;;) {
    if (!varint(r)) return false;
    let key = varintOut;
    if (key >> 3 == 0 || key >> 3 > 0xffffffff) return false;
    switch (<i32>(key & 7)) {
      case 4:
        return key >> 3 == number;
      case 3:
        if (!skipGroup(r, key >> 3, depth + 1)) return false;
        break;
      case WIRE_VARINT:
        if (!varint(r)) return false;
        break;
      case WIRE_I64:
        if (!skip(r, 8)) return false;
        break;
      case WIRE_I32:
        if (!skip(r, 4)) return false;
        break;
      case WIRE_LEN:
        if (!varint(r) || !skip(r, varintOut)) return false;
        break;
      default:
        return false;
    }
  }
  return false; // not reached
}

export function nextField(rest: Span, out: Field): i32 {
  if (rest.len == 0) return 0;
  let start = rest.ptr;
  if (!varint(rest)) return -1;
  let key = varintOut;
  if (key >> 3 == 0 || key >> 3 > 0xffffffff) return -1;
  out.number = <u32>(key >> 3);
  out.wire = <i32>(key & 7);
  out.varint = 0;
  out.payloadPtr = rest.ptr;
  out.payloadLen = 0;
  switch (out.wire) {
    case WIRE_VARINT:
      if (!varint(rest)) return -1;
      out.varint = varintOut;
      break;
    case WIRE_I64:
      if (!skip(rest, 8)) return -1;
      out.payloadLen = 8;
      break;
    case WIRE_I32:
      if (!skip(rest, 4)) return -1;
      out.payloadLen = 4;
      break;
    case WIRE_LEN: {
      if (!varint(rest)) return -1;
      out.payloadPtr = rest.ptr;
      if (!skip(rest, varintOut)) return -1;
      out.payloadLen = <usize>varintOut;
      break;
    }
    case 3:
      if (!skipGroup(rest, key >> 3, 1)) return -1;
      break;
    default:
      return -1;
  }
  out.rawPtr = start;
  out.rawLen = rest.ptr - start;
  return 1;
}

export function utf8Valid(ptr: usize, len: usize): bool {
  let i: usize = 0;
  while (i < len) {
    // Eight ASCII bytes at a time.
    if (i + 8 <= len && (load<u64>(ptr + i) & 0x8080808080808080) == 0) {
      i += 8;
      continue;
    }
    let c = <u32>load<u8>(ptr + i);
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: usize = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (n == 0 || c > 0xf4 || i + n > len) return false;
    let cp = c & ((<u32>0x3f) >> (<u32>(n - 1)));
    for (let k: usize = 1; k < n; k++) {
      let b = <u32>load<u8>(ptr + i + k);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    i += n;
  }
  return true;
}

// Seconds and nanos of a Timestamp's payload, merged into `out`.
export function readTimestampFields<T>(ptr: usize, len: usize, out: T): bool {
  let body = timestampBody;
  body.set(ptr, len);
  let f = timestampField;
  let rc: i32;
  while ((rc = nextField(body, f)) == 1) {
    if (f.number == 1 || f.number == 2) {
      if (f.wire != WIRE_VARINT) return false;
      if (f.number == 1) out.seconds = <i64>f.varint;
      else out.nanos = <i32>f.varint;
    }
  }
  return rc == 0;
}

// Reads the payload of an eiw.v1.Value into `out` (a Value or a Slot):
// false on bad bytes. Strings are checked to be UTF-8 unless `checkUtf8` is
// false (values only copied, which the host checks when they are emitted).
export function readValue<T>(ptr: usize, len: usize, out: T, checkUtf8: bool = true): bool {
  out.rawPtr = ptr;
  out.rawLen = len;
  // Most values are one string or one object with a one-byte length.
  if (len >= 2 && load<u8>(ptr + 1) < 0x80 && <usize>load<u8>(ptr + 1) + 2 == len) {
    let tag = load<u8>(ptr);
    if (tag == ((6 << 3) | WIRE_LEN)) {
      if (checkUtf8 && !utf8Valid(ptr + 2, len - 2)) return false;
      out.kind = Kind.String;
      out.strPtr = ptr + 2;
      out.strLen = len - 2;
      return true;
    }
    if (tag == ((10 << 3) | WIRE_LEN)) {
      out.kind = Kind.Object;
      out.containerPtr = ptr;
      out.containerLen = len;
      out.containerField = 10;
      return true;
    }
  }
  let rest = valueRest;
  rest.set(ptr, len);
  let f = valueField;
  let number: u32 = 0,
    wire = 0,
    varintValue: u64 = 0,
    payloadPtr: usize = 0,
    payloadLen: usize = 0;
  let runStart: usize = 0;
  let rc: i32;
  for (;;) {
    let at = rest.ptr;
    if ((rc = nextField(rest, f)) != 1) break;
    if (f.number < 1 || f.number > 10) continue;
    if (number != f.number) runStart = at;
    number = f.number;
    wire = f.wire;
    varintValue = f.varint;
    payloadPtr = f.payloadPtr;
    payloadLen = f.payloadLen;
  }
  if (rc < 0) return false;
  if (number == 0) {
    out.kind = Kind.Null;
    return true;
  }
  let want = number <= 4 ? WIRE_VARINT : number == 5 ? WIRE_I64 : WIRE_LEN;
  if (wire != want) return false;
  switch (number) {
    case 1:
      out.kind = Kind.Null;
      break;
    case 2:
      out.kind = Kind.Bool;
      out.boolean = varintValue != 0;
      break;
    case 3:
      out.kind = Kind.Int;
      out.int = <i64>varintValue;
      break;
    case 4:
      out.kind = Kind.Uint;
      out.uint = varintValue;
      break;
    case 5:
      out.kind = Kind.Double;
      out.double = load<f64>(payloadPtr);
      break;
    case 6:
      if (checkUtf8 && !utf8Valid(payloadPtr, payloadLen)) return false;
      out.kind = Kind.String;
      out.strPtr = payloadPtr;
      out.strLen = payloadLen;
      break;
    case 7:
      out.kind = Kind.Bytes;
      out.strPtr = payloadPtr;
      out.strLen = payloadLen;
      break;
    case 8: {
      out.kind = Kind.Timestamp;
      out.seconds = 0;
      out.nanos = 0;
      // Every occurrence of field 8 in the run merges.
      let run = valueRun;
      run.set(runStart, ptr + len - runStart);
      while ((rc = nextField(run, f)) == 1)
        if (f.number == 8 && (f.wire != WIRE_LEN || !readTimestampFields(f.payloadPtr, f.payloadLen, out)))
          return false;
      if (rc < 0) return false;
      break;
    }
    default:
      out.kind = number == 9 ? Kind.List : Kind.Object;
      out.containerPtr = runStart;
      out.containerLen = ptr + len - runStart;
      out.containerField = number;
  }
  return true;
}

// Walks the entries of an object: the occurrences of message field
// `number` of a container (0: the container is the object's payload).
@unmanaged
export class EntryCursor {
  outer: Span;
  inner: Span;
  number: u32;
  keyPtr: usize;
  keyLen: usize;
  valuePtr: usize;
  valueLen: usize;
  rawPtr: usize; // the whole entry field
  rawLen: usize;
  f: Field;

  // 1 with the next entry's key, value and encoding, 0 at the end, -1 bad.
  next(): i32 {
    let inner = this.inner,
      f = this.f;
    for (;;) {
      // An entry of the usual shape: 0x0a, a one-byte length, then the key
      // (0x0a, one-byte length) and the value (0x12, one-byte length)
      // filling it exactly.
      let p = inner.ptr;
      if (inner.len >= 6 && load<u8>(p) == 0x0a && load<u8>(p + 2) == 0x0a) {
        let n = <usize>load<u8>(p + 1),
          k = <usize>load<u8>(p + 3);
        if (
          n < 0x80 &&
          n + 2 <= inner.len &&
          n >= 4 &&
          k < 0x80 &&
          k + 6 <= n + 2 &&
          load<u8>(p + 4 + k) == 0x12 &&
          load<u8>(p + 5 + k) < 0x80 &&
          <usize>load<u8>(p + 5 + k) + 4 + k == n
        ) {
          this.keyPtr = p + 4;
          this.keyLen = k;
          this.valuePtr = p + 6 + k;
          this.valueLen = <usize>load<u8>(p + 5 + k);
          this.rawPtr = p;
          this.rawLen = n + 2;
          inner.ptr += n + 2;
          inner.len -= n + 2;
          return 1;
        }
      }
      let rc = nextField(inner, f);
      if (rc < 0) return -1;
      if (rc == 1) {
        if (f.number != 1) continue;
        if (f.wire != WIRE_LEN || !this.parseEntry(f.payloadPtr, f.payloadLen)) return -1;
        this.rawPtr = f.rawPtr;
        this.rawLen = f.rawLen;
        return 1;
      }
      // The next occurrence of the object.
      for (;;) {
        rc = nextField(this.outer, f);
        if (rc <= 0) return rc;
        if (f.number == this.number) {
          if (f.wire != WIRE_LEN) return -1;
          inner.set(f.payloadPtr, f.payloadLen);
          break;
        }
      }
    }
    return -1; // not reached
  }

  // An entry's key and value; an entry whose value is encoded twice (a
  // merge no encoder writes) is refused.
  parseEntry(ptr: usize, len: usize): bool {
    return readMapEntry<EntryCursor>(ptr, len, this, true);
  }
}

// Reads a map entry's key and value (the last of each) into `out`; with
// `refuseRepeatedValue`, a value encoded twice is refused.
export function readMapEntry<T>(ptr: usize, len: usize, out: T, refuseRepeatedValue: bool): bool {
  let entry = entryBody;
  entry.set(ptr, len);
  let f = entryField;
  let rc: i32,
    haveValue = false;
  out.keyPtr = ptr;
  out.keyLen = 0;
  out.valuePtr = ptr;
  out.valueLen = 0;
  while ((rc = nextField(entry, f)) == 1) {
    if (f.number != 1 && f.number != 2) continue;
    if (f.wire != WIRE_LEN) return false;
    if (f.number == 1) {
      out.keyPtr = f.payloadPtr;
      out.keyLen = f.payloadLen;
    } else {
      if (haveValue && refuseRepeatedValue) return false;
      haveValue = true;
      out.valuePtr = f.payloadPtr;
      out.valueLen = f.payloadLen;
    }
  }
  return rc == 0;
}

export function entryCursor(containerPtr: usize, containerLen: usize, number: u32): EntryCursor {
  // The cursor, its spans and its field in one allocation.
  let spanSize = (offsetof<Span>() + 7) & ~(<usize>7);
  let cursorSize = (offsetof<EntryCursor>() + 7) & ~(<usize>7);
  let at = Arena.alloc(cursorSize + 2 * spanSize + offsetof<Field>());
  let c = changetype<EntryCursor>(at);
  c.number = number;
  c.inner = changetype<Span>(at + cursorSize);
  c.outer = changetype<Span>(at + cursorSize + spanSize);
  c.f = changetype<Field>(at + cursorSize + 2 * spanSize);
  if (number == 0) {
    c.inner.set(containerPtr, containerLen);
    c.outer.set(containerPtr, 0);
  } else {
    c.inner.set(containerPtr, 0);
    c.outer.set(containerPtr, containerLen);
  }
  return c;
}

export function sameBytes(a: usize, an: usize, b: usize, bn: usize): bool {
  if (an != bn) return false;
  for (let i: usize = 0; i < an; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

// The value under a key in an object (see EntryCursor): 1, 0, -1.
export function objectGet<T>(ptr: usize, len: usize, number: u32, keyPtr: usize, keyLen: usize, out: T): i32 {
  let cursor = entryCursor(ptr, len, number);
  let found = false,
    valuePtr: usize = 0,
    valueLen: usize = 0;
  let rc: i32;
  while ((rc = cursor.next()) == 1) {
    if (sameBytes(cursor.keyPtr, cursor.keyLen, keyPtr, keyLen)) {
      found = true;
      valuePtr = cursor.valuePtr;
      valueLen = cursor.valueLen;
    }
  }
  if (rc < 0) return -1;
  if (!found) return 0;
  return readValue<T>(valuePtr, valueLen, out) ? 1 : -1;
}

// The value at a dotted path (UTF-8 bytes) inside an object: 1, 0, -1.
export function objectGetPath<T>(ptr: usize, len: usize, number: u32, pathPtr: usize, pathLen: usize, out: T): i32 {
  for (;;) {
    let dot: usize = 0;
    while (dot < pathLen && load<u8>(pathPtr + dot) != 0x2e) dot++;
    let rc = objectGet<T>(ptr, len, number, pathPtr, dot, out);
    if (rc <= 0 || dot == pathLen) return rc;
    if (out.kind != Kind.Object) return 0;
    ptr = out.containerPtr;
    len = out.containerLen;
    number = out.containerField;
    pathPtr += dot + 1;
    pathLen -= dot + 1;
  }
  return -1; // not reached
}
