/* Benchmark workload W1 in C: set `event.ingested` from the host clock,
 * set a field from config, rename `message` to `event.original`. */
#include "eiw_guest.h"

static char field[256] = "labels.env";
static eiw_value value;
static int have_value;

int eiw_module_register(const eiw_config *config) {
  eiw_value name;
  int rc = eiw_config_get(config, "value", &value);
  if (rc < 0) return -rc;
  have_value = rc;
  if (eiw_config_get(config, "field", &name) == 1 && eiw_value_cstr(&name, field, sizeof field) < 0)
    return EIW_STATUS_INVALID_ARGUMENT;
  return EIW_STATUS_OK;
}

int eiw_module_process(eiw_event *event) {
  int rc = eiw_put_timestamp_nanos(event, "event.ingested", eiw_now_nanos());
  if (rc == 0 && have_value) rc = eiw_put_value(event, field, &value);
  if (rc == 0) rc = eiw_rename(event, "message", "event.original");
  return rc < 0 ? -rc : eiw_emit(event);
}
