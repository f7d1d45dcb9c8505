/* Sets `event.ingested` from the host clock, and the field named by the
 * config parameter `field` to the config parameter `value`.
 * Config: {"field": "labels.env", "value": "production"}; both optional,
 * but `value` needs `field`. */
#include "eiw_guest.h"

static char field[256];
static eiw_value value; /* points into the config, kept for the instance */
static int have_value;

static int fail(const char *message) {
  size_t n = 0;
  while (message[n]) n++;
  eiw_log(EIW_LOG_ERROR, message, n);
  return EIW_STATUS_INVALID_ARGUMENT;
}

int eiw_module_register(const eiw_config *config) {
  eiw_value name;
  int rc = eiw_config_get(config, "value", &value);
  if (rc < 0) return -rc;
  have_value = rc;
  if (!have_value) return EIW_STATUS_OK;
  if (eiw_config_get(config, "field", &name) != 1)
    return fail("add_fields: the config parameter `field` (a string) is required with `value`");
  switch (eiw_value_cstr(&name, field, sizeof field)) {
    case 1: return EIW_STATUS_OK;
    case 0: return fail("add_fields: `field` must be a string");
    default: return fail("add_fields: `field` is longer than 255 bytes");
  }
}

int eiw_module_process(eiw_event *event) {
  int rc = eiw_put_timestamp_nanos(event, "event.ingested", eiw_now_nanos());
  if (rc == 0 && have_value) rc = eiw_put_value(event, field, &value);
  return rc < 0 ? -rc : eiw_emit(event);
}
