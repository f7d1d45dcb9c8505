/* 8 threads process through one host at once; every output must arrive
 * with the context of its own input, and count in = count out.
 * usage: threads RENAME.wasm [EVENTS_PER_THREAD] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "eiw.h"
#include "support.h"

#define THREADS 8
#define DEFAULT_EVENTS 500

static int events_per_thread = DEFAULT_EVENTS;

typedef struct {
  int thread;
  int seq;
  int outputs;
} call_t;

static atomic_int total_out;
static eiw_host *host;

static void on_emit(void *userdata, void *ctx, const uint8_t *bytes, size_t len) {
  (void)userdata;
  call_t *call = ctx;
  Eiw__V1__Event *event = eiw__v1__event__unpack(NULL, len, bytes);
  CHECK(event != NULL);
  char want[64];
  snprintf(want, sizeof want, "thread %d event %d", call->thread, call->seq);
  const char *original = lookup_string(event, "event.original");
  if (!original || strcmp(original, want) != 0) {
    fprintf(stderr, "output %s delivered to the call of %s\n", original ? original : "(none)", want);
    exit(1);
  }
  CHECK(lookup_string(event, "message") == NULL);
  eiw__v1__event__free_unpacked(event, NULL);
  call->outputs++;
  atomic_fetch_add(&total_out, 1);
}

static void *worker(void *arg) {
  int thread = (int)(intptr_t)arg;
  for (int seq = 0; seq < events_per_thread; seq++) {
    char message[64];
    snprintf(message, sizeof message, "thread %d event %d", thread, seq);
    buffer event = make_event(message, "info");
    call_t call = {thread, seq, 0};
    eiw_error *err = NULL;
    if (eiw_process(host, event.data, event.len, &call, &err) != EIW_RESULT_OK) {
      fprintf(stderr, "eiw_process: %s\n", eiw_error_message(err));
      exit(1);
    }
    CHECK(call.outputs == 1);
    free(event.data);
  }
  return NULL;
}

int main(int argc, char **argv) {
  CHECK(argc == 2 || argc == 3);
  if (argc == 3) events_per_thread = atoi(argv[2]);
  CHECK(events_per_thread > 0);
  size_t wasm_len;
  uint8_t *wasm = read_file(argv[1], &wasm_len);
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_emit, .log = NULL};
  CHECK(eiw_host_new(wasm, wasm_len, NULL, 0, &callbacks, &host, NULL) == EIW_RESULT_OK);
  free(wasm);
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; i++) CHECK(pthread_join(threads[i], NULL) == 0);
  CHECK(atomic_load(&total_out) == THREADS * events_per_thread);
  eiw_free(host);
  printf("threads: %d in, %d out: ok\n", THREADS * events_per_thread, atomic_load(&total_out));
  return 0;
}
