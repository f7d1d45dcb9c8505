/* What the SDK's files share. */
#ifndef EIW_GUEST_INTERNAL_H
#define EIW_GUEST_INTERNAL_H

#include "eiw_guest.h"

#define WIRE_VARINT 0
#define WIRE_I64 1
#define WIRE_LEN 2
#define WIRE_I32 5

/* abi.c: the call arena and the bits of libc the compiler may call. */
void *arena_alloc(size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t cstr_len(const char *s);
/* Grows an arena array of `*capacity` items of `size` bytes holding
 * `count` (to `first` items, then doubling): the new array, or NULL. */
void *arena_grow(void *items, size_t count, size_t *capacity, size_t size, size_t first);

/* Whether two byte strings are equal (keys and paths: short, so compared
 * in place rather than through memcmp). */
static inline int same_bytes(const void *a, size_t an, const void *b, size_t bn) {
  const uint8_t *x = a, *y = b;
  if (an != bn) return 0;
  for (size_t i = 0; i < an; i++)
    if (x[i] != y[i]) return 0;
  return 1;
}

/* wire.c: reading the wire format. */
typedef struct {
  uint32_t number;
  int wire;
  uint64_t varint;
  eiw_bytes payload; /* WIRE_LEN, WIRE_I64, WIRE_I32 */
  eiw_bytes raw;     /* the whole field */
} field;

int next_field(eiw_bytes *rest, field *out); /* 1, 0 at the end, -1 bad */
int read_value(eiw_bytes payload, eiw_value *out); /* 0 or -1 */
/* The same; strings unchecked (for values only copied). */
int read_value_checked(eiw_bytes payload, eiw_value *out, int check_utf8);
/* The value under `key` in the object made of occurrences of message
 * field `number` of `container` (0: `container` is the object's payload):
 * 1 found, 0 absent, -1 bad. */
int object_get(eiw_bytes container, uint32_t number, eiw_bytes key, eiw_value *out);
/* The value at a dotted path (bytes) inside an object: 1, 0, -1. */
int object_get_path(eiw_bytes container, uint32_t number, eiw_bytes path, eiw_value *out);
/* The next entry of such an object: 1 with its key, value payload and
 * encoding, 0 at the end, -1 bad. `state` starts zeroed. */
typedef struct {
  eiw_bytes outer, inner;
} entry_cursor;
int next_entry(eiw_bytes container, uint32_t number, entry_cursor *state, eiw_bytes *key,
               eiw_bytes *value, eiw_bytes *raw);

/* buf.c: an output buffer in the call arena. */
typedef struct {
  uint8_t *ptr;
  size_t len, cap;
  int failed;
} buf;
void reserve(buf *b, size_t cap);
void put_slow(buf *b, const void *data, size_t n);
/* Appends bytes; keys, lengths and small values in place (no call to
 * memory.copy), the rest through put_slow, which grows the buffer. */
static inline void put(buf *b, const void *data, size_t n) {
  if (!b->failed && n <= 16 && b->cap - b->len >= n) {
    const uint8_t *from = data;
    for (size_t i = 0; i < n; i++) b->ptr[b->len + i] = from[i];
    b->len += n;
    return;
  }
  put_slow(b, data, n);
}
size_t varint_len(uint64_t v);
void put_varint_slow(buf *b, uint64_t v);
static inline void put_varint(buf *b, uint64_t v) {
  if (b->failed || b->cap - b->len < 10) {
    put_varint_slow(b, v);
    return;
  }
  while (v >= 0x80) b->ptr[b->len++] = (uint8_t)(v | 0x80), v >>= 7;
  b->ptr[b->len++] = (uint8_t)v;
}
static inline void put_len_field(buf *b, uint32_t number, const void *data, size_t n) {
  put_varint(b, (uint64_t)number << 3 | WIRE_LEN);
  put_varint(b, n);
  put(b, data, n);
}

/* The serialized input and its edits: of fields (patch.c), of the
 * timestamp and the metadata (event.c). */
typedef struct edit edit;
typedef struct {
  const char *key;
  size_t len;
  int remove;
  eiw_bytes value;
} metadata_edit;
struct eiw_event {
  eiw_bytes input;
  edit *edits;
  size_t count, capacity;
  int timestamp_set;
  int64_t seconds;
  int32_t nanos;
  metadata_edit *metadata;
  size_t metadata_count, metadata_capacity;
};
/* event.c: whether emit copies a top-level field of the input as it is,
 * and the timestamp and metadata edits it writes after them. */
int event_keeps_field(const eiw_event *event, const field *f);
void event_put_edits(buf *out, const eiw_event *event);
struct eiw_config {
  eiw_bytes bytes;
};

#endif
