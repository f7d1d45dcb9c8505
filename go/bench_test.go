package eiw

import (
	"testing"
	"time"
)

// benchEvent is the event c-tests/bench.c sends: the same bytes.
func benchEvent() []byte {
	return (&Event{
		Timestamp: time.Unix(1764490500, 0),
		Fields: map[string]interface{}{
			"log":     map[string]interface{}{"level": "info"},
			"message": "GET / 200",
		},
	}).Marshal()
}

func benchmarkProcess(b *testing.B, name string, register map[string]interface{}) {
	h := newHost(b, name, Options{})
	if register != nil {
		if err := h.Register(register); err != nil {
			b.Fatal(err)
		}
	}
	event := benchEvent()
	b.SetBytes(int64(len(event)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.Process(event); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProcessPassthrough(b *testing.B) { benchmarkProcess(b, "passthrough", nil) }

func BenchmarkProcessAddFields(b *testing.B) {
	benchmarkProcess(b, "add_fields", map[string]interface{}{"field": "labels.env", "value": "prod"})
}
