/* The README's C quick start, checked: a host that takes and gives JSON,
 * configured from JSON, with no protobuf library linked. */
#include "check.h"
#include "eiw.h"

/* What the emit callback received, one JSON object per line. */
typedef struct {
  char text[4096];
  size_t len;
} output;

static void on_event(void *userdata, void *call_context, const uint8_t *event, size_t len) {
  (void)userdata;
  output *out = call_context;
  CHECK(out->len + len + 1 < sizeof out->text);
  memcpy(out->text + out->len, event, len);
  out->len += len;
  out->text[out->len++] = '\n';
  out->text[out->len] = '\0';
}

static eiw_result process(eiw_host *host, const char *line, output *out, eiw_error **error) {
  return eiw_process(host, (const uint8_t *)line, strlen(line), out, error);
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  size_t wasm_len;
  uint8_t *wasm = read_file(argv[1], &wasm_len);

  /* Quick start: options from JSON, a host, a config, events. */
  const char *options_json = "{\"event_format\": \"json\", \"max_event_bytes\": 65536}";
  uint8_t *options;
  size_t options_len;
  eiw_error *error = NULL;
  CHECK(eiw_host_options_from_json((const uint8_t *)options_json, strlen(options_json), &options,
                                   &options_len, &error) == EIW_RESULT_OK);
  eiw_callbacks callbacks = {.userdata = NULL, .emit = on_event, .log = NULL};
  eiw_host *host = NULL;
  eiw_result rc = eiw_host_new(wasm, wasm_len, options, options_len, &callbacks, &host, &error);
  eiw_bytes_free(options, options_len);
  if (rc != EIW_RESULT_OK) {
    fprintf(stderr, "eiw_host_new: %s\n", eiw_error_message(error));
    return 1;
  }
  const char *config = "{\"field\": \"labels.environment\", \"value\": \"production\"}";
  CHECK(eiw_register(host, (const uint8_t *)config, strlen(config), NULL, &error) == EIW_RESULT_OK);
  output out = {.len = 0};
  const char *line =
      "{\"@timestamp\": \"2026-11-30T08:15:00.120Z\", \"message\": \"GET / 200\", \"ratio\": 947865360.6090633}";
  CHECK(process(host, line, &out, &error) == EIW_RESULT_OK);
  CHECK(strstr(out.text, "\"@timestamp\":\"2026-11-30T08:15:00.120Z\"") != NULL);
  CHECK(strstr(out.text, "\"labels\":{\"environment\":\"production\"}") != NULL);
  CHECK(strstr(out.text, "\"ratio\":947865360.6090633") != NULL);

  /* A bad record: a typed error naming the byte, and the next is served. */
  rc = process(host, "{\"a\": 1, \"a\": 2}", &out, &error);
  CHECK(rc == EIW_RESULT_INVALID_EVENT);
  CHECK(strstr(eiw_error_message(error), "at byte 9: duplicate key \"a\"") != NULL);
  eiw_error_free(error);
  error = NULL;
  rc = process(host, "{\"n\": 1e400}", &out, &error);
  CHECK(rc == EIW_RESULT_INVALID_EVENT);
  CHECK(strstr(eiw_error_message(error), "beyond the range of a double") != NULL);
  eiw_error_free(error);
  error = NULL;
  out.len = 0;
  CHECK(process(host, "{\"n\": 2}", &out, &error) == EIW_RESULT_OK);
  CHECK(strstr(out.text, "\"n\":2") != NULL);

  /* A batch, each input with its own context and result. */
  output outs[3] = {{.len = 0}, {.len = 0}, {.len = 0}};
  const char *lines[3] = {"{\"i\": 0}", "[1]", "{\"i\": 2}"};
  eiw_batch_event batch[3];
  for (int i = 0; i < 3; i++) {
    batch[i] = (eiw_batch_event){(const uint8_t *)lines[i], strlen(lines[i]), &outs[i]};
  }
  eiw_result results[3];
  CHECK(eiw_process_batch(host, batch, 3, results, NULL, &error) == EIW_RESULT_OK);
  CHECK(results[0] == EIW_RESULT_OK && results[1] == EIW_RESULT_INVALID_EVENT && results[2] == EIW_RESULT_OK);
  CHECK(strstr(outs[0].text, "\"i\":0") != NULL && outs[1].len == 0 && strstr(outs[2].text, "\"i\":2") != NULL);
  eiw_free(host);

  /* Standalone conversions: JSON to protobuf and back, canonical. */
  const char *json = "{ \"b\": [1, 2.5, \"\\u00e9\"], \"@timestamp\": \"2024-01-01T02:00:00+02:00\" }";
  uint8_t *pb;
  size_t pb_len;
  CHECK(eiw_event_to_protobuf(EIW_EVENT_FORMAT_JSON, (const uint8_t *)json, strlen(json), &pb, &pb_len,
                              &error) == EIW_RESULT_OK);
  uint8_t *back;
  size_t back_len;
  CHECK(eiw_event_from_protobuf(EIW_EVENT_FORMAT_JSON, pb, pb_len, &back, &back_len, &error) == EIW_RESULT_OK);
  const char *canonical = "{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"b\":[1,2.5,\"\xc3\xa9\"]}";
  CHECK(back_len == strlen(canonical) && memcmp(back, canonical, back_len) == 0);
  eiw_bytes_free(back, back_len);
  /* Protobuf that is not an Event is refused. */
  CHECK(eiw_event_from_protobuf(EIW_EVENT_FORMAT_JSON, pb, pb_len - 1, &back, &back_len, &error) ==
        EIW_RESULT_INVALID_EVENT);
  CHECK(back == NULL && back_len == 0);
  eiw_error_free(error);
  error = NULL;
  eiw_bytes_free(pb, pb_len);
  CHECK(eiw_event_to_protobuf(7, (const uint8_t *)json, strlen(json), &pb, &pb_len, &error) ==
        EIW_RESULT_INVALID_OPTIONS);
  eiw_error_free(error);

  /* The passthrough module hands an input back as its own bytes. */
  size_t pass_len;
  uint8_t *pass = read_file(argv[2], &pass_len);
  CHECK(eiw_host_options_from_json((const uint8_t *)"{\"event_format\":\"json\"}", 23, &options, &options_len,
                                   NULL) == EIW_RESULT_OK);
  CHECK(eiw_host_new(pass, pass_len, options, options_len, &callbacks, &host, NULL) == EIW_RESULT_OK);
  eiw_bytes_free(options, options_len);
  out.len = 0;
  const char *spaced = "{ \"a\" : [ 1 , 2 ] }";
  CHECK(process(host, spaced, &out, NULL) == EIW_RESULT_OK);
  CHECK(out.len == strlen(spaced) + 1 && memcmp(out.text, spaced, strlen(spaced)) == 0);
  eiw_free(host);
  free(pass);
  free(wasm);
  printf("quickstart: ok\n");
  return 0;
}
