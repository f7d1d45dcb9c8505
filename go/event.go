package eiw

import (
	"strings"
	"time"
)

// Event is a decoded event. Field values are nil (null), bool, int64,
// uint64, float64, string, []byte, time.Time, []interface{} or
// map[string]interface{}; when encoding, int, int32 and float32 are accepted
// too.
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

// Marshal serializes the event as an eiw.v1.Event. Values of other types
// than those listed on Event are left out.
func (e *Event) Marshal() []byte {
	b, _ := e.MarshalChecked()
	return b
}

// MarshalChecked is Marshal that reports values it cannot encode.
func (e *Event) MarshalChecked() ([]byte, error) {
	var enc encoder
	if !e.Timestamp.IsZero() {
		enc.message(1, func(t *encoder) { encodeTimestamp(t, e.Timestamp) })
	}
	var err error
	enc.message(2, func(s *encoder) { err = encodeFields(s, 1, e.Fields) })
	for _, k := range sortedKeys(e.Metadata) {
		enc.message(3, func(entry *encoder) {
			entry.bytesField(1, []byte(k))
			entry.bytesField(2, []byte(e.Metadata[k]))
		})
	}
	return enc.buf, err
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
