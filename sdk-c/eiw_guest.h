/* eiw guest SDK for C: write an eiw module in C, built with
 * clang and wasm-ld (docs/GUEST-SDKS.md has the quick start and flags).
 *
 * The SDK implements the guest side of docs/ABI.md (ABI 1.1): the marker,
 * `malloc`, `input_buffer`, `register`, `process`, `process_batch`. A
 * module defines two functions:
 *
 *   int eiw_module_register(const eiw_config *config);
 *   int eiw_module_process(eiw_event *event);
 *
 * each returning 0 or an EIW_STATUS_* code. Events are read and edited
 * where they lie (the wire-level API of the Rust SDK): look-ups scan the
 * serialized bytes, edits are recorded, and eiw_emit copies every unedited
 * field of the input as it is. Memory a call allocates is released when it
 * returns; config values stay valid for the instance's life.
 */
#ifndef EIW_GUEST_H
#define EIW_GUEST_H

#include <stddef.h>
#include <stdint.h>

enum {
  EIW_STATUS_OK = 0,
  EIW_STATUS_INTERNAL = 1,
  EIW_STATUS_INVALID_ARGUMENT = 2,
  EIW_STATUS_NOT_FOUND = 3,
};

enum { EIW_LOG_DEBUG, EIW_LOG_INFO, EIW_LOG_WARN, EIW_LOG_ERROR, EIW_LOG_CRITICAL };

typedef struct {
  const uint8_t *ptr;
  size_t len;
} eiw_bytes;

typedef enum {
  EIW_NULL,
  EIW_BOOL,
  EIW_INT,
  EIW_UINT,
  EIW_DOUBLE,
  EIW_STRING,
  EIW_BYTES,
  EIW_TIMESTAMP,
  EIW_LIST,
  EIW_OBJECT,
} eiw_kind;

/* A value where it lies: its kind, scalar, and its encoding (`raw`, the
 * payload of an eiw.v1.Value), which eiw_put_value copies as it is. */
typedef struct {
  eiw_kind kind;
  eiw_bytes raw;
  union {
    int boolean;
    int64_t i64;
    uint64_t u64;
    double f64;
    eiw_bytes str; /* EIW_STRING (UTF-8, not terminated) and EIW_BYTES */
    struct {
      int64_t seconds;
      int32_t nanos;
    } timestamp;
    struct {
      eiw_bytes container; /* EIW_LIST and EIW_OBJECT: see eiw_list_next */
      uint32_t field;
    } nested;
  } as;
} eiw_value;

typedef struct eiw_event eiw_event;
typedef struct eiw_config eiw_config;

/* Defined by the module. */
int eiw_module_register(const eiw_config *config);
int eiw_module_process(eiw_event *event);

/* The value at a dotted path ("log.level"), edits included: 1 found, 0
 * absent, or -EIW_STATUS_INVALID_ARGUMENT for bytes that do not decode
 * there. */
int eiw_get(const eiw_event *event, const char *path, eiw_value *out);
/* The string at a path: 1 with *out set, 0 absent or not a string, <0 error. */
int eiw_get_str(const eiw_event *event, const char *path, eiw_bytes *out);
/* Edits: 0 or -EIW_STATUS_* (-EIW_STATUS_INTERNAL when out of memory). */
int eiw_put_value(eiw_event *event, const char *path, const eiw_value *value);
int eiw_put_str(eiw_event *event, const char *path, const char *str, size_t len);
int eiw_put_timestamp_nanos(eiw_event *event, const char *path, int64_t unix_nanos);
/* 1 removed, 0 absent, <0 error. */
int eiw_remove(eiw_event *event, const char *path);
/* Moves the value at `from` to `to`: 1 moved, 0 `from` absent, <0 error. */
int eiw_rename(eiw_event *event, const char *from, const char *to);
/* The timestamp (edits included): 1 with the time, 0 none, <0 error. */
int eiw_get_timestamp(const eiw_event *event, int64_t *seconds, int32_t *nanos);
void eiw_set_timestamp(eiw_event *event, int64_t seconds, int32_t nanos);
/* A metadata value (edits included): 1 with *out set, 0 absent, <0 error. */
int eiw_get_metadata(const eiw_event *event, const char *key, eiw_bytes *out);
/* 0 or -EIW_STATUS_INTERNAL (out of memory); the value is copied. */
int eiw_set_metadata(eiw_event *event, const char *key, const char *value, size_t len);
/* 1 removed, 0 absent, <0 error. */
int eiw_remove_metadata(eiw_event *event, const char *key);

/* Passes the edited event on: 0, or the host's status as -EIW_STATUS_*. */
int eiw_emit(eiw_event *event);

/* The elements of a list in order: start with eiw_list_begin(&list), then
 * eiw_list_next returns 1 with *out set, 0 at the end, <0 on bad bytes. */
typedef struct {
  eiw_bytes outer, inner;
} eiw_list_cursor;
eiw_list_cursor eiw_list_begin(const eiw_value *list);
int eiw_list_next(eiw_list_cursor *cursor, eiw_value *out);

/* The value under `key` (no dots) in an object value: 1, 0 absent or not
 * an object, <0 error. */
int eiw_value_get(const eiw_value *object, const char *key, eiw_value *out);

/* A string value as a NUL-terminated copy in `out` (`cap` bytes): 1, 0
 * when it is not a string, -EIW_STATUS_INVALID_ARGUMENT when too long. */
int eiw_value_cstr(const eiw_value *value, char *out, size_t cap);

/* Whether bytes (a string read from an event) equal a C string. */
int eiw_bytes_eq(eiw_bytes bytes, const char *str);

/* A config parameter (a top-level name): 1 found, 0 absent, <0 error. */
int eiw_config_get(const eiw_config *config, const char *name, eiw_value *out);

int64_t eiw_now_nanos(void);
void eiw_log(int level, const char *message, size_t len);

#endif
