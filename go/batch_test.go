package eiw

import (
	"errors"
	"fmt"
	"testing"
)

func messageEvent(s string) []byte {
	return encoded(NewEvent(map[string]interface{}{"message": s}))
}

// Each input gets its own outputs and result: an invalid input fails
// alone, and a trap in input k keeps the earlier outputs while the later
// inputs run on a fresh instance.
func TestProcessBatchGivesEachInputItsOutputsAndResult(t *testing.T) {
	h := newHost(t, "rename", Options{})
	in := [][]byte{messageEvent("a"), {0xff, 0xff}, messageEvent("c")}
	out, err := h.ProcessBatch(in)
	if err != nil || len(out) != 3 {
		t.Fatalf("got %v, %v", out, err)
	}
	for _, i := range []int{0, 2} {
		if out[i].Err != nil || len(out[i].Events) != 1 {
			t.Fatalf("input %d: %+v", i, out[i])
		}
		e, err := UnmarshalEvent(out[i].Events[0])
		if err != nil {
			t.Fatal(err)
		}
		original := e.Fields()["event"].(map[string]interface{})["original"]
		if want := string(rune('a' + i)); original != want {
			t.Errorf("input %d: event.original = %v, want %q", i, original, want)
		}
	}
	if !errors.Is(out[1].Err, ErrInvalidEvent) || out[1].Events != nil {
		t.Errorf("input 1: %+v", out[1])
	}

	h = newHost(t, "hostile", Options{CPUPointsPerCall: 1_000_000})
	in = nil
	for i := 0; i < 5; i++ {
		in = append(in, messageEvent(fmt.Sprint(i)))
	}
	in[2] = encoded(NewEvent(map[string]interface{}{"attack": "unreachable"}))
	out, err = h.ProcessBatch(in)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		switch {
		case i == 2 && !errors.Is(r.Err, ErrTrapUnreachable):
			t.Errorf("input 2: %v", r.Err)
		case i != 2 && (r.Err != nil || len(r.Events) != 1 || string(r.Events[0]) != string(in[i])):
			t.Errorf("input %d: %+v", i, r)
		}
	}
	if s, err := h.Stats(); err != nil || s.InstancesRecycled != 1 || s.EventsIn != 5 || s.EventsFailed != 1 {
		t.Errorf("stats: %+v, %v", s, err)
	}
	if out, err := h.ProcessBatch(nil); out != nil || err != nil {
		t.Errorf("empty batch: %v, %v", out, err)
	}
	h.Close()
	if _, err := h.ProcessBatch(in); !errors.Is(err, ErrClosed) {
		t.Errorf("closed: %v", err)
	}
}
