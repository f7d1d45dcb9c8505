package eiw

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
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

// encodeFields writes map<string, Value> entries as field.
func encodeFields(e *encoder, field int, fields map[string]interface{}, path string, depth int) error {
	for _, k := range sortedKeys(fields) {
		if err := encodeEntry(e, field, k, fields[k], path, depth); err != nil {
			return err
		}
	}
	return nil
}

// encodeEntry writes one map<string, Value> entry.
func encodeEntry(e *encoder, field int, key string, value interface{}, path string, depth int) error {
	var err error
	e.message(field, func(entry *encoder) {
		entry.bytesField(1, []byte(key))
		entry.message(2, func(v *encoder) { err = encodeValue(v, value, join(path, key), depth) })
	})
	return err
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// encodeValue writes one Value: every Go type a caller plausibly has,
// exactly, or an error naming the path.
func encodeValue(e *encoder, value interface{}, path string, depth int) error {
	if depth > maxValueDepth {
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
		e.bytesField(6, []byte(v))
	case []byte:
		e.bytesField(7, v)
	case time.Time:
		e.message(8, func(t *encoder) { encodeTimestamp(t, v) })
	case json.Number:
		return encodeNumber(e, v, path)
	case []interface{}:
		return encodeList(e, len(v), func(i int) interface{} { return v[i] }, path, depth)
	case map[string]interface{}:
		var err error
		e.message(10, func(s *encoder) { err = encodeFields(s, 1, v, path, depth+1) })
		return err
	case encoding.TextMarshaler:
		text, err := v.MarshalText()
		if err != nil {
			return encodeError(path, "%T.MarshalText: %v", value, err)
		}
		e.bytesField(6, text)
	default:
		return encodeReflected(e, reflect.ValueOf(value), path, depth)
	}
	return nil
}

// encodeReflected handles the types of no case above by their kind:
// other integer and float widths, named types, pointers, and maps and
// slices of any element type.
func encodeReflected(e *encoder, v reflect.Value, path string, depth int) error {
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
			return encodeValue(e, nil, path, depth)
		}
		return encodeValue(e, v.Elem().Interface(), path, depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return encodeValue(e, nil, path, depth)
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			bytes := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(bytes), v)
			e.bytesField(7, bytes)
			return nil
		}
		return encodeList(e, v.Len(), func(i int) interface{} { return v.Index(i).Interface() }, path, depth)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return encodeError(path, "a %s: map keys must be strings", v.Type())
		}
		if v.IsNil() {
			return encodeValue(e, nil, path, depth)
		}
		keys := make([]string, 0, v.Len())
		values := make(map[string]interface{}, v.Len())
		for it := v.MapRange(); it.Next(); {
			key := it.Key().String()
			keys = append(keys, key)
			values[key] = it.Value().Interface()
		}
		sort.Strings(keys)
		var err error
		e.message(10, func(s *encoder) {
			for _, key := range keys {
				if err = encodeEntry(s, 1, key, values[key], path, depth+1); err != nil {
					return
				}
			}
		})
		return err
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

func encodeList(e *encoder, n int, item func(int) interface{}, path string, depth int) error {
	var err error
	e.message(9, func(list *encoder) {
		for i := 0; i < n && err == nil; i++ {
			list.message(1, func(v *encoder) {
				err = encodeValue(v, item(i), path+"["+strconv.Itoa(i)+"]", depth+1)
			})
		}
	})
	return err
}
