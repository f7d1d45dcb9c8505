//! Errors a module returns, and the status codes they become.
use std::fmt;

/// A failure status a guest returns to the host (docs/ABI.md).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    InternalFailure = 1,
    InvalidArgument = 2,
    NotFound = 3,
}

impl Status {
    /// The status for a code returned by a host function; None for OK.
    pub fn from_code(code: i32) -> Option<Status> {
        match code {
            0 => None,
            2 => Some(Status::InvalidArgument),
            3 => Some(Status::NotFound),
            _ => Some(Status::InternalFailure),
        }
    }
}

/// An error from module code or a host function: a status and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    pub message: String,
}

impl Error {
    /// An internal failure.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            status: Status::InternalFailure,
            message: message.into(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error {
            status: Status::InvalidArgument,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Error {
            status: Status::NotFound,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.status, self.message)
    }
}

impl std::error::Error for Error {}

impl From<prost::DecodeError> for Error {
    fn from(e: prost::DecodeError) -> Self {
        Error::invalid_argument(format!("input does not decode: {e}"))
    }
}
