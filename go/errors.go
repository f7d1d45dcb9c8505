package eiw

/*
#include <stdint.h>
#include "eiw.h"
*/
import "C"

import "fmt"

// Result is an eiw result code (eiw_result in eiw.h).
type Result uint32

func (r Result) String() string {
	return C.GoString(C.eiw_result_name(C.uint32_t(r)))
}

// Error is a failed eiw call: its result code and message. Match a kind
// with errors.Is(err, eiw.ErrCPUExhausted) and so on.
type Error struct {
	Code    Result
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "eiw: " + e.Code.String()
	}
	return fmt.Sprintf("eiw: %s: %s", e.Code, e.Message)
}

// Is matches the sentinel errors below by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

func sentinel(code C.uint32_t) *Error { return &Error{Code: Result(code)} }

// ResultPanic is EIW_RESULT_PANIC: a bug in eiw or in this binding.
const ResultPanic Result = C.EIW_RESULT_PANIC

// One sentinel per result code, for errors.Is.
var (
	ErrNullArgument        = sentinel(C.EIW_RESULT_NULL_ARGUMENT)
	ErrInvalidModule       = sentinel(C.EIW_RESULT_INVALID_MODULE)
	ErrABIMismatch         = sentinel(C.EIW_RESULT_ABI_MISMATCH)
	ErrInvalidOptions      = sentinel(C.EIW_RESULT_INVALID_OPTIONS)
	ErrInvalidConfig       = sentinel(C.EIW_RESULT_INVALID_CONFIG)
	ErrInvalidEvent        = sentinel(C.EIW_RESULT_INVALID_EVENT)
	ErrEventTooLarge       = sentinel(C.EIW_RESULT_EVENT_TOO_LARGE)
	ErrGuestStatus         = sentinel(C.EIW_RESULT_GUEST_STATUS)
	ErrGuestMalloc         = sentinel(C.EIW_RESULT_GUEST_MALLOC)
	ErrTrapUnreachable     = sentinel(C.EIW_RESULT_TRAP_UNREACHABLE)
	ErrTrapOutOfBounds     = sentinel(C.EIW_RESULT_TRAP_OUT_OF_BOUNDS)
	ErrTrapDivideByZero    = sentinel(C.EIW_RESULT_TRAP_DIVIDE_BY_ZERO)
	ErrTrapStackOverflow   = sentinel(C.EIW_RESULT_TRAP_STACK_OVERFLOW)
	ErrTrapOther           = sentinel(C.EIW_RESULT_TRAP_OTHER)
	ErrInstantiationFailed = sentinel(C.EIW_RESULT_INSTANTIATION_FAILED)
	ErrNoRegister          = sentinel(C.EIW_RESULT_NO_REGISTER)
	ErrReentrant           = sentinel(C.EIW_RESULT_REENTRANT)
	ErrPanic               = sentinel(C.EIW_RESULT_PANIC)
	ErrInvalidEmit         = sentinel(C.EIW_RESULT_INVALID_EMIT)
	ErrGuestBadPointer     = sentinel(C.EIW_RESULT_GUEST_BAD_POINTER)
	ErrEmitLimit           = sentinel(C.EIW_RESULT_EMIT_LIMIT)
	ErrGuestBadArgument    = sentinel(C.EIW_RESULT_GUEST_BAD_ARGUMENT)
	ErrCPUExhausted        = sentinel(C.EIW_RESULT_CPU_EXHAUSTED)
	ErrMemoryExhausted     = sentinel(C.EIW_RESULT_MEMORY_EXHAUSTED)
)

// takeError converts and frees a C error.
func takeError(rc C.eiw_result, cerr *C.eiw_error) error {
	err := &Error{Code: Result(rc)}
	if cerr != nil {
		err.Message = C.GoString(C.eiw_error_message(cerr))
		C.eiw_error_free(cerr)
	}
	return err
}
