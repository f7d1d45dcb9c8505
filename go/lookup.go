package eiw

// Reading an event where it lies (the events ProcessEvent returns, before
// anything decodes them): a dotted path is found by scanning the bytes,
// and only the value found is decoded, with decode.go's rules. An object
// is the concatenation of its occurrences (Event.fields repeated, or a run
// of struct values in a Value), a key's last entry wins, and a Value is
// an object only if its last kind is.

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

// bytesAsString is b's memory as a string; b must never change after.
func bytesAsString(b []byte) string {
	return *(*string)(unsafe.Pointer(&b))
}

// lookUp is Event.Get on a serialized event.
func lookUp(r reader, path string) (interface{}, bool) {
	var first [4]reader
	object := first[:0]
	for len(r.buf) > 0 {
		f, err := r.next()
		if err != nil {
			return nil, false
		}
		if f.number == 2 {
			object = append(object, r.in(f))
		}
	}
	for depth := 1; ; depth += 2 {
		key, rest, more := strings.Cut(path, ".")
		value, found := lastValue(object, key)
		if !found {
			return nil, false
		}
		if !more {
			v, err := decodeValue(value, depth+1)
			return v, err == nil
		}
		if object = objectParts(value, object[:0]); object == nil {
			return nil, false
		}
		path = rest
	}
}

// lastValue finds the Value of key's last entry in an object's parts.
func lastValue(object []reader, key string) (reader, bool) {
	var last reader
	found := false
	for _, part := range object {
		b, off := part.buf, part.off
		for len(b) > 0 {
			if b[0] != 0x0a { // not an entry: skipped
				r := reader{src: part.src, buf: b, off: off}
				if _, err := r.next(); err != nil {
					return reader{}, false
				}
				b, off = r.buf, r.off
				continue
			}
			n, k := binary.Uvarint(b[1:])
			if k <= 0 || n > uint64(len(b)-1-k) {
				return reader{}, false
			}
			at, end := 1+k, 1+k+int(n)
			entry := reader{src: part.src, buf: b[at:end], off: off + at}
			b, off = b[end:], off+end
			if matched, value, plain := plainEntry(entry, key); plain {
				if matched {
					last, found = value, true
				}
				continue
			}
			if entryKey(entry) == key {
				_, value, err := valueEntry(entry)
				if err != nil {
					return reader{}, false
				}
				last, found = value, true
			}
		}
	}
	return last, found
}

// plainEntry reads an entry written as every encoder writes one (a key
// with a one-byte length, then the value, if any, up to the entry's end):
// whether its key is key, and then its value.
func plainEntry(entry reader, key string) (matched bool, value reader, plain bool) {
	b := entry.buf
	if len(b) < 2 || b[0] != 0x0a || b[1] >= 0x80 || int(b[1]) > len(b)-2 {
		return false, reader{}, false
	}
	at := 2 + int(b[1])
	if at < len(b) {
		if b[at] != 0x12 {
			return false, reader{}, false
		}
		n, k := binary.Uvarint(b[at+1:])
		if k <= 0 || n != uint64(len(b)-at-1-k) {
			return false, reader{}, false
		}
		at += 1 + k
	}
	if int(b[1]) != len(key) || string(b[2:2+len(key)]) != key {
		return false, reader{}, true
	}
	return true, reader{src: entry.src, buf: b[at:], off: entry.off + at}, true
}

// entryKey is a map entry's key (its last key field).
func entryKey(entry reader) (key string) {
	for len(entry.buf) > 0 {
		f, err := entry.next()
		if err != nil {
			return ""
		}
		if f.number == 1 {
			key = entry.str(f)
		}
	}
	return key
}

// objectParts appends to parts the occurrences of the object a Value
// holds, or returns nil if it holds no object.
func objectParts(value reader, parts []reader) []reader {
	kind := 0
	for len(value.buf) > 0 {
		f, err := value.next()
		if err != nil {
			return nil
		}
		if f.number < 1 || f.number > 10 {
			continue
		}
		if f.number == 10 {
			if kind != 10 {
				parts = parts[:0]
			}
			parts = append(parts, value.in(f))
		}
		kind = f.number
	}
	if kind != 10 {
		return nil
	}
	return parts
}
