package eiw

/*
#include <stdint.h>
#include "eiw.h"
*/
import "C"

import "fmt"

// EventFormat is the form of events and configs at a host's boundary
// (HostOptions.event_format, docs/FORMATS.md). Guests always see protobuf.
type EventFormat uint32

const (
	// FormatProtobuf: serialized Event and Config messages.
	FormatProtobuf EventFormat = C.EIW_EVENT_FORMAT_PROTOBUF
	// FormatJSON: one JSON object per event or config.
	FormatJSON EventFormat = C.EIW_EVENT_FORMAT_JSON
	// FormatMsgpack: one msgpack record per event (a map, [time, map] or
	// [[time, metadata], map]); a msgpack map per config.
	FormatMsgpack EventFormat = C.EIW_EVENT_FORMAT_MSGPACK
)

func (f EventFormat) String() string {
	switch f {
	case FormatProtobuf:
		return "protobuf"
	case FormatJSON:
		return "JSON"
	case FormatMsgpack:
		return "msgpack"
	}
	return fmt.Sprintf("EventFormat(%d)", uint32(f))
}

// needFormat refuses a method made for hosts of another EventFormat.
func (h *Host) needFormat(want EventFormat, method string) error {
	if _, err := h.handle(); err != nil {
		return err
	}
	if h.format != want {
		return &Error{Code: ResultInvalidOptions,
			Message: fmt.Sprintf("%s needs a host with EventFormat %s; this one has %s", method, want, h.format)}
	}
	return nil
}

// ProcessJSON runs the module on one JSON object and returns the JSON
// objects it emitted, for a host created with EventFormat FormatJSON. A
// record that is not a valid event fails with ErrInvalidEvent, the message
// naming the byte offset; an emitted event JSON can not hold exactly (a
// NaN, say) fails with ErrInvalidEmit naming the field.
func (h *Host) ProcessJSON(record []byte) ([][]byte, error) {
	if err := h.needFormat(FormatJSON, "ProcessJSON"); err != nil {
		return nil, err
	}
	return h.Process(record)
}

// ProcessBatchJSON is ProcessBatch on JSON objects, for a host created with
// EventFormat FormatJSON.
func (h *Host) ProcessBatchJSON(records [][]byte) ([]BatchResult, error) {
	if err := h.needFormat(FormatJSON, "ProcessBatchJSON"); err != nil {
		return nil, err
	}
	return h.ProcessBatch(records)
}
