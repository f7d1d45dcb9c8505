package eiw

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// maxValueDepth bounds the nesting of encoded values, as eiw's event check
// does (100 messages), so that a value that contains itself is an error
// instead of a stack overflow.
const maxValueDepth = 48

// encodeError names the path of a value Marshal cannot encode exactly.
func encodeError(path, format string, args ...interface{}) error {
	return &Error{Code: ErrInvalidEvent.Code, Message: path + ": " + fmt.Sprintf(format, args...)}
}

// fields writes map<string, Value> entries as field, in key order.
func (e *encoder) fields(field int, fields map[string]interface{}, path string, depth int) error {
	start := e.pushSortedKeys(fields)
	end := len(e.keys)
	defer func() { e.keys = e.keys[:start] }()
	for i := start; i < end; i++ {
		key := e.keys[i]
		if err := e.entry(field, key, fields[key], path, depth); err != nil {
			return err
		}
	}
	return nil
}

// entry writes one map<string, Value> entry.
func (e *encoder) entry(field int, key string, value interface{}, path string, depth int) error {
	entry := e.open(field)
	e.stringField(1, key)
	v := e.open(2)
	if err := e.value(value, path, key, depth); err != nil {
		return err
	}
	e.close(v)
	e.close(entry)
	return nil
}

// join is the path of key inside path; key "" is path itself (a list
// item or a pointer's target, whose path is already complete).
func join(path, key string) string {
	switch {
	case key == "":
		return path
	case path == "":
		return key
	}
	return path + "." + key
}

// value writes one Value: every Go type a caller plausibly has, exactly,
// or an error naming the path. The path of the value is path joined with
// key; it is only built for an error.
func (e *encoder) value(value interface{}, path, key string, depth int) error {
	if depth > maxValueDepth {
		path = join(path, key)
		return encodeError(path, "values nested deeper than %d levels", maxValueDepth)
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
		e.stringField(6, v)
	case []byte:
		e.bytesField(7, v)
	case time.Time:
		t := e.open(8)
		encodeTimestamp(e, v)
		e.close(t)
	case json.Number:
		return encodeNumber(e, v, join(path, key))
	case []interface{}:
		return e.list(len(v), func(i int) interface{} { return v[i] }, join(path, key), depth)
	case map[string]interface{}:
		s := e.open(10)
		if err := e.fields(1, v, join(path, key), depth+1); err != nil {
			return err
		}
		e.close(s)
	case encoding.TextMarshaler:
		text, err := v.MarshalText()
		if err != nil {
			return encodeError(join(path, key), "%T.MarshalText: %v", value, err)
		}
		e.bytesField(6, text)
	default:
		return e.reflected(reflect.ValueOf(value), join(path, key), depth)
	}
	return nil
}

// encodeReflected handles the types of no case above by their kind:
// other integer and float widths, named types, pointers, and maps and
// slices of any element type.
func (e *encoder) reflected(v reflect.Value, path string, depth int) error {
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
		e.bytesField(6, []byte(v.String()))
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return e.value(nil, path, "", depth)
		}
		return e.value(v.Elem().Interface(), path, "", depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return e.value(nil, path, "", depth)
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			bytes := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(bytes), v)
			e.bytesField(7, bytes)
			return nil
		}
		return e.list(v.Len(), func(i int) interface{} { return v.Index(i).Interface() }, path, depth)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return encodeError(path, "a %s: map keys must be strings", v.Type())
		}
		if v.IsNil() {
			return e.value(nil, path, "", depth)
		}
		values := make(map[string]interface{}, v.Len())
		for it := v.MapRange(); it.Next(); {
			values[it.Key().String()] = it.Value().Interface()
		}
		s := e.open(10)
		if err := e.fields(1, values, path, depth+1); err != nil {
			return err
		}
		e.close(s)
	default:
		return encodeError(path, "a %s has no Value form", v.Type())
	}
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
func encodeNumber(e *encoder, n json.Number, path string) error {
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
		return encodeError(path, "json.Number %q is not a number a double holds: %v", string(n), err)
	}
	encodeFloat(e, f)
	return nil
}

func (e *encoder) list(n int, item func(int) interface{}, path string, depth int) error {
	list := e.open(9)
	for i := 0; i < n; i++ {
		v := e.open(1)
		if err := e.value(item(i), path+"["+strconv.Itoa(i)+"]", "", depth+1); err != nil {
			return err
		}
		e.close(v)
	}
	e.close(list)
	return nil
}
