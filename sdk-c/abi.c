/* The guest side of docs/ABI.md: exports, host imports, and memory. All
 * memory comes from one bump region above the data: what a call allocates
 * is released when it returns (the region drops back to its mark); the
 * input buffer and the config stay below the mark. */
#include "internal.h"

extern unsigned char __heap_base;

static uintptr_t mark = (uintptr_t)&__heap_base; /* persistent up to here */
static uintptr_t top = (uintptr_t)&__heap_base;  /* allocated up to here */

/* The memory's end as last seen (memory.size is a call into the host). */
static uintptr_t limit;

static int grow_to(uintptr_t end) {
  if (end <= limit) return 1;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    uintptr_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (uintptr_t)-1) return 0;
    have += pages * 65536;
  }
  limit = have;
  return 1;
}

void *arena_alloc(size_t n) {
  uintptr_t at = (top + 7) & ~(uintptr_t)7;
  if (n > UINTPTR_MAX - at || !grow_to(at + n)) return NULL;
  top = at + n;
  return (void *)at;
}

void *arena_grow(void *items, size_t count, size_t *capacity, size_t size, size_t first) {
  size_t cap = *capacity ? *capacity * 2 : first;
  void *grown = arena_alloc(cap * size);
  if (!grown) return NULL;
  if (count) memcpy(grown, items, count * size);
  *capacity = cap;
  return grown;
}

__attribute__((export_name("elastic_ingest_wasm_abi_1_1"))) void abi_marker(void) {}

/* Freed (with everything else of the call) when register or process returns. */
__attribute__((export_name("malloc"))) void *guest_malloc(size_t n) { return arena_alloc(n ? n : 1); }

static uint8_t *input_buffer_ptr;
static size_t input_buffer_size;

__attribute__((export_name("input_buffer"))) void *guest_input_buffer(size_t n) {
  if (!input_buffer_ptr && n > 0) {
    input_buffer_ptr = arena_alloc(n);
    if (!input_buffer_ptr) return NULL;
    input_buffer_size = n;
    mark = top; /* kept for the instance's life */
  }
  return n <= input_buffer_size ? input_buffer_ptr : NULL;
}

__attribute__((import_module("elastic"), import_name("elastic_emit_event"))) int32_t host_emit(const uint8_t *, size_t);
__attribute__((import_module("elastic"), import_name("elastic_log"))) int32_t host_log(int32_t, const char *, size_t);
__attribute__((import_module("elastic"), import_name("elastic_get_current_time_nanoseconds"))) int64_t host_now(void);
__attribute__((import_module("elastic"), import_name("elastic_batch_result"))) int32_t host_batch_result(int32_t, int32_t);

int64_t eiw_now_nanos(void) { return host_now(); }
void eiw_log(int level, const char *message, size_t len) { host_log(level, message, len); }

int eiw_emit_bytes(const uint8_t *bytes, size_t len) {
  int32_t status = host_emit(bytes, len);
  if (status == 0) return 0;
  return status == 2 || status == 3 ? -status : -EIW_STATUS_INTERNAL;
}

static int status_of(int rc) { return rc < 0 ? -rc : rc; }

static int registered;

__attribute__((export_name("register"))) int32_t guest_register(uint8_t *ptr, size_t len) {
  /* A copy of the config stays (the host may have written it into the
   * input buffer): values read from it live as long as the instance. */
  uint8_t *copy = arena_alloc(len ? len : 1);
  if (!copy) return EIW_STATUS_INTERNAL;
  memcpy(copy, ptr, len);
  eiw_config config = {{copy, len}};
  int rc = eiw_module_register(&config);
  registered = 1;
  mark = top;
  return status_of(rc);
}

static int process_one(const uint8_t *ptr, size_t len) {
  /* A host that processes before any register: an empty config. */
  if (!registered) {
    eiw_config empty = {{ptr, 0}};
    registered = 1;
    int rc = eiw_module_register(&empty);
    if (rc) return status_of(rc);
  }
  eiw_event event = {{ptr, len}, NULL, 0, 0, 0, 0, 0, NULL, 0, 0};
  return status_of(eiw_module_process(&event));
}

__attribute__((export_name("process"))) int32_t guest_process(uint8_t *ptr, size_t len) {
  int rc = process_one(ptr, len);
  top = mark;
  return rc;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* [u32 count] then [u32 length, bytes] per event, little-endian; each
 * event's status is reported after its outputs. */
__attribute__((export_name("process_batch"))) int32_t guest_process_batch(uint8_t *ptr, size_t len) {
  if (len < 4) {
    top = mark;
    return EIW_STATUS_INVALID_ARGUMENT;
  }
  uint32_t count = le32(ptr);
  size_t at = 4;
  for (uint32_t i = 0; i < count; i++) {
    int rc = EIW_STATUS_INVALID_ARGUMENT;
    if (len - at >= 4 && le32(ptr + at) <= len - at - 4) {
      size_t n = le32(ptr + at);
      uintptr_t event_mark = top;
      rc = process_one(ptr + at + 4, n);
      top = event_mark;
      at += 4 + n;
    } else {
      at = len;
    }
    host_batch_result((int32_t)i, rc);
  }
  top = mark;
  return 0;
}

/* Bulk memory (WebAssembly 2.0): memory.copy and memory.fill. */
void *memcpy(void *dst, const void *src, size_t n) {
  __builtin_memcpy(dst, src, n);
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  __builtin_memmove(dst, src, n);
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  __builtin_memset(dst, c, n);
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

size_t cstr_len(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}
