/* An eiw parser for syslog-ng: each message runs through a WebAssembly
 * module. Built on syslog-ng's native connector (libsyslog-ng-native-
 * connector.a), which provides the config grammar
 *   parser { eiw(option("module" "/path/m.wasm") option("config" "c.json")); };
 * and calls the native_parser_proxy_* functions below. docs/INTEGRATIONS.md
 * has the options, the mapping and the failure policy. */
#include "syslog-ng.h"
#include "cfg-parser.h"
#include "logmsg/logmsg.h"
#include "messages.h"
#include "parser/parser-expr.h"
#include "plugin-types.h"
#include "plugin.h"

#include <msgpack.h>
#include <stdatomic.h>
#include <string.h>

#include "eiw.h"
#include "mapping.h"

typedef enum { ON_FAILURE_PASS, ON_FAILURE_DROP, ON_FAILURE_MARK } FailurePolicy;

struct NativeParserProxy {
  gchar *module_path;
  gchar *config_path;
  GString *options_json; /* HostOptions fields given as options */
  FailurePolicy on_failure;
  gchar *error_field;
  eiw_host *host;
  /* Seconds between the stats lines in syslog-ng's log (0: none). */
  guint stats_interval;
  atomic_llong next_stats; /* monotonic microseconds */
  /* Messages the parser, not the module, counted: extra emits dropped,
   * emitted records that did not map back. */
  atomic_ullong extra_emits, unmappable;
};

static guint64 read_varint(const uint8_t **p, const uint8_t *end) {
  guint64 value = 0;
  for (int shift = 0; *p < end && shift < 64; shift += 7) {
    uint8_t byte = *(*p)++;
    value |= (guint64)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  return value;
}

/* A varint field of a serialized protobuf message (HostStats), 0 if absent. */
static guint64 stats_field(const uint8_t *p, size_t len, guint32 field) {
  const uint8_t *end = p + len;
  guint64 found = 0;
  while (p < end) {
    guint64 tag = read_varint(&p, end);
    switch (tag & 7) {
      case 0: {
        guint64 value = read_varint(&p, end);
        if ((tag >> 3) == field) found = value;
        break;
      }
      case 1:
        p += 8;
        break;
      case 2:
        p += read_varint(&p, end);
        break;
      case 5:
        p += 4;
        break;
      default:
        return found;
    }
  }
  return found;
}

/* Logs the host's counters (HostStats) and the parser's own at info. */
static void log_stats(struct NativeParserProxy *self) {
  uint8_t *stats;
  size_t len;
  if (!self->host || eiw_host_stats(self->host, &stats, &len, NULL) != EIW_RESULT_OK) return;
  msg_info("eiw: stats", evt_tag_str("module", self->module_path),
           evt_tag_printf("events_in", "%" G_GUINT64_FORMAT, stats_field(stats, len, 1)),
           evt_tag_printf("events_passed", "%" G_GUINT64_FORMAT, stats_field(stats, len, 2)),
           evt_tag_printf("events_dropped", "%" G_GUINT64_FORMAT, stats_field(stats, len, 3)),
           evt_tag_printf("events_failed", "%" G_GUINT64_FORMAT, stats_field(stats, len, 4)),
           evt_tag_printf("events_emitted", "%" G_GUINT64_FORMAT, stats_field(stats, len, 5)),
           evt_tag_printf("instances_live", "%" G_GUINT64_FORMAT, stats_field(stats, len, 20)),
           evt_tag_printf("extra_emits_dropped", "%llu", (unsigned long long)atomic_load(&self->extra_emits)),
           evt_tag_printf("emits_unmappable", "%llu", (unsigned long long)atomic_load(&self->unmappable)));
  eiw_bytes_free(stats, len);
}

/* Logs the stats when the interval has passed; one atomic load a call. */
static void maybe_log_stats(struct NativeParserProxy *self) {
  if (!self->stats_interval) return;
  gint64 now = g_get_monotonic_time();
  long long due = atomic_load(&self->next_stats);
  if (now < due) return;
  if (atomic_compare_exchange_strong(&self->next_stats, &due, now + (gint64)self->stats_interval * G_USEC_PER_SEC))
    log_stats(self);
}

/* What one call collects from the emit callback. */
typedef struct {
  GString *first; /* the first emitted record */
  guint emits;
} EiwCall;

static void on_emit(void *userdata, void *call_context, const uint8_t *event, size_t len) {
  (void)userdata;
  EiwCall *call = call_context;
  if (call->emits++ == 0) g_string_append_len(call->first, (const gchar *)event, (gssize)len);
}

static void on_log(void *userdata, void *call_context, eiw_log_level level, const uint8_t *message, size_t len) {
  (void)call_context;
  const gchar *module = userdata;
  gchar *line = g_strndup((const gchar *)message, len);
  switch (level) {
    case EIW_LOG_LEVEL_DEBUG:
      msg_debug("eiw: module log", evt_tag_str("module", module), evt_tag_str("message", line));
      break;
    case EIW_LOG_LEVEL_INFO:
      msg_info("eiw: module log", evt_tag_str("module", module), evt_tag_str("message", line));
      break;
    case EIW_LOG_LEVEL_WARN:
      msg_warning("eiw: module log", evt_tag_str("module", module), evt_tag_str("message", line));
      break;
    default:
      msg_error("eiw: module log", evt_tag_str("module", module), evt_tag_str("message", line));
      break;
  }
  g_free(line);
}

struct NativeParserProxy *native_parser_proxy_new(GlobalConfig *cfg) {
  (void)cfg;
  struct NativeParserProxy *self = g_new0(struct NativeParserProxy, 1);
  self->options_json = g_string_new("{\"event_format\":\"msgpack\"");
  self->on_failure = ON_FAILURE_PASS;
  self->error_field = g_strdup("eiw.error");
  self->stats_interval = 300;
  return self;
}

/* Numeric HostOptions fields an option may set. */
static const gchar *const number_options[] = {"cpu_points_per_call", "max_memory_pages", "max_event_bytes",
                                               "max_emit_bytes", "max_emits_per_call", "instance_idle_ms"};

gboolean native_parser_proxy_set_option(struct NativeParserProxy *self, const gchar *key, const gchar *value) {
  if (strcmp(key, "module") == 0) {
    g_free(self->module_path);
    self->module_path = g_strdup(value);
    return TRUE;
  }
  if (strcmp(key, "config") == 0) {
    g_free(self->config_path);
    self->config_path = g_strdup(value);
    return TRUE;
  }
  if (strcmp(key, "on_failure") == 0 || strcmp(key, "on-failure") == 0) {
    if (strcmp(value, "pass") == 0) self->on_failure = ON_FAILURE_PASS;
    else if (strcmp(value, "drop") == 0) self->on_failure = ON_FAILURE_DROP;
    else if (strcmp(value, "mark") == 0) self->on_failure = ON_FAILURE_MARK;
    else {
      msg_error("eiw: on_failure must be pass, drop or mark", evt_tag_str("value", value));
      return FALSE;
    }
    return TRUE;
  }
  if (strcmp(key, "error_field") == 0 || strcmp(key, "error-field") == 0) {
    g_free(self->error_field);
    self->error_field = g_strdup(value);
    return TRUE;
  }
  if (strcmp(key, "stats_interval") == 0 || strcmp(key, "stats-interval") == 0) {
    gchar *end;
    guint64 seconds = g_ascii_strtoull(value, &end, 10);
    if (*value == '\0' || *end != '\0' || seconds > G_MAXUINT) {
      msg_error("eiw: stats_interval needs a number of seconds", evt_tag_str("value", value));
      return FALSE;
    }
    self->stats_interval = (guint)seconds;
    return TRUE;
  }
  if (strcmp(key, "cache_dir") == 0 || strcmp(key, "cache-dir") == 0) {
    gchar *quoted = g_strescape(value, NULL);
    g_string_append_printf(self->options_json, ",\"cache_dir\":\"%s\"", quoted);
    g_free(quoted);
    return TRUE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(number_options); i++) {
    gchar *name = g_strdelimit(g_strdup(key), "-", '_');
    gboolean match = strcmp(name, number_options[i]) == 0;
    g_free(name);
    if (!match) continue;
    gchar *end;
    guint64 number = g_ascii_strtoull(value, &end, 10);
    if (*value == '\0' || *end != '\0') {
      msg_error("eiw: option needs a number", evt_tag_str("option", key), evt_tag_str("value", value));
      return FALSE;
    }
    g_string_append_printf(self->options_json, ",\"%s\":%" G_GUINT64_FORMAT, number_options[i], number);
    return TRUE;
  }
  msg_error("eiw: unknown option", evt_tag_str("option", key));
  return FALSE;
}

static gboolean fail_init(eiw_error *err, const gchar *what, const gchar *path) {
  msg_error("eiw: cannot start the parser", evt_tag_str("step", what), evt_tag_str("path", path ? path : ""),
            evt_tag_str("error", err ? eiw_error_message(err) : "(none)"));
  eiw_error_free(err);
  return FALSE;
}

/* Creates the host and registers the config. */
static gboolean start(struct NativeParserProxy *self) {
  if (!self->module_path) return fail_init(NULL, "option(\"module\" ...) is required", NULL);
  gchar *wasm;
  gsize wasm_len;
  GError *gerr = NULL;
  if (!g_file_get_contents(self->module_path, &wasm, &wasm_len, &gerr)) {
    msg_error("eiw: cannot read the module", evt_tag_str("path", self->module_path),
              evt_tag_str("error", gerr->message));
    g_error_free(gerr);
    return FALSE;
  }
  GString *json = g_string_new(self->options_json->str);
  g_string_append_c(json, '}');
  uint8_t *options;
  size_t options_len;
  eiw_error *err = NULL;
  if (eiw_host_options_from_json((const uint8_t *)json->str, json->len, &options, &options_len, &err) !=
      EIW_RESULT_OK) {
    g_string_free(json, TRUE);
    g_free(wasm);
    return fail_init(err, "options", NULL);
  }
  g_string_free(json, TRUE);
  eiw_callbacks callbacks = {.userdata = self->module_path, .emit = on_emit, .log = on_log};
  eiw_result rc =
      eiw_host_new((const uint8_t *)wasm, wasm_len, options, options_len, &callbacks, &self->host, &err);
  eiw_bytes_free(options, options_len);
  g_free(wasm);
  if (rc != EIW_RESULT_OK) return fail_init(err, "load the module", self->module_path);
  if (!self->config_path) return TRUE;
  gchar *config;
  gsize config_len;
  if (!g_file_get_contents(self->config_path, &config, &config_len, &gerr)) {
    msg_error("eiw: cannot read the config", evt_tag_str("path", self->config_path),
              evt_tag_str("error", gerr->message));
    g_error_free(gerr);
    return FALSE;
  }
  uint8_t *wire;
  size_t wire_len;
  rc = eiw_config_to_protobuf(1 /* JSON */, (const uint8_t *)config, config_len, &wire, &wire_len, &err);
  g_free(config);
  if (rc != EIW_RESULT_OK) return fail_init(err, "read the config (JSON)", self->config_path);
  rc = eiw_register_protobuf(self->host, wire, wire_len, NULL, &err);
  eiw_bytes_free(wire, wire_len);
  if (rc != EIW_RESULT_OK) return fail_init(err, "register the config", self->config_path);
  return TRUE;
}

int native_parser_proxy_init(struct NativeParserProxy *self) {
  if (self->host) return TRUE;
  atomic_store(&self->next_stats, g_get_monotonic_time() + (gint64)self->stats_interval * G_USEC_PER_SEC);
  if (!start(self)) {
    eiw_free(self->host);
    self->host = NULL;
    return FALSE;
  }
  return TRUE;
}

int native_parser_proxy_deinit(struct NativeParserProxy *self) {
  (void)self;
  return TRUE;
}

void native_parser_proxy_free(struct NativeParserProxy *self) {
  if (self->stats_interval) log_stats(self);
  /* Safe while other threads still run calls on it. */
  eiw_free(self->host);
  g_free(self->module_path);
  g_free(self->config_path);
  g_free(self->error_field);
  g_string_free(self->options_json, TRUE);
  g_free(self);
}

struct NativeParserProxy *native_parser_proxy_clone(struct NativeParserProxy *self) {
  struct NativeParserProxy *clone = g_new0(struct NativeParserProxy, 1);
  clone->module_path = g_strdup(self->module_path);
  clone->config_path = g_strdup(self->config_path);
  clone->options_json = g_string_new(self->options_json->str);
  clone->on_failure = self->on_failure;
  clone->error_field = g_strdup(self->error_field);
  clone->stats_interval = self->stats_interval;
  return clone;
}

/* Applies the failure policy to a message whose call failed. */
static gboolean failed(struct NativeParserProxy *self, LogMessage *msg, eiw_result rc, eiw_error *err) {
  static atomic_uint reported;
  if (atomic_fetch_add(&reported, 1) < 10)
    msg_error("eiw: processing a message failed", evt_tag_str("module", self->module_path),
              evt_tag_str("result", eiw_result_name(rc)), evt_tag_str("error", eiw_error_message(err)));
  if (self->on_failure == ON_FAILURE_MARK) {
    GString *mark = g_string_new(eiw_result_name(rc));
    g_string_append_printf(mark, ": %s", eiw_error_message(err));
    log_msg_set_value_by_name(msg, self->error_field, mark->str, (gssize)mark->len);
    g_string_free(mark, TRUE);
  }
  eiw_error_free(err);
  return self->on_failure != ON_FAILURE_DROP;
}

gboolean native_parser_proxy_process(struct NativeParserProxy *self, LogParser *super, LogMessage *msg,
                                     const gchar *input) {
  (void)super;
  (void)input;
  if (!self->host) return self->on_failure != ON_FAILURE_DROP;
  msgpack_sbuffer record;
  msgpack_sbuffer_init(&record);
  mapping_message_to_record(msg, &record);
  EiwCall call = {.first = g_string_new(NULL), .emits = 0};
  eiw_error *err = NULL;
  eiw_result rc = eiw_process(self->host, (const uint8_t *)record.data, record.size, &call, &err);
  /* An emit equal to the input comes back as the input's own bytes. */
  gboolean unchanged = rc == EIW_RESULT_OK && call.emits == 1 && call.first->len == record.size &&
                       memcmp(call.first->str, record.data, record.size) == 0;
  msgpack_sbuffer_destroy(&record);
  gboolean keep;
  if (rc != EIW_RESULT_OK) {
    keep = failed(self, msg, rc, err);
  } else if (call.emits == 0) {
    keep = FALSE; /* the module dropped it */
  } else {
    if (call.emits > 1) {
      atomic_fetch_add(&self->extra_emits, call.emits - 1);
      static atomic_uint reported;
      if (atomic_fetch_add(&reported, 1) < 10)
        msg_warning("eiw: the module emitted more than one event; a parser passes on one message, "
                    "so only the first is kept",
                    evt_tag_str("module", self->module_path), evt_tag_int("emits", (gint)call.emits));
    }
    keep = unchanged || mapping_record_to_message((const char *)call.first->str, call.first->len, msg);
    if (!keep) {
      atomic_fetch_add(&self->unmappable, 1);
      static atomic_uint reported;
      if (atomic_fetch_add(&reported, 1) < 10)
        msg_error("eiw: the emitted record does not map back onto the message",
                  evt_tag_str("module", self->module_path));
      keep = self->on_failure != ON_FAILURE_DROP;
    }
  }
  g_string_free(call.first, TRUE);
  maybe_log_stats(self);
  return keep;
}

/* The plugin and module of this shared object. */
extern CfgParser native_parser;

static Plugin eiw_plugins[] = {
    {
        .type = LL_CONTEXT_PARSER,
        .name = "eiw",
        .parser = &native_parser,
    },
};

gboolean eiwparser_module_init(PluginContext *context, CfgArgs *args) {
  (void)args;
  plugin_register(context, eiw_plugins, G_N_ELEMENTS(eiw_plugins));
  return TRUE;
}

const ModuleInfo module_info = {
    .canonical_name = "eiwparser",
    .version = SYSLOG_NG_VERSION,
    .description = "Runs each message through a WebAssembly module with eiw",
    .core_revision = SYSLOG_NG_SOURCE_REVISION,
    .plugins = eiw_plugins,
    .plugins_len = G_N_ELEMENTS(eiw_plugins),
};
