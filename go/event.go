package eiw

import (
	"strings"
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

// GetString returns the string at a dotted path, or "" and false.
func (e *Event) GetString(path string) (string, bool) {
	v, ok := e.Get(path)
	s, isString := v.(string)
	return s, ok && isString
}

// Marshal serializes the event as an eiw.v1.Event, every value exactly,
// or fails with an *Error (errors.Is(err, ErrInvalidEvent)) naming the
// path of the first value it cannot encode, such as "labels.owner" or
// "tags[2]", and returns no bytes.
func (e *Event) Marshal() ([]byte, error) {
	if e == nil {
		return nil, &Error{Code: ErrInvalidEvent.Code, Message: "nil *Event"}
	}
	var enc encoder
	if !e.Timestamp.IsZero() {
		enc.message(1, func(t *encoder) { encodeTimestamp(t, e.Timestamp) })
	}
	var err error
	enc.message(2, func(s *encoder) { err = encodeFields(s, 1, e.Fields, "", 0) })
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(e.Metadata) {
		enc.message(3, func(entry *encoder) {
			entry.bytesField(1, []byte(k))
			entry.bytesField(2, []byte(e.Metadata[k]))
		})
	}
	return enc.buf, nil
}

// UnmarshalEvent decodes a serialized eiw.v1.Event.
func UnmarshalEvent(b []byte) (*Event, error) {
	event := &Event{Fields: map[string]interface{}{}, Metadata: map[string]string{}}
	d := decoder{b}
	for len(d.buf) > 0 {
		field, _, _, payload, err := d.next()
		if err != nil {
			return nil, err
		}
		switch field {
		case 1:
			if event.Timestamp, err = decodeTimestamp(payload); err != nil {
				return nil, err
			}
		case 2:
			if event.Fields, err = decodeStruct(payload); err != nil {
				return nil, err
			}
		case 3:
			k, v, err := decodeEntry(payload)
			if err != nil {
				return nil, err
			}
			event.Metadata[k] = string(v)
		}
	}
	return event, nil
}
