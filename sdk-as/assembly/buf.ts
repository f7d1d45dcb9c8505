// A growable output buffer in the call arena, and the few protobuf
// encodings the SDK writes.
import { Arena, heapZeroed } from "./arena";
import { WIRE_LEN } from "./wire";

@unmanaged
export class Buf {
  ptr: usize;
  len: usize;
  cap: usize;

  reserve(cap: usize): void {
    if (cap <= this.cap) return;
    let grown = Arena.alloc(cap);
    if (this.len) memory.copy(grown, this.ptr, this.len);
    this.ptr = grown;
    this.cap = cap;
  }

  put(data: usize, n: usize): void {
    if (this.len + n > this.cap) {
      let cap = this.cap ? this.cap * 2 : 256;
      while (cap < this.len + n) cap *= 2;
      this.reserve(cap);
    }
    if (n <= 16) {
      // Keys, lengths and small values: no call to memory.copy.
      let to = this.ptr + this.len;
      for (let i: usize = 0; i < n; i++) store<u8>(to + i, load<u8>(data + i));
    } else {
      memory.copy(this.ptr + this.len, data, n);
    }
    this.len += n;
  }

  putByte(b: u8): void {
    if (this.len == this.cap) this.reserve(this.cap ? this.cap * 2 : 256);
    store<u8>(this.ptr + this.len, b);
    this.len++;
  }

  putVarint(v: u64): void {
    while (v >= 0x80) {
      this.putByte(<u8>(v | 0x80));
      v >>= 7;
    }
    this.putByte(<u8>v);
  }

  putLenField(number: u32, data: usize, n: usize): void {
    this.putVarint(((<u64>number) << 3) | WIRE_LEN);
    this.putVarint(n);
    this.put(data, n);
  }
}

// An empty buffer with room for `cap` bytes.
export function newBuf(cap: usize): Buf {
  let b = Arena.zeroed<Buf>();
  b.reserve(cap);
  return b;
}

export function varintLen(v: u64): usize {
  let n: usize = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

// A string's UTF-8 in the call arena (lone surrogates are written as
// WTF-8, which the host's emit check refuses).
@unmanaged
export class Utf8 {
  ptr: usize;
  len: usize;
}

// The UTF-8 of string literals (immutable, in the module's data below
// __heap_base), encoded once and kept for the instance: most paths and
// keys are literals. A direct-mapped table; a literal whose slot is taken
// is encoded per call.
const LITERAL_SLOTS: usize = 64;
const literalStrings = heapZeroed(LITERAL_SLOTS * sizeof<usize>());
const literalBytes = heapZeroed(LITERAL_SLOTS * sizeof<usize>());

export function utf8(s: string): Utf8 {
  let str = changetype<usize>(s);
  let room = max(<usize>s.length * 3, 1);
  if (str < __heap_base) {
    let slot = ((str >> 3) & (LITERAL_SLOTS - 1)) * sizeof<usize>();
    let cached = load<usize>(literalStrings + slot);
    if (cached == str) return changetype<Utf8>(load<usize>(literalBytes + slot));
    if (cached == 0) {
      let out = changetype<Utf8>(heapZeroed(offsetof<Utf8>()));
      encodeInto(out, s, heap.alloc(room));
      store<usize>(literalStrings + slot, str);
      store<usize>(literalBytes + slot, changetype<usize>(out));
      return out;
    }
  }
  let out = Arena.zeroed<Utf8>();
  encodeInto(out, s, Arena.alloc(room));
  return out;
}

function encodeInto(out: Utf8, s: string, at: usize): void {
  out.ptr = at;
  out.len = String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, at);
}

// A Timestamp's payload: its seconds and nanos, each when not zero.
export function putTimestampContent(b: Buf, seconds: i64, nanos: i64): void {
  if (seconds) {
    b.putByte(1 << 3);
    b.putVarint(<u64>seconds);
  }
  if (nanos) {
    b.putByte(2 << 3);
    b.putVarint(<u64>nanos);
  }
}
