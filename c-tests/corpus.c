/* The hostile corpus (the WAT files of tests/hostile-corpus, turned into modules by
 * eiw-wat2wasm) through the C API: each module gets the result its first
 * line names, at load, on an event (and a second event on the same host
 * gets it again), or on every event of a batch of 40.
 * usage: corpus WAT_DIR WASM_DIR */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "eiw.h"
#include "support.h"

static void on_emit(void *userdata, void *ctx, const uint8_t *bytes, size_t len) {
  (void)ctx;
  (void)bytes;
  (void)len;
  (*(int *)userdata)++;
}

/* Checks a failed call: its result name and a piece of its message. */
static void check_error(const char *name, eiw_result result, eiw_error *error, const char *code,
                        const char *text) {
  if (strcmp(eiw_result_name(result), code) != 0 || error == NULL ||
      strstr(eiw_error_message(error), text) == NULL) {
    fprintf(stderr, "%s: wanted %s \"%s\", got %s: %s\n", name, code, text, eiw_result_name(result),
            error ? eiw_error_message(error) : "(no error)");
    exit(1);
  }
  eiw_error_free(error);
}

static void run_case(const char *name, const char *spec, const char *wasm_path) {
  char stage[16], code[64], text[128] = "";
  CHECK(sscanf(spec, ";; expect: %15s %63s %127[^\n]", stage, code, text) >= 2);
  size_t text_len = strlen(text);
  if (text_len >= 2 && text[0] == '"' && text[text_len - 1] == '"') {
    memmove(text, text + 1, text_len - 2);
    text[text_len - 2] = '\0';
  }
  size_t wasm_len;
  uint8_t *wasm = read_file(wasm_path, &wasm_len);
  int emitted = 0;
  eiw_callbacks callbacks = {.userdata = &emitted, .emit = on_emit, .log = NULL};
  eiw_host *host = NULL;
  eiw_error *error = NULL;
  eiw_result result = eiw_host_new(wasm, wasm_len, NULL, 0, &callbacks, &host, &error);
  free(wasm);
  if (strcmp(stage, "load") == 0) {
    CHECK(host == NULL);
    check_error(name, result, error, code, text);
    return;
  }
  if (result != EIW_RESULT_OK) {
    fprintf(stderr, "%s: did not load: %s\n", name, eiw_error_message(error));
    exit(1);
  }
  buffer event = make_event("hello", "info");
  if (strcmp(stage, "batch") == 0) {
    enum { COUNT = 40 };
    eiw_batch_event events[COUNT];
    eiw_result results[COUNT];
    eiw_error *errors[COUNT];
    for (int i = 0; i < COUNT; i++) {
      events[i] = (eiw_batch_event){.event = event.data, .event_len = event.len, .call_context = NULL};
    }
    CHECK(eiw_process_batch(host, events, COUNT, results, errors, NULL) == EIW_RESULT_OK);
    for (int i = 0; i < COUNT; i++) {
      check_error(name, results[i], errors[i], code, i == 0 ? text : "");
    }
    free(event.data);
    eiw_free(host);
    return;
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    emitted = 0;
    error = NULL;
    result = eiw_process(host, event.data, event.len, NULL, &error);
    if (strcmp(code, "EIW_RESULT_OK") == 0 || strcmp(code, "OK") == 0) {
      if (result != EIW_RESULT_OK || emitted != atoi(text)) {
        fprintf(stderr, "%s: wanted %s emits, got %d (%s)\n", name, text, emitted,
                eiw_result_name(result));
        exit(1);
      }
    } else {
      check_error(name, result, error, code, text);
    }
  }
  free(event.data);
  eiw_free(host);
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  DIR *dir = opendir(argv[1]);
  CHECK(dir != NULL);
  int cases = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    size_t len = strlen(entry->d_name);
    if (len < 5 || strcmp(entry->d_name + len - 4, ".wat") != 0) continue;
    char name[256], wat_path[1024], wasm_path[1024], spec[512];
    CHECK(len - 4 < sizeof name);
    memcpy(name, entry->d_name, len - 4);
    name[len - 4] = '\0';
    snprintf(wat_path, sizeof wat_path, "%s/%s", argv[1], entry->d_name);
    snprintf(wasm_path, sizeof wasm_path, "%s/%s.wasm", argv[2], name);
    FILE *f = fopen(wat_path, "r");
    CHECK(f != NULL);
    CHECK(fgets(spec, sizeof spec, f) != NULL);
    fclose(f);
    run_case(name, spec, wasm_path);
    cases++;
  }
  closedir(dir);
  CHECK(cases >= 20);
  printf("corpus: %d modules, each with its result\n", cases);
  return 0;
}
