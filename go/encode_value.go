package eiw

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// maxValueDepth bounds the nesting of encoded values, so that a value that
// contains itself is an error instead of a stack overflow (eiw's event
// check refuses events nested deeper than 100 messages in any case).
const maxValueDepth = 48

// pathError is a value Marshal cannot encode; the path is built from the
// inside out as the error returns, so that no path is built otherwise.
type pathError struct {
	path string
	msg  string
}

func (p *pathError) Error() string { return p.path + ": " + p.msg }

func encodeError(format string, args ...interface{}) error {
	return &pathError{msg: fmt.Sprintf(format, args...)}
}

// within puts err's path inside segment (a key, or "[i]").
func within(err error, segment string) error {
	p, ok := err.(*pathError)
	switch {
	case !ok:
	case p.path == "":
		p.path = segment
	case strings.HasPrefix(p.path, "["):
		p.path = segment + p.path
	default:
		p.path = segment + "." + p.path
	}
	return err
}

// asEventError is what Marshal and Register return for a pathError.
func asEventError(err error) error {
	if p, ok := err.(*pathError); ok {
		return &Error{Code: ErrInvalidEvent.Code, Message: p.Error()}
	}
	return err
}

// fields writes map<string, Value> entries as field, in the map's
// iteration order (as Go's protobuf library does unless asked to be
// deterministic): sorting the keys was a third of Marshal's time.
func (e *encoder) fields(field int, fields map[string]interface{}, depth int) error {
	for key, value := range fields {
		if err := e.entry(field, key, value, depth); err != nil {
			return err
		}
	}
	return nil
}

// entry writes one map<string, Value> entry as field.
func (e *encoder) entry(field int, key string, value interface{}, depth int) error {
	// The commonest entry, a short key and a short string, has all its
	// lengths known up front: written in one go, no length to patch.
	if s, ok := value.(string); ok && field < 16 && len(key)+len(s) < 0x80-6 {
		e.buf = append(e.buf, byte(field<<3|wireBytes), byte(len(key)+len(s)+6), 1<<3|wireBytes, byte(len(key)))
		e.buf = append(e.buf, key...)
		e.buf = append(e.buf, 2<<3|wireBytes, byte(len(s)+2), 6<<3|wireBytes, byte(len(s)))
		e.buf = append(e.buf, s...)
		return nil
	}
	var entry, v int
	if len(key) < 0x80 && field < 16 {
		// The entry's tag and length slot, the key, the value's tag and
		// length slot, in three appends.
		e.buf = append(e.buf, byte(field<<3|wireBytes), 0, 1<<3|wireBytes, byte(len(key)))
		entry = len(e.buf) - 2
		e.buf = append(e.buf, key...)
		e.buf = append(e.buf, 2<<3|wireBytes, 0)
		v = len(e.buf)
	} else {
		entry = e.open(field)
		e.stringField(1, key)
		v = e.open(2)
	}
	if err := e.value(value, depth); err != nil {
		return within(err, key)
	}
	e.close(v)
	e.close(entry)
	return nil
}

// value writes one Value: every Go type a caller plausibly has, exactly,
// or an error.
func (e *encoder) value(value interface{}, depth int) error {
	if depth > maxValueDepth {
		return encodeError("values nested deeper than %d levels", maxValueDepth)
	}
	switch v := value.(type) {
	case nil:
		e.tag(1, wireVarint)
		e.varint(0)
	case bool:
		encodeBool(e, v)
	case int:
		encodeInt(e, int64(v))
	case int64:
		encodeInt(e, v)
	case uint64:
		encodeUint(e, v)
	case float64:
		encodeFloat(e, v)
	case string:
		if len(v) < 0x80 {
			e.buf = append(e.buf, 6<<3|wireBytes, byte(len(v)))
			e.buf = append(e.buf, v...)
		} else {
			e.stringField(6, v)
		}
	case []byte:
		e.bytesField(7, v)
	case time.Time:
		t := e.open(8)
		encodeTimestamp(e, v)
		e.close(t)
	case json.Number:
		return encodeNumber(e, v)
	case []interface{}:
		return e.list(len(v), func(i int) interface{} { return v[i] }, depth)
	case map[string]interface{}:
		s := e.open(10)
		if err := e.fields(1, v, depth+1); err != nil {
			return err
		}
		e.close(s)
	case encoding.TextMarshaler:
		text, err := v.MarshalText()
		if err != nil {
			return encodeError("%T.MarshalText: %v", value, err)
		}
		e.bytesField(6, text)
	default:
		return e.reflected(reflect.ValueOf(value), depth)
	}
	return nil
}

// reflected handles the types of no case above by their kind: other
// integer and float widths, named types, pointers, and maps and slices of
// any element type.
func (e *encoder) reflected(v reflect.Value, depth int) error {
	switch v.Kind() {
	case reflect.Bool:
		encodeBool(e, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		encodeInt(e, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		encodeUint(e, v.Uint())
	case reflect.Float32, reflect.Float64:
		encodeFloat(e, v.Float())
	case reflect.String:
		e.stringField(6, v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return e.value(nil, depth)
		}
		return e.value(v.Elem().Interface(), depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return e.value(nil, depth)
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			bytes := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(bytes), v)
			e.bytesField(7, bytes)
			return nil
		}
		return e.list(v.Len(), func(i int) interface{} { return v.Index(i).Interface() }, depth)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return encodeError("a %s: map keys must be strings", v.Type())
		}
		if v.IsNil() {
			return e.value(nil, depth)
		}
		values := make(map[string]interface{}, v.Len())
		for it := v.MapRange(); it.Next(); {
			values[it.Key().String()] = it.Value().Interface()
		}
		s := e.open(10)
		if err := e.fields(1, values, depth+1); err != nil {
			return err
		}
		e.close(s)
	default:
		return encodeError("a %s has no Value form", v.Type())
	}
	return nil
}

func (e *encoder) list(n int, item func(int) interface{}, depth int) error {
	list := e.open(9)
	for i := 0; i < n; i++ {
		v := e.open(1)
		if err := e.value(item(i), depth+1); err != nil {
			return within(err, "["+strconv.Itoa(i)+"]")
		}
		e.close(v)
	}
	e.close(list)
	return nil
}

func encodeBool(e *encoder, v bool) {
	e.tag(2, wireVarint)
	if v {
		e.varint(1)
	} else {
		e.varint(0)
	}
}

func encodeInt(e *encoder, v int64) {
	e.tag(3, wireVarint)
	e.varint(uint64(v))
}

func encodeUint(e *encoder, v uint64) {
	e.tag(4, wireVarint)
	e.varint(v)
}

func encodeFloat(e *encoder, v float64) {
	e.tag(5, wireFixed64)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
}

// encodeNumber writes a json.Number as an integer when it is one that
// fits int64 or uint64, else as the nearest double; a number beyond the
// double range is an error.
func encodeNumber(e *encoder, n json.Number) error {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		encodeInt(e, i)
		return nil
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		encodeUint(e, u)
		return nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return encodeError("json.Number %q is not a number a double holds: %v", string(n), err)
	}
	encodeFloat(e, f)
	return nil
}
