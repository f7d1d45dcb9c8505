package eiw

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

// nestedRecord is event i of bench/nested_events.py: about 550 bytes of
// nested JSON, as the record-formats issue measured.
func nestedRecord(i int) []byte {
	level := "info"
	if i%10 == 0 {
		level = "debug"
	}
	return []byte(fmt.Sprintf(`{"@timestamp":"2026-11-30T08:%02d:%02d.%03dZ","message":"10.0.%d.%d GET /api/v1/items/%d?page=%d HTTP/1.1 200 %d \"Mozilla/5.0 (X11; Linux)\"","log":{"level":%q,"logger":"access","origin":{"file":{"line":%d}}},"host":{"name":"web-%d","ip":["10.0.0.1","fe80::1"],"os":{"family":"debian"}},"http":{"request":{"method":"GET","bytes":%d},"response":{"status_code":200,"bytes":%d}},"url":{"path":"/api/v1/items/%d","query":"page=%d"},"user_agent":{"original":"Mozilla/5.0","device":{"name":"Other"}},"event":{"duration":%d,"ratio":%v},"tags":["web","prod","eu-west-1"],"service":{"name":"shop","version":"1.4.2"}}`,
		i/60%60, i%60, i%1000, i%256, i%7, i, i%13, 100+i, level, i%400, i%4, 120+i, 512+i, i, i%13, 1000*i, 947865360.6090633+float64(i)))
}

// nestedEvent is nestedRecord(i) as an Event (numbers as json.Number
// becomes: integers int64, others float64).
func nestedEvent(tb testing.TB, i int) *Event {
	d := json.NewDecoder(bytes.NewReader(nestedRecord(i)))
	d.UseNumber()
	var fields map[string]interface{}
	if err := d.Decode(&fields); err != nil {
		tb.Fatal(err)
	}
	stamp, err := time.Parse(time.RFC3339Nano, fields["@timestamp"].(string))
	if err != nil {
		tb.Fatal(err)
	}
	delete(fields, "@timestamp")
	return testEvent(stamp, canonical(fields).(map[string]interface{}), nil)
}

func BenchmarkMarshalNested(b *testing.B) {
	event := nestedEvent(b, 7)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := event.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalNested(b *testing.B) {
	raw := encoded(nestedEvent(b, 7))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := UnmarshalEvent(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkProcessEvent times ProcessEvent on the passthrough module;
// passOn: the event is the one a previous call returned, not one built in
// Go, as between two stages (its bytes go on as they are).
func benchmarkProcessEvent(b *testing.B, passOn bool) {
	h := newHost(b, "passthrough", Options{})
	event := nestedEvent(b, 7)
	if passOn {
		event = returned(b, h, event)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out, err := h.ProcessEvent(event); err != nil || len(out) != 1 {
			b.Fatal(err)
		}
	}
}

// returned is the event h returns for event.
func returned(b *testing.B, h *Host, event *Event) *Event {
	out, err := h.ProcessEvent(event)
	if err != nil || len(out) != 1 {
		b.Fatal(err)
	}
	return out[0]
}

func BenchmarkProcessEventNested(b *testing.B)        { benchmarkProcessEvent(b, false) }
func BenchmarkProcessEventNestedChained(b *testing.B) { benchmarkProcessEvent(b, true) }

// Reading two fields of an event ProcessEvent returned, where they lie.
func BenchmarkGetFromProcessEvent(b *testing.B) {
	event := returned(b, newHost(b, "passthrough", Options{}), nestedEvent(b, 7))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		level, _ := event.GetString("log.level")
		status, _ := event.Get("http.response.status_code")
		if level != "info" || status != int64(200) {
			b.Fatal(level, status)
		}
	}
}

// BenchmarkPipeline is an NDJSON stage: lines in, workers calling
// ProcessJSON, lines out, on the nested records. One op is one record.
func BenchmarkPipeline(b *testing.B) {
	records := make([][]byte, 1000)
	for i := range records {
		records[i] = nestedRecord(i)
	}
	var input bytes.Buffer
	for _, r := range records {
		input.Write(r)
		input.WriteByte('\n')
	}
	for _, c := range []struct {
		module  string
		config  map[string]interface{}
		workers int
	}{
		{"passthrough", nil, 1}, {"passthrough", nil, 2},
		{"add_fields", map[string]interface{}{"field": "labels.env", "value": "prod"}, 1},
		{"add_fields", map[string]interface{}{"field": "labels.env", "value": "prod"}, 2},
	} {
		b.Run(fmt.Sprintf("%s/workers=%d", c.module, c.workers), func(b *testing.B) {
			h := newHost(b, c.module, Options{EventFormat: FormatJSON})
			if c.config != nil {
				if err := h.Register(c.config); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			lines := make(chan []byte, 256)
			var out sync.Mutex
			var sink bytes.Buffer
			var wg sync.WaitGroup
			for w := 0; w < c.workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for line := range lines {
						emitted, err := h.ProcessJSON(line)
						if err != nil {
							b.Error(err)
							return
						}
						out.Lock()
						for _, e := range emitted {
							sink.Write(e)
							sink.WriteByte('\n')
						}
						if sink.Len() > 1<<20 {
							sink.Reset()
						}
						out.Unlock()
					}
				}()
			}
			for sent := 0; sent < b.N; {
				scanner := bufio.NewScanner(bytes.NewReader(input.Bytes()))
				for sent < b.N && scanner.Scan() {
					lines <- append([]byte(nil), scanner.Bytes()...)
					sent++
				}
			}
			close(lines)
			wg.Wait()
		})
	}
}

// A stage that adds a field to each event between two hosts: Put on the
// event the first host returned, then ProcessEvent on the second (here the
// same host). One op is one Put and one call.
func BenchmarkPutAndPassOn(b *testing.B) {
	h := newHost(b, "passthrough", Options{})
	event := returned(b, h, nestedEvent(b, 7))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		event.Put("labels.stage", "enriched")
		event = returned(b, h, event)
	}
}
