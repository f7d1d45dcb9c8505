/* Links against libeiw.so: the full C API with the add_fields and
 * drop_debug examples, and every kind of bad argument.
 * usage: linked ADD_FIELDS.wasm DROP_DEBUG.wasm */
#include <stdio.h>
#include <string.h>

#include "eiw.h"
#include "support.h"

typedef struct {
  int events;
  int logs;
  void *last_context;
  char last_message[256];
  char last_env[64];
  int had_ingested;
  eiw_log_level last_level;
  char last_log[256];
} seen_t;

static void on_emit(void *userdata, void *ctx, const uint8_t *bytes, size_t len) {
  seen_t *seen = userdata;
  Eiw__V1__Event *event = eiw__v1__event__unpack(NULL, len, bytes);
  CHECK(event != NULL);
  seen->events++;
  seen->last_context = ctx;
  const char *message = lookup_string(event, "message");
  const char *env = lookup_string(event, "labels.env");
  snprintf(seen->last_message, sizeof seen->last_message, "%s", message ? message : "");
  snprintf(seen->last_env, sizeof seen->last_env, "%s", env ? env : "");
  const Eiw__V1__Value *ingested = lookup(event->fields, "event.ingested");
  seen->had_ingested = ingested && ingested->kind_case == EIW__V1__VALUE__KIND_TIMESTAMP_VALUE &&
                       ingested->timestamp_value->seconds > 1700000000;
  CHECK(event->timestamp && event->timestamp->seconds == 1764490500);
  eiw__v1__event__free_unpacked(event, NULL);
}

static void on_log(void *userdata, void *ctx, eiw_log_level level, const uint8_t *msg, size_t len) {
  (void)ctx;
  seen_t *seen = userdata;
  seen->logs++;
  seen->last_level = level;
  snprintf(seen->last_log, sizeof seen->last_log, "%.*s", (int)len, (const char *)msg);
}

/* `errp` is read after the call: C leaves argument order unspecified. */
static void expect_error(eiw_result rc, eiw_error **errp, eiw_result want, const char *needle) {
  eiw_error *err = *errp;
  *errp = NULL;
  if (rc != want || eiw_error_code(err) != want || !strstr(eiw_error_message(err), needle)) {
    fprintf(stderr, "expected %s containing \"%s\", got %s: %s\n", eiw_result_name(want), needle,
            eiw_result_name(rc), eiw_error_message(err));
    exit(1);
  }
  eiw_error_free(err);
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  char version[32];
  snprintf(version, sizeof version, "%d.%d.%d", EIW_VERSION_MAJOR, EIW_VERSION_MINOR, EIW_VERSION_PATCH);
  CHECK(strcmp(eiw_version(), version) == 0);

  size_t wasm_len;
  uint8_t *wasm = read_file(argv[1], &wasm_len);
  seen_t seen = {0};
  eiw_callbacks callbacks = {.userdata = &seen, .emit = on_emit, .log = on_log};
  eiw_host *host = (eiw_host *)&seen; /* must be reset to NULL */
  eiw_error *err = NULL;

  /* Bad arguments to eiw_host_new. */
  expect_error(eiw_host_new(wasm, wasm_len, NULL, 0, NULL, &host, &err), &err, EIW_RESULT_NULL_ARGUMENT,
               "`callbacks` is NULL");
  CHECK(host == NULL);
  expect_error(eiw_host_new(NULL, 12, NULL, 0, &callbacks, &host, &err), &err, EIW_RESULT_NULL_ARGUMENT,
               "`wasm` is NULL but its length is 12");
  const uint8_t junk[] = "not a module";
  expect_error(eiw_host_new(junk, sizeof junk, NULL, 0, &callbacks, &host, &err), &err,
               EIW_RESULT_INVALID_MODULE, "not WebAssembly");
  const uint8_t bad_options[] = {0xff, 0xff};
  expect_error(eiw_host_new(wasm, wasm_len, bad_options, 2, &callbacks, &host, &err), &err,
               EIW_RESULT_INVALID_OPTIONS, "HostOptions");

  /* A host with a limit set through HostOptions. */
  Eiw__V1__HostOptions options = EIW__V1__HOST_OPTIONS__INIT;
  options.max_event_bytes = 4096;
  buffer options_bytes = pack(&options.base);
  CHECK(eiw_host_new(wasm, wasm_len, options_bytes.data, options_bytes.len, &callbacks, &host, &err) ==
        EIW_RESULT_OK);
  CHECK(host != NULL && err == NULL);
  free(options_bytes.data);
  free(wasm);
  uint32_t major = 0, minor = 9;
  CHECK(eiw_host_abi_version(host, &major, &minor) == EIW_RESULT_OK && major == 1 && minor == 1);

  /* A config the module rejects: the error and the guest's log line. */
  buffer bad_config = make_config("value", "prod", NULL, NULL);
  expect_error(eiw_register(host, bad_config.data, bad_config.len, NULL, &err), &err, EIW_RESULT_GUEST_STATUS,
               "`register` returned status 2");
  CHECK(seen.logs == 1 && seen.last_level == EIW_LOG_LEVEL_ERROR && strstr(seen.last_log, "`field`"));
  free(bad_config.data);
  expect_error(eiw_register(host, bad_options, 2, NULL, &err), &err, EIW_RESULT_INVALID_CONFIG, "Config");

  buffer config = make_config("field", "labels.env", "value", "prod");
  CHECK(eiw_register(host, config.data, config.len, NULL, &err) == EIW_RESULT_OK);
  free(config.data);

  /* Process: the event comes back with the fields added, with our context. */
  buffer event = make_event("hello from C", "info");
  int context = 0;
  CHECK(eiw_process(host, event.data, event.len, &context, &err) == EIW_RESULT_OK && err == NULL);
  CHECK(seen.events == 1 && seen.last_context == &context);
  CHECK(strcmp(seen.last_message, "hello from C") == 0);
  CHECK(strcmp(seen.last_env, "prod") == 0);
  CHECK(seen.had_ingested);

  /* Bad arguments to eiw_process; the host serves the next event. */
  expect_error(eiw_process(NULL, event.data, event.len, NULL, &err), &err, EIW_RESULT_NULL_ARGUMENT,
               "`host` is NULL");
  expect_error(eiw_process(host, NULL, 3, NULL, &err), &err, EIW_RESULT_NULL_ARGUMENT, "`event` is NULL");
  const uint8_t not_event[] = {0xff, 0xff, 0xff};
  expect_error(eiw_process(host, not_event, 3, NULL, &err), &err, EIW_RESULT_INVALID_EVENT, "Event");
  uint8_t big[5000];
  memset(big, 0, sizeof big);
  expect_error(eiw_process(host, big, sizeof big, NULL, &err), &err, EIW_RESULT_EVENT_TOO_LARGE,
               "max_event_bytes (4096)");
  CHECK(seen.events == 1);
  CHECK(eiw_process(host, event.data, event.len, NULL, NULL) == EIW_RESULT_OK);
  CHECK(seen.events == 2);

  /* The host's counters, decoded with protobuf-c. Calls rejected at the C
   * boundary (NULL host, NULL buffer) never reach the host. */
  uint8_t *stats_bytes = NULL;
  size_t stats_len = 0;
  CHECK(eiw_host_stats(host, &stats_bytes, &stats_len, &err) == EIW_RESULT_OK && err == NULL);
  Eiw__V1__HostStats *stats = eiw__v1__host_stats__unpack(NULL, stats_len, stats_bytes);
  CHECK(stats != NULL);
  CHECK(stats->events_in == 4 && stats->events_passed == 2 && stats->events_failed == 2);
  CHECK(stats->events_dropped == 0 && stats->events_emitted == 2);
  CHECK(stats->register_calls == 3 && stats->instances_created == 1 && stats->instances_recycled == 0);
  CHECK(stats->log_lines_delivered == 1);
  CHECK(stats->peak_memory_pages >= 17 && stats->cpu_points_used > 0);
  uint64_t invalid_event = 0, too_large = 0, guest_status = 0, invalid_config = 0;
  for (size_t i = 0; i < stats->n_failures; i++) {
    const char *name = stats->failures[i]->key;
    uint64_t n = stats->failures[i]->value;
    if (!strcmp(name, "EIW_RESULT_INVALID_EVENT")) invalid_event = n;
    if (!strcmp(name, "EIW_RESULT_EVENT_TOO_LARGE")) too_large = n;
    if (!strcmp(name, "EIW_RESULT_GUEST_STATUS")) guest_status = n;
    if (!strcmp(name, "EIW_RESULT_INVALID_CONFIG")) invalid_config = n;
  }
  CHECK(invalid_event == 1 && too_large == 1 && guest_status == 1 && invalid_config == 1);
  uint64_t timed = 0;
  for (size_t i = 0; i < stats->process_latency->n_counts; i++) timed += stats->process_latency->counts[i];
  CHECK(timed == stats->events_in);
  CHECK(stats->process_latency->n_counts == stats->process_latency->n_upper_bounds_ns + 1);
  eiw__v1__host_stats__free_unpacked(stats, NULL);
  eiw_bytes_free(stats_bytes, stats_len);
  expect_error(eiw_host_stats(host, NULL, &stats_len, &err), &err, EIW_RESULT_NULL_ARGUMENT, "stats_out");
  eiw_free(host);
  free(event.data);

  /* drop_debug: a debug event is dropped, an error event emitted. */
  wasm = read_file(argv[2], &wasm_len);
  CHECK(eiw_host_new(wasm, wasm_len, NULL, 0, &callbacks, &host, NULL) == EIW_RESULT_OK);
  free(wasm);
  buffer debug = make_event("noise", "debug");
  buffer error = make_event("disk full", "error");
  seen.events = 0;
  CHECK(eiw_process(host, debug.data, debug.len, NULL, NULL) == EIW_RESULT_OK);
  CHECK(seen.events == 0);
  CHECK(eiw_process(host, error.data, error.len, NULL, NULL) == EIW_RESULT_OK);
  CHECK(seen.events == 1 && strcmp(seen.last_message, "disk full") == 0);
  free(debug.data);
  free(error.data);
  eiw_free(host);

  eiw_free(NULL);
  eiw_error_free(NULL);
  CHECK(strcmp(eiw_result_name(EIW_RESULT_TRAP_UNREACHABLE), "EIW_RESULT_TRAP_UNREACHABLE") == 0);
  printf("linked: ok\n");
  return 0;
}
