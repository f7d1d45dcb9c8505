/* A test guest: applies the edit script in the event's `ops` list to the
 * rest of the event and emits the result, so that tests compare the C
 * SDK's edits and reads with the tree API's (tests/guest_sdks.rs).
 * Each op is an object: {"put": path, "value": v}, {"remove": path},
 * {"rename": from, "to": to}, {"get": path}, {"timestamp": unix nanos},
 * {"meta": key, "value": string}, {"unmeta": key} or {"getmeta": key};
 * a get's result goes to
 * `got.<n>` (or `missing.<n>`: ""), n its op's index. */
#include "eiw_guest.h"

int eiw_module_register(const eiw_config *config) {
  (void)config;
  return EIW_STATUS_OK;
}

/* A NUL-terminated copy of a string value, in static storage. */
static const char *text(const eiw_value *v, char *out, size_t cap) {
  return eiw_value_cstr(v, out, cap) == 1 ? out : NULL;
}

static void result_path(char *out, const char *prefix, unsigned n) {
  size_t i = 0;
  while (prefix[i]) out[i] = prefix[i], i++;
  char digits[12];
  size_t d = 0;
  do digits[d++] = (char)('0' + n % 10), n /= 10;
  while (n);
  while (d) out[i++] = digits[--d];
  out[i] = 0;
}

int eiw_module_process(eiw_event *event) {
  eiw_value ops, op, arg, value;
  int rc = eiw_get(event, "ops", &ops);
  if (rc != 1 || ops.kind != EIW_LIST) return EIW_STATUS_INVALID_ARGUMENT;
  if ((rc = eiw_remove(event, "ops")) < 0) return -rc;
  eiw_list_cursor cursor = eiw_list_begin(&ops);
  static char path[256], to[256], at[32];
  for (unsigned n = 0; (rc = eiw_list_next(&cursor, &op)) == 1; n++) {
    if (eiw_value_get(&op, "put", &arg) == 1 && text(&arg, path, sizeof path)) {
      if (eiw_value_get(&op, "value", &value) != 1) return EIW_STATUS_INVALID_ARGUMENT;
      rc = eiw_put_value(event, path, &value);
    } else if (eiw_value_get(&op, "remove", &arg) == 1 && text(&arg, path, sizeof path)) {
      rc = eiw_remove(event, path);
    } else if (eiw_value_get(&op, "rename", &arg) == 1 && text(&arg, path, sizeof path)) {
      if (eiw_value_get(&op, "to", &value) != 1 || !text(&value, to, sizeof to)) return EIW_STATUS_INVALID_ARGUMENT;
      rc = eiw_rename(event, path, to);
    } else if (eiw_value_get(&op, "get", &arg) == 1 && text(&arg, path, sizeof path)) {
      rc = eiw_get(event, path, &value);
      if (rc == 1) {
        result_path(at, "got.", n);
        rc = eiw_put_value(event, at, &value);
      } else if (rc == 0) {
        result_path(at, "missing.", n);
        rc = eiw_put_str(event, at, "", 0);
      }
    } else if (eiw_value_get(&op, "timestamp", &arg) == 1 && arg.kind == EIW_INT) {
      int64_t seconds = arg.as.i64 / 1000000000, nanos = arg.as.i64 % 1000000000;
      if (nanos < 0) seconds -= 1, nanos += 1000000000;
      eiw_set_timestamp(event, seconds, (int32_t)nanos);
      rc = 0;
    } else if (eiw_value_get(&op, "meta", &arg) == 1 && text(&arg, path, sizeof path)) {
      if (eiw_value_get(&op, "value", &value) != 1 || value.kind != EIW_STRING) return EIW_STATUS_INVALID_ARGUMENT;
      rc = eiw_set_metadata(event, path, (const char *)value.as.str.ptr, value.as.str.len);
    } else if (eiw_value_get(&op, "unmeta", &arg) == 1 && text(&arg, path, sizeof path)) {
      rc = eiw_remove_metadata(event, path);
    } else if (eiw_value_get(&op, "getmeta", &arg) == 1 && text(&arg, path, sizeof path)) {
      eiw_bytes found;
      rc = eiw_get_metadata(event, path, &found);
      if (rc == 1) {
        result_path(at, "got.", n);
        rc = eiw_put_str(event, at, (const char *)found.ptr, found.len);
      } else if (rc == 0) {
        result_path(at, "missing.", n);
        rc = eiw_put_str(event, at, "", 0);
      }
    } else {
      return EIW_STATUS_INVALID_ARGUMENT;
    }
    if (rc < 0) return -rc;
  }
  return rc < 0 ? -rc : eiw_emit(event);
}
