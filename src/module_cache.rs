//! Compiled modules kept on disk between runs (`HostOptions.cache_dir`).
//!
//! A cache file is `MAGIC`, the CRC-32 of the payload (a checksum against
//! corruption, fast on megabytes of machine code), four zero bytes, and the
//! payload: wasmer's serialized module. The payload starts 16 bytes in, so
//! that it keeps the alignment wasmer needs when it is loaded in place,
//! without a copy. The file name is the BLAKE3 hash of the module
//! bytes and the settings, so a different module never maps to it. `Module::deserialize` does not validate what
//! it loads, so a file is loaded only when its checksum matches; anything
//! else (truncated, corrupt, foreign) is recompiled and replaced. Files are
//! written to a temporary name and renamed, so a reader never sees half a
//! file, even with two processes filling the same cache.
use crate::limits::Limits;
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmer::sys::NativeEngineExt;
use wasmer::{CompileError, Engine, Module};

const MAGIC: &[u8; 8] = b"EIWMOD03";
const HEADER: usize = 16;

/// How a module was obtained.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheReport {
    pub loaded_from_cache: bool,
    /// What happened with the cache, when it is worth telling an operator.
    pub note: String,
}

fn key(engine: &Engine, wasm: &[u8], limits: &Limits) -> String {
    let mut hash = blake3::Hasher::new();
    hash.update(b"eiw-module-cache\0");
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    // The wasmer release line eiw is pinned to; wasmer also rejects an
    // artifact from another version when deserializing.
    hash.update(b"\0wasmer ~7.4\0");
    hash.update(engine.deterministic_id().as_bytes());
    hash.update(format!("\0{:?}\0", engine.target().cpu_features()).as_bytes());
    hash.update(
        format!(
            "{:?}\0{}\0{}\0",
            limits.cpu_points_per_call,
            limits.max_memory_pages,
            crate::metering::SCHEME
        )
        .as_bytes(),
    );
    hash.update(wasm);
    hash.finalize().to_hex().to_string()
}

/// The module in `path`, if the file is whole and its checksum matches.
fn load(engine: &Engine, path: &Path) -> Result<Module, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not an eiw cache file (truncated or foreign)".into());
    }
    let sum = &bytes[MAGIC.len()..MAGIC.len() + 4];
    if crc32fast::hash(&bytes[HEADER..]).to_le_bytes() != sum {
        return Err("checksum mismatch (corrupt)".into());
    }
    // The payload as a view of the file's bytes, not a copy, when the
    // allocator aligned them as wasmer needs (it does on the platforms we
    // build for).
    let payload = match (bytes.as_ptr() as usize + HEADER) % 16 {
        0 => bytes::Bytes::from(bytes).slice(HEADER..),
        _ => bytes::Bytes::copy_from_slice(&bytes[HEADER..]),
    };
    // SAFETY: the payload is byte for byte what `store` wrote from
    // `Module::serialize` with an engine of the same settings (the key
    // covers them); wasmer checks the artifact's version header itself.
    unsafe { Module::deserialize(engine, payload) }
        .map_err(|e| format!("wasmer could not load it: {e}"))
}

fn store(module: &Module, path: &Path) -> Result<(), String> {
    let payload = module.serialize().map_err(|e| e.to_string())?;
    let dir = path.parent().ok_or("cache path has no directory")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp: PathBuf = dir.join(format!(".{}.{n}.{nanos}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(MAGIC)?;
        file.write_all(&crc32fast::hash(&payload).to_le_bytes())?;
        file.write_all(&[0; HEADER - MAGIC.len() - 4])?;
        file.write_all(&payload)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        e.to_string()
    })
}

/// Loads the module from the cache, or compiles it and stores it there.
/// Cache problems are reported, never fatal; compile errors are returned.
pub(crate) fn load_or_compile(
    engine: &Engine,
    wasm: &[u8],
    limits: &Limits,
    dir: &Path,
) -> Result<(Module, CacheReport), CompileError> {
    let path = dir.join(format!("{}.eiwmod", key(engine, wasm, limits)));
    let mut report = CacheReport::default();
    if path.exists() {
        match load(engine, &path) {
            Ok(module) => {
                report.loaded_from_cache = true;
                return Ok((module, report));
            }
            Err(why) => report.note = format!("replaced {}: {why}", path.display()),
        }
    }
    let module = Module::new(engine, wasm)?;
    if let Err(why) = store(&module, &path) {
        report.note = format!("could not write {}: {why}", path.display());
    }
    Ok((module, report))
}
