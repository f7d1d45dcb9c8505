package eiw

import (
	"testing"
	"time"
)

// benchEvent is the event c-tests/bench.c sends: the same bytes.
func benchEvent() []byte {
	return encoded(testEvent(time.Unix(1764490500, 0), map[string]interface{}{
		"log":     map[string]interface{}{"level": "info"},
		"message": "GET / 200",
	}, nil))
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

// One op is one event, sent in batches of 100 (the last one may be shorter).
func BenchmarkProcessBatchPassthrough(b *testing.B) {
	h := newHost(b, "passthrough", Options{})
	event := benchEvent()
	batch := make([][]byte, 100)
	for i := range batch {
		batch[i] = event
	}
	b.SetBytes(int64(len(event)))
	b.ResetTimer()
	for done := 0; done < b.N; done += len(batch) {
		n := b.N - done
		if n > len(batch) {
			n = len(batch)
		}
		out, err := h.ProcessBatch(batch[:n])
		if err != nil || out[n-1].Err != nil {
			b.Fatal(err, out[n-1].Err)
		}
	}
}
