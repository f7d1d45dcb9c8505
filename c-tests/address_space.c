/* THREADS threads each call HOSTS hosts, so THREADS x HOSTS guest
 * instances are alive at once; run under `prlimit --as=BYTES` (Makefile),
 * it shows that many instances fit in that address space. Prints the
 * process's address space (VmSize) before and after.
 * usage: address_space MODULE.wasm THREADS HOSTS */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eiw.h"

#define MAX_HOSTS 16

static eiw_host *hosts[MAX_HOSTS];
static int host_count;
static pthread_barrier_t all_created;

static void on_emit(void *userdata, void *ctx, const uint8_t *bytes, size_t len) {
  (void)userdata, (void)bytes, (void)len;
  (*(int *)ctx)++;
}

static void *worker(void *arg) {
  (void)arg;
  const char *event = "{\"message\":\"hello\"}";
  for (int i = 0; i < host_count; i++) {
    int outputs = 0;
    eiw_error *err = NULL;
    if (eiw_process(hosts[i], (const uint8_t *)event, strlen(event), &outputs, &err) != EIW_RESULT_OK) {
      fprintf(stderr, "eiw_process: %s\n", eiw_error_message(err));
      exit(1);
    }
    CHECK(outputs == 1);
  }
  /* Hold the instances until every thread has made its own and the main
   * thread has counted them. */
  pthread_barrier_wait(&all_created);
  pthread_barrier_wait(&all_created);
  return NULL;
}

int main(int argc, char **argv) {
  CHECK(argc == 4);
  int threads = atoi(argv[2]);
  host_count = atoi(argv[3]);
  CHECK(threads > 0 && threads <= 64 && host_count > 0 && host_count <= MAX_HOSTS);
  size_t wasm_len;
  uint8_t *wasm = read_file(argv[1], &wasm_len);
  long before = status_kib("VmSize");
  uint8_t *options;
  size_t options_len;
  const char *json = "{\"event_format\":\"json\"}";
  CHECK(eiw_host_options_from_json((const uint8_t *)json, strlen(json), &options, &options_len, NULL) ==
        EIW_RESULT_OK);
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_emit, .log = NULL};
  for (int i = 0; i < host_count; i++) {
    eiw_error *err = NULL;
    if (eiw_host_new(wasm, wasm_len, options, options_len, &callbacks, &hosts[i], &err) != EIW_RESULT_OK) {
      fprintf(stderr, "eiw_host_new: %s\n", eiw_error_message(err));
      return 1;
    }
  }
  eiw_bytes_free(options, options_len);
  free(wasm);
  pthread_barrier_init(&all_created, NULL, (unsigned)threads + 1);
  pthread_t tids[64];
  for (int i = 0; i < threads; i++) CHECK(pthread_create(&tids[i], NULL, worker, NULL) == 0);
  pthread_barrier_wait(&all_created);
  long during = status_kib("VmSize");
  /* Each host: one instance per worker and the creating thread's own. */
  for (int i = 0; i < host_count; i++) CHECK(host_stat(hosts[i], STATS_INSTANCES_LIVE) == (uint64_t)threads + 1);
  pthread_barrier_wait(&all_created);
  for (int i = 0; i < threads; i++) CHECK(pthread_join(tids[i], NULL) == 0);
  /* Workers exited: their instances are gone. */
  for (int i = 0; i < host_count; i++) CHECK(host_stat(hosts[i], STATS_INSTANCES_LIVE) == 1);
  for (int i = 0; i < host_count; i++) eiw_free(hosts[i]);
  pthread_barrier_destroy(&all_created);
  printf("address_space: %d threads x %d hosts = %d instances (+%d on the main thread): "
         "VmSize %ld MiB before, %ld MiB with them all alive: ok\n",
         threads, host_count, threads * host_count, host_count, before / 1024, during / 1024);
  return 0;
}
