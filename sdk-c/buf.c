/* A growable output buffer in the call arena, and the few protobuf
 * encodings the SDK writes. A failed allocation sets `failed`; writers
 * check it once at the end. */
#include "internal.h"

void reserve(buf *b, size_t cap) {
  if (b->failed || cap <= b->cap) return;
  uint8_t *grown = arena_alloc(cap);
  if (!grown) {
    b->failed = 1;
    return;
  }
  if (b->len) memcpy(grown, b->ptr, b->len);
  b->ptr = grown, b->cap = cap;
}

void put_slow(buf *b, const void *data, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n) cap *= 2;
    reserve(b, cap);
    if (b->failed) return;
  }
  memcpy(b->ptr + b->len, data, n);
  b->len += n;
}

size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, n++;
  return n;
}

void put_varint_slow(buf *b, uint64_t v) {
  uint8_t bytes[10];
  size_t n = 0;
  while (v >= 0x80) bytes[n++] = (uint8_t)(v | 0x80), v >>= 7;
  bytes[n++] = (uint8_t)v;
  put(b, bytes, n);
}

