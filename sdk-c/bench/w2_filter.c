/* Benchmark workload W2 in C: keep only events whose `log.level` is
 * `error`, passed on as their input bytes. */
#include "eiw_guest.h"

int eiw_module_register(const eiw_config *config) {
  (void)config;
  return EIW_STATUS_OK;
}

int eiw_module_process(eiw_event *event) {
  eiw_bytes level;
  int rc = eiw_get_str(event, "log.level", &level);
  if (rc < 0) return -rc;
  if (rc == 1 && eiw_bytes_eq(level, "error")) return eiw_emit(event);
  return EIW_STATUS_OK;
}
