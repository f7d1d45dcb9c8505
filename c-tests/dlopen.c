/* Uses only dlopen/dlsym, as a log agent that loads eiw at run time does.
 * usage: dlopen LIBEIW.so PASSTHROUGH.wasm */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "eiw.h"
#include "support.h"

#define LOAD(lib, name)                                   \
  __typeof__(name) *p_##name = (__typeof__(name) *)dlsym(lib, #name); \
  CHECK(p_##name != NULL)

typedef struct {
  int events;
  int same;
  const buffer *input;
} seen_t;

static void on_emit(void *userdata, void *ctx, const uint8_t *bytes, size_t len) {
  seen_t *seen = userdata;
  CHECK(ctx == seen);
  seen->events++;
  seen->same = len == seen->input->len && memcmp(bytes, seen->input->data, len) == 0;
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  LOAD(lib, eiw_version);
  LOAD(lib, eiw_host_new);
  LOAD(lib, eiw_process);
  LOAD(lib, eiw_free);
  LOAD(lib, eiw_error_message);
  LOAD(lib, eiw_error_free);
  CHECK(strncmp(p_eiw_version(), "0.", 2) == 0);

  size_t wasm_len;
  uint8_t *wasm = read_file(argv[2], &wasm_len);
  buffer input = make_event("through dlopen", "info");
  seen_t seen = {0, 0, &input};
  eiw_callbacks callbacks = {.userdata = &seen, .emit = on_emit, .log = NULL};
  eiw_host *host = NULL;
  eiw_error *err = NULL;
  if (p_eiw_host_new(wasm, wasm_len, NULL, 0, &callbacks, &host, &err) != EIW_RESULT_OK) {
    fprintf(stderr, "eiw_host_new: %s\n", p_eiw_error_message(err));
    return 1;
  }
  free(wasm);
  for (int i = 0; i < 100; i++) {
    CHECK(p_eiw_process(host, input.data, input.len, &seen, &err) == EIW_RESULT_OK);
    CHECK(seen.same);
  }
  CHECK(seen.events == 100);
  const uint8_t bad[] = {0xff};
  CHECK(p_eiw_process(host, bad, 1, &seen, &err) == EIW_RESULT_INVALID_EVENT);
  CHECK(strstr(p_eiw_error_message(err), "Event") != NULL);
  p_eiw_error_free(err);
  p_eiw_free(host);
  free(input.data);
  printf("dlopen: ok\n");
  return 0;
}
