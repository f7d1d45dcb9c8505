/* Helpers shared by the C tests: checks, files, and events built and read
 * with protobuf-c (independent of the Rust protobuf code). */
#ifndef EIW_TEST_SUPPORT_H
#define EIW_TEST_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eiw.pb-c.h"

static inline buffer pack(const ProtobufCMessage *message) {
  buffer b;
  b.len = protobuf_c_message_get_packed_size(message);
  b.data = malloc(b.len ? b.len : 1);
  CHECK(b.data != NULL);
  protobuf_c_message_pack(message, b.data);
  return b;
}

/* An Event {message: <message>, log: {level: <level>}}. */
static inline buffer make_event(const char *message, const char *level) {
  Eiw__V1__Value level_value = EIW__V1__VALUE__INIT;
  level_value.kind_case = EIW__V1__VALUE__KIND_STRING_VALUE;
  level_value.string_value = (char *)level;
  Eiw__V1__Struct__FieldsEntry level_entry = EIW__V1__STRUCT__FIELDS_ENTRY__INIT;
  level_entry.key = "level";
  level_entry.value = &level_value;
  Eiw__V1__Struct__FieldsEntry *log_entries[] = {&level_entry};
  Eiw__V1__Struct log_struct = EIW__V1__STRUCT__INIT;
  log_struct.n_fields = 1;
  log_struct.fields = log_entries;
  Eiw__V1__Value log_value = EIW__V1__VALUE__INIT;
  log_value.kind_case = EIW__V1__VALUE__KIND_STRUCT_VALUE;
  log_value.struct_value = &log_struct;

  Eiw__V1__Value message_value = EIW__V1__VALUE__INIT;
  message_value.kind_case = EIW__V1__VALUE__KIND_STRING_VALUE;
  message_value.string_value = (char *)message;

  Eiw__V1__Struct__FieldsEntry log_field = EIW__V1__STRUCT__FIELDS_ENTRY__INIT;
  log_field.key = "log";
  log_field.value = &log_value;
  Eiw__V1__Struct__FieldsEntry message_field = EIW__V1__STRUCT__FIELDS_ENTRY__INIT;
  message_field.key = "message";
  message_field.value = &message_value;
  Eiw__V1__Struct__FieldsEntry *entries[] = {&log_field, &message_field};
  Eiw__V1__Struct fields = EIW__V1__STRUCT__INIT;
  fields.n_fields = 2;
  fields.fields = entries;

  Eiw__V1__Timestamp timestamp = EIW__V1__TIMESTAMP__INIT;
  timestamp.seconds = 1764490500;
  Eiw__V1__Event event = EIW__V1__EVENT__INIT;
  event.fields = &fields;
  event.timestamp = &timestamp;
  return pack(&event.base);
}

/* An Event with one string field. */
static inline buffer make_field_event(const char *key, const char *value) {
  Eiw__V1__Value v = EIW__V1__VALUE__INIT;
  v.kind_case = EIW__V1__VALUE__KIND_STRING_VALUE;
  v.string_value = (char *)value;
  Eiw__V1__Struct__FieldsEntry entry = EIW__V1__STRUCT__FIELDS_ENTRY__INIT;
  entry.key = (char *)key;
  entry.value = &v;
  Eiw__V1__Struct__FieldsEntry *entries[] = {&entry};
  Eiw__V1__Struct fields = EIW__V1__STRUCT__INIT;
  fields.n_fields = 1;
  fields.fields = entries;
  Eiw__V1__Event event = EIW__V1__EVENT__INIT;
  event.fields = &fields;
  return pack(&event.base);
}

/* A Config with one or two string parameters (k2 may be NULL). */
static inline buffer make_config(const char *k1, const char *v1, const char *k2, const char *v2) {
  Eiw__V1__Value values[2] = {EIW__V1__VALUE__INIT, EIW__V1__VALUE__INIT};
  Eiw__V1__Config__ParametersEntry entries[2] = {EIW__V1__CONFIG__PARAMETERS_ENTRY__INIT,
                                                 EIW__V1__CONFIG__PARAMETERS_ENTRY__INIT};
  Eiw__V1__Config__ParametersEntry *list[2] = {&entries[0], &entries[1]};
  const char *keys[2] = {k1, k2};
  const char *vals[2] = {v1, v2};
  for (int i = 0; i < 2; i++) {
    values[i].kind_case = EIW__V1__VALUE__KIND_STRING_VALUE;
    values[i].string_value = (char *)vals[i];
    entries[i].key = (char *)keys[i];
    entries[i].value = &values[i];
  }
  Eiw__V1__Config config = EIW__V1__CONFIG__INIT;
  config.n_parameters = k2 ? 2 : 1;
  config.parameters = list;
  return pack(&config.base);
}

/* The value at a dotted path of a struct, or NULL. */
static inline const Eiw__V1__Value *lookup(const Eiw__V1__Struct *s, const char *path) {
  char key[256];
  const char *dot = strchr(path, '.');
  size_t n = dot ? (size_t)(dot - path) : strlen(path);
  CHECK(n < sizeof key);
  memcpy(key, path, n);
  key[n] = '\0';
  if (!s) return NULL;
  for (size_t i = 0; i < s->n_fields; i++) {
    if (strcmp(s->fields[i]->key, key) != 0) continue;
    const Eiw__V1__Value *v = s->fields[i]->value;
    if (!dot) return v;
    if (!v || v->kind_case != EIW__V1__VALUE__KIND_STRUCT_VALUE) return NULL;
    return lookup(v->struct_value, dot + 1);
  }
  return NULL;
}

/* The string at a dotted path of an event, or NULL. */
static inline const char *lookup_string(const Eiw__V1__Event *event, const char *path) {
  const Eiw__V1__Value *v = lookup(event->fields, path);
  return v && v->kind_case == EIW__V1__VALUE__KIND_STRING_VALUE ? v->string_value : NULL;
}

#endif
