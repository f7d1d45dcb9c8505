package eiw

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// pb builds protobuf by hand: field `number` with a length-delimited payload.
func pb(number int, payload ...[]byte) []byte {
	var body []byte
	for _, p := range payload {
		body = append(body, p...)
	}
	var e encoder
	e.bytesField(number, body)
	return e.buf
}

func pbVarint(number int, v uint64) []byte {
	var e encoder
	e.varintField(number, v)
	return e.buf
}

// entry is a map<string, Value> entry; values are Value payloads, each
// written as its own occurrence of the value field.
func entry(key string, values ...[]byte) []byte {
	parts := [][]byte{pb(1, []byte(key))}
	for _, v := range values {
		parts = append(parts, pb(2, v))
	}
	return pb(1, parts...)
}

func strValue(s string) []byte { return pb(6, []byte(s)) }
func intValue(n uint64) []byte { return pbVarint(3, n) }

// Bytes the host accepts (prost's reading) read the same here: occurrences
// of a message merge, a oneof takes its last field and merges a repeated
// message kind, the last of a repeated key wins. None of it is dropped.
func TestUnmarshalFollowsProtobufsMergeRules(t *testing.T) {
	cases := []struct {
		name  string
		bytes []byte
		want  *Event
	}{
		{
			"two events concatenated are one",
			append(encoded(NewEvent(map[string]interface{}{"a": 1})),
				encoded(testEvent(time.Time{}, map[string]interface{}{"b": "x"}, map[string]string{"m": "v"}))...),
			testEvent(time.Time{}, map[string]interface{}{"a": int64(1), "b": "x"}, map[string]string{"m": "v"}),
		},
		{
			"timestamp occurrences merge",
			append(pb(1, pbVarint(1, 5)), pb(1, pbVarint(2, 7))...),
			testEvent(time.Unix(5, 7).UTC(), map[string]interface{}{}, nil),
		},
		{
			"the last of a repeated key wins",
			pb(2, entry("k", strValue("first")), entry("k", strValue("last"))),
			NewEvent(map[string]interface{}{"k": "last"}),
		},
		{
			"a oneof takes its last field",
			pb(2, entry("k", append(strValue("s"), intValue(3)...))),
			NewEvent(map[string]interface{}{"k": int64(3)}),
		},
		{
			"struct values merge, also across the value's occurrences",
			pb(2, entry("o", append(pb(10, entry("x", intValue(1))), pb(10, entry("y", intValue(2)))...), pb(10, entry("z", strValue("z"))))),
			NewEvent(map[string]interface{}{"o": map[string]interface{}{"x": int64(1), "y": int64(2), "z": "z"}}),
		},
		{
			"lists merge by appending",
			pb(2, entry("l", append(pb(9, pb(1, intValue(1))), pb(9, pb(1, strValue("two")))...))),
			NewEvent(map[string]interface{}{"l": []interface{}{int64(1), "two"}}),
		},
		{
			"another kind between two structs starts over",
			pb(2, entry("o", pb(10, entry("x", intValue(1))), strValue("s"), pb(10, entry("y", intValue(2))))),
			NewEvent(map[string]interface{}{"o": map[string]interface{}{"y": int64(2)}}),
		},
		{
			"timestamp values merge",
			pb(2, entry("t", append(pb(8, pbVarint(1, 9)), pb(8, pbVarint(2, 1))...))),
			NewEvent(map[string]interface{}{"t": time.Unix(9, 1).UTC()}),
		},
	}
	for _, c := range cases {
		got, err := UnmarshalEvent(c.bytes)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !sameEvent(got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, got, c.want)
		}
		// Read where it lies, the event gives the same values.
		if !sameEvent(lazy(c.bytes), c.want) {
			t.Errorf("%s: read from its bytes, differs", c.name)
		}
	}
}

// Nesting past prost's limit of 100 messages (or groups) is an error, not
// a deep recursion.
func TestUnmarshalRefusesNestingPastTheLimit(t *testing.T) {
	value := intValue(1)
	for i := 0; i < 60; i++ {
		value = pb(10, entry("d", value))
	}
	if _, err := UnmarshalEvent(pb(2, entry("top", value))); !errors.Is(err, errTooDeep) {
		t.Fatalf("got %v, want errTooDeep", err)
	}
	shallow := intValue(1)
	for i := 0; i < 40; i++ {
		shallow = pb(10, entry("d", shallow))
	}
	if _, err := UnmarshalEvent(pb(2, entry("top", shallow))); err != nil {
		t.Fatalf("40 objects deep: %v", err)
	}
	// Groups (unknown fields the host skips) nest to the same limit.
	group := func(depth int) []byte {
		var b []byte
		for i := 0; i < depth; i++ {
			b = append(b, 0x2b) // field 5, start group
		}
		for i := 0; i < depth; i++ {
			b = append(b, 0x2c) // field 5, end group
		}
		return b
	}
	if _, err := UnmarshalEvent(group(150)); !errors.Is(err, errTooDeep) {
		t.Fatalf("groups 150 deep: got %v, want errTooDeep", err)
	}
	if e, err := UnmarshalEvent(append(group(50), pb(2, entry("k", strValue("v")))...)); err != nil || e.Fields()["k"] != "v" {
		t.Fatalf("groups 50 deep, then a field: %v", err)
	}
}

// Keys and strings share one copy of the input: changing the input after
// decoding changes nothing decoded.
func TestUnmarshalCopiesTheInput(t *testing.T) {
	b := encoded(NewEvent(map[string]interface{}{"key": "value"}))
	e, err := UnmarshalEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 'x'
	}
	if !reflect.DeepEqual(e.Fields(), map[string]interface{}{"key": "value"}) {
		t.Fatalf("decoded fields changed with the input: %#v", e.Fields())
	}
}

// testEvent is an event with a time, fields and metadata.
func testEvent(stamp time.Time, fields map[string]interface{}, metadata map[string]string) *Event {
	e := NewEvent(fields)
	e.SetTimestamp(stamp)
	for k, v := range metadata {
		e.SetMetadata(k, v)
	}
	return e
}

// lazy is an event that reads its (own copy of the) bytes where they lie,
// as ProcessEvent's are.
func lazy(b []byte) *Event {
	b = append([]byte{}, b...)
	return &Event{wire: b, src: bytesAsString(b)}
}

// sameEvent compares what the events' methods give: Get on every path
// (a key with a dot makes paths that both read alike) and the time first (on a lazy event, before anything decodes it), then
// the decoded maps.
func sameEvent(got, want *Event) bool {
	if !got.Timestamp().Equal(want.Timestamp()) {
		return false
	}
	same := true
	var walk func(prefix string, fields map[string]interface{})
	walk = func(prefix string, fields map[string]interface{}) {
		for k, v := range fields {
			path := prefix + k
			g, gotOK := got.Get(path)
			w, wantOK := want.Get(path)
			if gotOK != wantOK || !reflect.DeepEqual(g, w) {
				same = false
			}
			if m, ok := v.(map[string]interface{}); ok {
				walk(path+".", m)
			}
		}
	}
	walk("", want.Fields())
	return same && reflect.DeepEqual(got.Fields(), want.Fields()) &&
		reflect.DeepEqual(got.Metadata(), want.Metadata())
}
