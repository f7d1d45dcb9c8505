/* Reading eiw.v1 messages where they lie, with protobuf's rules: the last
 * of a repeated map key wins, a oneof takes its last field, repeated
 * occurrences of a message merge (views span them all). */
#include "internal.h"

static int varint(eiw_bytes *r, uint64_t *out) {
  if (r->len && *r->ptr < 0x80) {
    *out = *r->ptr++;
    r->len--;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < 10; i++) {
    if (r->len == 0) return -1;
    uint8_t b = *r->ptr++;
    r->len--;
    if (i == 9 && b > 1) return -1;
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      *out = v;
      return 0;
    }
  }
  return -1;
}

static int take(eiw_bytes *r, uint64_t n, eiw_bytes *out) {
  if (n > r->len) return -1;
  out->ptr = r->ptr;
  out->len = (size_t)n;
  r->ptr += n;
  r->len -= (size_t)n;
  return 0;
}

static int skip_group(eiw_bytes *r, uint32_t number, int depth) {
  if (depth > 100) return -1;
  for (;;) {
    uint64_t key, v;
    eiw_bytes ignored;
    if (varint(r, &key) || key >> 3 == 0 || key >> 3 > UINT32_MAX) return -1;
    switch (key & 7) {
      case 4: return (uint32_t)(key >> 3) == number ? 0 : -1;
      case 3: if (skip_group(r, (uint32_t)(key >> 3), depth + 1)) return -1; break;
      case WIRE_VARINT: if (varint(r, &v)) return -1; break;
      case WIRE_I64: if (take(r, 8, &ignored)) return -1; break;
      case WIRE_I32: if (take(r, 4, &ignored)) return -1; break;
      case WIRE_LEN: if (varint(r, &v) || take(r, v, &ignored)) return -1; break;
      default: return -1;
    }
  }
}

int next_field(eiw_bytes *rest, field *out) {
  if (rest->len == 0) return 0;
  const uint8_t *start = rest->ptr;
  uint64_t key, n;
  if (varint(rest, &key) || key >> 3 == 0 || key >> 3 > UINT32_MAX) return -1;
  out->number = (uint32_t)(key >> 3);
  out->wire = (int)(key & 7);
  out->varint = 0;
  out->payload.ptr = rest->ptr;
  out->payload.len = 0;
  switch (out->wire) {
    case WIRE_VARINT: if (varint(rest, &out->varint)) return -1; break;
    case WIRE_I64: if (take(rest, 8, &out->payload)) return -1; break;
    case WIRE_I32: if (take(rest, 4, &out->payload)) return -1; break;
    case WIRE_LEN: if (varint(rest, &n) || take(rest, n, &out->payload)) return -1; break;
    case 3: if (skip_group(rest, out->number, 1)) return -1; break;
    default: return -1;
  }
  out->raw.ptr = start;
  out->raw.len = (size_t)(rest->ptr - start);
  return 1;
}

static int utf8_ok(eiw_bytes s) {
  size_t i = 0;
  while (i < s.len) {
    /* Eight ASCII bytes at a time. */
    if (i + 8 <= s.len) {
      uint64_t w;
      memcpy(&w, s.ptr + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    uint8_t c = s.ptr[i];
    if (c < 0x80) { i++; continue; }
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (n == 0 || c > 0xf4 || i + n > s.len) return 0;
    uint32_t cp = c & (0x3f >> (n - 1));
    for (size_t k = 1; k < n; k++) {
      if ((s.ptr[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s.ptr[i + k] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
      return 0;
    i += n;
  }
  return 1;
}

int read_timestamp_fields(eiw_bytes body, int64_t *seconds, int32_t *nanos) {
  field f;
  int rc;
  while ((rc = next_field(&body, &f)) == 1) {
    if (f.number == 1 || f.number == 2) {
      if (f.wire != WIRE_VARINT) return -1;
      if (f.number == 1) *seconds = (int64_t)f.varint;
      else *nanos = (int32_t)f.varint;
    }
  }
  return rc;
}

int read_value(eiw_bytes payload, eiw_value *out) { return read_value_checked(payload, out, 1); }

int read_value_checked(eiw_bytes payload, eiw_value *out, int check_utf8) {
  /* Most values are one string or one object with a one-byte length. */
  if (payload.len >= 2 && payload.ptr[1] < 0x80 && (size_t)payload.ptr[1] + 2 == payload.len) {
    eiw_bytes inner = {payload.ptr + 2, payload.len - 2};
    out->raw = payload;
    if (payload.ptr[0] == (6 << 3 | WIRE_LEN)) {
      if (check_utf8 && !utf8_ok(inner)) return -1;
      out->kind = EIW_STRING;
      out->as.str = inner;
      return 0;
    }
    if (payload.ptr[0] == (10 << 3 | WIRE_LEN)) {
      out->kind = EIW_OBJECT;
      out->as.nested.container = payload;
      out->as.nested.field = 10;
      return 0;
    }
  }
  eiw_bytes rest = payload;
  field f, last;
  size_t run_start = 0;
  int have = 0, rc;
  while (1) {
    size_t at = payload.len - rest.len;
    if ((rc = next_field(&rest, &f)) != 1) break;
    if (f.number < 1 || f.number > 10) continue;
    if (!have || last.number != f.number) run_start = at;
    last = f;
    have = 1;
  }
  if (rc < 0) return -1;
  out->raw = payload;
  if (!have) {
    out->kind = EIW_NULL;
    return 0;
  }
  eiw_bytes run = {payload.ptr + run_start, payload.len - run_start};
  int want = last.number <= 4 || last.number == 1 ? WIRE_VARINT : last.number == 5 ? WIRE_I64 : WIRE_LEN;
  if (last.wire != want) return -1;
  switch (last.number) {
    case 1: out->kind = EIW_NULL; break;
    case 2: out->kind = EIW_BOOL; out->as.boolean = last.varint != 0; break;
    case 3: out->kind = EIW_INT; out->as.i64 = (int64_t)last.varint; break;
    case 4: out->kind = EIW_UINT; out->as.u64 = last.varint; break;
    case 5: out->kind = EIW_DOUBLE; memcpy(&out->as.f64, last.payload.ptr, 8); break;
    case 6:
      if (check_utf8 && !utf8_ok(last.payload)) return -1;
      out->kind = EIW_STRING;
      out->as.str = last.payload;
      break;
    case 7: out->kind = EIW_BYTES; out->as.str = last.payload; break;
    case 8: {
      out->kind = EIW_TIMESTAMP;
      out->as.timestamp.seconds = 0;
      out->as.timestamp.nanos = 0;
      while ((rc = next_field(&run, &f)) == 1)
        if (f.number == 8 && (f.wire != WIRE_LEN || read_timestamp_fields(f.payload, &out->as.timestamp.seconds, &out->as.timestamp.nanos)))
          return -1;
      if (rc < 0) return -1;
      break;
    }
    default:
      out->kind = last.number == 9 ? EIW_LIST : EIW_OBJECT;
      out->as.nested.container = run;
      out->as.nested.field = last.number;
  }
  return 0;
}

/* An entry's key and value; an entry whose value is encoded twice (a
 * merge no encoder writes) is refused. */
static int parse_entry(eiw_bytes entry, eiw_bytes *key, eiw_bytes *value) {
  field f;
  int rc, have_value = 0;
  key->ptr = entry.ptr;
  key->len = 0;
  value->ptr = entry.ptr;
  value->len = 0;
  while ((rc = next_field(&entry, &f)) == 1) {
    if (f.number != 1 && f.number != 2) continue;
    if (f.wire != WIRE_LEN) return -1;
    if (f.number == 1) *key = f.payload;
    else if (have_value++) return -1;
    else *value = f.payload;
  }
  return rc;
}

int next_entry(eiw_bytes container, uint32_t number, entry_cursor *state, eiw_bytes *key, eiw_bytes *value,
               eiw_bytes *raw) {
  if (!state->outer.ptr) {
    state->outer = container;
    /* Number 0: the container is the object's own payload (a Config). */
    if (number == 0) {
      state->inner = container;
      state->outer.len = 0;
    }
  }
  field f;
  for (;;) {
    /* An entry of the usual shape: 0x0a, a one-byte length, then the key
     * (0x0a, one-byte length) and the value (0x12, one-byte length)
     * filling it exactly. */
    const uint8_t *p = state->inner.ptr;
    if (state->inner.len >= 2 && p[0] == 0x0a && p[1] < 0x80 && (size_t)p[1] + 2 <= state->inner.len &&
        p[1] >= 4 && p[2] == 0x0a && p[3] < 0x80 && (size_t)p[3] + 6 <= (size_t)p[1] + 2 &&
        p[4 + p[3]] == 0x12 && p[5 + p[3]] < 0x80 && (size_t)p[5 + p[3]] + 4 + p[3] == p[1]) {
      size_t n = (size_t)p[1] + 2, k = p[3];
      key->ptr = p + 4, key->len = k;
      value->ptr = p + 6 + k, value->len = p[5 + k];
      raw->ptr = p, raw->len = n;
      state->inner.ptr += n, state->inner.len -= n;
      return 1;
    }
    int rc = next_field(&state->inner, &f);
    if (rc < 0) return -1;
    if (rc == 1) {
      if (f.number != 1) continue;
      if (f.wire != WIRE_LEN || parse_entry(f.payload, key, value)) return -1;
      *raw = f.raw;
      return 1;
    }
    /* The next occurrence of the object: most have a one-byte key and
     * length. */
    const uint8_t *q = state->outer.ptr;
    if (state->outer.len >= 2 && number < 16 && q[0] == (uint8_t)(number << 3 | WIRE_LEN) && q[1] < 0x80 &&
        (size_t)q[1] + 2 <= state->outer.len) {
      state->inner.ptr = q + 2, state->inner.len = q[1];
      state->outer.ptr += (size_t)q[1] + 2, state->outer.len -= (size_t)q[1] + 2;
      continue;
    }
    for (;;) {
      rc = next_field(&state->outer, &f);
      if (rc <= 0) return rc;
      if (f.number == number) {
        if (f.wire != WIRE_LEN) return -1;
        state->inner = f.payload;
        break;
      }
    }
  }
}

int object_get(eiw_bytes container, uint32_t number, eiw_bytes key, eiw_value *out) {
  entry_cursor cursor = {{0, 0}, {0, 0}};
  eiw_bytes k, v, raw, found = {0, 0};
  int rc, have = 0;
  while ((rc = next_entry(container, number, &cursor, &k, &v, &raw)) == 1) {
    if (same_bytes(k.ptr, k.len, key.ptr, key.len)) {
      found = v;
      have = 1;
    }
  }
  if (rc < 0) return -1;
  if (!have) return 0;
  return read_value(found, out) ? -1 : 1;
}

int object_get_path(eiw_bytes container, uint32_t number, eiw_bytes path, eiw_value *out) {
  for (;;) {
    size_t dot = 0;
    while (dot < path.len && path.ptr[dot] != '.') dot++;
    eiw_bytes key = {path.ptr, dot};
    int rc = object_get(container, number, key, out);
    if (rc <= 0 || dot == path.len) return rc;
    if (out->kind != EIW_OBJECT) return 0;
    container = out->as.nested.container;
    number = out->as.nested.field;
    path.ptr += dot + 1;
    path.len -= dot + 1;
  }
}

eiw_list_cursor eiw_list_begin(const eiw_value *list) {
  eiw_list_cursor cursor = {{0, 0}, {0, 0}};
  if (list->kind == EIW_LIST) cursor.outer = list->as.nested.container;
  return cursor;
}

/* The cursor walks the list's container (occurrences of field 9, each a
 * ListValue whose field 1 values are the elements). */
int eiw_list_next(eiw_list_cursor *cursor, eiw_value *out) {
  field f;
  for (;;) {
    int rc = next_field(&cursor->inner, &f);
    if (rc < 0) return -EIW_STATUS_INVALID_ARGUMENT;
    if (rc == 1) {
      if (f.number != 1) continue;
      if (f.wire != WIRE_LEN || read_value(f.payload, out)) return -EIW_STATUS_INVALID_ARGUMENT;
      return 1;
    }
    for (;;) {
      rc = next_field(&cursor->outer, &f);
      if (rc < 0) return -EIW_STATUS_INVALID_ARGUMENT;
      if (rc == 0) return 0;
      if (f.number == 9) {
        if (f.wire != WIRE_LEN) return -EIW_STATUS_INVALID_ARGUMENT;
        cursor->inner = f.payload;
        break;
      }
    }
  }
}

int eiw_value_get(const eiw_value *object, const char *key, eiw_value *out) {
  if (object->kind != EIW_OBJECT) return 0;
  eiw_bytes k = {(const uint8_t *)key, cstr_len(key)};
  int rc = object_get(object->as.nested.container, object->as.nested.field, k, out);
  return rc < 0 ? -EIW_STATUS_INVALID_ARGUMENT : rc;
}

int eiw_value_cstr(const eiw_value *value, char *out, size_t cap) {
  if (value->kind != EIW_STRING) return 0;
  if (value->as.str.len >= cap) return -EIW_STATUS_INVALID_ARGUMENT;
  memcpy(out, value->as.str.ptr, value->as.str.len);
  out[value->as.str.len] = 0;
  return 1;
}

int eiw_bytes_eq(eiw_bytes bytes, const char *str) { return same_bytes(bytes.ptr, bytes.len, str, cstr_len(str)); }

int eiw_config_get(const eiw_config *config, const char *name, eiw_value *out) {
  eiw_bytes key = {(const uint8_t *)name, cstr_len(name)};
  int rc = object_get(config->bytes, 0, key, out);
  return rc < 0 ? -EIW_STATUS_INVALID_ARGUMENT : rc;
}
