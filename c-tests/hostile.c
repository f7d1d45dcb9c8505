/* 4 threads attack one host (endless loop, memory bomb, stack overflow,
 * unreachable, out-of-bounds load) while 4 threads process good events on
 * the same host. Every attack must get its error code, every good event
 * must come out with its own context, and RSS must stay bounded as
 * instances are discarded and recreated.
 * usage: hostile HOSTILE.wasm [ROUNDS [--skip-oob]]
 * --skip-oob leaves out the out-of-bounds load: valgrind reports the
 * guard-page access through which wasmer traps it as an invalid read. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "eiw.h"
#include "support.h"

#define ATTACKERS 4
#define WORKERS 4
#define GOOD_EVENTS 400

static const struct {
  const char *attack;
  eiw_result expected;
} attacks[] = {
    {"loop", EIW_RESULT_CPU_EXHAUSTED},          {"grow", EIW_RESULT_MEMORY_EXHAUSTED},
    {"recurse", EIW_RESULT_TRAP_STACK_OVERFLOW}, {"unreachable", EIW_RESULT_TRAP_UNREACHABLE},
    {"oob", EIW_RESULT_TRAP_OUT_OF_BOUNDS},
};
#define ATTACK_KINDS (sizeof attacks / sizeof attacks[0])

typedef struct {
  const buffer *input;
  int outputs;
} call_t;

static eiw_host *host;
static size_t attack_kinds = ATTACK_KINDS;
static int rounds = 3;
static atomic_int good_out;

static void on_emit(void *userdata, void *ctx, const uint8_t *bytes, size_t len) {
  (void)userdata;
  call_t *call = ctx;
  CHECK(call != NULL);
  CHECK(len == call->input->len && memcmp(bytes, call->input->data, len) == 0);
  call->outputs++;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  CHECK(f != NULL);
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  fclose(f);
  CHECK(kib > 0);
  return kib;
}

static void *attacker(void *arg) {
  (void)arg;
  for (int round = 0; round < rounds; round++) {
    for (size_t k = 0; k < attack_kinds; k++) {
      buffer event = make_field_event("attack", attacks[k].attack);
      call_t call = {&event, 0};
      eiw_error *err = NULL;
      eiw_result rc = eiw_process(host, event.data, event.len, &call, &err);
      if (rc != attacks[k].expected) {
        fprintf(stderr, "attack %s: expected %s, got %s: %s\n", attacks[k].attack,
                eiw_result_name(attacks[k].expected), eiw_result_name(rc), eiw_error_message(err));
        exit(1);
      }
      CHECK(strlen(eiw_error_message(err)) > 0);
      eiw_error_free(err);
      CHECK(call.outputs == 0);
      free(event.data);
    }
  }
  return NULL;
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  for (int i = 0; i < GOOD_EVENTS; i++) {
    char value[64];
    snprintf(value, sizeof value, "worker %d event %d", id, i);
    buffer event = make_field_event("message", value);
    call_t call = {&event, 0};
    eiw_error *err = NULL;
    if (eiw_process(host, event.data, event.len, &call, &err) != EIW_RESULT_OK) {
      fprintf(stderr, "good event failed: %s\n", eiw_error_message(err));
      exit(1);
    }
    CHECK(call.outputs == 1);
    atomic_fetch_add(&good_out, 1);
    free(event.data);
  }
  return NULL;
}

static void run_round(int attackers_rounds) {
  rounds = attackers_rounds;
  pthread_t threads[ATTACKERS + WORKERS];
  for (int i = 0; i < ATTACKERS; i++) CHECK(pthread_create(&threads[i], NULL, attacker, NULL) == 0);
  for (int i = 0; i < WORKERS; i++)
    CHECK(pthread_create(&threads[ATTACKERS + i], NULL, worker, (void *)(intptr_t)i) == 0);
  for (int i = 0; i < ATTACKERS + WORKERS; i++) CHECK(pthread_join(threads[i], NULL) == 0);
}

int main(int argc, char **argv) {
  CHECK(argc >= 2 && argc <= 4);
  int total_rounds = argc >= 3 ? atoi(argv[2]) : 6;
  if (argc == 4) {
    CHECK(strcmp(argv[3], "--skip-oob") == 0 && strcmp(attacks[ATTACK_KINDS - 1].attack, "oob") == 0);
    attack_kinds = ATTACK_KINDS - 1;
  }
  CHECK(total_rounds >= 2);
  size_t wasm_len;
  uint8_t *wasm = read_file(argv[1], &wasm_len);
  Eiw__V1__HostOptions options = EIW__V1__HOST_OPTIONS__INIT;
  options.cpu_points_per_call = 10000000;
  options.max_memory_pages = 64;
  buffer options_bytes = pack(&options.base);
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_emit, .log = NULL};
  eiw_error *err = NULL;
  if (eiw_host_new(wasm, wasm_len, options_bytes.data, options_bytes.len, &callbacks, &host, &err) !=
      EIW_RESULT_OK) {
    fprintf(stderr, "eiw_host_new: %s\n", eiw_error_message(err));
    return 1;
  }
  free(wasm);
  free(options_bytes.data);

  /* A first pass warms up every thread's instances and allocator arenas;
   * later passes must not grow RSS by more than a bounded amount. */
  run_round(1);
  long warm = rss_kib();
  for (int r = 1; r < total_rounds; r++) run_round(1);
  long end = rss_kib();
  CHECK(atomic_load(&good_out) == total_rounds * WORKERS * GOOD_EVENTS);
  eiw_free(host);
  printf("hostile: %d attacks, %d good events out of %d, RSS %ld KiB after warm-up, %ld KiB at end\n",
         total_rounds * ATTACKERS * (int)attack_kinds, atomic_load(&good_out), total_rounds * WORKERS * GOOD_EVENTS,
         warm, end);
  if (end - warm > 64 * 1024) {
    fprintf(stderr, "RSS grew by %ld KiB across %d rounds of attacks\n", end - warm, total_rounds - 1);
    return 1;
  }
  return 0;
}
