/* Moves `message` to `event.original` (config `from` and `to` change the
 * paths). Events without the field pass unchanged. */
#include "eiw_guest.h"

static char from[256] = "message";
static char to[256] = "event.original";

static int copy_param(const eiw_config *config, const char *name, char *out) {
  eiw_value v;
  int rc = eiw_config_get(config, name, &v);
  if (rc < 0) return -rc;
  if (rc == 0 || v.kind != EIW_STRING) return EIW_STATUS_OK;
  if (v.as.str.len >= 256) return EIW_STATUS_INVALID_ARGUMENT;
  for (size_t i = 0; i < v.as.str.len; i++) out[i] = (char)v.as.str.ptr[i];
  out[v.as.str.len] = 0;
  return EIW_STATUS_OK;
}

int eiw_module_register(const eiw_config *config) {
  int rc = copy_param(config, "from", from);
  return rc ? rc : copy_param(config, "to", to);
}

int eiw_module_process(eiw_event *event) {
  int rc = eiw_rename(event, from, to);
  return rc < 0 ? -rc : eiw_emit(event);
}
