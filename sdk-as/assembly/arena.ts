// The call arena: raw bytes a call allocates (the host's `malloc`, output
// buffers, edited values), released together when the call returns. One
// 64 KiB block is kept for the instance; larger needs take blocks from the
// runtime's heap, freed at release. Managed objects (events, values) are
// the garbage collector's.

const BLOCK: usize = 65536;
const HEADER: usize = 16; // a block starts with the address of the one before

let home: usize = 0; // the kept block
let blocks: usize = 0; // blocks taken since the last release, newest first
let top: usize = 0; // allocated up to here in the current block (8-aligned)
let end: usize = 0;

// A saved position (one level: a batch marks before each event).
let markBlocks: usize = 0;
let markTop: usize = 0;
let markEnd: usize = 0;

function startHome(): void {
  if (home == 0) home = heap.alloc(BLOCK);
  blocks = 0;
  top = home;
  end = home + BLOCK;
}

export class Arena {
  // `n` bytes, 8-aligned; they stay until the call (or batch event) ends.
  @inline static alloc(n: usize): usize {
    let size = (n + 7) & ~(<usize>7);
    let at = top;
    if (at != 0 && size >= n && size <= end - at) {
      top = at + size;
      return at;
    }
    return allocSlow(n);
  }

  // A zeroed object of an unmanaged class `T`.
  @inline static zeroed<T>(): T {
    let size = (offsetof<T>() + 7) & ~(<usize>7);
    let at = Arena.alloc(size);
    // A word at a time: these objects are small, and memory.fill is a call
    // into the host.
    for (let i: usize = 0; i < size; i += 8) store<u64>(at + i, 0);
    return changetype<T>(at);
  }
}

// Where the current block is full: the kept block (at the call's start) or
// a new one.
function allocSlow(n: usize): usize {
  if (end == 0) startHome();
  let size = (n + 7) & ~(<usize>7);
  if (size < n) unreachable(); // `n` near the address space's end
  if (size <= end - top) {
    let at = top;
    top += size;
    return at;
  }
  let blockSize = max(size + HEADER, BLOCK);
  let block = heap.alloc(blockSize);
  store<usize>(block, blocks);
  blocks = block;
  top = block + HEADER + size;
  end = block + blockSize;
  return block + HEADER;
}

export function arenaMark(): void {
  if (end == 0) startHome();
  markBlocks = blocks;
  markTop = top;
  markEnd = end;
}

// Frees the blocks taken after `last` (0: all of them).
function freeBlocksAfter(last: usize): void {
  while (blocks != last) {
    let previous = load<usize>(blocks);
    heap.free(blocks);
    blocks = previous;
  }
}

// Back to the last mark: blocks taken since are freed.
export function arenaReleaseToMark(): void {
  freeBlocksAfter(markBlocks);
  top = markTop;
  end = markEnd;
}

// Everything the call allocated is released.
export function arenaReleaseAll(): void {
  freeBlocksAfter(0);
  if (home != 0) startHome();
}

// `n` zeroed bytes kept for the instance (outside the arena).
export function heapZeroed(n: usize): usize {
  let at = heap.alloc(n);
  memory.fill(at, 0, n);
  return at;
}

// A growable list of unmanaged objects in the call arena.
@unmanaged
export class List<T> {
  items: usize;
  length: i32;
  capacity: i32;

  push(item: T): void {
    if (this.length == this.capacity) {
      let capacity = this.capacity ? this.capacity * 2 : 8;
      let items = Arena.alloc(<usize>capacity * sizeof<usize>());
      if (this.length) memory.copy(items, this.items, <usize>this.length * sizeof<usize>());
      this.items = items;
      this.capacity = capacity;
    }
    store<usize>(this.items + <usize>this.length * sizeof<usize>(), changetype<usize>(item));
    this.length++;
  }

  at(i: i32): T {
    return changetype<T>(load<usize>(this.items + <usize>i * sizeof<usize>()));
  }

  set(i: i32, item: T): void {
    store<usize>(this.items + <usize>i * sizeof<usize>(), changetype<usize>(item));
  }
}

export function newList<T>(): List<T> {
  return Arena.zeroed<List<T>>();
}
