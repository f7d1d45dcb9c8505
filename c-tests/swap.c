/* The module-swap recipe of the README under load: worker threads process
 * without pause while another thread swaps the module SWAPS times (a new
 * host, published with one atomic exchange, then eiw_free of the old one
 * while calls on it are in flight). The agent takes no lock. Every event's
 * output must arrive exactly once, with its own context; a worker that
 * loaded the old pointer just before a swap gets EIW_RESULT_HOST_CLOSED and
 * sends the event again on the new host. Some loads are followed by a
 * deliberate pause before the call, so that calls on freed handles happen.
 * Unless --no-rss (under ASan or valgrind, whose allocators keep freed
 * memory), the resident set and the address space after the swaps must be
 * within a bound of those after a warm-up.
 * usage: swap A.wasm B.wasm SWAPS THREADS [--no-rss] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "eiw.h"

#define MAX_THREADS 16
#define WARM_UP_SWAPS 20
/* Allowed growth after the warm-up: far below what keeping one freed host
 * per swap would cost (each instance reserves 16 MiB of address space and
 * touches about 1 MiB). */
#define RSS_SLACK_KIB (32 * 1024)
#define VM_SLACK_KIB (512 * 1024)

typedef struct {
  char id[48];
  int outputs;
} call_t;

static _Atomic(eiw_host *) current;
static atomic_bool stop;
static atomic_long events_done, closed_retries;
static uint8_t *options;
static size_t options_len;

static void on_emit(void *userdata, void *ctx, const uint8_t *bytes, size_t len) {
  (void)userdata;
  call_t *call = ctx;
  /* The output is the input's record with fields added: it must carry
   * this call's id. */
  if (!memmem(bytes, len, call->id, strlen(call->id))) {
    fprintf(stderr, "output %.*s delivered to the call of %s\n", (int)len, (const char *)bytes, call->id);
    exit(1);
  }
  call->outputs++;
}

static void *worker(void *arg) {
  int thread = (int)(intptr_t)arg;
  for (long seq = 0; !atomic_load(&stop); seq++) {
    call_t call = {.outputs = 0};
    snprintf(call.id, sizeof call.id, "\"t%d-e%ld\"", thread, seq);
    char record[96];
    int n = snprintf(record, sizeof record, "{\"message\":%s}", call.id);
    for (;;) {
      eiw_host *host = atomic_load(&current);
      if (seq % 64 == thread) usleep(300); /* a swap may free `host` now */
      eiw_error *err = NULL;
      eiw_result rc = eiw_process(host, (const uint8_t *)record, (size_t)n, &call, &err);
      if (rc == EIW_RESULT_HOST_CLOSED) {
        eiw_error_free(err);
        CHECK(call.outputs == 0);
        atomic_fetch_add(&closed_retries, 1);
        continue;
      }
      if (rc != EIW_RESULT_OK) {
        fprintf(stderr, "eiw_process: %s\n", eiw_error_message(err));
        exit(1);
      }
      break;
    }
    CHECK(call.outputs == 1);
    atomic_fetch_add(&events_done, 1);
  }
  return NULL;
}

static eiw_host *new_host(const uint8_t *wasm, size_t wasm_len) {
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_emit, .log = NULL};
  eiw_host *host;
  eiw_error *err = NULL;
  if (eiw_host_new(wasm, wasm_len, options, options_len, &callbacks, &host, &err) != EIW_RESULT_OK) {
    fprintf(stderr, "eiw_host_new: %s\n", eiw_error_message(err));
    exit(1);
  }
  const char *config = "{\"field\":\"labels.swap\",\"value\":\"yes\"}";
  if (eiw_register(host, (const uint8_t *)config, strlen(config), NULL, &err) != EIW_RESULT_OK &&
      eiw_error_code(err) != EIW_RESULT_NO_REGISTER) {
    fprintf(stderr, "eiw_register: %s\n", eiw_error_message(err));
    exit(1);
  }
  eiw_error_free(err);
  return host;
}

int main(int argc, char **argv) {
  CHECK(argc == 5 || argc == 6);
  int swaps = atoi(argv[3]), threads = atoi(argv[4]);
  bool check_rss = !(argc == 6 && strcmp(argv[5], "--no-rss") == 0);
  CHECK(swaps > 0 && threads > 0 && threads <= MAX_THREADS);
  CHECK(!check_rss || swaps > WARM_UP_SWAPS);
  size_t len[2];
  uint8_t *wasm[2] = {read_file(argv[1], &len[0]), read_file(argv[2], &len[1])};
  /* Reloads come from the module cache, as an agent's would. */
  char json[256];
  snprintf(json, sizeof json, "{\"event_format\":\"json\",\"cache_dir\":\"/tmp/eiw-swap-test-%d\"}",
           (int)getpid());
  CHECK(eiw_host_options_from_json((const uint8_t *)json, strlen(json), &options, &options_len, NULL) ==
        EIW_RESULT_OK);
  atomic_store(&current, new_host(wasm[0], len[0]));
  pthread_t tids[MAX_THREADS];
  for (int i = 0; i < threads; i++) CHECK(pthread_create(&tids[i], NULL, worker, (void *)(intptr_t)i) == 0);
  long rss_warm = 0, vm_warm = 0;
  for (int swap = 1; swap <= swaps; swap++) {
    usleep(2000);
    eiw_host *fresh = new_host(wasm[swap % 2], len[swap % 2]);
    eiw_host *old = atomic_exchange(&current, fresh);
    eiw_free(old); /* calls on `old` may be running */
    if (swap == WARM_UP_SWAPS) rss_warm = status_kib("VmRSS"), vm_warm = status_kib("VmSize");
  }
  long rss_end = status_kib("VmRSS"), vm_end = status_kib("VmSize");
  atomic_store(&stop, true);
  for (int i = 0; i < threads; i++) CHECK(pthread_join(tids[i], NULL) == 0);
  eiw_host *last = atomic_load(&current);
  /* Only the swapping thread's instance of the last host is left. */
  CHECK(host_stat(last, STATS_INSTANCES_LIVE) == 1);
  eiw_free(last);
  eiw_free(last); /* freeing twice does nothing */
  eiw_bytes_free(options, options_len);
  free(wasm[0]);
  free(wasm[1]);
  char cleanup[128];
  snprintf(cleanup, sizeof cleanup, "rm -rf /tmp/eiw-swap-test-%d /tmp/eiw-swap-test-%d.key", (int)getpid(),
           (int)getpid());
  CHECK(system(cleanup) == 0);
  printf("swap: %d swaps under %d threads, %ld events each delivered once, %ld calls on a freed host "
         "sent again",
         swaps, threads, atomic_load(&events_done), atomic_load(&closed_retries));
  if (check_rss) {
    printf("; RSS %ld -> %ld MiB, VmSize %ld -> %ld MiB after the warm-up", rss_warm / 1024, rss_end / 1024,
           vm_warm / 1024, vm_end / 1024);
    CHECK(rss_end <= rss_warm + RSS_SLACK_KIB);
    CHECK(vm_end <= vm_warm + VM_SLACK_KIB);
  }
  printf(": ok\n");
  return 0;
}
