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
	if c.panic != nil || c.goexit {
		return
	}
	line := string(unsafe.Slice((*byte)(msg), int(n)))
	// The Logger runs on a goroutine of its own, so that neither a panic
	// nor runtime.Goexit (t.Fatal in a test) can unwind through the C
	// frames of this call: both are kept and raised again in the caller's
	// goroutine after the C call returns.
	done := make(chan struct{})
	go func() {
		returned := false
		defer func() {
			if !returned {
				if p := recover(); p != nil {
					c.panic = p
				} else {
					c.goexit = true
				}
			}
			close(done)
		}()
		c.logger.Log(LogLevel(level), line)
		returned = true
	}()
	<-done
}
