/* Splits an event with an array `messages` into one event per element,
 * each a copy of the event without `messages` and with `message` set to
 * the element. Events without such an array pass unchanged. */
#include "eiw_guest.h"

int eiw_module_register(const eiw_config *config) {
  (void)config;
  return EIW_STATUS_OK;
}

int eiw_module_process(eiw_event *event) {
  eiw_value messages, message;
  int rc = eiw_get(event, "messages", &messages);
  if (rc < 0) return -rc;
  if (rc == 0 || messages.kind != EIW_LIST) return eiw_emit(event);
  if ((rc = eiw_remove(event, "messages")) < 0) return -rc;
  eiw_list_cursor cursor = eiw_list_begin(&messages);
  while ((rc = eiw_list_next(&cursor, &message)) == 1) {
    if ((rc = eiw_put_value(event, "message", &message)) < 0) return -rc;
    if ((rc = eiw_emit(event)) != 0) return rc < 0 ? -rc : rc;
  }
  return rc < 0 ? -rc : EIW_STATUS_OK;
}
