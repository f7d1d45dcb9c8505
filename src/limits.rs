//! Limits a host enforces on its guest, read from `HostOptions`.
use crate::abi::LogLevel;
use crate::error::{Error, Result, ResultCode};
use crate::format::EventFormat;
use crate::module_cache::{CacheOptions, KEY_BYTES};
use eiw_proto::HostOptions;
use prost::Message;

/// Effective limits: every zero in `HostOptions` replaced by its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_event_bytes: u32,
    pub max_emit_bytes: u32,
    pub max_emits_per_call: u32,
    pub max_log_bytes: u32,
    pub max_memory_pages: u32,
    /// None when metering is off.
    pub cpu_points_per_call: Option<u64>,
    pub min_log_level: LogLevel,
    pub log_lines_per_second: u32,
    pub log_burst: u32,
    /// None: one compile thread per CPU.
    pub compile_threads: Option<std::num::NonZeroU32>,
    /// Inputs are not checked (`HostOptions.trusted_input`).
    pub trusted_input: bool,
    /// Largest module accepted, in bytes.
    pub max_module_bytes: u32,
    /// Most elements of one table.
    pub max_table_elements: u32,
    /// The form of events and configs at the API (not a limit, but read
    /// from HostOptions with them and needed where they are).
    pub event_format: EventFormat,
    /// An instance unused this long on its thread is released.
    pub instance_idle: std::time::Duration,
    /// How much address space each guest memory reserves.
    pub memory_reservation: MemoryReservation,
}

/// The address space a guest memory reserves (docs/DESIGN.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MemoryReservation {
    /// The cap (`max_memory_pages`, or the module's maximum when lower)
    /// plus a 64 KiB guard; compiled code checks each access's bounds.
    #[default]
    Cap,
    /// wasmer's static style: 8 GiB per memory (the wasm32 space and a
    /// 4 GiB guard), no bounds checks in compiled code.
    Wasm32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_event_bytes: 1 << 20,
            max_emit_bytes: 1 << 20,
            max_emits_per_call: 1024,
            max_log_bytes: 16 << 10,
            max_memory_pages: 256,
            cpu_points_per_call: Some(100_000_000),
            min_log_level: LogLevel::Debug,
            log_lines_per_second: 1000,
            log_burst: 1000,
            compile_threads: None,
            trusted_input: false,
            max_module_bytes: 16 << 20,
            max_table_elements: 100_000,
            event_format: EventFormat::Protobuf,
            instance_idle: std::time::Duration::from_secs(60),
            memory_reservation: MemoryReservation::Cap,
        }
    }
}

fn or_default(value: u32, default: u32) -> u32 {
    if value == 0 {
        default
    } else {
        value
    }
}

impl Limits {
    pub fn from_options(options: &HostOptions) -> Self {
        let d = Limits::default();
        Limits {
            max_event_bytes: or_default(options.max_event_bytes, d.max_event_bytes),
            max_emit_bytes: or_default(options.max_emit_bytes, d.max_emit_bytes),
            max_emits_per_call: match options.no_emits {
                true => 0,
                false => or_default(options.max_emits_per_call, d.max_emits_per_call),
            },
            max_log_bytes: or_default(options.max_log_bytes, d.max_log_bytes),
            max_memory_pages: or_default(options.max_memory_pages, d.max_memory_pages),
            cpu_points_per_call: match (options.disable_metering, options.cpu_points_per_call) {
                (true, _) => None,
                (false, 0) => d.cpu_points_per_call,
                (false, points) => Some(points),
            },
            // Levels past critical mean critical: only the most severe lines.
            min_log_level: LogLevel::from_i32(options.min_log_level.min(4) as i32)
                .unwrap_or(LogLevel::Critical),
            log_lines_per_second: match options.no_guest_logs {
                true => 0,
                false => or_default(options.log_lines_per_second, d.log_lines_per_second),
            },
            log_burst: match options.no_guest_logs {
                true => 0,
                false => or_default(
                    options.log_burst,
                    or_default(options.log_lines_per_second, d.log_burst),
                ),
            },
            compile_threads: std::num::NonZeroU32::new(options.compile_threads),
            trusted_input: options.trusted_input,
            max_module_bytes: or_default(options.max_module_bytes, d.max_module_bytes),
            max_table_elements: or_default(options.max_table_elements, d.max_table_elements),
            event_format: match options.event_format() {
                eiw_proto::EventFormat::Protobuf => EventFormat::Protobuf,
                eiw_proto::EventFormat::Json => EventFormat::Json,
                eiw_proto::EventFormat::Msgpack => EventFormat::Msgpack,
            },
            instance_idle: match (options.release_idle_at_once, options.instance_idle_ms) {
                (true, _) => std::time::Duration::ZERO,
                (false, 0) => d.instance_idle,
                (false, ms) => std::time::Duration::from_millis(ms.into()),
            },
            memory_reservation: match options.memory_reservation() {
                eiw_proto::MemoryReservation::Cap => MemoryReservation::Cap,
                eiw_proto::MemoryReservation::Wasm32 => MemoryReservation::Wasm32,
            },
        }
    }

    /// Decodes serialized `HostOptions`; empty bytes mean all defaults.
    /// Returns the limits and the module cache settings, if any.
    pub fn decode(options: &[u8]) -> Result<(Self, Option<CacheOptions>)> {
        let options = HostOptions::decode(options).map_err(|e| {
            Error::new(
                ResultCode::InvalidOptions,
                format!("HostOptions bytes do not decode: {e}"),
            )
        })?;
        if eiw_proto::EventFormat::try_from(options.event_format).is_err() {
            return Err(Error::new(
                ResultCode::InvalidOptions,
                format!(
                    "event_format {} is not a format eiw knows (0 protobuf, 1 JSON, 2 msgpack)",
                    options.event_format
                ),
            ));
        }
        if eiw_proto::MemoryReservation::try_from(options.memory_reservation).is_err() {
            return Err(Error::new(
                ResultCode::InvalidOptions,
                format!(
                    "memory_reservation {} is not one eiw knows (0 cap, 1 wasm32)",
                    options.memory_reservation
                ),
            ));
        }
        let key = match options.cache_key.len() {
            0 => None,
            KEY_BYTES => options.cache_key.as_slice().try_into().ok(),
            n => {
                return Err(Error::new(
                    ResultCode::InvalidOptions,
                    format!("cache_key has {n} bytes; it must have {KEY_BYTES}"),
                ))
            }
        };
        let cache = (!options.cache_dir.is_empty()).then(|| CacheOptions {
            dir: options.cache_dir.clone().into(),
            key,
        });
        Ok((Self::from_options(&options), cache))
    }
}
