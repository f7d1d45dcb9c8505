package eiw

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
)

type goexitLogger struct{}

func (goexitLogger) Log(LogLevel, string) { runtime.Goexit() }

// A Logger that calls runtime.Goexit (what t.Fatal does) ends the calling
// goroutine once the call has returned, and poisons nothing: every later
// call on the host, on any thread, succeeds.
func TestALoggerThatCallsGoexit(t *testing.T) {
	h := newHost(t, "add_fields", Options{Logger: goexitLogger{}})
	returned, exited := make(chan bool, 1), make(chan struct{})
	go func() {
		defer close(exited)
		_ = h.Register(map[string]interface{}{"value": 1}) // the guest logs an error line
		returned <- true
	}()
	<-exited
	select {
	case <-returned:
		t.Fatal("Register returned; the Logger's Goexit was lost")
	default:
	}
	var wg sync.WaitGroup
	failures := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if out, err := h.Process(benchEvent()); err != nil || len(out) != 1 {
					failures <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Errorf("a call after the Goexit: %v", err)
	}
}

// reentrantLogger calls the host it logs for.
type reentrantLogger struct {
	h   **Host
	out chan error
}

func (l reentrantLogger) Log(LogLevel, string) {
	_, err := (*l.h).Process(benchEvent())
	l.out <- err
}

// A Logger may call its own host: the nested call runs on another guest
// instance, and both finish.
func TestALoggerThatCallsItsHost(t *testing.T) {
	var h *Host
	nested := make(chan error, 1)
	h = newHost(t, "add_fields", Options{Logger: reentrantLogger{&h, nested}})
	if err := h.Register(map[string]interface{}{"value": 1}); !errors.Is(err, ErrGuestStatus) {
		t.Fatalf("the logging call: %v", err)
	}
	if err := <-nested; err != nil {
		t.Fatalf("the nested call: %v", err)
	}
}

// A nil *Host and a closed one give errors, never a panic; ErrClosed is an
// *Error with its own code.
func TestNilAndClosedHostsAreErrors(t *testing.T) {
	var nilHost *Host
	if _, err := nilHost.Process(benchEvent()); !errors.Is(err, ErrNullArgument) {
		t.Errorf("nil Process: %v", err)
	}
	if _, err := nilHost.ProcessEvent(sample()); !errors.Is(err, ErrNullArgument) {
		t.Errorf("nil ProcessEvent: %v", err)
	}
	if _, err := nilHost.Stats(); !errors.Is(err, ErrNullArgument) {
		t.Errorf("nil Stats: %v", err)
	}
	if err := nilHost.Close(); err != nil {
		t.Errorf("nil Close: %v", err)
	}
	h := newHost(t, "passthrough", Options{})
	if _, err := h.ProcessEvent(nil); !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("ProcessEvent(nil): %v", err)
	}
	h.Close()
	_, err := h.Process(benchEvent())
	var e *Error
	if !errors.Is(err, ErrClosed) || !errors.As(err, &e) || e.Code != ResultHostClosed {
		t.Errorf("after Close: %#v", err)
	}
	if e != nil && e.Code.String() != "EIW_RESULT_HOST_CLOSED" {
		t.Errorf("code name %q", e.Code.String())
	}
}

func TestContextVariants(t *testing.T) {
	h := newHost(t, "passthrough", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	if out, err := h.ProcessContext(ctx, benchEvent()); err != nil || len(out) != 1 {
		t.Fatalf("live context: %d, %v", len(out), err)
	}
	batch := make([][]byte, 200)
	for i := range batch {
		batch[i] = benchEvent()
	}
	results, err := h.ProcessBatchContext(ctx, batch)
	if err != nil || len(results) != 200 || len(results[199].Events) != 1 {
		t.Fatalf("live batch: %d results, %v", len(results), err)
	}
	cancel()
	if _, err := h.ProcessContext(ctx, benchEvent()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	results, err = h.ProcessBatchContext(ctx, batch)
	if !errors.Is(err, context.Canceled) || len(results) != 200 || !errors.Is(results[0].Err, context.Canceled) {
		t.Fatalf("cancelled batch: %d results, %v", len(results), err)
	}
	if s, _ := h.Stats(); s.EventsIn != 201 {
		t.Errorf("events in %d, want 201", s.EventsIn)
	}
}
