package eiw

import (
	"strings"
	"sync"
	"time"
)

// Event is one event: fields, an event time and string metadata. The zero
// Event is empty and ready to use; NewEvent makes one from a map. An Event
// is not safe for concurrent use (its first read may decode it).
//
// Field values read back are nil (null), bool, int64, uint64, float64,
// string, []byte, time.Time, []interface{} or map[string]interface{}.
// Marshal, Put and NewEvent also take every other integer and float width,
// named types of those kinds, json.Number (an integer when it is one, else
// a double), encoding.TextMarshaler (its text), pointers (nil is null), and
// maps with string keys and slices or arrays of any type they take;
// anything else is an error naming its path when the event is marshaled.
//
// The events ProcessEvent returns keep the bytes the module emitted: Get,
// GetString and Timestamp read those bytes where they lie; Put and Delete
// decode only the top-level value their path starts with and keep the
// edit beside the bytes; passing the event to ProcessEvent again or to
// Marshal copies the unedited top-level entries as they are. The Go maps
// are built the first time a method hands them out or changes the time
// or metadata (Fields, Metadata, SetTimestamp, SetMetadata); from then on
// the maps are the event.
type Event struct {
	// wire is the serialized event until it is decoded (then nil); src
	// is the same memory as a string, which the strings read from it
	// share. Events built in Go never have a wire form.
	wire []byte
	src  string
	// edits are the top-level values Put and Delete changed while the
	// event kept its bytes (see overlay.go).
	edits map[string]interface{}

	time     time.Time
	fields   map[string]interface{}
	metadata map[string]string
}

// NewEvent returns an event with these fields (the map becomes the
// event's own: later changes to it are changes to the event).
func NewEvent(fields map[string]interface{}) *Event {
	return &Event{fields: fields}
}

// decode builds the maps from the wire form, once.
func (e *Event) decode() {
	if e.wire == nil {
		return
	}
	if err := e.decodeFrom(e.bytes()); err != nil {
		// Only the host's checked output is kept undecoded, and every
		// Event the host's check accepts decodes here (a test holds it).
		panic("eiw: an event the host checked does not decode: " + err.Error())
	}
	for key, value := range e.edits {
		if _, gone := value.(removed); gone {
			delete(e.fields, key)
		} else {
			e.fields[key] = value
		}
	}
	e.wire, e.src, e.edits = nil, "", nil
}

// bytes reads the event's wire form.
func (e *Event) bytes() reader { return reader{src: e.src, buf: e.wire} }

// Fields returns the event's fields, decoding them on first use; the map
// is the event's own.
func (e *Event) Fields() map[string]interface{} {
	e.decode()
	if e.fields == nil {
		e.fields = map[string]interface{}{}
	}
	return e.fields
}

// Metadata returns the event's metadata, decoding it on first use; the map
// is the event's own.
func (e *Event) Metadata() map[string]string {
	e.decode()
	if e.metadata == nil {
		e.metadata = map[string]string{}
	}
	return e.metadata
}

// SetMetadata sets one metadata key.
func (e *Event) SetMetadata(key, value string) { e.Metadata()[key] = value }

// Timestamp returns the event time; the zero Time means unset.
func (e *Event) Timestamp() time.Time {
	if e.wire != nil {
		// The host checked these bytes: they read without error.
		stamp, _ := eventTime(e.bytes())
		return stamp
	}
	return e.time
}

// SetTimestamp sets the event time; the zero Time unsets it.
func (e *Event) SetTimestamp(t time.Time) {
	e.decode()
	e.time = t
}

// Get returns the value at a dotted path such as "event.original". Maps
// and slices it returns are the event's own, except those read from the
// bytes of an event not decoded yet, which are copies.
func (e *Event) Get(path string) (interface{}, bool) {
	if e.wire != nil {
		return e.wireGet(path)
	}
	return getPath(e.fields, path)
}

// Put sets the value at a dotted path such as "labels.env", creating the
// objects on the way; an object in the way that is not a
// map[string]interface{} (a string, say) is replaced by one.
func (e *Event) Put(path string, value interface{}) {
	if e.wire != nil {
		e.wirePut(path, value)
		return
	}
	putPath(e.Fields(), path, value)
}

// Delete removes the value at a dotted path and returns it, if it was there.
func (e *Event) Delete(path string) (interface{}, bool) {
	if e.wire != nil {
		return e.wireDelete(path)
	}
	return deletePath(e.Fields(), path)
}

func getPath(fields map[string]interface{}, path string) (interface{}, bool) {
	var current interface{} = fields
	for {
		m, ok := current.(map[string]interface{})
		if !ok {
			return nil, false
		}
		key, rest, more := strings.Cut(path, ".")
		if current, ok = m[key]; !ok {
			return nil, false
		}
		if !more {
			return current, true
		}
		path = rest
	}
}

func putPath(fields map[string]interface{}, path string, value interface{}) {
	current := fields
	for {
		key, rest, more := strings.Cut(path, ".")
		if !more {
			current[key] = value
			return
		}
		next, ok := current[key].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			current[key] = next
		}
		current, path = next, rest
	}
}

func deletePath(fields map[string]interface{}, path string) (interface{}, bool) {
	current := fields
	for {
		key, rest, more := strings.Cut(path, ".")
		if !more {
			value, ok := current[key]
			delete(current, key)
			return value, ok
		}
		next, ok := current[key].(map[string]interface{})
		if !ok {
			return nil, false
		}
		current, path = next, rest
	}
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
// and returns no bytes. An event still in the form the module emitted is
// those bytes. Map entries are written in Go's map order, as Go's protobuf
// library writes them: the bytes of two calls may differ, the events they
// decode to do not.
func (e *Event) Marshal() ([]byte, error) {
	if e == nil {
		return nil, &Error{Code: ErrInvalidEvent.Code, Message: "nil *Event"}
	}
	if e.wire != nil && e.edits == nil {
		return append([]byte(nil), e.wire...), nil
	}
	pooled, enc := takeEncoder()
	b, err := enc.event(e)
	var out []byte
	if err == nil {
		out = append([]byte(nil), b...)
	}
	enc.release(pooled)
	return out, err
}

// takeEncoder returns a pooled encoder's buffers in an encoder for the
// caller's stack, so that its appends store no pointer into the heap (a
// write barrier each while the GC runs); release gives them back.
func takeEncoder() (*encoder, encoder) {
	pooled := encoders.Get().(*encoder)
	return pooled, encoder{buf: pooled.buf[:0], keys: pooled.keys[:0]}
}

func (enc *encoder) release(pooled *encoder) {
	if cap(enc.buf) <= 1<<20 {
		pooled.buf, pooled.keys = enc.buf[:0], enc.keys[:0]
		encoders.Put(pooled)
	}
}

// event writes e and returns what it wrote.
func (enc *encoder) event(e *Event) ([]byte, error) {
	if e.wire != nil {
		return enc.edited(e)
	}
	if !e.time.IsZero() {
		t := enc.open(1)
		encodeTimestamp(enc, e.time)
		enc.close(t)
	}
	s := enc.open(2)
	if err := enc.fields(1, e.fields, 0); err != nil {
		return nil, asEventError(err)
	}
	enc.close(s)
	start := pushSortedKeys(enc, e.metadata)
	for _, k := range enc.keys[start:] {
		entry := enc.open(3)
		enc.stringField(1, k)
		enc.stringField(2, e.metadata[k])
		enc.close(entry)
	}
	return enc.buf, nil
}

// encoders are reused by Marshal, which copies out what it wrote.
var encoders = sync.Pool{New: func() interface{} { return new(encoder) }}
