//! The host/guest ABI, as docs/ABI.md writes it: names, types, status codes,
//! log levels, and the check that a compiled module follows it.
use crate::error::{Error, Result, ResultCode};
use wasmer::{ExternType, FunctionType, Module, Type};

/// Import module name of every host function.
pub const IMPORT_MODULE: &str = "elastic";
pub const EMIT_EVENT: &str = "elastic_emit_event";
pub const GET_TIME: &str = "elastic_get_current_time_nanoseconds";
pub const LOG: &str = "elastic_log";
/// 1.1: reports the status of one event of a batch.
pub const BATCH_RESULT: &str = "elastic_batch_result";
/// 0.x only (docs/ABI.md, "ABI 0.x").
pub const GET_FIELD: &str = "elastic_get_field";
pub const PUT_FIELD: &str = "elastic_put_field";

pub const MEMORY: &str = "memory";
pub const MALLOC: &str = "malloc";
pub const PROCESS: &str = "process";
pub const REGISTER: &str = "register";
/// 1.1, optional: many events in one call.
pub const PROCESS_BATCH: &str = "process_batch";
/// ABI 1.1, optional: `input_buffer(size) -> ptr`, a buffer the guest keeps
/// for the host to write inputs into without a `malloc` per call.
pub const INPUT_BUFFER: &str = "input_buffer";
/// Prefix of the marker export; `<major>_<minor>` follows.
pub const MARKER_PREFIX: &str = "elastic_ingest_wasm_abi_";

/// The ABI version this host implements.
pub const HOST_ABI: AbiVersion = AbiVersion { major: 1, minor: 1 };
/// The proof-of-concept ABI: no marker, `process()` with no parameters,
/// fields read and written as JSON through host calls.
pub const POC_ABI: AbiVersion = AbiVersion { major: 0, minor: 0 };

/// Status codes that cross the boundary in both directions.
pub mod status {
    pub const OK: i32 = 0;
    pub const INTERNAL_FAILURE: i32 = 1;
    pub const INVALID_ARGUMENT: i32 = 2;
    pub const NOT_FOUND: i32 = 3;

    /// A human name for a status, for error messages.
    pub fn describe(status: i32) -> String {
        match status {
            OK => "0 (ok)".into(),
            INTERNAL_FAILURE => "1 (internal failure)".into(),
            INVALID_ARGUMENT => "2 (invalid argument)".into(),
            NOT_FOUND => "3 (not found)".into(),
            other => format!("{other} (unknown status)"),
        }
    }
}

/// Severity of a guest log line, as passed to `elastic_log`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
    Critical = 4,
}

impl LogLevel {
    pub fn from_i32(level: i32) -> Option<Self> {
        Some(match level {
            0 => LogLevel::Debug,
            1 => LogLevel::Info,
            2 => LogLevel::Warn,
            3 => LogLevel::Error,
            4 => LogLevel::Critical,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbiVersion {
    pub major: u32,
    pub minor: u32,
}

impl AbiVersion {
    pub fn is_poc(self) -> bool {
        self.major == 0
    }
}

impl std::fmt::Display for AbiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.major {
            0 => write!(f, "0.x"),
            major => write!(f, "{major}.{}", self.minor),
        }
    }
}

/// What the check learned about a module that passed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModuleAbi {
    pub version: AbiVersion,
    pub has_register: bool,
    /// ABI 1.1 modules may export `process_batch`.
    pub has_process_batch: bool,
    /// ABI 1.1 modules may export `input_buffer`.
    pub has_input_buffer: bool,
    /// The minimum size the module declares for `memory`, in 64 KiB pages.
    pub memory_minimum_pages: u32,
}

fn mismatch(message: String) -> Error {
    Error::new(ResultCode::AbiMismatch, message)
}

fn signature(params: &[Type], results: &[Type]) -> FunctionType {
    FunctionType::new(params.to_vec(), results.to_vec())
}

/// The type the host gives each import it provides to modules of an ABI
/// version, or None for a name it does not provide to them.
pub fn import_type(version: AbiVersion, name: &str) -> Option<FunctionType> {
    use Type::{I32, I64};
    Some(match (version.is_poc(), name) {
        (false, EMIT_EVENT) => signature(&[I32, I32], &[I32]),
        (false, BATCH_RESULT) if version.minor >= 1 => signature(&[I32, I32], &[I32]),
        (false, GET_TIME) => signature(&[], &[I64]),
        (true, GET_TIME) => signature(&[I32], &[I32]),
        (_, LOG) => signature(&[I32, I32, I32], &[I32]),
        (true, GET_FIELD | PUT_FIELD) => signature(&[I32, I32, I32, I32], &[I32]),
        _ => return None,
    })
}

pub(crate) fn describe_type(ty: &ExternType) -> String {
    match ty {
        ExternType::Function(f) => format!("a function {f}"),
        ExternType::Memory(_) => "a memory".into(),
        ExternType::Table(_) => "a table".into(),
        ExternType::Global(_) => "a global".into(),
        ExternType::Tag(_) => "a tag".into(),
    }
}

/// Parses `elastic_ingest_wasm_abi_<major>_<minor>`.
fn parse_marker(name: &str) -> Option<AbiVersion> {
    let rest = name.strip_prefix(MARKER_PREFIX)?;
    let (major, minor) = rest.split_once('_')?;
    Some(AbiVersion {
        major: major.parse().ok()?,
        minor: minor.parse().ok()?,
    })
}

/// Checks a compiled module against ABI 1.0: the marker and its version,
/// the required exports and their types, and that every import is one the
/// host provides with the type it provides.
pub fn check_module(module: &Module) -> Result<ModuleAbi> {
    use Type::I32;
    let mut markers = Vec::new();
    let mut memory = None;
    let mut exports = std::collections::HashMap::new();
    for export in module.exports() {
        let name = export.name();
        if name.starts_with(MARKER_PREFIX) {
            markers.push((name.to_string(), export.ty().clone()));
        } else if name == MEMORY {
            memory = Some(export.ty().clone());
        } else if matches!(
            name,
            MALLOC | PROCESS | REGISTER | PROCESS_BATCH | INPUT_BUFFER
        ) {
            exports.insert(name.to_string(), export.ty().clone());
        }
    }

    let poc_process = ExternType::Function(signature(&[], &[I32]));
    let v1_process = ExternType::Function(signature(&[I32, I32], &[I32]));
    let version = match markers.as_slice() {
        [] if exports.get(PROCESS) == Some(&poc_process) => POC_ABI,
        [] if exports.get(PROCESS) == Some(&v1_process) => {
            return Err(mismatch(format!(
                "module looks like ABI 1.0 (`process` takes (ptr, len)) but has no ABI marker: export a function named `{MARKER_PREFIX}{}_{}`",
                HOST_ABI.major, HOST_ABI.minor
            )))
        }
        [] => {
            return Err(mismatch(format!(
                "module has no ABI marker: export a function named `{MARKER_PREFIX}{}_{}` (ABI 1.0), or `process` with no parameters (ABI 0.x)",
                HOST_ABI.major, HOST_ABI.minor
            )))
        }
        [(name, ty)] => {
            let version = parse_marker(name).ok_or_else(|| {
                mismatch(format!(
                    "ABI marker `{name}` is not of the form `{MARKER_PREFIX}<major>_<minor>`"
                ))
            })?;
            if *ty != ExternType::Function(signature(&[], &[])) {
                return Err(mismatch(format!(
                    "ABI marker `{name}` must be a function with no parameters and no results, found {}",
                    describe_type(ty)
                )));
            }
            version
        }
        many => {
            let names: Vec<&str> = many.iter().map(|(n, _)| n.as_str()).collect();
            return Err(mismatch(format!(
                "module exports more than one ABI marker: {}",
                names.join(", ")
            )));
        }
    };
    if !version.is_poc() && exports.get(PROCESS) == Some(&poc_process) {
        return Err(mismatch(format!(
            "module declares ABI {version} but its `process` takes no parameters, as in ABI 0.x; ABI 1.0 needs `process` {}",
            signature(&[I32, I32], &[I32])
        )));
    }
    if !version.is_poc() && (version.major != HOST_ABI.major || version.minor > HOST_ABI.minor) {
        return Err(mismatch(format!(
            "module requires ABI {version}; this host supports ABI {}.0 to {HOST_ABI}",
            HOST_ABI.major
        )));
    }

    let memory_minimum_pages = match memory {
        Some(ExternType::Memory(ty)) if ty.shared => {
            return Err(mismatch(
                "export `memory` is a shared memory; eiw needs an unshared one".into(),
            ))
        }
        Some(ExternType::Memory(ty)) => ty.minimum.0,
        Some(other) => {
            return Err(mismatch(format!(
                "export `memory` must be a memory, found {}",
                describe_type(&other)
            )))
        }
        None => return Err(mismatch("module does not export `memory`".into())),
    };

    let expect_function = |name: &str, want: FunctionType, required: bool| -> Result<bool> {
        match exports.get(name) {
            None if required => Err(mismatch(format!(
                "module does not export `{name}` ({want})"
            ))),
            None => Ok(false),
            Some(ExternType::Function(f)) if *f == want => Ok(true),
            Some(other) => Err(mismatch(format!(
                "export `{name}` must be a function {want}, found {}",
                describe_type(other)
            ))),
        }
    };
    expect_function(MALLOC, signature(&[I32], &[I32]), true)?;
    let (has_register, has_process_batch, has_input_buffer) = if version.is_poc() {
        // 0.x modules take no config; their `process` type was checked above.
        (false, false, false)
    } else {
        expect_function(PROCESS, signature(&[I32, I32], &[I32]), true)?;
        let register = expect_function(REGISTER, signature(&[I32, I32], &[I32]), false)?;
        // A 1.0 module's `process_batch` and `input_buffer` are not part of
        // its ABI: ignored.
        let minor_1 = version.minor >= 1;
        let batch =
            minor_1 && expect_function(PROCESS_BATCH, signature(&[I32, I32], &[I32]), false)?;
        let buffer = minor_1 && expect_function(INPUT_BUFFER, signature(&[I32], &[I32]), false)?;
        (register, batch, buffer)
    };

    for import in module.imports() {
        let (module_name, name) = (import.module(), import.name());
        let provided = (module_name == IMPORT_MODULE)
            .then(|| import_type(version, name))
            .flatten();
        match (provided, import.ty()) {
            (None, _) if version.is_poc() && module_name == IMPORT_MODULE && import_type(HOST_ABI, name).is_some() => {
                return Err(mismatch(format!(
                    "module imports `{module_name}.{name}`, which belongs to ABI 1.x, but it has no ABI marker (it looks like ABI 0.x)"
                )))
            }
            (None, _) if module_name == IMPORT_MODULE && import_type(HOST_ABI, name).is_some() => {
                return Err(mismatch(format!(
                    "module imports `{module_name}.{name}`, which belongs to ABI {HOST_ABI}, but it declares ABI {version}"
                )))
            }
            (None, _) if module_name == IMPORT_MODULE && import_type(POC_ABI, name).is_some() => {
                return Err(mismatch(format!(
                    "module imports `{module_name}.{name}`, which belongs to ABI 0.x, but it declares ABI {version}"
                )))
            }
            (None, _) => {
                return Err(mismatch(format!(
                    "module imports `{module_name}.{name}`, which the host does not provide"
                )))
            }
            (Some(want), ExternType::Function(got)) if *got == want => {}
            (Some(want), got) => {
                return Err(mismatch(format!(
                    "import `{module_name}.{name}` must be a function {want}, found {}",
                    describe_type(got)
                )))
            }
        }
    }

    Ok(ModuleAbi {
        version,
        has_register,
        has_process_batch,
        has_input_buffer,
        memory_minimum_pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_markers() {
        assert_eq!(
            parse_marker("elastic_ingest_wasm_abi_1_0"),
            Some(AbiVersion { major: 1, minor: 0 })
        );
        assert_eq!(
            parse_marker("elastic_ingest_wasm_abi_2_13"),
            Some(AbiVersion {
                major: 2,
                minor: 13
            })
        );
        assert_eq!(parse_marker("elastic_ingest_wasm_abi_1"), None);
        assert_eq!(parse_marker("elastic_ingest_wasm_abi_x_0"), None);
    }

    #[test]
    fn log_levels_round_trip() {
        for i in 0..5 {
            assert_eq!(LogLevel::from_i32(i).map(|l| l as i32), Some(i));
        }
        assert_eq!(LogLevel::from_i32(5), None);
        assert_eq!(LogLevel::from_i32(-1), None);
    }
}
