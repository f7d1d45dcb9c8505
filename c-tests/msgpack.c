/* A host in msgpack, fed the records a Fluent Bit filter hands over, built
 * and read with msgpack-c (the library Fluent Bit embeds); no protobuf
 * library is linked. */
#include <math.h>
#include <msgpack.h>

#include "check.h"
#include "eiw.h"

typedef struct {
  uint8_t data[4096];
  size_t len;
  int count;
} output;

static void on_event(void *userdata, void *call_context, const uint8_t *event, size_t len) {
  (void)userdata;
  output *out = call_context;
  CHECK(out->len + len <= sizeof out->data);
  memcpy(out->data + out->len, event, len);
  out->len += len;
  out->count++;
}

static void pack_string(msgpack_packer *pk, const char *s) {
  msgpack_pack_str(pk, strlen(s));
  msgpack_pack_str_body(pk, s, strlen(s));
}

static const uint8_t EVENT_TIME[8] = {0x65, 0x53, 0xf1, 0x00, 0x1d, 0xcd, 0x65, 0x00};

/* [[EventTime(1700000000.5), {}], {log, ratio, big, neg, ok, none, raw, list, f32}] */
static void pack_record(msgpack_sbuffer *sbuf) {
  msgpack_packer pk;
  msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
  msgpack_pack_array(&pk, 2);
  msgpack_pack_array(&pk, 2);
  msgpack_pack_ext(&pk, 8, 0);
  msgpack_pack_ext_body(&pk, EVENT_TIME, 8);
  msgpack_pack_map(&pk, 0);
  msgpack_pack_map(&pk, 9);
  pack_string(&pk, "log");
  pack_string(&pk, "hello");
  pack_string(&pk, "ratio");
  msgpack_pack_double(&pk, 947865360.6090633);
  pack_string(&pk, "big");
  msgpack_pack_uint64(&pk, UINT64_MAX);
  pack_string(&pk, "neg");
  msgpack_pack_int64(&pk, -5);
  pack_string(&pk, "ok");
  msgpack_pack_true(&pk);
  pack_string(&pk, "none");
  msgpack_pack_nil(&pk);
  pack_string(&pk, "raw");
  msgpack_pack_bin(&pk, 2);
  msgpack_pack_bin_body(&pk, "\x00\xff", 2);
  pack_string(&pk, "list");
  msgpack_pack_array(&pk, 2);
  msgpack_pack_int64(&pk, 1);
  pack_string(&pk, "a");
  pack_string(&pk, "f32");
  msgpack_pack_float(&pk, 0.25f);
}

static const msgpack_object *get(const msgpack_object *map, const char *key) {
  CHECK(map->type == MSGPACK_OBJECT_MAP);
  for (uint32_t i = 0; i < map->via.map.size; i++) {
    const msgpack_object_kv *kv = &map->via.map.ptr[i];
    if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(key) &&
        memcmp(kv->key.via.str.ptr, key, strlen(key)) == 0) {
      return &kv->val;
    }
  }
  return NULL;
}

static int is_string(const msgpack_object *o, const char *s) {
  return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
         memcmp(o->via.str.ptr, s, strlen(s)) == 0;
}

static eiw_host *msgpack_host(const char *path, const eiw_callbacks *callbacks) {
  size_t wasm_len;
  uint8_t *wasm = read_file(path, &wasm_len);
  const char *json = "{\"event_format\": \"msgpack\"}";
  uint8_t *options;
  size_t options_len;
  CHECK(eiw_host_options_from_json((const uint8_t *)json, strlen(json), &options, &options_len, NULL) ==
        EIW_RESULT_OK);
  eiw_host *host = NULL;
  eiw_error *error = NULL;
  if (eiw_host_new(wasm, wasm_len, options, options_len, callbacks, &host, &error) != EIW_RESULT_OK) {
    fprintf(stderr, "eiw_host_new: %s\n", eiw_error_message(error));
    exit(1);
  }
  eiw_bytes_free(options, options_len);
  free(wasm);
  return host;
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_event, .log = NULL};
  eiw_host *host = msgpack_host(argv[1], &callbacks);

  /* The config as a msgpack map. */
  msgpack_sbuffer config;
  msgpack_sbuffer_init(&config);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &config, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 2);
  pack_string(&pk, "field");
  pack_string(&pk, "tag");
  pack_string(&pk, "value");
  pack_string(&pk, "x");
  eiw_error *error = NULL;
  CHECK(eiw_register(host, (const uint8_t *)config.data, config.size, NULL, &error) == EIW_RESULT_OK);
  msgpack_sbuffer_destroy(&config);

  msgpack_sbuffer record;
  msgpack_sbuffer_init(&record);
  pack_record(&record);
  output out = {.len = 0, .count = 0};
  CHECK(eiw_process(host, (const uint8_t *)record.data, record.size, &out, &error) == EIW_RESULT_OK);
  CHECK(out.count == 1);

  msgpack_unpacked unpacked;
  msgpack_unpacked_init(&unpacked);
  size_t offset = 0;
  CHECK(msgpack_unpack_next(&unpacked, (const char *)out.data, out.len, &offset) == MSGPACK_UNPACK_SUCCESS);
  CHECK(offset == out.len);
  const msgpack_object *top = &unpacked.data;
  CHECK(top->type == MSGPACK_OBJECT_ARRAY && top->via.array.size == 2);
  const msgpack_object *head = &top->via.array.ptr[0];
  CHECK(head->type == MSGPACK_OBJECT_ARRAY && head->via.array.size == 2);
  const msgpack_object *time = &head->via.array.ptr[0];
  CHECK(time->type == MSGPACK_OBJECT_EXT && time->via.ext.type == 0 && time->via.ext.size == 8);
  CHECK(memcmp(time->via.ext.ptr, EVENT_TIME, 8) == 0);
  CHECK(head->via.array.ptr[1].type == MSGPACK_OBJECT_MAP && head->via.array.ptr[1].via.map.size == 0);
  const msgpack_object *body = &top->via.array.ptr[1];
  CHECK(is_string(get(body, "log"), "hello"));
  CHECK(is_string(get(body, "tag"), "x"));
  const msgpack_object *ratio = get(body, "ratio");
  CHECK(ratio && ratio->type == MSGPACK_OBJECT_FLOAT64 && ratio->via.f64 == 947865360.6090633);
  const msgpack_object *big = get(body, "big");
  CHECK(big && big->type == MSGPACK_OBJECT_POSITIVE_INTEGER && big->via.u64 == UINT64_MAX);
  const msgpack_object *neg = get(body, "neg");
  CHECK(neg && neg->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && neg->via.i64 == -5);
  CHECK(get(body, "ok")->type == MSGPACK_OBJECT_BOOLEAN && get(body, "ok")->via.boolean);
  CHECK(get(body, "none")->type == MSGPACK_OBJECT_NIL);
  const msgpack_object *raw = get(body, "raw");
  CHECK(raw && raw->type == MSGPACK_OBJECT_BIN && raw->via.bin.size == 2 && memcmp(raw->via.bin.ptr, "\x00\xff", 2) == 0);
  const msgpack_object *list = get(body, "list");
  CHECK(list && list->type == MSGPACK_OBJECT_ARRAY && list->via.array.size == 2);
  CHECK(list->via.array.ptr[0].via.u64 == 1 && is_string(&list->via.array.ptr[1], "a"));
  const msgpack_object *f32 = get(body, "f32");
  CHECK(f32 && f32->type == MSGPACK_OBJECT_FLOAT64 && f32->via.f64 == 0.25);
  const msgpack_object *ingested = get(get(body, "event"), "ingested");
  CHECK(ingested && ingested->type == MSGPACK_OBJECT_EXT && ingested->via.ext.type == 0);
  msgpack_unpacked_destroy(&unpacked);

  /* A record cut off, and one of a shape msgpack can not map: typed
   * errors; the next record is served. */
  CHECK(eiw_process(host, (const uint8_t *)record.data, record.size - 3, &out, &error) == EIW_RESULT_INVALID_EVENT);
  CHECK(strstr(eiw_error_message(error), "the record is cut off") != NULL);
  eiw_error_free(error);
  error = NULL;
  CHECK(eiw_process(host, (const uint8_t *)"\x81\x01\xc0", 3, &out, &error) == EIW_RESULT_INVALID_EVENT);
  CHECK(strstr(eiw_error_message(error), "at byte 1: map keys must be strings") != NULL);
  eiw_error_free(error);
  error = NULL;
  out.count = 0;
  CHECK(eiw_process(host, (const uint8_t *)record.data, record.size, &out, NULL) == EIW_RESULT_OK);
  CHECK(out.count == 1);
  eiw_free(host);

  /* The passthrough module: each record comes back byte for byte. */
  host = msgpack_host(argv[2], &callbacks);
  output pass = {.len = 0, .count = 0};
  CHECK(eiw_process(host, (const uint8_t *)record.data, record.size, &pass, NULL) == EIW_RESULT_OK);
  CHECK(pass.len == record.size && memcmp(pass.data, record.data, record.size) == 0);
  eiw_free(host);

  /* Standalone: msgpack to protobuf to JSON. */
  uint8_t *pb, *json;
  size_t pb_len, json_len;
  CHECK(eiw_event_to_protobuf(EIW_EVENT_FORMAT_MSGPACK, (const uint8_t *)record.data, record.size, &pb, &pb_len,
                              NULL) == EIW_RESULT_OK);
  CHECK(eiw_event_from_protobuf(EIW_EVENT_FORMAT_JSON, pb, pb_len, &json, &json_len, NULL) == EIW_RESULT_OK);
  const char *want = "{\"@timestamp\":\"2023-11-14T22:13:20.500Z\",\"log\":\"hello\",\"ratio\":947865360.6090633,"
                     "\"big\":18446744073709551615,\"neg\":-5,\"ok\":true,\"none\":null,\"raw\":\"AP8=\","
                     "\"list\":[1,\"a\"],\"f32\":0.25}";
  if (json_len != strlen(want) || memcmp(json, want, json_len) != 0) {
    fprintf(stderr, "got %.*s\n", (int)json_len, (const char *)json);
    return 1;
  }
  eiw_bytes_free(json, json_len);
  eiw_bytes_free(pb, pb_len);
  msgpack_sbuffer_destroy(&record);
  printf("msgpack: ok\n");
  return 0;
}
