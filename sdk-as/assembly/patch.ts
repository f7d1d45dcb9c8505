// Writing edited objects: edits are recorded in order (a later put at a
// path replaces earlier edits at or below it), and encoding copies every
// unedited entry of the input as it is. The same rules as the Rust SDK's
// EventPatch and tree API. Everything here lives in the call arena.
import { Arena, List, newList } from "./arena";
import { Buf, newBuf, varintLen } from "./buf";
import { Status } from "./status";
import { Kind, Slot, newSlot } from "./value";
import { WIRE_LEN, entryCursor, readValue, sameBytes } from "./wire";

@unmanaged
export class Edit {
  path: usize; // UTF-8
  len: usize;
  remove: bool;
  valuePtr: usize; // the payload of an eiw.v1.Value
  valueLen: usize;
}

export function newEdit(path: usize, len: usize, remove: bool, valuePtr: usize, valueLen: usize): Edit {
  let x = Arena.zeroed<Edit>();
  x.path = path;
  x.len = len;
  x.remove = remove;
  x.valuePtr = valuePtr;
  x.valueLen = valueLen;
  return x;
}

// Whether `path` lies below `prefix` ("a.b" below "a").
export function below(path: usize, len: usize, prefix: usize, plen: usize): bool {
  return len > plen && load<u8>(path + plen) == 0x2e && sameBytes(path, plen, prefix, plen);
}

// The length of the first key of an edit's path past `skip` bytes.
function firstKeyLen(x: Edit, skip: usize): usize {
  let n: usize = 0;
  while (skip + n < x.len && load<u8>(x.path + skip + n) != 0x2e) n++;
  return n;
}

// What an edited key holds: nothing, a value's payload as it is, or an
// object written into `body`.
@unmanaged
export class Result {
  has: bool;
  isBody: bool;
  value: Slot;
  body: Buf;
}

export function newResult(): Result {
  let r = Arena.zeroed<Result>();
  r.value = newSlot();
  return r;
}

// The value for one edited key: from its last exact edit, or the base
// (null: none); then the edits below it that came after. 0 or a status.
export function edited(base: Slot | null, sub: List<Edit>, skip: usize, keyLen: usize, r: Result): Status {
  let n = sub.length;
  // The last edit of the key itself governs; only later ones below count.
  let firstDeeper = 0;
  for (let i = 0; i < n; i++) if (sub.at(i).len - skip == keyLen) firstDeeper = i + 1;
  r.isBody = false;
  if (firstDeeper == 0) {
    r.has = base != null;
    if (base) r.value = base;
  } else {
    let governing = sub.at(firstDeeper - 1);
    r.has = !governing.remove;
    if (r.has && !readValue<Slot>(governing.valuePtr, governing.valueLen, r.value, false))
      return Status.InvalidArgument;
  }
  let deeper = 0,
    sets = false;
  for (let i = firstDeeper; i < n; i++) {
    let x = sub.at(i);
    if (x.len - skip > keyLen) {
      deeper++;
      sets = sets || !x.remove;
    }
  }
  let isObject = r.has && r.value.kind == Kind.Object;
  // Removing below a non-object changes nothing.
  if (deeper == 0 || (!sets && !isObject)) return Status.Ok;
  let below = newList<Edit>();
  for (let i = firstDeeper; i < n; i++) if (sub.at(i).len - skip > keyLen) below.push(sub.at(i));
  let body = newBuf((isObject ? r.value.rawLen : 0) + 64);
  let status = writeObject(body, isObject ? r.value : null, below, skip + keyLen + 1);
  if (status) return status;
  r.has = true;
  r.isBody = true;
  r.body = body;
  return Status.Ok;
}

// A map entry: the key and what it holds.
function putEntry(out: Buf, keyPtr: usize, keyLen: usize, r: Result): void {
  let body = r.body;
  let payload: usize = r.isBody ? 1 + varintLen(body.len) + body.len : r.value.rawLen;
  let entry: usize = 1 + varintLen(keyLen) + keyLen + 1 + varintLen(payload) + payload;
  out.putByte((1 << 3) | WIRE_LEN);
  out.putVarint(entry);
  out.putLenField(1, keyPtr, keyLen);
  out.putByte((2 << 3) | WIRE_LEN);
  out.putVarint(payload);
  if (r.isBody) out.putLenField(10, body.ptr, body.len);
  else out.put(r.value.rawPtr, r.value.rawLen);
}

// Writes an object's payload: the base's entries whose keys no edit
// touches, as they are (adjacent ones in one copy), then each edited
// key's value. `edits` hold paths relative past `skip` bytes.
export function writeObject(out: Buf, base: Slot | null, edits: List<Edit>, skip: usize): Status {
  let n = edits.length;
  // Each edit's first key (its length: it starts `skip` bytes into the
  // path), and the distinct keys, each as the index of its first edit.
  let firstLens = Arena.alloc(<usize>n * sizeof<usize>());
  let keys = Arena.alloc(<usize>n * sizeof<i32>());
  let keyCount = 0;
  for (let i = 0; i < n; i++) {
    let x = edits.at(i);
    let len = firstKeyLen(x, skip);
    store<usize>(firstLens + <usize>i * sizeof<usize>(), len);
    let j = 0;
    while (j < keyCount && !sameKey(edits, firstLens, load<i32>(keys + <usize>j * 4), x.path + skip, len, skip)) j++;
    if (j == keyCount) {
      store<i32>(keys + <usize>keyCount * 4, i);
      keyCount++;
    }
  }
  // The base's value of each edited key (0: none).
  let baseValues = Arena.alloc(<usize>keyCount * sizeof<usize>());
  for (let j = 0; j < keyCount; j++) store<usize>(baseValues + <usize>j * sizeof<usize>(), 0);
  if (base) {
    let cursor = entryCursor(base.containerPtr, base.containerLen, base.containerField);
    let runPtr: usize = 0,
      runLen: usize = 0;
    let rc: i32;
    while ((rc = cursor.next()) == 1) {
      let j = 0;
      while (
        j < keyCount &&
        !sameKey(edits, firstLens, load<i32>(keys + <usize>j * 4), cursor.keyPtr, cursor.keyLen, skip)
      )
        j++;
      if (j < keyCount) {
        let v = newSlot();
        if (!readValue<Slot>(cursor.valuePtr, cursor.valueLen, v, false)) return Status.InvalidArgument;
        store<usize>(baseValues + <usize>j * sizeof<usize>(), changetype<usize>(v));
      } else if (runLen && runPtr + runLen == cursor.rawPtr) {
        runLen += cursor.rawLen;
      } else {
        if (runLen) out.put(runPtr, runLen);
        runPtr = cursor.rawPtr;
        runLen = cursor.rawLen;
      }
    }
    if (rc < 0) return Status.InvalidArgument;
    if (runLen) out.put(runPtr, runLen);
  }
  let sub = newList<Edit>();
  let r = newResult();
  let slot = r.value;
  for (let j = 0; j < keyCount; j++) {
    let first = load<i32>(keys + <usize>j * 4);
    let keyPtr = edits.at(first).path + skip;
    let keyLen = load<usize>(firstLens + <usize>first * sizeof<usize>());
    sub.length = 0;
    for (let i = first; i < n; i++) if (sameKey(edits, firstLens, i, keyPtr, keyLen, skip)) sub.push(edits.at(i));
    r.value = slot;
    let status = edited(
      changetype<Slot | null>(load<usize>(baseValues + <usize>j * sizeof<usize>())),
      sub,
      skip,
      keyLen,
      r,
    );
    if (status) return status;
    if (r.has) putEntry(out, keyPtr, keyLen, r);
  }
  return Status.Ok;
}

// Whether edit `i`'s first key is the bytes at `ptr`.
function sameKey(edits: List<Edit>, firstLens: usize, i: i32, ptr: usize, len: usize, skip: usize): bool {
  return sameBytes(edits.at(i).path + skip, load<usize>(firstLens + <usize>i * sizeof<usize>()), ptr, len);
}
