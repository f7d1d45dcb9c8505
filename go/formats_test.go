package eiw

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestJSONHostTakesAndGivesJSON(t *testing.T) {
	h := newHost(t, "add_fields", Options{EventFormat: FormatJSON})
	if err := h.RegisterBytes([]byte(`{"field": "labels.environment", "value": "production"}`)); err != nil {
		t.Fatal(err)
	}
	out, err := h.ProcessJSON([]byte(`{"@timestamp": "2026-11-30T08:15:00.120Z", "ratio": 947865360.6090633}`))
	if err != nil || len(out) != 1 {
		t.Fatalf("%q, %v", out, err)
	}
	var doc map[string]interface{}
	if err := json.Unmarshal(out[0], &doc); err != nil {
		t.Fatalf("%s: %v", out[0], err)
	}
	labels, _ := doc["labels"].(map[string]interface{})
	if labels["environment"] != "production" || doc["@timestamp"] != "2026-11-30T08:15:00.120Z" {
		t.Fatalf("%s", out[0])
	}
	if !strings.Contains(string(out[0]), `"ratio":947865360.6090633`) {
		t.Fatalf("the double changed: %s", out[0])
	}
	// Register with Go values works whatever the format.
	if err := h.Register(map[string]interface{}{"field": "tag", "value": "x"}); err != nil {
		t.Fatal(err)
	}
	out, _ = h.ProcessJSON([]byte(`{}`))
	if !strings.Contains(string(out[0]), `"tag":"x"`) {
		t.Fatalf("%s", out[0])
	}
}

func TestJSONErrorsNameTheByteAndTheNextIsServed(t *testing.T) {
	h := newHost(t, "passthrough", Options{EventFormat: FormatJSON})
	_, err := h.ProcessJSON([]byte(`{"a": 1, "a": 2}`))
	if !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), `at byte 9: duplicate key "a"`) {
		t.Fatalf("%v", err)
	}
	in := []byte("{ \"a\" : [1, 2.5] }")
	out, err := h.ProcessJSON(in)
	if err != nil || len(out) != 1 || string(out[0]) != string(in) {
		t.Fatalf("a passthrough gives the record back: %q, %v", out, err)
	}
	results, err := h.ProcessBatchJSON([][]byte{[]byte(`{"i":0}`), []byte(`[`), []byte(`{"i":2}`)})
	if err != nil || len(results) != 3 {
		t.Fatalf("%v", err)
	}
	if results[0].Err != nil || string(results[0].Events[0]) != `{"i":0}` ||
		!errors.Is(results[1].Err, ErrInvalidEvent) || len(results[1].Events) != 0 ||
		results[2].Err != nil || string(results[2].Events[0]) != `{"i":2}` {
		t.Fatalf("%+v", results)
	}
}

func TestMethodsOfAnotherFormatAreRefused(t *testing.T) {
	h := newHost(t, "passthrough", Options{})
	if _, err := h.ProcessJSON([]byte(`{}`)); !errors.Is(err, ErrInvalidOptions) ||
		!strings.Contains(err.Error(), "ProcessJSON needs a host with EventFormat JSON; this one has protobuf") {
		t.Fatalf("%v", err)
	}
	j := newHost(t, "passthrough", Options{EventFormat: FormatJSON})
	if _, err := j.ProcessEvent(NewEvent(nil)); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("%v", err)
	}
	if _, err := NewHost(module(t, "passthrough"), Options{EventFormat: 9}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("%v", err)
	}
}

func TestMsgpackHostTakesFluentBitRecords(t *testing.T) {
	h := newHost(t, "passthrough", Options{EventFormat: FormatMsgpack})
	// [[EventTime(7.5), {}], {"log": "x"}]
	record := []byte{0x92, 0x92, 0xd7, 0x00, 0, 0, 0, 7, 0x1d, 0xcd, 0x65, 0x00, 0x80, 0x81, 0xa3, 'l', 'o', 'g', 0xa1, 'x'}
	out, err := h.Process(record)
	if err != nil || len(out) != 1 || string(out[0]) != string(record) {
		t.Fatalf("%x, %v", out, err)
	}
	if _, err := h.Process(record[:len(record)-1]); !errors.Is(err, ErrInvalidEvent) ||
		!strings.Contains(err.Error(), "the record is cut off") {
		t.Fatalf("%v", err)
	}
}
