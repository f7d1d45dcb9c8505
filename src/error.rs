//! The one error type of the core, and the result codes C callers see.
use std::ffi::CStr;
use std::fmt;

/// Every code with its C name, in value order.
const CODES: [(ResultCode, &CStr); 26] = [
    (ResultCode::Ok, c"EIW_RESULT_OK"),
    (ResultCode::NullArgument, c"EIW_RESULT_NULL_ARGUMENT"),
    (ResultCode::InvalidModule, c"EIW_RESULT_INVALID_MODULE"),
    (ResultCode::AbiMismatch, c"EIW_RESULT_ABI_MISMATCH"),
    (ResultCode::InvalidOptions, c"EIW_RESULT_INVALID_OPTIONS"),
    (ResultCode::InvalidConfig, c"EIW_RESULT_INVALID_CONFIG"),
    (ResultCode::InvalidEvent, c"EIW_RESULT_INVALID_EVENT"),
    (ResultCode::EventTooLarge, c"EIW_RESULT_EVENT_TOO_LARGE"),
    (ResultCode::GuestStatus, c"EIW_RESULT_GUEST_STATUS"),
    (ResultCode::GuestMalloc, c"EIW_RESULT_GUEST_MALLOC"),
    (ResultCode::TrapUnreachable, c"EIW_RESULT_TRAP_UNREACHABLE"),
    (
        ResultCode::TrapOutOfBounds,
        c"EIW_RESULT_TRAP_OUT_OF_BOUNDS",
    ),
    (
        ResultCode::TrapDivideByZero,
        c"EIW_RESULT_TRAP_DIVIDE_BY_ZERO",
    ),
    (
        ResultCode::TrapStackOverflow,
        c"EIW_RESULT_TRAP_STACK_OVERFLOW",
    ),
    (ResultCode::TrapOther, c"EIW_RESULT_TRAP_OTHER"),
    (
        ResultCode::InstantiationFailed,
        c"EIW_RESULT_INSTANTIATION_FAILED",
    ),
    (ResultCode::NoRegister, c"EIW_RESULT_NO_REGISTER"),
    (ResultCode::Reentrant, c"EIW_RESULT_REENTRANT"),
    (ResultCode::Panic, c"EIW_RESULT_PANIC"),
    (ResultCode::InvalidEmit, c"EIW_RESULT_INVALID_EMIT"),
    (ResultCode::GuestBadPointer, c"EIW_RESULT_GUEST_BAD_POINTER"),
    (ResultCode::EmitLimit, c"EIW_RESULT_EMIT_LIMIT"),
    (
        ResultCode::GuestBadArgument,
        c"EIW_RESULT_GUEST_BAD_ARGUMENT",
    ),
    (ResultCode::CpuExhausted, c"EIW_RESULT_CPU_EXHAUSTED"),
    (ResultCode::MemoryExhausted, c"EIW_RESULT_MEMORY_EXHAUSTED"),
    (ResultCode::HostClosed, c"EIW_RESULT_HOST_CLOSED"),
];

/// The outcome of an eiw call. `EIW_RESULT_OK` is 0; every other value names
/// one kind of failure. Values are never reused when a kind is retired.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// Success.
    Ok = 0,
    /// A pointer that must not be NULL was NULL (or a NULL buffer had a nonzero length).
    NullArgument = 1,
    /// The module bytes are not a valid WebAssembly module.
    InvalidModule = 2,
    /// The module does not follow the eiw guest ABI: marker, exports or imports.
    AbiMismatch = 3,
    /// The `HostOptions` bytes are not a valid serialized `HostOptions`.
    InvalidOptions = 4,
    /// The `Config` bytes are not a valid serialized `Config`.
    InvalidConfig = 5,
    /// The event bytes are not a valid serialized `Event`.
    InvalidEvent = 6,
    /// The input event is larger than `HostOptions.max_event_bytes`.
    EventTooLarge = 7,
    /// The guest returned a status other than OK.
    GuestStatus = 8,
    /// The guest's `malloc` returned 0 or a range outside its memory.
    GuestMalloc = 9,
    /// The guest trapped: `unreachable` executed.
    TrapUnreachable = 10,
    /// The guest trapped: memory or table access out of bounds.
    TrapOutOfBounds = 11,
    /// The guest trapped: integer division by zero.
    TrapDivideByZero = 12,
    /// The guest trapped: its call stack overflowed.
    TrapStackOverflow = 13,
    /// The guest trapped for another reason (integer overflow, bad conversion, bad indirect call).
    TrapOther = 14,
    /// A new instance could not be created (for example the start function trapped).
    InstantiationFailed = 15,
    /// `eiw_register` was called but the module does not export `register`.
    NoRegister = 16,
    /// A callback called back into the host that is calling it.
    Reentrant = 17,
    /// A bug in eiw: a panic was caught at the C boundary.
    Panic = 18,
    /// The guest emitted bytes that are not a valid `Event`, or a too large one.
    InvalidEmit = 19,
    /// The guest passed a pointer or length outside its memory (or negative) to a host function.
    GuestBadPointer = 20,
    /// The guest emitted more events in one call than `HostOptions.max_emits_per_call`.
    EmitLimit = 21,
    /// The guest called a host function with an invalid argument other than a
    /// pointer (for example an unknown log level).
    GuestBadArgument = 22,
    /// The guest used up its CPU budget (`HostOptions.cpu_points_per_call`) in one call.
    CpuExhausted = 23,
    /// The guest trapped after it was refused memory beyond
    /// `HostOptions.max_memory_pages`, or the module needs more memory than that.
    MemoryExhausted = 24,
    /// The host was freed (`eiw_free`): a call that started after that.
    HostClosed = 25,
}

impl ResultCode {
    /// The name C callers see, e.g. `EIW_RESULT_TRAP_UNREACHABLE`.
    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("EIW_RESULT_UNKNOWN")
    }

    /// [`ResultCode::name`] as a NUL-terminated string.
    pub fn c_name(self) -> &'static CStr {
        CODES[self as usize].1
    }

    /// The code with this numeric value, if this version knows it.
    pub fn from_u32(value: u32) -> Option<ResultCode> {
        CODES.get(value as usize).map(|(code, _)| *code)
    }

    /// True for the kinds after which the guest instance is discarded: it
    /// stopped in the middle of its code, so its memory may be inconsistent.
    pub fn discards_instance(self) -> bool {
        use ResultCode::*;
        matches!(
            self,
            GuestMalloc
                | TrapUnreachable
                | TrapOutOfBounds
                | TrapDivideByZero
                | TrapStackOverflow
                | TrapOther
                | InstantiationFailed
                | Panic
                | CpuExhausted
                | MemoryExhausted
        )
    }
}

/// An eiw failure: a code and a message meant for an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ResultCode,
    message: String,
}

impl Error {
    pub fn new(code: ResultCode, message: impl Into<String>) -> Self {
        debug_assert!(code != ResultCode::Ok);
        Error {
            code,
            message: message.into(),
        }
    }

    pub fn code(&self) -> ResultCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_table_is_in_value_order() {
        for (i, (code, name)) in CODES.iter().enumerate() {
            assert_eq!(*code as usize, i, "{name:?}");
            assert_eq!(ResultCode::from_u32(i as u32), Some(*code));
        }
        assert_eq!(ResultCode::from_u32(CODES.len() as u32), None);
    }
}
