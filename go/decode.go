package eiw

// Reading serialized events into Go values with protobuf's rules, so that
// what the host accepted (its check agrees with prost) reads the same here:
// occurrences of a message field merge (two `fields` objects are one), a
// oneof takes its last field (merging when it is the same message kind as
// before), the last of a repeated map key wins. Keys and strings are slices
// of one copy of the event's bytes.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

var errTruncated = errors.New("eiw: truncated protobuf")

// maxDepth is prost's (and the host's) limit on nested messages.
const maxDepth = 100

var errTooDeep = errors.New("eiw: event nested deeper than 100 messages")

// reader reads protobuf from buf, which starts at offset off of src.
type reader struct {
	src string
	buf []byte
	off int
}

// field is one field read: its number, wire type, varint or fixed value,
// and a length-delimited payload with its offset in src.
type field struct {
	number, wire int
	value        uint64
	payload      []byte
	at           int
}

func (r *reader) varint() (uint64, error) {
	if len(r.buf) > 0 && r.buf[0] < 0x80 {
		v := uint64(r.buf[0])
		r.buf, r.off = r.buf[1:], r.off+1
		return v, nil
	}
	v, n := binary.Uvarint(r.buf)
	if n <= 0 {
		return 0, errTruncated
	}
	r.buf, r.off = r.buf[n:], r.off+n
	return v, nil
}

func (r *reader) take(n uint64) ([]byte, error) {
	if n > uint64(len(r.buf)) {
		return nil, errTruncated
	}
	b := r.buf[:n]
	r.buf, r.off = r.buf[n:], r.off+int(n)
	return b, nil
}

func (r *reader) next() (field, error) { return r.nextIn(0) }

// nextIn reads a field inside `groups` groups; a group's end is a field of
// wire type wireEndGroup there, and an error outside any.
func (r *reader) nextIn(groups int) (f field, err error) {
	key, err := r.varint()
	if err != nil {
		return f, err
	}
	f.number, f.wire = int(key>>3), int(key&7)
	switch f.wire {
	case wireVarint:
		f.value, err = r.varint()
	case wireFixed64:
		var b []byte
		if b, err = r.take(8); err == nil {
			f.value = binary.LittleEndian.Uint64(b)
		}
	case wireFixed32:
		var b []byte
		if b, err = r.take(4); err == nil {
			f.value = uint64(binary.LittleEndian.Uint32(b))
		}
	case wireBytes:
		var n uint64
		if n, err = r.varint(); err == nil {
			f.at = r.off
			f.payload, err = r.take(n)
		}
	case wireStartGroup:
		err = r.skipGroup(f.number, groups)
	case wireEndGroup:
		if groups == 0 {
			err = errors.New("eiw: a group ends that never started")
		}
	default:
		err = fmt.Errorf("eiw: unsupported wire type %d", f.wire)
	}
	return f, err
}

// skipGroup skips a group (a deprecated encoding the host's check lets
// through as an unknown field) up to its end, groups within it included;
// `groups` are the groups around it.
func (r *reader) skipGroup(number, groups int) error {
	if groups >= maxDepth {
		return errTooDeep
	}
	for {
		f, err := r.nextIn(groups + 1)
		if err != nil {
			return err
		}
		if f.wire == wireEndGroup {
			if f.number != number {
				return errors.New("eiw: a group ends with another field number")
			}
			return nil
		}
	}
}

// each calls visit for every field left to read.
func (r *reader) each(visit func(f field) error) error {
	for len(r.buf) > 0 {
		f, err := r.next()
		if err != nil {
			return err
		}
		if err := visit(f); err != nil {
			return err
		}
	}
	return nil
}

// in reads a field's payload.
func (r *reader) in(f field) reader { return reader{src: r.src, buf: f.payload, off: f.at} }

// str is a field's payload as a string, sharing src.
func (r *reader) str(f field) string { return r.src[f.at : f.at+len(f.payload)] }

// UnmarshalEvent decodes a serialized eiw.v1.Event into a new Event,
// which shares no memory with b.
func UnmarshalEvent(b []byte) (*Event, error) {
	e := &Event{}
	if err := e.decodeFrom(reader{src: string(b), buf: b}); err != nil {
		return nil, err
	}
	return e, nil
}

// decodeFrom sets e's time, fields and metadata from a serialized Event.
func (e *Event) decodeFrom(r reader) error {
	stamp, err := eventTime(r)
	if err != nil {
		return err
	}
	fields, metadata := map[string]interface{}{}, map[string]string{}
	for len(r.buf) > 0 {
		f, err := r.next()
		if err != nil {
			return err
		}
		switch f.number {
		case 2:
			err = mergeStruct(fields, r.in(f), 1)
		case 3:
			var k, v string
			k, v, err = stringEntry(r.in(f))
			metadata[k] = v
		}
		if err != nil {
			return err
		}
	}
	e.time, e.fields, e.metadata = stamp, fields, metadata
	return nil
}

// eventTime reads a serialized Event's time: its timestamp occurrences
// merged, the zero Time if it has none.
func eventTime(r reader) (time.Time, error) {
	var seconds, nanos int64
	hasTime := false
	for len(r.buf) > 0 {
		f, err := r.next()
		if err == nil && f.number == 1 {
			hasTime = true
			err = mergeTimestamp(r.in(f), &seconds, &nanos)
		}
		if err != nil {
			return time.Time{}, err
		}
	}
	if !hasTime {
		return time.Time{}, nil
	}
	return time.Unix(seconds, nanos).UTC(), nil
}

// mergeTimestamp reads a Timestamp over what earlier occurrences set.
func mergeTimestamp(r reader, seconds, nanos *int64) error {
	return r.each(func(f field) error {
		switch f.number {
		case 1:
			*seconds = int64(f.value)
		case 2:
			*nanos = int64(int32(f.value))
		}
		return nil
	})
}

// stringEntry reads a map<string, string> entry.
func stringEntry(r reader) (key, value string, err error) {
	err = r.each(func(f field) error {
		switch f.number {
		case 1:
			key = r.str(f)
		case 2:
			value = r.str(f)
		}
		return nil
	})
	return key, value, err
}

// mergeStruct reads a Struct's entries into fields; a repeated key takes
// its last entry.
func mergeStruct(fields map[string]interface{}, r reader, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	return r.each(func(f field) error {
		if f.number != 1 {
			return nil
		}
		key, value, err := valueEntry(r.in(f))
		if err == nil {
			fields[key], err = decodeValue(value, depth+1)
		}
		return err
	})
}

// valueEntry reads a map<string, Value> entry: its key, and its value's
// payload (occurrences of the value merge: their payloads concatenated).
func valueEntry(r reader) (key string, value reader, err error) {
	value = reader{src: r.src}
	repeated := false
	err = r.each(func(f field) error {
		switch {
		case f.number == 1:
			key = r.str(f)
		case f.number == 2 && value.buf == nil:
			value = r.in(f)
		case f.number == 2:
			if !repeated {
				value.buf = append([]byte(nil), value.buf...)
				repeated = true
			}
			value.buf = append(value.buf, f.payload...)
		}
		return nil
	})
	if repeated {
		value = reader{src: string(value.buf), buf: value.buf}
	}
	return key, value, err
}

// decodeValue reads a Value: its last field sets the kind; a message field
// of the same kind as the one before it merges into it.
func decodeValue(r reader, depth int) (value interface{}, err error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	var seconds, nanos int64
	kind := 0
	err = r.each(func(f field) (err error) {
		switch f.number {
		case 1:
			value = nil
		case 2:
			value = f.value != 0
		case 3:
			value = int64(f.value)
		case 4:
			value = f.value
		case 5:
			value = math.Float64frombits(f.value)
		case 6:
			value = r.str(f)
		case 7:
			value = append([]byte(nil), f.payload...)
		case 8:
			if kind != 8 {
				seconds, nanos = 0, 0
			}
			err = mergeTimestamp(r.in(f), &seconds, &nanos)
			value = time.Unix(seconds, nanos).UTC()
		case 9:
			list, _ := value.([]interface{})
			if kind != 9 {
				list = []interface{}{}
			}
			list, err = appendList(list, r.in(f), depth+1)
			value = list
		case 10:
			fields, _ := value.(map[string]interface{})
			if kind != 10 {
				fields = map[string]interface{}{}
			}
			err = mergeStruct(fields, r.in(f), depth+1)
			value = fields
		default:
			return nil
		}
		kind = f.number
		return err
	})
	if err != nil {
		return nil, err
	}
	return value, nil
}

// appendList reads a ListValue's values onto list.
func appendList(list []interface{}, r reader, depth int) ([]interface{}, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	err := r.each(func(f field) error {
		if f.number != 1 {
			return nil
		}
		v, err := decodeValue(r.in(f), depth+1)
		list = append(list, v)
		return err
	})
	return list, err
}
