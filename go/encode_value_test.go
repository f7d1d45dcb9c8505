package eiw

import (
	"encoding/json"
	"errors"
	"math"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

// encoded is Marshal for tests whose events are known to encode.
func encoded(e *Event) []byte {
	b, err := e.Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

type level string

// Every plausible Go value encodes exactly: decoding gives the canonical
// form of each (int64, uint64, float64, string, []byte, time.Time, lists
// and maps), and no key is lost at any level.
func TestMarshalKeepsEveryValue(t *testing.T) {
	stamp := time.Date(2026, 12, 1, 3, 4, 5, 6, time.UTC)
	ip := net.ParseIP("192.0.2.1")
	n := 7
	in := NewEvent(map[string]interface{}{
		"a_int8": int8(-8), "a_int16": int16(-16), "a_int32": int32(-32), "a_int": -1,
		"b_uint": uint(1), "b_uint8": uint8(8), "b_uint16": uint16(16), "b_uint32": uint32(32),
		"b_uint64": uint64(math.MaxUint64), "c_float32": float32(0.5), "c_float64": 0.1,
		"d_number_int": json.Number("-12"), "d_number_big": json.Number("18446744073709551615"),
		"d_number_float": json.Number("2.5e-3"), "e_named": level("warn"), "f_text": ip,
		"g_time": stamp, "h_bytes": []byte{0, 1}, "i_strings": []string{"x", "y"},
		"j_labels": map[string]string{"env": "prod", "team": "core"},
		"k_nested": map[string][]int{"ports": {80, 443}}, "l_ptr": &n, "m_nil_ptr": (*int)(nil),
		"n_array": [2]bool{true, false}, "z_after": "still here",
	})
	b, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := UnmarshalEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]interface{}{
		"a_int8": int64(-8), "a_int16": int64(-16), "a_int32": int64(-32), "a_int": int64(-1),
		"b_uint": uint64(1), "b_uint8": uint64(8), "b_uint16": uint64(16), "b_uint32": uint64(32),
		"b_uint64": uint64(math.MaxUint64), "c_float32": 0.5, "c_float64": 0.1,
		"d_number_int": int64(-12), "d_number_big": uint64(math.MaxUint64),
		"d_number_float": 2.5e-3, "e_named": "warn", "f_text": "192.0.2.1",
		"g_time": stamp, "h_bytes": []byte{0, 1}, "i_strings": []interface{}{"x", "y"},
		"j_labels": map[string]interface{}{"env": "prod", "team": "core"},
		"k_nested": map[string]interface{}{"ports": []interface{}{int64(80), int64(443)}},
		"l_ptr":    int64(7), "m_nil_ptr": nil,
		"n_array": []interface{}{true, false}, "z_after": "still here",
	}
	for k, v := range want {
		if got, ok := out.Fields()[k]; !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%s: got %#v (present %v), want %#v", k, got, ok, v)
		}
	}
	if len(out.Fields()) != len(want) {
		t.Errorf("%d fields, want %d", len(out.Fields()), len(want))
	}
}

// A value with no Value form fails the whole event with its path; nothing
// is encoded without it.
func TestMarshalNamesWhatItCannotEncode(t *testing.T) {
	cyclic := map[string]interface{}{}
	cyclic["self"] = cyclic
	for _, c := range []struct {
		fields map[string]interface{}
		says   string
	}{
		{map[string]interface{}{"a": 1, "ch": make(chan int), "z": 2}, "ch: a chan int has no Value form"},
		{map[string]interface{}{"tags": []interface{}{"x", func() {}}}, "tags[1]: a func()"},
		{map[string]interface{}{"m": map[int]string{1: "x"}}, "m: a map[int]string: map keys must be strings"},
		{map[string]interface{}{"n": json.Number("1e999")}, `n: json.Number "1e999"`},
		{map[string]interface{}{"s": struct{ A int }{1}}, "s: a struct { A int } has no Value form"},
		{cyclic, "nested deeper than"},
	} {
		b, err := NewEvent(c.fields).Marshal()
		if b != nil || !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: %d bytes, %v; want an error saying %q", c.fields, len(b), err, c.says)
		}
	}
	if _, err := (*Event)(nil).Marshal(); !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("nil event: %v", err)
	}
}

func TestProcessEventReturnsTheMarshalError(t *testing.T) {
	h := newHost(t, "passthrough", Options{})
	_, err := h.ProcessEvent(NewEvent(map[string]interface{}{"bad": make(chan int)}))
	if !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), "bad:") {
		t.Fatalf("got %v", err)
	}
	if s, _ := h.Stats(); s.EventsIn != 0 {
		t.Errorf("the guest saw %d events", s.EventsIn)
	}
}

// canonical is what decoding gives for a value json.Unmarshal (with
// UseNumber) produced.
func canonical(v interface{}) interface{} {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		var u uint64
		if err := json.Unmarshal([]byte(v), &u); err == nil {
			return u
		}
		f, _ := v.Float64()
		return f
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, item := range v {
			out[i] = canonical(item)
		}
		return out
	case map[string]interface{}:
		out := make(map[string]interface{}, len(v))
		for k, item := range v {
			out[k] = canonical(item)
		}
		return out
	}
	return v
}

// Any JSON object round-trips through Marshal and UnmarshalEvent to its
// canonical form, or Marshal names what it cannot hold; read where its
// bytes lie, it gives the same values.
func FuzzMarshalRoundTrip(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"a":1,"b":{"c":[1,2.5,"x",null,true]}}`, `{"big":18446744073709551615,"neg":-9223372036854775808}`,
		`{"f":1e308,"tiny":5e-324,"s":"\u00e9\ud83d\ude00"}`, `{"deep":{"a":{"b":{"c":{"d":[[[]]]}}}}}`,
		`{"n":1e999}`, `{"x":[{"y":{}}],"":""}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := json.NewDecoder(strings.NewReader(string(data)))
		d.UseNumber()
		var fields map[string]interface{}
		if d.Decode(&fields) != nil || fields == nil {
			return
		}
		b, err := NewEvent(fields).Marshal()
		if err != nil {
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("%s: %v", data, err)
			}
			return
		}
		out, err := UnmarshalEvent(b)
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if !sameEvent(lazy(b), out) {
			t.Fatalf("%s: read from its bytes, differs", data)
		}
		if want := canonical(fields); !reflect.DeepEqual(out.Fields(), want) {
			t.Fatalf("%s: got %#v, want %#v", data, out.Fields(), want)
		}
	})
}

func TestEventPathsGetPutDelete(t *testing.T) {
	var e Event
	e.Put("labels.env", "prod")
	e.Put("message", "hello")
	e.Put("message.text", "replaced") // a string in the way becomes an object
	if v, ok := e.GetString("labels.env"); !ok || v != "prod" {
		t.Errorf("labels.env: %q %v", v, ok)
	}
	if v, ok := e.Get("message.text"); !ok || v != "replaced" {
		t.Errorf("message.text: %v %v", v, ok)
	}
	if v, ok := e.Delete("labels.env"); !ok || v != "prod" {
		t.Errorf("Delete: %v %v", v, ok)
	}
	if _, ok := e.Get("labels.env"); ok {
		t.Error("still there after Delete")
	}
	if _, ok := e.Delete("nothing.here"); ok {
		t.Error("deleted what was not there")
	}
	if labels, ok := e.Get("labels"); !ok || len(labels.(map[string]interface{})) != 0 {
		t.Errorf("labels: %v", labels)
	}
}
