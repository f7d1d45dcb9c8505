/* Checks and file reading for the C tests, with no protobuf library (the
 * format tests use none). */
#ifndef EIW_TEST_CHECK_H
#define EIW_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eiw.h"

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

typedef struct {
  uint8_t *data;
  size_t len;
} buffer;

static inline uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = malloc((size_t)size);
  CHECK(data != NULL);
  CHECK(fread(data, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
  *len = (size_t)size;
  return data;
}

static inline uint64_t read_varint(const uint8_t **p, const uint8_t *end) {
  uint64_t value = 0;
  for (int shift = 0; *p < end && shift < 64; shift += 7) {
    uint8_t byte = *(*p)++;
    value |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return value;
  }
  fprintf(stderr, "bad varint in a protobuf message\n");
  exit(1);
}

/* The value of varint field `field` of a serialized protobuf message (such
 * as HostStats), or 0 when absent (proto3 leaves zeros out). */
static inline uint64_t varint_field(const uint8_t *bytes, size_t len, uint32_t field) {
  const uint8_t *p = bytes, *end = bytes + len;
  uint64_t found = 0;
  while (p < end) {
    uint64_t tag = read_varint(&p, end);
    switch (tag & 7) {
      case 0: {
        uint64_t value = read_varint(&p, end);
        if (tag >> 3 == field) found = value;
        break;
      }
      case 1: p += 8; break;
      case 2: p += read_varint(&p, end); break;
      case 5: p += 4; break;
      default: fprintf(stderr, "bad wire type %d\n", (int)(tag & 7)); exit(1);
    }
  }
  CHECK(p == end);
  return found;
}

/* A figure of /proc/self/status (VmRSS, VmSize, ...) in KiB. */
static inline long status_kib(const char *name) {
  FILE *f = fopen("/proc/self/status", "r");
  CHECK(f != NULL);
  char line[256];
  long kib = -1;
  size_t n = strlen(name);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, name, n) == 0 && line[n] == ':') kib = atol(line + n + 1);
  }
  fclose(f);
  CHECK(kib >= 0);
  return kib;
}

/* HostStats fields. */
#define STATS_INSTANCES_LIVE 20

/* One varint field of a host's HostStats. */
static inline uint64_t host_stat(const eiw_host *host, uint32_t field) {
  uint8_t *stats;
  size_t len;
  CHECK(eiw_host_stats(host, &stats, &len, NULL) == EIW_RESULT_OK);
  uint64_t value = varint_field(stats, len, field);
  eiw_bytes_free(stats, len);
  return value;
}

#endif
