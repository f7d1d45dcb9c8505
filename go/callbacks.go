package eiw

// The Go side of the log callback. It lives in its own file because cgo
// allows only declarations in the preamble of a file with //export.

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

//export eiwGoLog
func eiwGoLog(handle C.uintptr_t, level C.uint32_t, msg *C.uint8_t, n C.size_t) {
	c := cgo.Handle(handle).Value().(*call)
	if c.panic != nil {
		return
	}
	// A panic must not unwind through C frames: keep it and re-raise it
	// after the C call returns.
	defer func() {
		if p := recover(); p != nil {
			c.panic = p
		}
	}()
	c.logger.Log(LogLevel(level), string(unsafe.Slice((*byte)(msg), int(n))))
}
