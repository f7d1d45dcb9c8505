package eiw

import (
	"strings"
	"sync"
	"time"
)

// Event is a decoded event. Decoded field values are nil (null), bool,
// int64, uint64, float64, string, []byte, time.Time, []interface{} or
// map[string]interface{}. Marshal also takes every other integer and
// float width, named types of those kinds, json.Number (an integer when it
// is one, else a double), encoding.TextMarshaler (its text), pointers
// (nil is null), and maps with string keys and slices or arrays of any
// type it takes; anything else is an error naming its path.
type Event struct {
	// Timestamp is the event time; the zero Time means unset.
	Timestamp time.Time
	Fields    map[string]interface{}
	Metadata  map[string]string
}

// Get returns the value at a dotted path such as "event.original".
func (e *Event) Get(path string) (interface{}, bool) {
	var current interface{} = e.Fields
	for _, part := range strings.Split(path, ".") {
		m, ok := current.(map[string]interface{})
		if !ok {
			return nil, false
		}
		if current, ok = m[part]; !ok {
			return nil, false
		}
	}
	return current, true
}

// Put sets the value at a dotted path such as "labels.env", creating the
// objects on the way; an object in the way that is not a
// map[string]interface{} (a string, say) is replaced by one.
func (e *Event) Put(path string, value interface{}) {
	if e.Fields == nil {
		e.Fields = map[string]interface{}{}
	}
	parts := strings.Split(path, ".")
	current := e.Fields
	for _, part := range parts[:len(parts)-1] {
		next, ok := current[part].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			current[part] = next
		}
		current = next
	}
	current[parts[len(parts)-1]] = value
}

// Delete removes the value at a dotted path and returns it, if it was there.
func (e *Event) Delete(path string) (interface{}, bool) {
	parts := strings.Split(path, ".")
	current := e.Fields
	for _, part := range parts[:len(parts)-1] {
		next, ok := current[part].(map[string]interface{})
		if !ok {
			return nil, false
		}
		current = next
	}
	last := parts[len(parts)-1]
	value, ok := current[last]
	delete(current, last)
	return value, ok
}

// GetString returns the string at a dotted path, or "" and false.
func (e *Event) GetString(path string) (string, bool) {
	v, ok := e.Get(path)
	s, isString := v.(string)
	return s, ok && isString
}

// Marshal serializes the event as an eiw.v1.Event, every value exactly,
// or fails with an *Error (errors.Is(err, ErrInvalidEvent)) naming the
// path of a value it cannot encode, such as "labels.owner" or "tags[2]",
// and returns no bytes. Map entries are written in Go's map order, as
// Go's protobuf library writes them: the bytes of two calls may differ,
// the events they decode to do not.
func (e *Event) Marshal() ([]byte, error) {
	if e == nil {
		return nil, &Error{Code: ErrInvalidEvent.Code, Message: "nil *Event"}
	}
	// The encoder lives on the stack, so that its appends store no
	// pointer into the heap (a write barrier each while the GC runs); the
	// pool keeps its buffers between calls.
	pooled := encoders.Get().(*encoder)
	enc := encoder{buf: pooled.buf[:0], keys: pooled.keys[:0]}
	out, err := enc.event(e)
	if cap(enc.buf) <= 1<<20 {
		pooled.buf, pooled.keys = enc.buf, enc.keys[:0]
		encoders.Put(pooled)
	}
	return out, err
}

// event writes e and returns a copy of what it wrote.
func (enc *encoder) event(e *Event) ([]byte, error) {
	if !e.Timestamp.IsZero() {
		t := enc.open(1)
		encodeTimestamp(enc, e.Timestamp)
		enc.close(t)
	}
	s := enc.open(2)
	if err := enc.fields(1, e.Fields, 0); err != nil {
		return nil, asEventError(err)
	}
	enc.close(s)
	start := pushSortedKeys(enc, e.Metadata)
	for _, k := range enc.keys[start:] {
		entry := enc.open(3)
		enc.stringField(1, k)
		enc.stringField(2, e.Metadata[k])
		enc.close(entry)
	}
	return append([]byte(nil), enc.buf...), nil
}

// encoders are reused by Marshal, which copies out what it wrote.
var encoders = sync.Pool{New: func() interface{} { return new(encoder) }}
