/* Drops events whose `log.level` is `debug` (any case); emits the rest. */
#include "eiw_guest.h"

int eiw_module_register(const eiw_config *config) {
  (void)config;
  return EIW_STATUS_OK;
}

static int is_debug(eiw_bytes level) {
  static const char debug[] = "debug";
  if (level.len != 5) return 0;
  for (size_t i = 0; i < 5; i++)
    if ((level.ptr[i] | 0x20) != debug[i]) return 0;
  return 1;
}

int eiw_module_process(eiw_event *event) {
  eiw_bytes level;
  int rc = eiw_get_str(event, "log.level", &level);
  if (rc < 0) return -rc;
  if (rc == 1 && is_debug(level)) return EIW_STATUS_OK;
  return eiw_emit(event);
}
