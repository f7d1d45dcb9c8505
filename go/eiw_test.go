package eiw

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func module(t testing.TB, name string) []byte {
	t.Helper()
	dir := os.Getenv("EIW_WASM_DIR")
	if dir == "" {
		dir = filepath.Join("..", "target", "wasm32-unknown-unknown", "release")
	}
	wasm, err := os.ReadFile(filepath.Join(dir, name+".wasm"))
	if err != nil {
		t.Fatalf("%v (build the modules with `make wasm`)", err)
	}
	return wasm
}

func newHost(t testing.TB, name string, opts Options) *Host {
	t.Helper()
	h, err := NewHost(module(t, name), opts)
	if err != nil {
		t.Fatalf("NewHost(%s): %v", name, err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

type lines struct {
	mu  sync.Mutex
	got []string
}

func (l *lines) Log(level LogLevel, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, level.String()+": "+message)
}

func sample() *Event {
	return testEvent(time.Date(2026, 11, 30, 8, 15, 0, 120e6, time.UTC), map[string]interface{}{
		"message": "GET / 200",
		"log":     map[string]interface{}{"level": "info"},
		"http":    map[string]interface{}{"status": int64(200), "ratio": 0.5, "ok": true},
		"tags":    []interface{}{"a", "b"},
		"nothing": nil,
	}, map[string]string{"input": "file"})
}

func TestPassthroughReturnsTheInputBytes(t *testing.T) {
	h := newHost(t, "passthrough", Options{})
	in := encoded(sample())
	out, err := h.Process(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || string(out[0]) != string(in) {
		t.Fatalf("got %d events, want the input back", len(out))
	}
	back, err := UnmarshalEvent(out[0])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sample()) {
		t.Fatalf("round trip changed the event:\n got %#v\nwant %#v", back, sample())
	}
}

func TestAddFieldsSetsIngestedAndTheConfiguredField(t *testing.T) {
	h := newHost(t, "add_fields", Options{})
	if err := h.Register(map[string]interface{}{"field": "labels.env", "value": "prod"}); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	out, err := h.ProcessEvent(sample())
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("got %d events", len(out))
	}
	e := out[0]
	if env, _ := e.GetString("labels.env"); env != "prod" {
		t.Errorf("labels.env = %q", env)
	}
	ingested, _ := e.Get("event.ingested")
	if ts, ok := ingested.(time.Time); !ok || ts.Before(before.Add(-time.Second)) || ts.After(time.Now()) {
		t.Errorf("event.ingested = %v", ingested)
	}
	if msg, _ := e.GetString("message"); msg != "GET / 200" {
		t.Errorf("message = %q", msg)
	}
	if status, _ := e.Get("http.status"); status != int64(200) {
		t.Errorf("http.status = %#v", status)
	}
	if !e.Timestamp().Equal(sample().Timestamp()) || e.Metadata()["input"] != "file" {
		t.Errorf("timestamp or metadata changed: %v %v", e.Timestamp(), e.Metadata())
	}
}

func TestDropDebugSplitAndRename(t *testing.T) {
	drop := newHost(t, "drop_debug", Options{})
	debug := NewEvent(map[string]interface{}{"log": map[string]interface{}{"level": "debug"}})
	if out, err := drop.ProcessEvent(debug); err != nil || len(out) != 0 {
		t.Fatalf("debug event: %d events, %v", len(out), err)
	}
	if out, err := drop.ProcessEvent(sample()); err != nil || len(out) != 1 {
		t.Fatalf("info event: %d events, %v", len(out), err)
	}

	split := newHost(t, "split", Options{})
	batch := NewEvent(map[string]interface{}{"messages": []interface{}{"one", "two", "three"}, "host": "h"})
	out, err := split.ProcessEvent(batch)
	if err != nil {
		t.Fatal(err)
	}
	var messages []string
	for _, e := range out {
		m, _ := e.GetString("message")
		host, _ := e.GetString("host")
		messages = append(messages, m+"@"+host)
		if _, has := e.Get("messages"); has {
			t.Errorf("messages left in %v", e.Fields())
		}
	}
	if strings.Join(messages, ",") != "one@h,two@h,three@h" {
		t.Errorf("split gave %v", messages)
	}

	rename := newHost(t, "rename", Options{})
	out, err = rename.ProcessEvent(sample())
	if err != nil || len(out) != 1 {
		t.Fatalf("%d events, %v", len(out), err)
	}
	if orig, _ := out[0].GetString("event.original"); orig != "GET / 200" {
		t.Errorf("event.original = %q", orig)
	}
	if _, has := out[0].Get("message"); has {
		t.Error("message was not moved")
	}
}

func TestErrorsMatchTheirKind(t *testing.T) {
	if _, err := NewHost([]byte("not wasm"), Options{}); !errors.Is(err, ErrInvalidModule) {
		t.Fatalf("got %v", err)
	}
	logs := &lines{}
	h := newHost(t, "add_fields", Options{Logger: logs})
	err := h.Register(map[string]interface{}{"value": 1})
	if !errors.Is(err, ErrGuestStatus) || errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "`register` returned status 2") {
		t.Errorf("message: %v", err)
	}
	if len(logs.got) != 1 || !strings.HasPrefix(logs.got[0], "error: ") || !strings.Contains(logs.got[0], "`field`") {
		t.Errorf("guest log lines: %q", logs.got)
	}
	if _, err := h.Process([]byte{0xff, 0xff}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("got %v", err)
	}
	var e *Error
	if _, err := h.Process([]byte{0xff}); !errors.As(err, &e) || e.Code.String() != "EIW_RESULT_INVALID_EVENT" {
		t.Fatalf("got %v", err)
	}
	if _, err := NewHost(module(t, "passthrough"), Options{MaxMemoryPages: 1}); !errors.Is(err, ErrMemoryExhausted) {
		t.Fatalf("got %v", err)
	}
}

// TrustedInput: the input is not checked, so a passthrough hands invalid
// bytes back as they came, and a decoding module fails with its status.
func TestTrustedInputSkipsTheInputCheck(t *testing.T) {
	bad := []byte{0xff, 0xff}
	h := newHost(t, "passthrough", Options{TrustedInput: true})
	out, err := h.Process(bad)
	if err != nil || len(out) != 1 || !bytes.Equal(out[0], bad) {
		t.Fatalf("got %v, %v", out, err)
	}
	h = newHost(t, "add_fields", Options{TrustedInput: true, Logger: &lines{}})
	if err := h.Register(map[string]interface{}{"field": "labels.env", "value": "prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Process(bad); !errors.Is(err, ErrGuestStatus) {
		t.Fatalf("got %v", err)
	}
}

func TestCloseFreesAndClosedHostIsAnError(t *testing.T) {
	h, err := NewHost(module(t, "passthrough"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Process(encoded(sample())); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Process(encoded(sample())); !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v", err)
	}
	if err := h.Register(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v", err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// 64 goroutines x 2000 events on one host: each gets exactly its outputs.
func TestManyGoroutinesGetTheirOwnOutputs(t *testing.T) {
	for _, procs := range []int{2, 8} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			h := newHost(t, "rename", Options{})
			var in, out int64
			var wg sync.WaitGroup
			for g := 0; g < 64; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := 0; i < 2000; i++ {
						message := fmt.Sprintf("goroutine %d event %d", g, i)
						atomic.AddInt64(&in, 1)
						events, err := h.ProcessEvent(NewEvent(map[string]interface{}{"message": message}))
						if err != nil {
							t.Errorf("%s: %v", message, err)
							return
						}
						for _, e := range events {
							if got, _ := e.GetString("event.original"); got != message {
								t.Errorf("%s got the output of %q", message, got)
								return
							}
							atomic.AddInt64(&out, 1)
						}
					}
				}(g)
			}
			wg.Wait()
			if in != 64*2000 || out != in {
				t.Fatalf("in %d, out %d", in, out)
			}
		})
	}
}

// 64 goroutines x 2000 events with traps on every 10th event, the GC
// running in a loop and recovered Go nil-pointer panics elsewhere: the
// process survives and every good event comes out, to its own goroutine.
func TestTrapsGCAndGoPanicsTogether(t *testing.T) {
	for _, procs := range []int{2, 8} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			trapsUnderLoad(t)
		})
	}
}

func trapsUnderLoad(t *testing.T) {
	const goroutines, events = 64, 2000
	h := newHost(t, "hostile", Options{CPUPointsPerCall: 1_000_000})
	attacks := []struct {
		name string
		want error
	}{
		{"oob", ErrTrapOutOfBounds},
		{"unreachable", ErrTrapUnreachable},
		{"recurse", ErrTrapStackOverflow},
		{"loop", ErrCPUExhausted},
	}
	stop := make(chan struct{})
	var background sync.WaitGroup
	var gcs, panics int64
	// Runs f over and over on its own goroutine until stop is closed.
	repeat := func(f func()) {
		background.Add(1)
		go func() {
			defer background.Done()
			for {
				select {
				case <-stop:
					return
				default:
					f()
				}
			}
		}()
	}
	repeat(func() {
		runtime.GC()
		atomic.AddInt64(&gcs, 1)
	})
	repeat(func() {
		defer func() {
			if recover() != nil {
				atomic.AddInt64(&panics, 1)
			}
		}()
		var p *Event
		_ = p.wire // nil-pointer dereference: SIGSEGV handled by Go
	})

	var good, goodOut, trapped int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < events; i++ {
				if i%10 == 9 {
					a := attacks[(g+i/10)%len(attacks)]
					ev := NewEvent(map[string]interface{}{"attack": a.name})
					out, err := h.ProcessEvent(ev)
					if !errors.Is(err, a.want) || len(out) != 0 {
						t.Errorf("attack %s: %v, %d events", a.name, err, len(out))
						return
					}
					atomic.AddInt64(&trapped, 1)
					continue
				}
				in := encoded(NewEvent(map[string]interface{}{"n": int64(g*events + i)}))
				atomic.AddInt64(&good, 1)
				out, err := h.Process(in)
				if err != nil || len(out) != 1 || string(out[0]) != string(in) {
					t.Errorf("good event %d/%d: %v, %d events", g, i, err, len(out))
					return
				}
				atomic.AddInt64(&goodOut, 1)
			}
		}(g)
	}
	wg.Wait()
	close(stop)
	background.Wait()
	if good != goroutines*events*9/10 || goodOut != good || trapped != goroutines*events/10 {
		t.Fatalf("good %d, out %d, trapped %d", good, goodOut, trapped)
	}
	if gcs == 0 || panics == 0 {
		t.Fatalf("background work did not run: %d GCs, %d panics", gcs, panics)
	}
	t.Logf("%d good events out, %d traps, %d GCs, %d recovered nil-pointer panics", goodOut, trapped, gcs, panics)
}

func TestVersion(t *testing.T) {
	if v := Version(); !strings.HasPrefix(v, "0.") {
		t.Fatalf("version %q", v)
	}
}

type panickingLogger struct{}

func (panickingLogger) Log(LogLevel, string) { panic("logger exploded") }

// A panic in the Logger must not unwind through C: it is raised again in
// the goroutine that called Register, after the C call returned.
func TestLoggerPanicReachesTheCaller(t *testing.T) {
	h := newHost(t, "add_fields", Options{Logger: panickingLogger{}})
	func() {
		defer func() {
			if p := recover(); p != "logger exploded" {
				t.Fatalf("recovered %v", p)
			}
		}()
		_ = h.Register(map[string]interface{}{"value": 1}) // the guest logs an error line
		t.Fatal("Register returned instead of panicking")
	}()
	out, err := h.Process(benchEvent())
	if err != nil || len(out) != 1 {
		t.Fatalf("after the panic: %d events, %v", len(out), err)
	}
}

func TestStatsCountEachOutcome(t *testing.T) {
	h := newHost(t, "hostile", Options{CPUPointsPerCall: 1_000_000})
	good := benchEvent()
	for i := 0; i < 3; i++ {
		if _, err := h.Process(good); err != nil {
			t.Fatal(err)
		}
	}
	attack := encoded(NewEvent(map[string]interface{}{"attack": "loop"}))
	if _, err := h.Process(attack); !errors.Is(err, ErrCPUExhausted) {
		t.Fatal(err)
	}
	if _, err := h.Process([]byte{0xff}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatal(err)
	}
	s, err := h.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.EventsIn != 5 || s.EventsPassed != 3 || s.EventsFailed != 2 || s.EventsEmitted != 3 || s.EventsDropped != 0 {
		t.Errorf("events: %+v", s)
	}
	if s.Failures["EIW_RESULT_CPU_EXHAUSTED"] != 1 || s.Failures["EIW_RESULT_INVALID_EVENT"] != 1 {
		t.Errorf("failures: %v", s.Failures)
	}
	if s.InstancesCreated != 1 || s.InstancesRecycled != 1 {
		t.Errorf("instances: created %d, recycled %d", s.InstancesCreated, s.InstancesRecycled)
	}
	if s.CPUPointsMaxPerCall != 1_000_000 || s.CPUPointsUsed <= 1_000_000 || s.PeakMemoryPages < 17 {
		t.Errorf("usage: %+v", s)
	}
	var timed uint64
	for _, c := range s.LatencyCounts {
		timed += c
	}
	if timed != s.EventsIn || len(s.LatencyCounts) != len(s.LatencyUpperBoundsNs)+1 || s.LatencySumNs == 0 {
		t.Errorf("latency histogram: %v %v", s.LatencyUpperBoundsNs, s.LatencyCounts)
	}
	h.Close()
	if _, err := h.Stats(); !errors.Is(err, ErrClosed) {
		t.Errorf("Stats on a closed host: %v", err)
	}
}

func TestOptionsReachTheHost(t *testing.T) {
	logs := &lines{}
	dir := t.TempDir()
	opts := Options{Logger: logs, MinLogLevel: LevelCritical, CacheDir: dir, CompileThreads: 1}
	h := newHost(t, "add_fields", opts)
	if err := h.Register(map[string]interface{}{"value": 1}); !errors.Is(err, ErrGuestStatus) {
		t.Fatal(err)
	}
	if len(logs.got) != 0 {
		t.Errorf("an error line passed min level critical: %q", logs.got)
	}
	s, err := h.Stats()
	if err != nil || s.LogLinesBelowLevel != 1 {
		t.Fatalf("stats %+v, %v", s, err)
	}
	again := newHost(t, "add_fields", opts)
	if s, err := again.Stats(); err != nil || !s.ModuleLoadedFromCache {
		t.Fatalf("second host did not load from the cache: %+v, %v", s, err)
	}
	// Another key: the entry is not authentic under it.
	keyed := opts
	keyed.CacheKey = make([]byte, 32)
	other := newHost(t, "add_fields", keyed)
	if s, err := other.Stats(); err != nil || s.ModuleLoadedFromCache ||
		!strings.Contains(s.ModuleCacheNote, "MAC mismatch") {
		t.Fatalf("an entry under another key was loaded: %+v, %v", s, err)
	}
	small := opts
	small.MaxModuleBytes = 100
	if _, err := NewHost(module(t, "add_fields"), small); !errors.Is(err, ErrInvalidModule) ||
		!strings.Contains(err.Error(), "max_module_bytes") {
		t.Fatalf("a module over MaxModuleBytes: %v", err)
	}
}
