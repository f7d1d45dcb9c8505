/* A syslog-ng message and an eiw msgpack record, both ways. */
#include "mapping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One level of the field tree: a leaf value or a map of children. Keys
 * point into the names syslog-ng keeps for the life of the process. */
typedef struct Node {
  const gchar *key;
  gsize key_len;
  const gchar *value;
  gssize value_len;
  NVType type;
  GPtrArray *children; /* NULL for a leaf */
} Node;

static Node *node_new(const gchar *key, gsize key_len) {
  Node *node = g_slice_new0(Node);
  node->key = key;
  node->key_len = key_len;
  return node;
}

static void node_free(gpointer p) {
  Node *node = p;
  if (node->children) g_ptr_array_free(node->children, TRUE);
  g_slice_free(Node, node);
}

static Node *child(Node *parent, const gchar *key, gsize key_len) {
  for (guint i = 0; i < parent->children->len; i++) {
    Node *c = g_ptr_array_index(parent->children, i);
    if (c->key_len == key_len && memcmp(c->key, key, key_len) == 0) return c;
  }
  Node *c = node_new(key, key_len);
  g_ptr_array_add(parent->children, c);
  return c;
}

static void set_leaf(Node *leaf, const gchar *value, gssize len, NVType type) {
  leaf->value = value;
  leaf->value_len = len;
  leaf->type = type;
}

/* Places `name` in the tree under its dotted parts; a name with an empty
 * part (".SDATA.x") or one that collides with another (a value where an
 * object is, or the reverse) stays a flat key of the top level. */
static void insert(Node *root, const gchar *name, const gchar *value, gssize len, NVType type) {
  gsize name_len = strlen(name);
  gboolean flat = name_len == 0 || name[0] == '.' || name[name_len - 1] == '.' || strstr(name, "..");
  Node *at = root;
  const gchar *part = name;
  const gchar *dot;
  while (!flat && (dot = strchr(part, '.'))) {
    Node *next = child(at, part, (gsize)(dot - part));
    if (next->value) {
      flat = TRUE;
      break;
    }
    if (!next->children) next->children = g_ptr_array_new_with_free_func(node_free);
    at = next;
    part = dot + 1;
  }
  if (!flat) {
    Node *leaf = child(at, part, strlen(part));
    if (leaf->children) flat = TRUE;
    else set_leaf(leaf, value, len, type);
  }
  if (flat) {
    Node *leaf = child(root, name, name_len);
    if (!leaf->children) set_leaf(leaf, value, len, type);
  }
}

static gboolean read_pair(NVHandle handle, const gchar *name, const gchar *value, gssize value_len,
                          NVType type, gpointer root) {
  (void)handle;
  insert(root, name, value, value_len, type);
  return FALSE;
}

static void pack_string(msgpack_packer *pk, const gchar *s, size_t len) {
  msgpack_pack_str(pk, len);
  msgpack_pack_str_body(pk, s, len);
}

/* A typed value as msgpack: numbers and booleans as such when their text
 * reads back exactly, anything else as its text. */
static void pack_leaf(msgpack_packer *pk, const Node *leaf) {
  gchar *text = g_strndup(leaf->value, (gsize)leaf->value_len);
  gchar *end = NULL;
  switch (leaf->type) {
    case LM_VT_INT32:
    case LM_VT_INT64: {
      gint64 n = g_ascii_strtoll(text, &end, 10);
      if (*text && end && *end == '\0') {
        msgpack_pack_int64(pk, n);
        g_free(text);
        return;
      }
      break;
    }
    case LM_VT_DOUBLE: {
      gdouble d = g_ascii_strtod(text, &end);
      if (*text && end && *end == '\0') {
        msgpack_pack_double(pk, d);
        g_free(text);
        return;
      }
      break;
    }
    case LM_VT_BOOLEAN:
      if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        text[0] == 't' ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
        g_free(text);
        return;
      }
      break;
    case LM_VT_NULL:
      msgpack_pack_nil(pk);
      g_free(text);
      return;
    default:
      break;
  }
  pack_string(pk, leaf->value, (size_t)leaf->value_len);
  g_free(text);
}

static void pack_node(msgpack_packer *pk, const Node *node) {
  if (!node->children) {
    pack_leaf(pk, node);
    return;
  }
  msgpack_pack_map(pk, node->children->len);
  for (guint i = 0; i < node->children->len; i++) {
    const Node *c = g_ptr_array_index(node->children, i);
    pack_string(pk, c->key, c->key_len);
    pack_node(pk, c);
  }
}

void mapping_message_to_record(LogMessage *msg, msgpack_sbuffer *out) {
  Node *root = node_new("", 0);
  root->children = g_ptr_array_new_with_free_func(node_free);
  log_msg_values_foreach(msg, read_pair, root);
  msgpack_packer pk;
  msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
  msgpack_pack_array(&pk, 2);
  /* EventTime (ext 0): seconds and nanoseconds, big-endian. */
  const UnixTime *stamp = &msg->timestamps[LM_TS_STAMP];
  guint32 time[2] = {GUINT32_TO_BE((guint32)stamp->ut_sec), GUINT32_TO_BE(stamp->ut_usec * 1000)};
  msgpack_pack_ext(&pk, 8, 0);
  msgpack_pack_ext_body(&pk, time, 8);
  pack_node(&pk, root);
  node_free(root);
}

static gboolean read_time(const msgpack_object *t, gint64 *sec, guint32 *nsec);

/* A timestamp value (msgpack ext 0 or -1) as RFC 3339 text in UTC, with
 * nanoseconds when it has them; FALSE for another ext. */
static gboolean time_text(const msgpack_object *v, GString *out) {
  gint64 sec;
  guint32 nsec;
  if (!read_time(v, &sec, &nsec)) return FALSE;
  GDateTime *t = g_date_time_new_from_unix_utc(sec);
  if (!t) return FALSE;
  gchar *date = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
  g_string_append(out, date);
  if (nsec) g_string_append_printf(out, ".%09u", nsec);
  g_string_append_c(out, 'Z');
  g_free(date);
  g_date_time_unref(t);
  return TRUE;
}

/* Writes one emitted value under `name`. */
static gboolean write_value(LogMessage *msg, const gchar *name, const msgpack_object *v, GHashTable *written);

static gboolean write_map(LogMessage *msg, const gchar *prefix, const msgpack_object_map *map,
                          GHashTable *written) {
  for (uint32_t i = 0; i < map->size; i++) {
    const msgpack_object *k = &map->ptr[i].key;
    if (k->type != MSGPACK_OBJECT_STR) return FALSE;
    gchar *key = g_strndup(k->via.str.ptr, k->via.str.size);
    gchar *name = prefix ? g_strconcat(prefix, ".", key, NULL) : g_strdup(key);
    gboolean ok = write_value(msg, name, &map->ptr[i].val, written);
    g_free(key);
    g_free(name);
    if (!ok) return FALSE;
  }
  return TRUE;
}

/* A list as JSON text (syslog-ng's LM_VT_JSON), for lists of scalars and
 * maps alike. */
static void append_json(GString *out, const msgpack_object *v) {
  switch (v->type) {
    case MSGPACK_OBJECT_NIL:
      g_string_append(out, "null");
      break;
    case MSGPACK_OBJECT_BOOLEAN:
      g_string_append(out, v->via.boolean ? "true" : "false");
      break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      g_string_append_printf(out, "%" G_GUINT64_FORMAT, (guint64)v->via.u64);
      break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64)v->via.i64);
      break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: {
      gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append(out, g_ascii_dtostr(buf, sizeof buf, v->via.f64));
      break;
    }
    case MSGPACK_OBJECT_STR:
    case MSGPACK_OBJECT_BIN: {
      const char *s = v->type == MSGPACK_OBJECT_STR ? v->via.str.ptr : v->via.bin.ptr;
      uint32_t n = v->type == MSGPACK_OBJECT_STR ? v->via.str.size : v->via.bin.size;
      g_string_append_c(out, '"');
      for (uint32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') g_string_append_printf(out, "\\%c", c);
        else if (c < 0x20) g_string_append_printf(out, "\\u%04x", c);
        else g_string_append_c(out, (gchar)c);
      }
      g_string_append_c(out, '"');
      break;
    }
    case MSGPACK_OBJECT_ARRAY:
      g_string_append_c(out, '[');
      for (uint32_t i = 0; i < v->via.array.size; i++) {
        if (i) g_string_append_c(out, ',');
        append_json(out, &v->via.array.ptr[i]);
      }
      g_string_append_c(out, ']');
      break;
    case MSGPACK_OBJECT_MAP:
      g_string_append_c(out, '{');
      for (uint32_t i = 0; i < v->via.map.size; i++) {
        if (i) g_string_append_c(out, ',');
        append_json(out, &v->via.map.ptr[i].key);
        g_string_append_c(out, ':');
        append_json(out, &v->via.map.ptr[i].val);
      }
      g_string_append_c(out, '}');
      break;
    case MSGPACK_OBJECT_EXT:
      g_string_append_c(out, '"');
      if (!time_text(v, out)) g_string_append(out, "?");
      g_string_append_c(out, '"');
      break;
    default:
      g_string_append(out, "null");
      break;
  }
}

static gboolean write_value(LogMessage *msg, const gchar *name, const msgpack_object *v, GHashTable *written) {
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
  switch (v->type) {
    case MSGPACK_OBJECT_MAP:
      return write_map(msg, name, &v->via.map, written);
    case MSGPACK_OBJECT_STR: {
      /* An unchanged value is not written again (writing grows the
       * message's value table). */
      gssize have_len;
      LogMessageValueType have_type;
      const gchar *have = log_msg_get_value_by_name_with_type(msg, name, &have_len, &have_type);
      if (!(have && have_type == LM_VT_STRING && have_len == (gssize)v->via.str.size &&
            memcmp(have, v->via.str.ptr, v->via.str.size) == 0))
        log_msg_set_value_by_name(msg, name, v->via.str.ptr, v->via.str.size);
      break;
    }
    case MSGPACK_OBJECT_BIN:
      log_msg_set_value_by_name(msg, name, v->via.bin.ptr, v->via.bin.size);
      break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, (guint64)v->via.u64);
      log_msg_set_value_by_name_with_type(msg, name, buf, -1, LM_VT_INT64);
      break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64)v->via.i64);
      log_msg_set_value_by_name_with_type(msg, name, buf, -1, LM_VT_INT64);
      break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      log_msg_set_value_by_name_with_type(msg, name, g_ascii_dtostr(buf, sizeof buf, v->via.f64), -1,
                                          LM_VT_DOUBLE);
      break;
    case MSGPACK_OBJECT_BOOLEAN:
      log_msg_set_value_by_name_with_type(msg, name, v->via.boolean ? "true" : "false", -1, LM_VT_BOOLEAN);
      break;
    case MSGPACK_OBJECT_NIL:
      log_msg_set_value_by_name_with_type(msg, name, "", 0, LM_VT_NULL);
      break;
    case MSGPACK_OBJECT_EXT: {
      GString *text = g_string_new(NULL);
      gboolean ok = time_text(v, text);
      if (ok) log_msg_set_value_by_name(msg, name, text->str, (gssize)text->len);
      g_string_free(text, TRUE);
      if (!ok) return FALSE;
      break;
    }
    case MSGPACK_OBJECT_ARRAY: {
      GString *json = g_string_new(NULL);
      append_json(json, v);
      log_msg_set_value_by_name_with_type(msg, name, json->str, (gssize)json->len, LM_VT_JSON);
      g_string_free(json, TRUE);
      break;
    }
    default:
      return FALSE;
  }
  g_hash_table_add(written, g_strdup(name));
  return TRUE;
}

/* The EventTime (ext 0) or msgpack timestamp (ext -1) of a record. */
static gboolean read_time(const msgpack_object *t, gint64 *sec, guint32 *nsec) {
  if (t->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
    *sec = (gint64)t->via.u64, *nsec = 0;
    return TRUE;
  }
  if (t->type != MSGPACK_OBJECT_EXT) return FALSE;
  const unsigned char *b = (const unsigned char *)t->via.ext.ptr;
  if (t->via.ext.type == 0 && t->via.ext.size == 8) {
    *sec = (gint64)((guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3]);
    *nsec = (guint32)b[4] << 24 | (guint32)b[5] << 16 | (guint32)b[6] << 8 | b[7];
    return TRUE;
  }
  if (t->via.ext.type == -1 && t->via.ext.size == 12) {
    *nsec = (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3];
    guint64 s = 0;
    for (int i = 4; i < 12; i++) s = s << 8 | b[i];
    *sec = (gint64)s;
    return TRUE;
  }
  return FALSE;
}

typedef struct {
  GHashTable *written;
  GPtrArray *gone;
} Unsetting;

/* Collects the names the record did not write: after the write, the
 * message holds the input's names and the written ones, so these are the
 * names the module removed. (syslog-ng's names outlive the message.) */
static gboolean collect_gone(NVHandle handle, const gchar *name, const gchar *value, gssize value_len,
                             NVType type, gpointer user_data) {
  (void)handle, (void)value, (void)value_len, (void)type;
  Unsetting *u = user_data;
  if (!g_hash_table_contains(u->written, name)) g_ptr_array_add(u->gone, (gpointer)name);
  return FALSE;
}

gboolean mapping_record_to_message(const char *data, size_t len, LogMessage *msg) {
  msgpack_unpacked unpacked;
  msgpack_unpacked_init(&unpacked);
  size_t offset = 0;
  gboolean ok = msgpack_unpack_next(&unpacked, data, len, &offset) == MSGPACK_UNPACK_SUCCESS;
  const msgpack_object *root = &unpacked.data;
  const msgpack_object *fields = NULL, *time = NULL;
  if (ok && root->type == MSGPACK_OBJECT_MAP) {
    fields = root;
  } else if (ok && root->type == MSGPACK_OBJECT_ARRAY && root->via.array.size == 2) {
    time = &root->via.array.ptr[0];
    if (time->type == MSGPACK_OBJECT_ARRAY && time->via.array.size == 2) time = &time->via.array.ptr[0];
    fields = &root->via.array.ptr[1];
  }
  gint64 sec = 0;
  guint32 nsec = 0;
  ok = fields && fields->type == MSGPACK_OBJECT_MAP && (!time || read_time(time, &sec, &nsec));
  if (ok) {
    GHashTable *written = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ok = write_map(msg, NULL, &fields->via.map, written);
    if (ok) {
      Unsetting u = {written, g_ptr_array_new()};
      log_msg_values_foreach(msg, collect_gone, &u);
      for (guint i = 0; i < u.gone->len; i++) log_msg_unset_value_by_name(msg, g_ptr_array_index(u.gone, i));
      g_ptr_array_free(u.gone, TRUE);
      if (time) {
        msg->timestamps[LM_TS_STAMP].ut_sec = sec;
        msg->timestamps[LM_TS_STAMP].ut_usec = nsec / 1000;
      }
    }
    g_hash_table_destroy(written);
  }
  msgpack_unpacked_destroy(&unpacked);
  return ok;
}
