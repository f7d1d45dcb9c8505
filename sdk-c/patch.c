/* Editing an event where it lies: edits are recorded in order (a later
 * put at a path replaces earlier edits at or below it), look-ups see
 * them, and encoding copies every unedited entry of the input as it is.
 * The same rules as the Rust SDK's EventPatch and tree API. */
#include "internal.h"

int eiw_emit_bytes(const uint8_t *bytes, size_t len);

struct edit {
  const char *path;
  size_t len;
  int remove;
  eiw_bytes value; /* the payload of an eiw.v1.Value */
};

/* Whether `path` lies below `prefix` ("a.b" below "a"). */
static int below(const char *path, size_t len, const char *prefix, size_t plen) {
  return len > plen && path[plen] == '.' && same_bytes(path, plen, prefix, plen);
}

static int add_edit(eiw_event *e, const char *path, size_t len, int remove, eiw_bytes value) {
  /* A put replaces what earlier edits did at or below its path. (A remove
   * does not drop them: the objects they made on the way stay.) */
  if (!remove) {
    size_t kept = 0;
    for (size_t i = 0; i < e->count; i++) {
      edit *x = &e->edits[i];
      if (same_bytes(x->path, x->len, path, len) || below(x->path, x->len, path, len)) continue;
      e->edits[kept++] = *x;
    }
    e->count = kept;
  }
  if (e->count == e->capacity && !(e->edits = arena_grow(e->edits, e->count, &e->capacity, sizeof(edit), 8)))
    return -EIW_STATUS_INTERNAL;
  /* The path is copied: callers may reuse their buffer. */
  char *copy = arena_alloc(len ? len : 1);
  if (!copy) return -EIW_STATUS_INTERNAL;
  memcpy(copy, path, len);
  edit *x = &e->edits[e->count++];
  x->path = copy, x->len = len, x->remove = remove, x->value = value;
  return 0;
}

/* What an edited key holds: nothing, a value's payload as it is, or an
 * object written into `body`. */
typedef struct {
  int has, is_body;
  eiw_value value;
  buf body;
} result;

static int write_object(buf *out, const eiw_value *base, const edit *const *edits, const eiw_bytes *firsts,
                        size_t n, size_t skip);

/* The first key of an edit's path past `skip` characters. */
static eiw_bytes first_key(const edit *x, size_t skip) {
  eiw_bytes k = {(const uint8_t *)x->path + skip, 0};
  while (skip + k.len < x->len && x->path[skip + k.len] != '.') k.len++;
  return k;
}

/* The value for one edited key: from its last exact edit, or the base;
 * then the edits below it that came after. `sub` may be reordered. */
static int edited(const eiw_value *base_value, int has_base, const edit **sub, size_t n, size_t skip,
                  size_t key_len, result *r) {
  /* The last edit of the key itself governs; only later ones below count. */
  size_t first_deeper = 0;
  for (size_t i = 0; i < n; i++)
    if (sub[i]->len - skip == key_len) first_deeper = i + 1;
  r->is_body = 0;
  if (first_deeper == 0) {
    r->has = has_base;
    if (has_base) r->value = *base_value;
  } else {
    const edit *governing = sub[first_deeper - 1];
    r->has = !governing->remove;
    if (r->has && read_value_checked(governing->value, &r->value, 0)) return -EIW_STATUS_INVALID_ARGUMENT;
  }
  const edit **deeper = sub + first_deeper;
  size_t m = 0;
  int sets = 0;
  for (size_t i = first_deeper; i < n; i++)
    if (sub[i]->len - skip > key_len) {
      deeper[m++] = sub[i];
      sets |= !sub[i]->remove;
    }
  int is_object = r->has && r->value.kind == EIW_OBJECT;
  /* Removing below a non-object changes nothing. */
  if (m == 0 || (!sets && !is_object)) return 0;
  eiw_bytes *firsts = arena_alloc(m * sizeof(eiw_bytes));
  if (!firsts) return -EIW_STATUS_INTERNAL;
  for (size_t i = 0; i < m; i++) firsts[i] = first_key(deeper[i], skip + key_len + 1);
  eiw_value child = r->value;
  buf body = {0, 0, 0, 0};
  reserve(&body, (is_object ? child.raw.len : 0) + 64);
  int rc = write_object(&body, is_object ? &child : NULL, deeper, firsts, m, skip + key_len + 1);
  if (rc < 0) return rc;
  r->has = 1, r->is_body = 1, r->body = body;
  return 0;
}

/* A map entry: the key and what it holds. */
static void put_entry(buf *out, eiw_bytes key, const result *r) {
  size_t payload = r->is_body ? 1 + varint_len(r->body.len) + r->body.len : r->value.raw.len;
  size_t entry = 1 + varint_len(key.len) + key.len + 1 + varint_len(payload) + payload;
  put_varint(out, 1 << 3 | WIRE_LEN);
  put_varint(out, entry);
  put_len_field(out, 1, key.ptr, key.len);
  put_varint(out, 2 << 3 | WIRE_LEN);
  put_varint(out, payload);
  if (r->is_body) put_len_field(out, 10, r->body.ptr, r->body.len);
  else put(out, r->value.raw.ptr, r->value.raw.len);
}

/* Writes an object's payload: the base's entries whose keys no edit
 * touches, as they are (adjacent ones in one copy), then each edited
 * key's value. `edits` hold paths relative past `skip` characters, and
 * `firsts` their first keys. */
static int write_object(buf *out, const eiw_value *base, const edit *const *edits, const eiw_bytes *firsts,
                        size_t n, size_t skip) {
  size_t slots = n ? n : 1;
  eiw_bytes *keys = arena_alloc(slots * sizeof(eiw_bytes));
  eiw_value *base_values = arena_alloc(slots * sizeof(eiw_value));
  int *has_base = arena_alloc(slots * sizeof(int));
  const edit **sub = arena_alloc(slots * sizeof(edit *));
  if (!keys || !base_values || !has_base || !sub) return -EIW_STATUS_INTERNAL;
  size_t nkeys = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < nkeys && !same_bytes(keys[j].ptr, keys[j].len, firsts[i].ptr, firsts[i].len)) j++;
    if (j == nkeys) keys[nkeys] = firsts[i], has_base[nkeys++] = 0;
  }
  if (base) {
    entry_cursor cursor = {{0, 0}, {0, 0}};
    eiw_bytes k, v, raw, run = {0, 0};
    int rc;
    while ((rc = next_entry(base->as.nested.container, base->as.nested.field, &cursor, &k, &v, &raw)) == 1) {
      size_t j = 0;
      while (j < nkeys && !same_bytes(keys[j].ptr, keys[j].len, k.ptr, k.len)) j++;
      if (j < nkeys) {
        if (read_value_checked(v, &base_values[j], 0)) return -EIW_STATUS_INVALID_ARGUMENT;
        has_base[j] = 1;
      } else if (run.len && run.ptr + run.len == raw.ptr) {
        run.len += raw.len;
      } else {
        if (run.len) put(out, run.ptr, run.len);
        run = raw;
      }
    }
    if (rc < 0) return -EIW_STATUS_INVALID_ARGUMENT;
    if (run.len) put(out, run.ptr, run.len);
  }
  for (size_t j = 0; j < nkeys; j++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (same_bytes(keys[j].ptr, keys[j].len, firsts[i].ptr, firsts[i].len)) sub[m++] = edits[i];
    result r;
    int rc = edited(&base_values[j], has_base[j], sub, m, skip, keys[j].len, &r);
    if (rc < 0) return rc;
    if (r.has) put_entry(out, keys[j], &r);
  }
  return out->failed ? -EIW_STATUS_INTERNAL : 0;
}

static eiw_value input_fields(const eiw_event *e) {
  eiw_value fields;
  fields.kind = EIW_OBJECT;
  fields.raw = e->input;
  fields.as.nested.container = e->input;
  fields.as.nested.field = 2;
  return fields;
}

int eiw_get(const eiw_event *e, const char *path, eiw_value *out) {
  size_t len = cstr_len(path);
  /* The last edit at the path or above it governs; edits below it after
   * that one are applied over what it gives. */
  size_t g = e->count;
  for (size_t i = 0; i < e->count; i++) {
    const edit *x = &e->edits[i];
    if (same_bytes(x->path, x->len, path, len) || below(path, len, x->path, x->len)) g = i;
  }
  int has;
  eiw_bytes p = {(const uint8_t *)path, len};
  if (g == e->count) {
    has = object_get_path(e->input, 2, p, out);
  } else if (e->edits[g].remove) {
    has = 0;
  } else {
    eiw_value v;
    if (read_value(e->edits[g].value, &v)) return -EIW_STATUS_INVALID_ARGUMENT;
    if (e->edits[g].len == len) {
      *out = v, has = 1;
    } else if (v.kind == EIW_OBJECT) {
      eiw_bytes rest = {p.ptr + e->edits[g].len + 1, len - e->edits[g].len - 1};
      has = object_get_path(v.as.nested.container, v.as.nested.field, rest, out);
    } else {
      has = 0;
    }
  }
  if (has < 0) return -EIW_STATUS_INVALID_ARGUMENT;
  size_t first = g == e->count ? 0 : g + 1, m = 0;
  for (size_t i = first; i < e->count; i++) m += below(e->edits[i].path, e->edits[i].len, path, len);
  if (m == 0) return has;
  const edit **sub = arena_alloc(m * sizeof(edit *));
  if (!sub) return -EIW_STATUS_INTERNAL;
  m = 0;
  for (size_t i = first; i < e->count; i++)
    if (below(e->edits[i].path, e->edits[i].len, path, len)) sub[m++] = &e->edits[i];
  /* As the value of one key made of the later edits below the path. */
  edit self = {path, len, !has, has ? out->raw : (eiw_bytes){0, 0}};
  const edit **all = arena_alloc((m + 1) * sizeof(edit *));
  if (!all) return -EIW_STATUS_INTERNAL;
  all[0] = &self;
  for (size_t i = 0; i < m; i++) all[i + 1] = sub[i];
  size_t skip = 0;
  for (size_t i = 0; i < len; i++)
    if (path[i] == '.') skip = i + 1;
  result r;
  int rc = edited(NULL, 0, all, m + 1, skip, len - skip, &r);
  if (rc < 0 || !r.has) return rc;
  if (!r.is_body) {
    *out = r.value;
    return 1;
  }
  buf payload = {0, 0, 0, 0};
  put_len_field(&payload, 10, r.body.ptr, r.body.len);
  if (payload.failed) return -EIW_STATUS_INTERNAL;
  eiw_bytes bytes = {payload.ptr, payload.len};
  return read_value(bytes, out) ? -EIW_STATUS_INVALID_ARGUMENT : 1;
}

int eiw_get_str(const eiw_event *e, const char *path, eiw_bytes *out) {
  eiw_value v;
  int rc = eiw_get(e, path, &v);
  if (rc <= 0) return rc;
  if (v.kind != EIW_STRING) return 0;
  *out = v.as.str;
  return 1;
}

int eiw_put_value(eiw_event *e, const char *path, const eiw_value *value) {
  return add_edit(e, path, cstr_len(path), 0, value->raw);
}

int eiw_put_str(eiw_event *e, const char *path, const char *str, size_t len) {
  buf b = {0, 0, 0, 0};
  put_len_field(&b, 6, str, len);
  if (b.failed) return -EIW_STATUS_INTERNAL;
  eiw_bytes payload = {b.ptr, b.len};
  return add_edit(e, path, cstr_len(path), 0, payload);
}

int eiw_put_timestamp_nanos(eiw_event *e, const char *path, int64_t unix_nanos) {
  int64_t seconds = unix_nanos / 1000000000, nanos = unix_nanos % 1000000000;
  if (nanos < 0) seconds -= 1, nanos += 1000000000;
  buf t = {0, 0, 0, 0}, b = {0, 0, 0, 0};
  if (seconds) put_varint(&t, 1 << 3), put_varint(&t, (uint64_t)seconds);
  if (nanos) put_varint(&t, 2 << 3), put_varint(&t, (uint64_t)nanos);
  put_len_field(&b, 8, t.ptr, t.len);
  if (t.failed || b.failed) return -EIW_STATUS_INTERNAL;
  eiw_bytes payload = {b.ptr, b.len};
  return add_edit(e, path, cstr_len(path), 0, payload);
}

int eiw_remove(eiw_event *e, const char *path) {
  eiw_value v;
  int rc = eiw_get(e, path, &v);
  if (rc <= 0) return rc;
  eiw_bytes none = {0, 0};
  rc = add_edit(e, path, cstr_len(path), 1, none);
  return rc < 0 ? rc : 1;
}

int eiw_rename(eiw_event *e, const char *from, const char *to) {
  eiw_value v;
  int rc = eiw_get(e, from, &v);
  if (rc <= 0) return rc;
  eiw_bytes none = {0, 0};
  if ((rc = add_edit(e, from, cstr_len(from), 1, none)) < 0) return rc;
  if ((rc = add_edit(e, to, cstr_len(to), 0, v.raw)) < 0) return rc;
  return 1;
}

int eiw_emit(eiw_event *e) {
  if (e->count == 0 && !e->timestamp_set && e->metadata_count == 0) return eiw_emit_bytes(e->input.ptr, e->input.len);
  size_t edited_bytes = 64;
  for (size_t i = 0; i < e->count; i++) edited_bytes += e->edits[i].len + e->edits[i].value.len + 16;
  for (size_t i = 0; i < e->metadata_count; i++) edited_bytes += e->metadata[i].len + e->metadata[i].value.len + 8;
  buf out = {0, 0, 0, 0}, body = {0, 0, 0, 0};
  reserve(&out, e->input.len + edited_bytes);
  /* The input's top-level fields as they are, but those edited: the
   * object when its fields are, the timestamp, edited metadata keys. */
  eiw_bytes rest = e->input;
  field f;
  int rc;
  while ((rc = next_field(&rest, &f)) == 1)
    if ((f.number != 2 || e->count == 0) && event_keeps_field(e, &f)) put(&out, f.raw.ptr, f.raw.len);
  if (rc < 0) return -EIW_STATUS_INVALID_ARGUMENT;
  if (e->count > 0) {
    const edit **all = arena_alloc(e->count * sizeof(edit *));
    eiw_bytes *firsts = arena_alloc(e->count * sizeof(eiw_bytes));
    if (!all || !firsts) return -EIW_STATUS_INTERNAL;
    for (size_t i = 0; i < e->count; i++) {
      all[i] = &e->edits[i];
      firsts[i] = first_key(all[i], 0);
    }
    reserve(&body, e->input.len + edited_bytes);
    eiw_value fields = input_fields(e);
    if ((rc = write_object(&body, &fields, all, firsts, e->count, 0)) < 0) return rc;
    put_len_field(&out, 2, body.ptr, body.len);
  }
  event_put_edits(&out, e);
  if (out.failed) return -EIW_STATUS_INTERNAL;
  return eiw_emit_bytes(out.ptr, out.len);
}
