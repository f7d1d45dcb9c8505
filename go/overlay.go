package eiw

// Edits to an event that keeps the module's bytes (see Event): Put and
// Delete decode only the top-level value their path starts with, and keep
// it, changed, in Event.edits; reads of that key see the edit. Marshal
// and ProcessEvent copy every other top-level entry as the bytes it is
// and encode the edited ones, so an event that gets a field or loses one
// between two stages is never decoded whole.

import "strings"

// removed is the edit of a top-level key that Delete took away.
type removed struct{}

// topLevel is the top-level value of key as edited: a decoded copy the
// first time, which the caller may change and keep as the edit.
func (e *Event) topLevel(key string) (interface{}, bool) {
	if value, edited := e.edits[key]; edited {
		return present(value)
	}
	return lookUp(e.bytes(), key)
}

// present is an edited top-level value, unless it was removed.
func present(value interface{}) (interface{}, bool) {
	if _, gone := value.(removed); gone {
		return nil, false
	}
	return value, true
}

func (e *Event) edit(key string, value interface{}) {
	if e.edits == nil {
		e.edits = map[string]interface{}{}
	}
	e.edits[key] = value
}

func (e *Event) wireGet(path string) (interface{}, bool) {
	key, rest, more := strings.Cut(path, ".")
	value, edited := e.edits[key]
	switch {
	case !edited:
		return lookUp(e.bytes(), path)
	case !more:
		return present(value)
	}
	object, ok := value.(map[string]interface{})
	if !ok {
		return nil, false
	}
	return getPath(object, rest)
}

func (e *Event) wirePut(path string, value interface{}) {
	key, rest, more := strings.Cut(path, ".")
	if !more {
		e.edit(key, value)
		return
	}
	current, _ := e.topLevel(key)
	object, ok := current.(map[string]interface{})
	if !ok {
		object = map[string]interface{}{}
	}
	putPath(object, rest, value)
	e.edit(key, object)
}

func (e *Event) wireDelete(path string) (interface{}, bool) {
	key, rest, more := strings.Cut(path, ".")
	current, found := e.topLevel(key)
	if !found {
		return nil, false
	}
	if !more {
		e.edit(key, removed{})
		return current, true
	}
	object, ok := current.(map[string]interface{})
	if !ok {
		return nil, false
	}
	value, found := deletePath(object, rest)
	if found {
		e.edit(key, object)
	}
	return value, found
}

// edited writes an event that keeps its bytes, with its edits: the
// event's fields other than `fields` as they are, then one `fields`
// object of every top-level entry whose key was not edited, as it is,
// and the edited entries encoded.
func (enc *encoder) edited(e *Event) ([]byte, error) {
	var objects []reader
	err := enc.copyFields(e, e.bytes(), func(f field, payload reader) bool {
		if f.number == 2 {
			objects = append(objects, payload)
			return false
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	s := enc.open(2)
	for _, object := range objects {
		err := enc.copyFields(e, object, func(f field, payload reader) bool {
			_, edited := e.edits[entryKey(payload)]
			return f.number != 1 || !edited
		})
		if err != nil {
			return nil, err
		}
	}
	for key, value := range e.edits {
		if _, gone := value.(removed); gone {
			continue
		}
		if err := enc.entry(1, key, value, 0); err != nil {
			return nil, asEventError(err)
		}
	}
	enc.close(s)
	return enc.buf, nil
}

// copyFields appends the fields of r that keep (given a field and a reader
// of its payload) says to keep, each as the bytes it is in e's wire form.
func (enc *encoder) copyFields(e *Event, r reader, keep func(f field, payload reader) bool) error {
	for len(r.buf) > 0 {
		start := r.off
		f, err := r.next()
		if err != nil {
			return err
		}
		if keep(f, r.in(f)) {
			enc.buf = append(enc.buf, e.wire[start:r.off]...)
		}
	}
	return nil
}
