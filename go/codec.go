package eiw

// A small protobuf codec for the messages of proto/eiw.proto, so that the
// package needs nothing beyond the standard library (see README: Go).

import (
	"encoding/binary"
	"math"
	"sort"
	"time"
)

const (
	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	wireFixed32    = 5
)

// encoder writes protobuf into one buffer; nested messages get their
// length patched in when they close. keys is a stack of map keys being
// sorted, shared by the nesting levels.
type encoder struct {
	buf  []byte
	keys []string
}

func (e *encoder) tag(field, wire int) { e.varint(uint64(field)<<3 | uint64(wire)) }

// varint appends v; most are keys and lengths of one byte.
func (e *encoder) varint(v uint64) {
	if v < 0x80 {
		e.buf = append(e.buf, byte(v))
		return
	}
	e.buf = binary.AppendUvarint(e.buf, v)
}

func (e *encoder) bytesField(field int, b []byte) {
	e.tag(field, wireBytes)
	e.varint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) stringField(field int, s string) {
	e.tag(field, wireBytes)
	e.varint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) varintField(field int, v uint64) {
	if v != 0 {
		e.tag(field, wireVarint)
		e.varint(v)
	}
}

func (e *encoder) boolField(field int, v bool) {
	if v {
		e.varintField(field, 1)
	}
}

// open starts a nested message as field, with a one-byte length slot;
// close(start) fills it in, widening it when the message reached 128 bytes.
func (e *encoder) open(field int) (start int) {
	e.tag(field, wireBytes)
	e.buf = append(e.buf, 0)
	return len(e.buf)
}

func (e *encoder) close(start int) {
	n := len(e.buf) - start
	if n < 0x80 {
		e.buf[start-1] = byte(n)
		return
	}
	var length [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(length[:], uint64(n))
	e.buf = append(e.buf, length[:k-1]...)
	copy(e.buf[start-1+k:], e.buf[start:start+n])
	copy(e.buf[start-1:], length[:k])
}

// pushSortedKeys pushes the keys of m on e's key stack, sorted, and
// returns where they start; the caller truncates the stack after use.
func pushSortedKeys[V any](e *encoder, m map[string]V) int {
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	keys := e.keys[start:]
	if len(keys) > 16 {
		sort.Strings(keys)
		return start
	}
	for i := 1; i < len(keys); i++ { // insertion sort: no allocation
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return start
}

func encodeTimestamp(e *encoder, t time.Time) {
	e.varintField(1, uint64(t.Unix()))
	e.varintField(2, uint64(t.Nanosecond()))
}

func encodeOptions(o Options) []byte {
	var e encoder
	e.varintField(1, uint64(o.MaxEventBytes))
	e.varintField(2, uint64(o.MaxEmitBytes))
	e.varintField(3, uint64(o.MaxEmitsPerCall))
	e.varintField(4, uint64(o.MaxLogBytes))
	e.varintField(5, uint64(o.MaxMemoryPages))
	e.varintField(6, o.CPUPointsPerCall)
	if o.DisableMetering {
		e.varintField(7, 1)
	}
	e.varintField(8, uint64(o.MinLogLevel))
	e.varintField(9, uint64(o.LogLinesPerSec))
	e.varintField(10, uint64(o.LogBurst))
	e.varintField(11, uint64(o.CompileThreads))
	if o.CacheDir != "" {
		e.bytesField(12, []byte(o.CacheDir))
	}
	if o.TrustedInput {
		e.varintField(13, 1)
	}
	e.varintField(14, uint64(o.MaxModuleBytes))
	e.varintField(15, uint64(o.MaxTableElements))
	if len(o.CacheKey) > 0 {
		e.bytesField(16, o.CacheKey)
	}
	e.varintField(17, uint64(o.EventFormat))
	e.varintField(18, idleMillis(o.InstanceIdle))
	e.varintField(19, uint64(o.MemoryReservation))
	e.boolField(20, o.NoEmits)
	e.boolField(21, o.NoGuestLogs)
	e.boolField(22, o.InstanceIdle < 0)
	return e.buf
}

// idleMillis is a positive Options.InstanceIdle for
// HostOptions.instance_idle_ms: at least 1 ms, at most what the field
// holds; 0 for 0 (the default).
func idleMillis(d time.Duration) uint64 {
	switch ms := d.Milliseconds(); {
	case d <= 0:
		return 0
	case ms < 1:
		return 1
	case ms > math.MaxUint32:
		return math.MaxUint32
	default:
		return uint64(ms)
	}
}

func marshalConfig(params map[string]interface{}) ([]byte, error) {
	var e encoder
	if err := e.fields(1, params, 0); err != nil {
		return nil, asEventError(err)
	}
	return e.buf, nil
}
