package eiw

/*
#include <stdint.h>
#include <stdlib.h>
#include "eiw.h"
*/
import "C"

import (
	"unsafe"
)

// Stats are a host's counters since it was created (HostStats in
// proto/eiw.proto). EventsIn is always EventsPassed + EventsDropped +
// EventsFailed.
type Stats struct {
	EventsIn, EventsPassed, EventsDropped, EventsFailed, EventsEmitted uint64
	// Failures counts failed Process and Register calls by result name,
	// for example "EIW_RESULT_CPU_EXHAUSTED".
	Failures                            map[string]uint64
	InstancesCreated, InstancesRecycled uint64
	// InstancesLive are alive now, on all threads; InstancesReleasedIdle
	// were released after Options.InstanceIdle unused.
	InstancesLive, InstancesReleasedIdle  uint64
	RegisterCalls, RegisterReplays        uint64
	CPUPointsUsed, CPUPointsMaxPerCall    uint64
	PeakMemoryPages                       uint32
	LatencyUpperBoundsNs, LatencyCounts   []uint64
	LatencySumNs                          uint64
	LogLinesDelivered, LogLinesBelowLevel uint64
	LogLinesRateLimited                   uint64
	// ModuleLoadedFromCache says whether NewHost loaded the compiled module
	// from Options.CacheDir; ModuleCacheNote what went wrong with the cache.
	ModuleLoadedFromCache bool
	ModuleCacheNote       string
}

// Stats reads the host's counters. It may be called while other
// goroutines process.
func (h *Host) Stats() (*Stats, error) {
	host, err := h.handle()
	if err != nil {
		return nil, err
	}
	var buf *C.uint8_t
	var n C.size_t
	var cerr *C.eiw_error
	if rc := C.eiw_host_stats(host, &buf, &n, &cerr); rc != C.EIW_RESULT_OK {
		return nil, takeError(rc, cerr)
	}
	raw := C.GoBytes(unsafe.Pointer(buf), C.int(n))
	C.eiw_bytes_free(buf, n)
	return decodeStats(raw)
}

func decodeStats(b []byte) (*Stats, error) {
	s := &Stats{Failures: map[string]uint64{}}
	counters := map[int]*uint64{
		1: &s.EventsIn, 2: &s.EventsPassed, 3: &s.EventsDropped, 4: &s.EventsFailed,
		5: &s.EventsEmitted, 7: &s.InstancesCreated, 8: &s.InstancesRecycled,
		9: &s.RegisterCalls, 10: &s.RegisterReplays, 11: &s.CPUPointsUsed,
		12: &s.CPUPointsMaxPerCall, 15: &s.LogLinesDelivered, 16: &s.LogLinesBelowLevel,
		17: &s.LogLinesRateLimited, 20: &s.InstancesLive, 21: &s.InstancesReleasedIdle,
	}
	r := reader{buf: b}
	for len(r.buf) > 0 {
		f, err := r.next()
		if err != nil {
			return nil, err
		}
		field, v, payload := f.number, f.value, f.payload
		switch {
		case counters[field] != nil:
			*counters[field] = v
		case field == 6:
			name, count, err := decodeCountEntry(payload)
			if err != nil {
				return nil, err
			}
			s.Failures[name] = count
		case field == 13:
			s.PeakMemoryPages = uint32(v)
		case field == 18:
			s.ModuleLoadedFromCache = v != 0
		case field == 19:
			s.ModuleCacheNote = string(payload)
		case field == 14:
			if err := decodeHistogram(payload, s); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func decodeHistogram(b []byte, s *Stats) error {
	r := reader{buf: b}
	for len(r.buf) > 0 {
		f, err := r.next()
		if err != nil {
			return err
		}
		field, wire, v, payload := f.number, f.wire, f.value, f.payload
		var list *[]uint64
		switch field {
		case 1:
			list = &s.LatencyUpperBoundsNs
		case 2:
			list = &s.LatencyCounts
		case 3:
			s.LatencySumNs = v
			continue
		default:
			continue
		}
		if wire == wireVarint {
			*list = append(*list, v)
			continue
		}
		packed := reader{buf: payload} // repeated scalars are packed in proto3
		for len(packed.buf) > 0 {
			x, err := packed.varint()
			if err != nil {
				return err
			}
			*list = append(*list, x)
		}
	}
	return nil
}

// decodeCountEntry decodes a map<string, uint64> entry.
func decodeCountEntry(b []byte) (key string, count uint64, err error) {
	r := reader{buf: b}
	for len(r.buf) > 0 {
		f, err := r.next()
		if err != nil {
			return "", 0, err
		}
		switch field, v, payload := f.number, f.value, f.payload; field {
		case 1:
			key = string(payload)
		case 2:
			count = v
		}
	}
	return key, count, nil
}
