// Package eiw runs WebAssembly modules on log events through libeiw, the
// eiw C library, with cgo.
//
// A Host holds one compiled module; Process runs it on one serialized
// Event (proto/eiw.proto) and returns exactly the events the module emitted
// for that call. A Host may be used from any number of goroutines at once.
//
// The package finds libeiw with pkg-config (package eiw): after
// `make install PREFIX=...` in the eiw repository, set PKG_CONFIG_PATH to
// PREFIX/lib/pkgconfig if that is not a default; or, without installing,
// to <eiw>/target/release/pkgconfig, which `make lib` writes for the build
// tree. The header eiw.h ships with the package, so it also builds
// vendored (`go mod vendor`) or from a module cache.
package eiw

/*
#cgo CFLAGS: -I${SRCDIR}
#cgo pkg-config: eiw
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "eiw.h"

extern void eiwGoLog(uintptr_t handle, uint32_t level, uint8_t *msg, size_t len);

// The state of one call, in C memory. Emitted events are appended to `buf`
// as (8-byte input index, 8-byte length, bytes) records, so an emit does
// not call back into Go (a C-to-Go callback costs more than the rest of a
// call); Go copies them out after the call returns. `handle` is a
// cgo.Handle for the call's Go state when the host has a logger, else 0.
// The call context given to eiw is an eiw_go_ctx: the call and the index
// of the input (0 outside batches).
typedef struct eiw_go_call eiw_go_call;
typedef struct {
	eiw_go_call *call;
	uint64_t index;
} eiw_go_ctx;
struct eiw_go_call {
	uint8_t *buf;
	size_t len, cap, count;
	uintptr_t handle;
	int out_of_memory;
	eiw_error *err;
	eiw_go_ctx single;
};

static void eiw_go_emit(void *userdata, void *context, const uint8_t *event, size_t len) {
	(void)userdata;
	eiw_go_ctx *ctx = context;
	eiw_go_call *call = ctx->call;
	size_t need = call->len + 2 * sizeof(uint64_t) + len;
	if (need > call->cap) {
		size_t cap = call->cap ? call->cap : 4096;
		while (cap < need) cap *= 2;
		uint8_t *grown = realloc(call->buf, cap);
		if (!grown) {
			call->out_of_memory = 1;
			return;
		}
		call->buf = grown;
		call->cap = cap;
	}
	uint64_t head[2] = {ctx->index, len};
	memcpy(call->buf + call->len, head, sizeof head);
	memcpy(call->buf + call->len + sizeof head, event, len);
	call->len = need;
	call->count++;
}

static void eiw_go_log(void *userdata, void *context, eiw_log_level level, const uint8_t *msg, size_t len) {
	(void)userdata;
	eiw_go_call *call = ((eiw_go_ctx *)context)->call;
	if (call->handle) eiwGoLog(call->handle, (uint32_t)level, (uint8_t *)msg, len);
}

// eiw_process_batch on `count` events stored back to back in `data` with
// lengths `lens`. The event array and the per-input contexts are C memory
// for the duration of the call.
static eiw_result eiw_go_process_batch(const eiw_host *host, const uint8_t *data, const size_t *lens,
                                       size_t count, eiw_go_call *call, eiw_result *results,
                                       eiw_error **errors) {
	eiw_batch_event *events = malloc(count * sizeof *events);
	eiw_go_ctx *ctxs = malloc(count * sizeof *ctxs);
	if (!events || !ctxs) {
		free(events);
		free(ctxs);
		call->out_of_memory = 1;
		return EIW_RESULT_PANIC;
	}
	size_t offset = 0;
	for (size_t i = 0; i < count; i++) {
		ctxs[i].call = call;
		ctxs[i].index = i;
		events[i].event = data + offset;
		events[i].event_len = lens[i];
		events[i].call_context = &ctxs[i];
		offset += lens[i];
	}
	eiw_result rc = eiw_process_batch(host, events, count, results, errors, NULL);
	free(events);
	free(ctxs);
	return rc;
}

static eiw_result eiw_go_host_new(const uint8_t *wasm, size_t wasm_len, const uint8_t *opts,
                                  size_t opts_len, eiw_host **host, eiw_error **err) {
	eiw_callbacks callbacks = {NULL, eiw_go_emit, eiw_go_log};
	return eiw_host_new(wasm, wasm_len, opts, opts_len, &callbacks, host, err);
}
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// LogLevel is the severity of a guest log line.
type LogLevel uint32

const (
	LevelDebug    LogLevel = C.EIW_LOG_LEVEL_DEBUG
	LevelInfo     LogLevel = C.EIW_LOG_LEVEL_INFO
	LevelWarn     LogLevel = C.EIW_LOG_LEVEL_WARN
	LevelError    LogLevel = C.EIW_LOG_LEVEL_ERROR
	LevelCritical LogLevel = C.EIW_LOG_LEVEL_CRITICAL
)

func (l LogLevel) String() string {
	switch l {
	case LevelDebug:
		return "debug"
	case LevelInfo:
		return "info"
	case LevelWarn:
		return "warn"
	case LevelError:
		return "error"
	case LevelCritical:
		return "critical"
	}
	return fmt.Sprintf("level(%d)", uint32(l))
}

// Logger receives the lines a guest logs, during the call that logged
// them (on a goroutine of its own, which the call waits for). A Logger
// that panics or calls runtime.Goexit (t.Fatal) has the panic or the
// Goexit raised again in the goroutine that made the call, once the call
// has returned; the host stays usable. A Logger may call the host,
// Close included: a nested call runs on another guest instance, and Close
// lets the logging call finish.
type Logger interface {
	Log(level LogLevel, message string)
}

// Options are the limits of a host; zero values mean eiw's defaults
// (docs/ABI.md has what happens beyond each limit).
type Options struct {
	// MaxEventBytes is the largest input event; 0: 1 MiB. A larger one
	// fails with ErrEventTooLarge before the module runs.
	MaxEventBytes uint32
	// MaxEmitBytes is the largest event the module may emit; 0: 1 MiB.
	MaxEmitBytes uint32
	// MaxEmitsPerCall bounds the events one call may emit; 0: 1024.
	MaxEmitsPerCall uint32
	// NoEmits lets the module emit nothing: every emit fails with
	// ErrEmitLimit (HostOptions.no_emits), for a module
	// run for its log lines. It overrides MaxEmitsPerCall.
	NoEmits bool
	// MaxLogBytes cuts longer guest log lines; 0: 16 KiB.
	MaxLogBytes uint32
	// MaxMemoryPages caps each guest instance's memory, in 64 KiB pages;
	// 0: 256 (16 MiB). It is also the address space an instance reserves.
	MaxMemoryPages uint32
	// CPUPointsPerCall is each call's CPU budget (about one point per
	// WebAssembly operator); 0: 100 million. ErrCPUExhausted past it.
	CPUPointsPerCall uint64
	// DisableMetering removes the CPU budget: for trusted modules only.
	DisableMetering bool
	// MinLogLevel drops guest log lines below it; 0: LevelDebug (all).
	MinLogLevel LogLevel
	// LogLinesPerSec and LogBurst rate-limit guest log lines; 0: 1000.
	LogLinesPerSec uint32
	LogBurst       uint32
	// NoGuestLogs delivers no guest log line, each counted as rate-limited
	// in Stats (HostOptions.no_guest_logs). It overrides
	// LogLinesPerSec.
	NoGuestLogs bool
	// CompileThreads is how many threads compile the module; 0: one per CPU.
	CompileThreads uint32
	// CacheDir keeps compiled modules between runs; "" for no cache.
	CacheDir string
	// TrustedInput skips eiw's check of input events, for callers that
	// encode them with a protobuf library (HostOptions.trusted_input).
	TrustedInput bool
	// MaxModuleBytes is the largest module NewHost accepts; 0: 16 MiB.
	MaxModuleBytes uint32
	// MaxTableElements bounds each table of a guest instance; 0: 100,000.
	MaxTableElements uint32
	// CacheKey (32 bytes) authenticates CacheDir's entries; nil: a key
	// file beside the directory (docs/SECURITY.md).
	CacheKey []byte
	// EventFormat is the form of the events Process and ProcessBatch take
	// and return, and of the config RegisterBytes takes: FormatProtobuf
	// (the default), FormatJSON or FormatMsgpack (docs/FORMATS.md).
	EventFormat EventFormat
	// InstanceIdle releases a guest instance that its OS thread has not
	// used for this long (at that thread's next call); 0: one minute;
	// ReleaseIdleAtOnce (any negative duration): at the thread's next check
	// (at most once a second). Millisecond precision.
	InstanceIdle time.Duration
	// MemoryReservation is the address space each guest memory reserves:
	// ReserveCap (the default: MaxMemoryPages x 64 KiB plus a 64 KiB guard)
	// or ReserveWasm32 (8 GiB, faster code; docs/DESIGN.md).
	MemoryReservation MemoryReservation
	// Logger receives guest log lines; nil discards them.
	Logger Logger
}

// ReleaseIdleAtOnce is the Options.InstanceIdle that releases every
// instance a thread's call does not use at the thread's next check
// (HostOptions.release_idle_at_once).
const ReleaseIdleAtOnce time.Duration = -1

// MemoryReservation is Options.MemoryReservation.
type MemoryReservation uint32

const (
	ReserveCap    MemoryReservation = 0
	ReserveWasm32 MemoryReservation = 1
)

// Host is a compiled, checked module. Its methods are safe for concurrent
// use, Close included: calls running when Close is called finish normally.
type Host struct {
	host   atomic.Pointer[C.eiw_host]
	logger Logger
	format EventFormat
}

// handle is the C host, or ErrClosed (an error for a nil *Host).
func (h *Host) handle() (*C.eiw_host, error) {
	if h == nil {
		return nil, &Error{Code: ResultNullArgument, Message: "nil *Host"}
	}
	if host := h.host.Load(); host != nil {
		return host, nil
	}
	return nil, &Error{Code: ResultHostClosed, Message: "the Host was closed"}
}

// call is the Go state of one call with a logger, reached from C through
// a cgo.Handle.
type call struct {
	logger Logger
	panic  interface{}
	// goexit: the Logger called runtime.Goexit.
	goexit bool
}

// raise re-raises in the caller's goroutine what the Logger did instead of
// returning: a panic, or runtime.Goexit.
func (c *call) raise() {
	if c == nil {
		return
	}
	if c.panic != nil {
		panic(c.panic)
	}
	if c.goexit {
		runtime.Goexit()
	}
}

// bytesArg returns a pointer and length for C; Go memory is passed for the
// duration of the call only, as cgo allows.
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// NewHost compiles a module and checks it against the guest ABI.
func NewHost(wasm []byte, opts Options) (*Host, error) {
	options := encodeOptions(opts)
	wasmPtr, wasmLen := bytesArg(wasm)
	optPtr, optLen := bytesArg(options)
	var host *C.eiw_host
	var cerr *C.eiw_error
	rc := C.eiw_go_host_new(wasmPtr, wasmLen, optPtr, optLen, &host, &cerr)
	runtime.KeepAlive(wasm)
	runtime.KeepAlive(options)
	if rc != C.EIW_RESULT_OK {
		return nil, takeError(rc, cerr)
	}
	h := &Host{logger: opts.Logger, format: opts.EventFormat}
	h.host.Store(host)
	runtime.SetFinalizer(h, func(h *Host) { h.Close() })
	return h, nil
}

// callState owns one C eiw_go_call; pooled, and freed when the pool
// drops it.
type callState struct{ c *C.eiw_go_call }

var callPool = sync.Pool{New: func() interface{} {
	s := &callState{c: (*C.eiw_go_call)(C.calloc(1, C.sizeof_eiw_go_call))}
	runtime.SetFinalizer(s, func(s *callState) {
		C.free(unsafe.Pointer(s.c.buf))
		C.free(unsafe.Pointer(s.c))
	})
	return s
}}

type entryPoint func(*C.eiw_host, *C.uint8_t, C.size_t, unsafe.Pointer, **C.eiw_error) C.eiw_result

// newCall takes a per-call state from the pool, with a handle to the
// call's Go state when the host has a logger; end gives both back.
func (h *Host) newCall() (pooled *callState, c *call) {
	pooled = callPool.Get().(*callState)
	state := pooled.c
	state.len, state.count, state.out_of_memory, state.handle, state.err = 0, 0, 0, 0, nil
	state.single.call, state.single.index = state, 0
	if h.logger != nil {
		c = &call{logger: h.logger}
		state.handle = C.uintptr_t(cgo.NewHandle(c))
	}
	return pooled, c
}

func (pooled *callState) end() {
	if pooled.c.handle != 0 {
		cgo.Handle(pooled.c.handle).Delete()
	}
	callPool.Put(pooled)
}

func (h *Host) run(input []byte, enter entryPoint) ([][]byte, error) {
	pooled, err := h.call(input, enter)
	if pooled == nil {
		return nil, err
	}
	defer pooled.end()
	var events [][]byte
	if pooled.c.count > 0 {
		events = make([][]byte, 0, int(pooled.c.count))
	}
	for all := collected(pooled.c); len(all) >= 16; {
		var event []byte
		_, event, all = nextEmitted(all)
		events = append(events, event)
	}
	return events, err
}

// call runs enter on input. Unless the host is closed, it returns the call
// state holding the emitted events, which the caller reads and then ends,
// and the call's error.
func (h *Host) call(input []byte, enter entryPoint) (*callState, error) {
	host, err := h.handle()
	if err != nil {
		return nil, err
	}
	pooled, c := h.newCall()
	state := pooled.c
	ptr, n := bytesArg(input)
	rc := enter(host, ptr, n, unsafe.Pointer(&state.single), &state.err)
	runtime.KeepAlive(input)
	cerr := state.err
	state.err = nil
	if c != nil && (c.panic != nil || c.goexit) {
		if cerr != nil {
			C.eiw_error_free(cerr)
		}
		pooled.end()
		c.raise()
	}
	switch {
	case state.out_of_memory != 0:
		if cerr != nil {
			C.eiw_error_free(cerr)
		}
		err = &Error{Code: ResultPanic, Message: "out of C memory while collecting emitted events"}
	case rc != C.EIW_RESULT_OK:
		err = takeError(rc, cerr)
	case cerr != nil:
		C.eiw_error_free(cerr)
	}
	return pooled, err
}

// collected copies a call's emitted events out of C memory, in one Go
// allocation; nextEmitted reads them one by one.
func collected(state *C.eiw_go_call) []byte {
	if state.count == 0 {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(state.buf), C.int(state.len))
}

// nextEmitted reads the first of the collected events: the index of its
// input, its bytes, and the events after it.
func nextEmitted(all []byte) (index uint64, event, rest []byte) {
	index = binary.LittleEndian.Uint64(all)
	n := binary.LittleEndian.Uint64(all[8:])
	return index, all[16 : 16+n : 16+n], all[16+n:]
}

// Process runs the module on one event in the host's EventFormat (a
// serialized Event by default) and returns the events it emitted for it,
// in that format, in order; none means the event was dropped. On error,
// the events emitted before the failure are returned too.
func (h *Host) Process(event []byte) ([][]byte, error) {
	return h.run(event, processEntry)
}

func processEntry(host *C.eiw_host, p *C.uint8_t, n C.size_t, ctx unsafe.Pointer, err **C.eiw_error) C.eiw_result {
	return C.eiw_process(host, p, n, ctx, err)
}

// BatchResult is the outcome of one input of ProcessBatch.
type BatchResult struct {
	// Events are the serialized events emitted for the input, in order.
	Events [][]byte
	// Err is the input's error, as Process would return it; Events holds
	// what the input emitted before it.
	Err error
}

// ProcessBatch runs the module on many events in the host's EventFormat
// with one cgo call
// and as few guest calls as the module allows (one for modules built with
// the SDK, ABI 1.1), and returns one result per input, in order. When input
// k makes the guest trap, the inputs before it keep their results and the
// ones after it run on a fresh instance. The error is for the call as a
// whole (ErrClosed, or C memory exhausted).
func (h *Host) ProcessBatch(events [][]byte) ([]BatchResult, error) {
	host, err := h.handle()
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, nil
	}
	// The inputs back to back in one Go buffer: C may not be handed an
	// array of Go pointers.
	total := 0
	for _, e := range events {
		total += len(e)
	}
	data := make([]byte, 0, total+1)
	lens := make([]C.size_t, len(events))
	for i, e := range events {
		data = append(data, e...)
		lens[i] = C.size_t(len(e))
	}
	data = append(data, 0) // so that &data[0] exists when every input is empty
	results := make([]C.eiw_result, len(events))
	errs := make([]*C.eiw_error, len(events))
	pooled, c := h.newCall()
	defer pooled.end()
	state := pooled.c
	rc := C.eiw_go_process_batch(host, (*C.uint8_t)(unsafe.Pointer(&data[0])), &lens[0],
		C.size_t(len(events)), state, &results[0], &errs[0])
	runtime.KeepAlive(data)
	out := make([]BatchResult, len(events))
	for i := range out {
		switch {
		case results[i] != C.EIW_RESULT_OK:
			out[i].Err = takeError(results[i], errs[i])
		case errs[i] != nil:
			C.eiw_error_free(errs[i])
		}
	}
	c.raise()
	for all := collected(state); len(all) >= 16; {
		var i uint64
		var event []byte
		i, event, all = nextEmitted(all)
		if i < uint64(len(out)) {
			out[i].Events = append(out[i].Events, event)
		}
	}
	if state.out_of_memory != 0 {
		return out, &Error{Code: ResultPanic, Message: "out of C memory while running the batch"}
	}
	if rc != C.EIW_RESULT_OK {
		return out, takeError(rc, nil)
	}
	return out, nil
}

// ProcessEvent is Process on Events, for a host in FormatProtobuf. The
// events it returns keep the bytes the module emitted and decode them
// only when a method needs the Go maps (see Event).
func (h *Host) ProcessEvent(event *Event) ([]*Event, error) {
	if err := h.needFormat(FormatProtobuf, "ProcessEvent"); err != nil {
		return nil, err
	}
	if event == nil {
		return nil, &Error{Code: ErrInvalidEvent.Code, Message: "nil *Event"}
	}
	var pooled *callState
	var err error
	if event.wire != nil && event.edits == nil {
		pooled, err = h.call(event.wire, processEntry)
	} else {
		encoderPool, enc := takeEncoder()
		input, encodeErr := enc.event(event)
		if encodeErr == nil {
			pooled, err = h.call(input, processEntry)
		}
		enc.release(encoderPool)
		if encodeErr != nil {
			return nil, encodeErr
		}
	}
	if pooled == nil {
		return nil, err
	}
	out := emittedEvents(pooled.c)
	pooled.end()
	return out, err
}

// emittedEvents are a call's emitted events as Events that keep their
// bytes: a copy only they see, checked by the host, which stays as it is
// and decodes when needed. One event, the common case, is one allocation
// besides the bytes.
func emittedEvents(state *C.eiw_go_call) []*Event {
	var events []Event
	var out []*Event
	switch state.count {
	case 0:
		return nil
	case 1:
		one := &struct {
			events [1]Event
			out    [1]*Event
		}{}
		events, out = one.events[:], one.out[:]
	default:
		events, out = make([]Event, state.count), make([]*Event, state.count)
	}
	i := 0
	all := collected(state)
	for ; len(all) >= 16 && i < len(out); i++ {
		var b []byte
		_, b, all = nextEmitted(all)
		events[i] = Event{wire: b, src: bytesAsString(b)}
		out[i] = &events[i]
	}
	return out[:i]
}

// RegisterBytes calls the module's register with a config in the host's
// EventFormat: a serialized Config, a JSON object or a msgpack map.
func (h *Host) RegisterBytes(config []byte) error {
	_, err := h.run(config, func(host *C.eiw_host, p *C.uint8_t, n C.size_t, ctx unsafe.Pointer, err **C.eiw_error) C.eiw_result {
		return C.eiw_register(host, p, n, ctx, err)
	})
	return err
}

// Register calls the module's register with named parameters (values as
// in Event fields).
func (h *Host) Register(params map[string]interface{}) error {
	config, err := marshalConfig(params)
	if err != nil {
		return err
	}
	_, err = h.run(config, func(host *C.eiw_host, p *C.uint8_t, n C.size_t, ctx unsafe.Pointer, err **C.eiw_error) C.eiw_result {
		return C.eiw_register_protobuf(host, p, n, ctx, err)
	})
	return err
}

// Close frees the host without waiting: calls running on other goroutines
// finish normally, their events delivered, and the host's memory goes when
// the last of them returns; calls made after Close return ErrClosed.
// The guest instance of the calling OS thread is released now; those of
// other threads at their next eiw call (or see ReleaseThread). Closing
// twice is allowed.
func (h *Host) Close() error {
	if h == nil {
		return nil
	}
	if host := h.host.Swap(nil); host != nil {
		C.eiw_free(host)
	}
	runtime.SetFinalizer(h, nil)
	return nil
}

// ReleaseThread releases every guest instance the calling OS thread holds,
// of every host, and returns how many. Go moves goroutines between
// threads, so it is for goroutines locked to their thread
// (runtime.LockOSThread) before they go idle; others can rely on each
// thread releasing the instances of closed hosts at its next call, and
// those unused for Options.InstanceIdle.
func ReleaseThread() int {
	return int(C.eiw_thread_release())
}

// Version is the version of the linked libeiw.
func Version() string {
	return C.GoString(C.eiw_version())
}
