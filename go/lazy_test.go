package eiw

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

// Events from ProcessEvent keep the module's bytes: reads see the same
// values as the decoded event, ProcessEvent and Marshal pass the bytes
// on, and the first edit decodes the event.
func TestProcessEventReturnsEventsThatReadTheirBytes(t *testing.T) {
	h := newHost(t, "passthrough", Options{})
	in := nestedEvent(t, 3)
	out, err := h.ProcessEvent(in)
	if err != nil || len(out) != 1 {
		t.Fatal(len(out), err)
	}
	e := out[0]
	if e.wire == nil {
		t.Fatal("the returned event was decoded at once")
	}
	if !sameEvent(lazy(e.wire), in) {
		t.Fatal("read from its bytes, the event differs from the input")
	}
	if method, _ := e.GetString("http.request.method"); method != "GET" || e.wire == nil {
		t.Fatalf("method %q; a read decoded the event: %v", method, e.wire == nil)
	}
	if !e.Timestamp().Equal(in.Timestamp()) {
		t.Fatalf("time %v, want %v", e.Timestamp(), in.Timestamp())
	}
	// A map read from the bytes is a copy: changing it changes nothing.
	host, _ := e.Get("host")
	host.(map[string]interface{})["name"] = "changed"
	if name, _ := e.GetString("host.name"); name == "changed" {
		t.Fatal("a map Get returned was the event's bytes")
	}
	wire := e.wire
	again, err := h.ProcessEvent(e)
	if err != nil || !bytes.Equal(again[0].wire, wire) {
		t.Fatalf("passed on, the bytes changed: %v", err)
	}
	marshaled, err := e.Marshal()
	if err != nil || !bytes.Equal(marshaled, wire) || &marshaled[0] == &wire[0] {
		t.Fatal("Marshal of an undecoded event is not a copy of its bytes")
	}
	e.Put("labels.env", "prod")
	if e.wire == nil || len(e.edits) != 1 {
		t.Fatal("Put decoded the event")
	}
	if env, _ := e.GetString("labels.env"); env != "prod" {
		t.Fatalf("labels.env = %q after Put, before the call", env)
	}
	edited, err := h.ProcessEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	if env, _ := edited[0].GetString("labels.env"); env != "prod" {
		t.Fatalf("labels.env = %q after Put", env)
	}
	if name, _ := edited[0].GetString("host.name"); name != "web-3" {
		t.Fatalf("host.name = %q after Put", name)
	}
}

// An empty event (no fields, no time) passed on stays empty.
func TestAnEmptyReturnedEventPassesOn(t *testing.T) {
	h := newHost(t, "passthrough", Options{})
	out, err := h.ProcessEvent(lazy(nil))
	if err != nil || len(out) != 1 || len(out[0].wire) != 0 || out[0].wire == nil {
		t.Fatalf("%v %d", err, len(out))
	}
	if len(out[0].Fields()) != 0 || !out[0].Timestamp().IsZero() {
		t.Fatalf("an empty event came back as %v", out[0].Fields())
	}
}

// Every event the host's check accepts decodes here, so that the lazily
// decoded events of ProcessEvent never fail to decode: damaged copies of
// an event that the host takes (the passthrough module gives them back)
// decode, and read the same from their bytes as decoded. Unknown fields,
// groups among them, are skipped as the host skips them.
func TestWhatTheHostAcceptsDecodes(t *testing.T) {
	h := newHost(t, "passthrough", Options{})
	group := []byte{0x2b, 0x08, 0x01, 0x33, 0x34, 0x2c} // field 5: a group holding a varint and an empty group
	unknown := append(pbVarint(9, 7), group...)
	base := append(encoded(nestedEvent(t, 5)), unknown...)
	rng := rand.New(rand.NewSource(1))
	accepted := 0
	for i := 0; i < 3000; i++ {
		b := append([]byte(nil), base...)
		switch i % 3 {
		case 0:
			b[rng.Intn(len(b))] = byte(rng.Intn(256))
		case 1:
			b[rng.Intn(len(b))] ^= 1 << uint(rng.Intn(8))
		default:
			b = b[:rng.Intn(len(b))]
		}
		if i == 0 {
			b = base
		}
		out, err := h.Process(b)
		if i == 0 && err != nil {
			t.Fatalf("the host refuses unknown fields and a group: %v", err)
		}
		if err != nil {
			continue
		}
		accepted++
		decoded, err := UnmarshalEvent(out[0])
		if err != nil {
			t.Fatalf("case %d: the host took %x, Go refuses it: %v", i, b, err)
		}
		if !sameEvent(lazy(out[0]), decoded) {
			t.Fatalf("case %d: read from its bytes, %x differs from decoded", i, b)
		}
	}
	if accepted < 500 {
		t.Fatalf("only %d of 3000 damaged events were accepted: the test tests little", accepted)
	}
}

// Get on a decoded and on an undecoded event agree on paths that miss:
// through a scalar, a list, a missing key, an empty path.
func TestGetMissesAlikeOnBothForms(t *testing.T) {
	e := testEvent(time.Unix(7, 0), map[string]interface{}{
		"a": map[string]interface{}{"b": "c", "": "empty key"},
		"l": []interface{}{int64(1)},
		"s": "x",
	}, nil)
	wire := lazy(encoded(e))
	for _, path := range []string{"a.b", "a.", "a.x", "l.0", "s.x", "", "x", "a.b.c"} {
		v1, ok1 := e.Get(path)
		v2, ok2 := wire.Get(path)
		if ok1 != ok2 || !reflect.DeepEqual(v1, v2) {
			t.Errorf("%q: decoded %#v %v, from bytes %#v %v", path, v1, ok1, v2, ok2)
		}
	}
}

// Put and Delete on an event that keeps its bytes (edits of top-level
// values) give what they give on the decoded event: random scripts of
// edits and reads on both, compared after every step, then marshaled and
// decoded, and decoded in place.
func TestEditsOnTheBytesMatchTheDecodedEvent(t *testing.T) {
	keys := []string{"host", "host.name", "host.os.family", "http.request.method", "tags", "message",
		"message.x", "labels", "labels.env", "new", "new.deep.er", "event", "event.duration", ""}
	values := []interface{}{"v", int64(-3), nil, map[string]interface{}{"k": "w"}, []interface{}{"a"}, 2.5}
	rng := rand.New(rand.NewSource(7))
	for script := 0; script < 1500; script++ {
		base := encoded(nestedEvent(t, script))
		decoded, err := UnmarshalEvent(base)
		if err != nil {
			t.Fatal(err)
		}
		wire := lazy(base)
		var steps []string
		for step := 0; step < 1+rng.Intn(6); step++ {
			path := keys[rng.Intn(len(keys))]
			switch rng.Intn(3) {
			case 0:
				v := values[rng.Intn(len(values))]
				if m, ok := v.(map[string]interface{}); ok { // each event its own map
					v = map[string]interface{}{"k": m["k"]}
				}
				decoded.Put(path, v)
				wire.Put(path, canonical(v))
				steps = append(steps, fmt.Sprintf("put %s %v", path, v))
			case 1:
				v1, ok1 := decoded.Delete(path)
				v2, ok2 := wire.Delete(path)
				steps = append(steps, "delete "+path)
				if ok1 != ok2 || !reflect.DeepEqual(canonical(v1), canonical(v2)) {
					t.Fatalf("script %d %v: deleted %#v %v from the decoded event, %#v %v from the bytes", script, steps, v1, ok1, v2, ok2)
				}
			default:
				v1, ok1 := decoded.Get(path)
				v2, ok2 := wire.Get(path)
				steps = append(steps, "get "+path)
				if ok1 != ok2 || !reflect.DeepEqual(canonical(v1), canonical(v2)) {
					t.Fatalf("script %d %v: got %#v %v decoded, %#v %v from the bytes", script, steps, v1, ok1, v2, ok2)
				}
			}
		}
		if wire.wire == nil {
			t.Fatalf("script %d %v: an edit decoded the event", script, steps)
		}
		b, err := wire.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := UnmarshalEvent(b)
		if err != nil {
			t.Fatalf("script %d %v: %v", script, steps, err)
		}
		want := canonical(decoded.Fields())
		if !reflect.DeepEqual(canonical(again.Fields()), want) || !again.Timestamp().Equal(decoded.Timestamp()) {
			t.Fatalf("script %d %v: marshaled, the edited bytes give\n%v\nwant\n%v", script, steps, again.Fields(), want)
		}
		if !reflect.DeepEqual(canonical(wire.Fields()), want) {
			t.Fatalf("script %d %v: decoded in place, the edited bytes give\n%v\nwant\n%v", script, steps, wire.Fields(), want)
		}
	}
}
