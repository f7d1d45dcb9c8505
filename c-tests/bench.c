/* Latency of eiw_process from C on one thread: the median of 5 runs of
 * 200,000 calls each, per module. The event is the same one the Go
 * benchmark uses.
 * Then eiw_host_new: compiling, and loading from a warm module cache.
 * usage: bench PASSTHROUGH.wasm ADD_FIELDS.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eiw.h"
#include "support.h"

#define CALLS 200000
#define RUNS 5

static size_t emitted;

static void on_emit(void *userdata, void *ctx, const uint8_t *event, size_t len) {
  (void)userdata;
  (void)ctx;
  (void)event;
  emitted += len > 0;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench(const char *path, int configure) {
  size_t wasm_len;
  uint8_t *wasm = read_file(path, &wasm_len);
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_emit, .log = NULL};
  eiw_host *host = NULL;
  CHECK(eiw_host_new(wasm, wasm_len, NULL, 0, &callbacks, &host, NULL) == EIW_RESULT_OK);
  free(wasm);
  if (configure) {
    buffer config = make_config("field", "labels.env", "value", "prod");
    CHECK(eiw_register(host, config.data, config.len, NULL, NULL) == EIW_RESULT_OK);
    free(config.data);
  }
  buffer event = make_event("GET / 200", "info");
  double runs[RUNS];
  for (int r = 0; r < RUNS; r++) {
    emitted = 0;
    double start = now_ns();
    for (int i = 0; i < CALLS; i++) CHECK(eiw_process(host, event.data, event.len, NULL, NULL) == EIW_RESULT_OK);
    runs[r] = (now_ns() - start) / CALLS;
    CHECK(emitted == CALLS);
  }
  qsort(runs, RUNS, sizeof runs[0], compare);
  printf("C   eiw_process %-40s %8.0f ns/event (median of %d x %d, %zu-byte event)\n", path, runs[RUNS / 2],
         RUNS, CALLS, event.len);
  free(event.data);
  eiw_free(host);
}

/* eiw_host_new without a cache (compile) and with a warm cache (load). */
static void bench_load(const char *path) {
  size_t wasm_len;
  uint8_t *wasm = read_file(path, &wasm_len);
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_emit, .log = NULL};
  char dir[64];
  snprintf(dir, sizeof dir, "/tmp/eiw-bench-cache-%d", (int)getpid());
  Eiw__V1__HostOptions options = EIW__V1__HOST_OPTIONS__INIT;
  options.cache_dir = dir;
  buffer cached = pack(&options.base);
  double compile[RUNS], load[RUNS];
  for (int r = 0; r < RUNS; r++) {
    eiw_host *host = NULL;
    double start = now_ns();
    CHECK(eiw_host_new(wasm, wasm_len, NULL, 0, &callbacks, &host, NULL) == EIW_RESULT_OK);
    compile[r] = now_ns() - start;
    eiw_free(host);
  }
  eiw_host *warm = NULL;
  CHECK(eiw_host_new(wasm, wasm_len, cached.data, cached.len, &callbacks, &warm, NULL) == EIW_RESULT_OK);
  eiw_free(warm);
  for (int r = 0; r < RUNS; r++) {
    eiw_host *host = NULL;
    double start = now_ns();
    CHECK(eiw_host_new(wasm, wasm_len, cached.data, cached.len, &callbacks, &host, NULL) == EIW_RESULT_OK);
    load[r] = now_ns() - start;
    eiw_free(host);
  }
  qsort(compile, RUNS, sizeof compile[0], compare);
  qsort(load, RUNS, sizeof load[0], compare);
  printf("C   eiw_host_new %-40s compile %6.1f ms, cached load %6.2f ms (medians of %d, %zu-byte module)\n", path,
         compile[RUNS / 2] / 1e6, load[RUNS / 2] / 1e6, RUNS, wasm_len);
  char command[128];
  snprintf(command, sizeof command, "rm -rf %s", dir);
  CHECK(system(command) == 0);
  free(cached.data);
  free(wasm);
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  bench(argv[1], 0);
  bench(argv[2], 1);
  bench_load(argv[1]);
  bench_load(argv[2]);
  return 0;
}
