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

// The result codes of eiw.h, as Result values.
const (
	ResultOK                  Result = C.EIW_RESULT_OK
	ResultNullArgument        Result = C.EIW_RESULT_NULL_ARGUMENT
	ResultInvalidModule       Result = C.EIW_RESULT_INVALID_MODULE
	ResultABIMismatch         Result = C.EIW_RESULT_ABI_MISMATCH
	ResultInvalidOptions      Result = C.EIW_RESULT_INVALID_OPTIONS
	ResultInvalidConfig       Result = C.EIW_RESULT_INVALID_CONFIG
	ResultInvalidEvent        Result = C.EIW_RESULT_INVALID_EVENT
	ResultEventTooLarge       Result = C.EIW_RESULT_EVENT_TOO_LARGE
	ResultGuestStatus         Result = C.EIW_RESULT_GUEST_STATUS
	ResultGuestMalloc         Result = C.EIW_RESULT_GUEST_MALLOC
	ResultTrapUnreachable     Result = C.EIW_RESULT_TRAP_UNREACHABLE
	ResultTrapOutOfBounds     Result = C.EIW_RESULT_TRAP_OUT_OF_BOUNDS
	ResultTrapDivideByZero    Result = C.EIW_RESULT_TRAP_DIVIDE_BY_ZERO
	ResultTrapStackOverflow   Result = C.EIW_RESULT_TRAP_STACK_OVERFLOW
	ResultTrapOther           Result = C.EIW_RESULT_TRAP_OTHER
	ResultInstantiationFailed Result = C.EIW_RESULT_INSTANTIATION_FAILED
	ResultNoRegister          Result = C.EIW_RESULT_NO_REGISTER
	ResultReentrant           Result = C.EIW_RESULT_REENTRANT
	ResultPanic               Result = C.EIW_RESULT_PANIC
	ResultInvalidEmit         Result = C.EIW_RESULT_INVALID_EMIT
	ResultGuestBadPointer     Result = C.EIW_RESULT_GUEST_BAD_POINTER
	ResultEmitLimit           Result = C.EIW_RESULT_EMIT_LIMIT
	ResultGuestBadArgument    Result = C.EIW_RESULT_GUEST_BAD_ARGUMENT
	ResultCPUExhausted        Result = C.EIW_RESULT_CPU_EXHAUSTED
	ResultMemoryExhausted     Result = C.EIW_RESULT_MEMORY_EXHAUSTED
	ResultHostClosed          Result = C.EIW_RESULT_HOST_CLOSED
)

// One sentinel per result code, for errors.Is: an *Error matches the
// sentinel of its code.
var (
	ErrNullArgument        = &Error{Code: ResultNullArgument}
	ErrInvalidModule       = &Error{Code: ResultInvalidModule}
	ErrABIMismatch         = &Error{Code: ResultABIMismatch}
	ErrInvalidOptions      = &Error{Code: ResultInvalidOptions}
	ErrInvalidConfig       = &Error{Code: ResultInvalidConfig}
	ErrInvalidEvent        = &Error{Code: ResultInvalidEvent}
	ErrEventTooLarge       = &Error{Code: ResultEventTooLarge}
	ErrGuestStatus         = &Error{Code: ResultGuestStatus}
	ErrGuestMalloc         = &Error{Code: ResultGuestMalloc}
	ErrTrapUnreachable     = &Error{Code: ResultTrapUnreachable}
	ErrTrapOutOfBounds     = &Error{Code: ResultTrapOutOfBounds}
	ErrTrapDivideByZero    = &Error{Code: ResultTrapDivideByZero}
	ErrTrapStackOverflow   = &Error{Code: ResultTrapStackOverflow}
	ErrTrapOther           = &Error{Code: ResultTrapOther}
	ErrInstantiationFailed = &Error{Code: ResultInstantiationFailed}
	ErrNoRegister          = &Error{Code: ResultNoRegister}
	ErrReentrant           = &Error{Code: ResultReentrant}
	ErrPanic               = &Error{Code: ResultPanic}
	ErrInvalidEmit         = &Error{Code: ResultInvalidEmit}
	ErrGuestBadPointer     = &Error{Code: ResultGuestBadPointer}
	ErrEmitLimit           = &Error{Code: ResultEmitLimit}
	ErrGuestBadArgument    = &Error{Code: ResultGuestBadArgument}
	ErrCPUExhausted        = &Error{Code: ResultCPUExhausted}
	ErrMemoryExhausted     = &Error{Code: ResultMemoryExhausted}
	// ErrClosed: a call on a Host after Close (EIW_RESULT_HOST_CLOSED).
	ErrClosed = &Error{Code: ResultHostClosed}
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
