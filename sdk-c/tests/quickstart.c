/* module.c */
#include "eiw_guest.h"

int eiw_module_register(const eiw_config *config) {
  (void)config;
  return EIW_STATUS_OK;
}

int eiw_module_process(eiw_event *event) {
  eiw_bytes level;
  int rc = eiw_get_str(event, "log.level", &level);
  if (rc < 0) return -rc;                       /* bytes that do not decode */
  if (rc == 1 && eiw_bytes_eq(level, "debug")) return EIW_STATUS_OK; /* dropped */
  if ((rc = eiw_put_timestamp_nanos(event, "event.ingested", eiw_now_nanos())) < 0) return -rc;
  if ((rc = eiw_rename(event, "message", "event.original")) < 0) return -rc;
  return eiw_emit(event);
}
