/* Moves `message` to `event.original` (config `from` and `to` change the
 * paths). Events without the field pass unchanged. */
#include "eiw_guest.h"

static char from[256] = "message";
static char to[256] = "event.original";

/* A string parameter into `out` (256 bytes), if there is one. */
static int copy_param(const eiw_config *config, const char *name, char *out) {
  eiw_value v;
  int rc = eiw_config_get(config, name, &v);
  if (rc == 1) rc = eiw_value_cstr(&v, out, 256);
  return rc < 0 ? -rc : EIW_STATUS_OK;
}

int eiw_module_register(const eiw_config *config) {
  int rc = copy_param(config, "from", from);
  return rc ? rc : copy_param(config, "to", to);
}

int eiw_module_process(eiw_event *event) {
  int rc = eiw_rename(event, from, to);
  return rc < 0 ? -rc : eiw_emit(event);
}
