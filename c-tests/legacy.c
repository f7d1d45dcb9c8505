/* A module built for the proof-of-concept ABI 0.x, run from C: the
 * version is reported, every JSON type put by the guest arrives typed, and
 * get of existing, nested and missing keys works.
 * usage: legacy POC.wasm */
#include <stdio.h>
#include <string.h>

#include "eiw.h"
#include "support.h"

static Eiw__V1__Event *last;

static void on_emit(void *userdata, void *ctx, const uint8_t *bytes, size_t len) {
  (void)userdata;
  (void)ctx;
  if (last) eiw__v1__event__free_unpacked(last, NULL);
  last = eiw__v1__event__unpack(NULL, len, bytes);
  CHECK(last != NULL);
}

static const Eiw__V1__Value *field(const char *path) {
  const Eiw__V1__Value *v = lookup(last->fields, path);
  if (!v) {
    fprintf(stderr, "missing field %s\n", path);
    exit(1);
  }
  return v;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  size_t wasm_len;
  uint8_t *wasm = read_file(argv[1], &wasm_len);
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_emit, .log = NULL};
  eiw_host *host = NULL;
  eiw_error *err = NULL;
  CHECK(eiw_host_new(wasm, wasm_len, NULL, 0, &callbacks, &host, &err) == EIW_RESULT_OK);
  free(wasm);
  uint32_t major = 9, minor = 9;
  CHECK(eiw_host_abi_version(host, &major, &minor) == EIW_RESULT_OK && major == 0 && minor == 0);
  CHECK(eiw_register(host, NULL, 0, NULL, &err) == EIW_RESULT_NO_REGISTER);
  eiw_error_free(err);

  buffer types = make_field_event("case", "types");
  CHECK(eiw_process(host, types.data, types.len, NULL, NULL) == EIW_RESULT_OK);
  CHECK(field("t.int")->kind_case == EIW__V1__VALUE__KIND_INT_VALUE && field("t.int")->int_value == 42);
  CHECK(field("t.negative")->int_value == -7);
  CHECK(field("t.float")->kind_case == EIW__V1__VALUE__KIND_DOUBLE_VALUE && field("t.float")->double_value == 2.5);
  CHECK(field("t.whole_float")->kind_case == EIW__V1__VALUE__KIND_DOUBLE_VALUE);
  CHECK(field("t.big")->kind_case == EIW__V1__VALUE__KIND_UINT_VALUE && field("t.big")->uint_value == UINT64_MAX);
  CHECK(field("t.bool")->kind_case == EIW__V1__VALUE__KIND_BOOL_VALUE && field("t.bool")->bool_value);
  CHECK(field("t.null")->kind_case == EIW__V1__VALUE__KIND_NULL_VALUE);
  CHECK(strcmp(field("t.string")->string_value, "text") == 0);
  CHECK(field("t.array")->kind_case == EIW__V1__VALUE__KIND_LIST_VALUE && field("t.array")->list_value->n_values == 4);
  CHECK(field("t.object.k.n")->int_value == 1);
  free(types.data);

  buffer get = make_field_event("case", "get");
  CHECK(eiw_process(host, get.data, get.len, NULL, NULL) == EIW_RESULT_OK);
  CHECK(field("copy.missing_status")->int_value == 3);
  free(get.data);

  buffer fail = make_field_event("case", "fail");
  eiw__v1__event__free_unpacked(last, NULL);
  last = NULL;
  CHECK(eiw_process(host, fail.data, fail.len, NULL, &err) == EIW_RESULT_GUEST_STATUS);
  CHECK(strstr(eiw_error_message(err), "status 1") != NULL);
  CHECK(last == NULL);
  eiw_error_free(err);
  free(fail.data);

  eiw_free(host);
  printf("legacy: ok\n");
  return 0;
}
