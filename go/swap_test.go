package eiw

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The module-swap recipe of the README under load: goroutines process
// without pause while another swaps the module 200 times (NewHost, an
// atomic publish, Close of the old host while calls on it run). A call that
// loaded the old host just before Close gets ErrClosed and is sent again
// on the new one; every event's output arrives exactly once.
func TestSwapUnderLoad(t *testing.T) {
	wasm := [2][]byte{module(t, "add_fields"), module(t, "passthrough")}
	opts := Options{EventFormat: FormatJSON, CacheDir: t.TempDir()}
	newHost := func(i int) *Host {
		h, err := NewHost(wasm[i%2], opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Register(map[string]interface{}{"field": "labels.swap", "value": "yes"}); err != nil && !errors.Is(err, ErrNoRegister) {
			t.Fatal(err)
		}
		return h
	}
	var current atomic.Pointer[Host]
	current.Store(newHost(0))
	var stop atomic.Bool
	var done, retries atomic.Int64
	failures := make(chan error, 8)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for seq := 0; !stop.Load(); seq++ {
				id := []byte(fmt.Sprintf(`"g%d-e%d"`, w, seq))
				record := []byte(fmt.Sprintf(`{"message":%s}`, id))
				for {
					h := current.Load()
					if seq%64 == w {
						time.Sleep(300 * time.Microsecond) // a swap may close h now
					}
					out, err := h.ProcessJSON(record)
					if errors.Is(err, ErrClosed) {
						if len(out) != 0 {
							failures <- fmt.Errorf("closed call emitted %q", out)
							return
						}
						retries.Add(1)
						continue
					}
					if err != nil || len(out) != 1 || !bytes.Contains(out[0], id) {
						failures <- fmt.Errorf("event %s: %q, %v", id, out, err)
						return
					}
					break
				}
				done.Add(1)
			}
		}(w)
	}
	for swap := 1; swap <= 200; swap++ {
		time.Sleep(2 * time.Millisecond)
		old := current.Swap(newHost(swap))
		old.Close() // calls on old may be running
	}
	stop.Store(true)
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	current.Load().Close()
	if done.Load() == 0 {
		t.Fatal("no event was processed")
	}
	t.Logf("%d events, %d calls on a closed host sent again", done.Load(), retries.Load())
}

// blockingLogger holds the first guest log line until released.
type blockingLogger struct {
	once    sync.Once
	inCall  chan struct{}
	release chan struct{}
}

func (l *blockingLogger) Log(LogLevel, string) {
	l.once.Do(func() {
		close(l.inCall)
		<-l.release
	})
}

// Close does not wait for a running call: that call finishes normally,
// and calls after Close get ErrClosed.
func TestCloseWhileACallRuns(t *testing.T) {
	logger := &blockingLogger{inCall: make(chan struct{}), release: make(chan struct{})}
	h := newHost(t, "add_fields", Options{Logger: logger})
	result := make(chan error)
	go func() {
		// A config without `field`: the guest logs an error, then fails.
		result <- h.Register(map[string]interface{}{"value": 1})
	}()
	<-logger.inCall
	closed := make(chan struct{})
	go func() {
		h.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the running call")
	}
	close(logger.release)
	if err := <-result; !errors.Is(err, ErrGuestStatus) {
		t.Fatalf("the running call: %v, want its own result", err)
	}
	if _, err := h.Process(encoded(sample())); !errors.Is(err, ErrClosed) {
		t.Fatalf("a call after Close: %v", err)
	}
}

// Batches running when Close is called deliver every event's output.
func TestCloseDuringBatches(t *testing.T) {
	h, err := NewHost(module(t, "passthrough"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	batch := make([][]byte, 2000)
	for i := range batch {
		batch[i] = encoded(sample())
	}
	var wg sync.WaitGroup
	var ran, refused atomic.Int64
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				results, err := h.ProcessBatch(batch)
				if errors.Is(err, ErrClosed) {
					refused.Add(1)
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				for i, r := range results {
					if r.Err != nil || len(r.Events) != 1 {
						t.Errorf("event %d: %d events, %v", i, len(r.Events), r.Err)
						return
					}
				}
				ran.Add(1)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	h.Close()
	wg.Wait()
	if refused.Load() != 4 {
		t.Errorf("%d goroutines saw ErrClosed, want 4", refused.Load())
	}
	t.Logf("%d whole batches", ran.Load())
}

func TestInstanceIdleInMilliseconds(t *testing.T) {
	for _, c := range []struct {
		idle time.Duration
		want uint64
	}{
		{-time.Second, 0}, {0, 0}, {500 * time.Microsecond, 1},
		{1500 * time.Millisecond, 1500}, {100 * 24 * time.Hour, 1<<32 - 1},
	} {
		if got := idleMillis(c.idle); got != c.want {
			t.Errorf("%v: %d, want %d", c.idle, got, c.want)
		}
	}
	h := newHost(t, "passthrough", Options{InstanceIdle: time.Millisecond, MemoryReservation: ReserveWasm32})
	if _, err := h.Process(encoded(sample())); err != nil {
		t.Fatal(err)
	}
	if s, err := h.Stats(); err != nil || s.InstancesLive != 1 {
		t.Fatalf("%+v, %v", s, err)
	}
	if _, err := NewHost(module(t, "passthrough"), Options{MemoryReservation: 9}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("unknown reservation: %v", err)
	}
	// ReleaseIdleAtOnce sends release_idle_at_once; 0 sends nothing.
	if got := encodeOptions(Options{InstanceIdle: ReleaseIdleAtOnce}); !bytes.Equal(got, []byte{0xb0, 0x01, 1}) {
		t.Errorf("ReleaseIdleAtOnce: % x", got)
	}
	if got := encodeOptions(Options{}); len(got) != 0 {
		t.Errorf("defaults: % x", got)
	}
}

// NoEmits and NoGuestLogs set their limits to 0, which 0 in MaxEmitsPerCall
// and LogLinesPerSec does not (it means the default).
func TestOptionsThatAreZeroOnPurpose(t *testing.T) {
	h := newHost(t, "add_fields", Options{NoEmits: true})
	if _, err := h.Process(encoded(sample())); !errors.Is(err, ErrEmitLimit) {
		t.Fatalf("NoEmits: %v", err)
	}
	logs := &lines{}
	h = newHost(t, "add_fields", Options{NoGuestLogs: true, Logger: logs})
	if err := h.Register(map[string]interface{}{"value": 1}); !errors.Is(err, ErrGuestStatus) {
		t.Fatalf("bad config: %v", err)
	}
	s, err := h.Stats()
	if err != nil || len(logs.got) != 0 || s.LogLinesRateLimited != 1 {
		t.Fatalf("NoGuestLogs: %q, %+v, %v", logs.got, s, err)
	}
}

// closingLogger closes its own host from inside the call that logs.
type closingLogger struct{ h **Host }

func (l closingLogger) Log(LogLevel, string) { (*l.h).Close() }

// A Logger that closes its host does not deadlock: the call that logged
// finishes with its own result, and the next call gets ErrClosed.
func TestALoggerThatClosesItsHost(t *testing.T) {
	var h *Host
	h = newHost(t, "add_fields", Options{Logger: closingLogger{&h}})
	done := make(chan error)
	go func() { done <- h.Register(map[string]interface{}{"value": 1}) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrGuestStatus) {
			t.Fatalf("the logging call: %v, want its own result", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock: Close from inside the Logger")
	}
	if _, err := h.Process(encoded(sample())); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
