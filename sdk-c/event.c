/* The event's timestamp and metadata: read from the input, edits kept on
 * the event and written by eiw_emit in place of the input's. */
#include "internal.h"

int read_timestamp_fields(eiw_bytes body, int64_t *seconds, int32_t *nanos);

int eiw_get_timestamp(const eiw_event *e, int64_t *seconds, int32_t *nanos) {
  if (e->timestamp_set) {
    *seconds = e->seconds, *nanos = e->nanos;
    return 1;
  }
  /* Occurrences of field 1 merge, later fields winning. */
  eiw_bytes rest = e->input;
  field f;
  int rc, found = 0;
  *seconds = 0, *nanos = 0;
  while ((rc = next_field(&rest, &f)) == 1) {
    if (f.number != 1) continue;
    if (f.wire != WIRE_LEN || read_timestamp_fields(f.payload, seconds, nanos)) return -EIW_STATUS_INVALID_ARGUMENT;
    found = 1;
  }
  return rc < 0 ? -EIW_STATUS_INVALID_ARGUMENT : found;
}

void eiw_set_timestamp(eiw_event *e, int64_t seconds, int32_t nanos) {
  e->timestamp_set = 1, e->seconds = seconds, e->nanos = nanos;
}

static int same_key(const metadata_edit *m, eiw_bytes key) { return same_bytes(m->key, m->len, key.ptr, key.len); }

static int metadata_entry(eiw_bytes entry, eiw_bytes *key, eiw_bytes *value) {
  field f;
  int rc;
  key->ptr = value->ptr = entry.ptr;
  key->len = value->len = 0;
  while ((rc = next_field(&entry, &f)) == 1) {
    if (f.number != 1 && f.number != 2) continue;
    if (f.wire != WIRE_LEN) return -1;
    *(f.number == 1 ? key : value) = f.payload;
  }
  return rc;
}

int eiw_get_metadata(const eiw_event *e, const char *key, eiw_bytes *out) {
  eiw_bytes k = {(const uint8_t *)key, cstr_len(key)};
  for (size_t i = e->metadata_count; i-- > 0;) {
    if (!same_key(&e->metadata[i], k)) continue;
    if (e->metadata[i].remove) return 0;
    *out = e->metadata[i].value;
    return 1;
  }
  eiw_bytes rest = e->input, mk, mv;
  field f;
  int rc, found = 0;
  while ((rc = next_field(&rest, &f)) == 1) {
    if (f.number != 3) continue;
    if (f.wire != WIRE_LEN || metadata_entry(f.payload, &mk, &mv)) return -EIW_STATUS_INVALID_ARGUMENT;
    if (same_bytes(mk.ptr, mk.len, k.ptr, k.len)) *out = mv, found = 1;
  }
  return rc < 0 ? -EIW_STATUS_INVALID_ARGUMENT : found;
}

static int edit_metadata(eiw_event *e, const char *key, int remove, const char *value, size_t len) {
  size_t klen = cstr_len(key);
  char *k = arena_alloc(klen ? klen : 1);
  uint8_t *v = arena_alloc(len ? len : 1);
  if (!k || !v) return -EIW_STATUS_INTERNAL;
  memcpy(k, key, klen);
  memcpy(v, value, len);
  if (e->metadata_count == e->metadata_capacity &&
      !(e->metadata = arena_grow(e->metadata, e->metadata_count, &e->metadata_capacity, sizeof(metadata_edit), 4)))
    return -EIW_STATUS_INTERNAL;
  metadata_edit *m = &e->metadata[e->metadata_count++];
  m->key = k, m->len = klen, m->remove = remove, m->value.ptr = v, m->value.len = len;
  return 0;
}

int eiw_set_metadata(eiw_event *e, const char *key, const char *value, size_t len) {
  return edit_metadata(e, key, 0, value, len);
}

int eiw_remove_metadata(eiw_event *e, const char *key) {
  eiw_bytes ignored;
  int rc = eiw_get_metadata(e, key, &ignored);
  if (rc <= 0) return rc;
  rc = edit_metadata(e, key, 1, "", 0);
  return rc < 0 ? rc : 1;
}

/* The last edit of each key counts. */
static int last_of_key(const eiw_event *e, size_t i) {
  for (size_t j = i + 1; j < e->metadata_count; j++)
    if (same_bytes(e->metadata[j].key, e->metadata[j].len, e->metadata[i].key, e->metadata[i].len)) return 0;
  return 1;
}

int event_keeps_field(const eiw_event *e, const field *f) {
  if (f->number == 1) return !e->timestamp_set;
  if (f->number != 3 || e->metadata_count == 0) return 1;
  eiw_bytes k, v;
  if (f->wire != WIRE_LEN || metadata_entry(f->payload, &k, &v)) return 1; /* the host's check refuses it */
  for (size_t i = 0; i < e->metadata_count; i++)
    if (same_key(&e->metadata[i], k)) return 0;
  return 1;
}

void event_put_edits(buf *out, const eiw_event *e) {
  if (e->timestamp_set) {
    buf t = {0, 0, 0, 0};
    if (e->seconds) put_varint(&t, 1 << 3), put_varint(&t, (uint64_t)e->seconds);
    if (e->nanos) put_varint(&t, 2 << 3), put_varint(&t, (uint64_t)(int64_t)e->nanos);
    if (t.failed) out->failed = 1;
    put_len_field(out, 1, t.ptr, t.len);
  }
  for (size_t i = 0; i < e->metadata_count; i++) {
    const metadata_edit *m = &e->metadata[i];
    if (m->remove || !last_of_key(e, i)) continue;
    size_t body = 1 + varint_len(m->len) + m->len + 1 + varint_len(m->value.len) + m->value.len;
    put_varint(out, 3 << 3 | WIRE_LEN);
    put_varint(out, body);
    put_len_field(out, 1, m->key, m->len);
    put_len_field(out, 2, m->value.ptr, m->value.len);
  }
}
