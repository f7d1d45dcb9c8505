//! Compiled modules kept on disk between runs (`HostOptions.cache_dir`).
//!
//! A cache file is machine code that `Module::deserialize` maps and runs
//! without validating it, so eiw loads only files it can trust:
//!
//! - the directory and the file belong to the process's user and are not
//!   writable by group or others (eiw creates the directory 0700 and files
//!   0600); anything else is refused, reported in the note, and the module
//!   is compiled (and not stored);
//! - every file carries a keyed MAC (BLAKE3 keyed hash) of its payload and
//!   of its name; the key is `HostOptions.cache_key`, or a random key in
//!   `<cache_dir>.key` (created 0600 beside the directory, held to the same
//!   ownership rule). A file copied from another user or machine, or made
//!   by anyone without the key, fails the MAC and is recompiled and
//!   replaced.
//!
//! A file is `MAGIC`, the 32-byte MAC, eight zero bytes, and the payload
//! (wasmer's serialized module), which starts 48 bytes in so that it keeps
//! the 16-byte alignment wasmer needs when loaded in place. The file name
//! is the BLAKE3 hash of the module bytes and every setting that shapes the
//! compiled code or the load check, so a different module or setting never
//! maps to it. Files are written to a temporary name and renamed, so a
//! reader never sees half a file, even with two processes filling the cache.
use crate::limits::Limits;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use wasmer::sys::NativeEngineExt;
use wasmer::{Engine, Module};

const MAGIC: &[u8; 8] = b"EIWMOD04";
const MAC_BYTES: usize = 32;
const HEADER: usize = 48;
/// The key's size; `HostOptions.cache_key` must have exactly this many bytes.
pub(crate) const KEY_BYTES: usize = 32;

/// How a module was obtained.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheReport {
    pub loaded_from_cache: bool,
    /// What happened with the cache, when it is worth telling an operator.
    pub note: String,
}

/// Where compiled modules are kept and the key that authenticates them.
#[derive(Clone, Debug)]
pub struct CacheOptions {
    pub dir: PathBuf,
    /// None: the key file beside the directory.
    pub key: Option<[u8; KEY_BYTES]>,
}

fn name(engine: &Engine, wasm: &[u8], limits: &Limits) -> String {
    let mut hash = blake3::Hasher::new();
    hash.update(b"eiw-module-cache\0");
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    // The wasmer release line eiw is pinned to; wasmer also rejects an
    // artifact from another version when deserializing.
    hash.update(b"\0wasmer ~7.4\0");
    hash.update(engine.deterministic_id().as_bytes());
    hash.update(format!("\0{:?}\0", engine.target().cpu_features()).as_bytes());
    // Everything the compile or the load check depends on: a module loaded
    // from the cache passed the check under the same settings.
    hash.update(
        format!(
            "{:?}\0{}\0{}\0{}\0{}\0{:?}\0{}\0{:?} {}\0",
            limits.cpu_points_per_call,
            limits.max_memory_pages,
            limits.max_table_elements,
            limits.max_module_bytes,
            crate::metering::SCHEME,
            crate::module_check::FEATURES,
            crate::module_check::BOUNDS_VERSION,
            // The memory style the code is compiled for.
            limits.memory_reservation,
            crate::bounded_memory::GUARD_BYTES,
        )
        .as_bytes(),
    );
    hash.update(wasm);
    hash.finalize().to_hex().to_string()
}

fn mac(key: &[u8; KEY_BYTES], file_name: &str, payload: &[u8]) -> [u8; MAC_BYTES] {
    let mut hash = blake3::Hasher::new_keyed(key);
    hash.update(file_name.as_bytes());
    hash.update(b"\0");
    hash.update(payload);
    *hash.finalize().as_bytes()
}

/// Refuses a path (whose metadata is `meta`) that another user owns or
/// that group or others may write.
fn check_owner(path: &Path, meta: &fs::Metadata, what: &str) -> Result<(), String> {
    // /proc/self belongs to the process's effective uid.
    let uid = fs::metadata("/proc/self")
        .map_err(|e| format!("cannot tell this process's uid from /proc/self: {e}"))?
        .uid();
    if meta.uid() != uid {
        return Err(format!(
            "{what} {} belongs to uid {}, not to this process's uid {uid}: not trusted",
            path.display(),
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "{what} {} is writable by group or others (mode {:o}): not trusted",
            path.display(),
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}

/// Creates the directory 0700 if it is missing, then checks it.
fn trusted_dir(dir: &Path) -> Result<(), String> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    }
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => check_owner(dir, &meta, "cache directory"),
        _ => Err(format!("{} is not a directory", dir.display())),
    }
}

/// The key file beside the directory: `<dir>.key`, created on first use.
fn key_file(dir: &Path) -> Result<[u8; KEY_BYTES], String> {
    let mut path = dir.as_os_str().to_owned();
    path.push(".key");
    let path = PathBuf::from(path);
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut file) => {
            let mut key = [0u8; KEY_BYTES];
            File::open("/dev/urandom")
                .and_then(|mut r| r.read_exact(&mut key))
                .and_then(|()| file.write_all(&key))
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("could not write the key file {}: {e}", path.display()))?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(&path)
                .map_err(|e| format!("cache key file {}: {e}", path.display()))?;
            check_owner(&path, &meta, "cache key file")?;
            let bytes = fs::read(&path).map_err(|e| format!("key file {}: {e}", path.display()))?;
            bytes.try_into().map_err(|_| {
                format!(
                    "key file {} does not hold {KEY_BYTES} bytes",
                    path.display()
                )
            })
        }
        Err(e) => Err(format!(
            "could not create the key file {}: {e}",
            path.display()
        )),
    }
}

/// The module in `path` (whose metadata is `meta`), if the file is
/// trusted, whole and authentic.
fn load(
    engine: &Engine,
    path: &Path,
    meta: &fs::Metadata,
    key: &[u8; KEY_BYTES],
) -> Result<Module, String> {
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    check_owner(path, meta, "cache file")?;
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not an eiw cache file (truncated or foreign)".into());
    }
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stored = &bytes[MAGIC.len()..MAGIC.len() + MAC_BYTES];
    let computed = mac(key, file_name, &bytes[HEADER..]);
    // Constant time is not needed: the MAC is not a secret, the key is.
    if stored != computed {
        return Err("MAC mismatch (corrupt, or written with another key)".into());
    }
    // The payload as a view of the file's bytes, not a copy, when the
    // allocator aligned them as wasmer needs (it does on the platforms we
    // build for).
    let payload = match (bytes.as_ptr() as usize + HEADER) % 16 {
        0 => bytes::Bytes::from(bytes).slice(HEADER..),
        _ => bytes::Bytes::copy_from_slice(&bytes[HEADER..]),
    };
    // SAFETY: the payload carries a MAC under a key only this user holds,
    // so it is byte for byte what `store` wrote from `Module::serialize`
    // with an engine of the same settings (the name covers them); wasmer
    // checks the artifact's version header itself.
    unsafe { Module::deserialize(engine, payload) }
        .map_err(|e| format!("wasmer could not load it: {e}"))
}

fn store(module: &Module, path: &Path, key: &[u8; KEY_BYTES]) -> Result<(), String> {
    let payload = module.serialize().map_err(|e| e.to_string())?;
    let dir = path.parent().ok_or("cache path has no directory")?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp: PathBuf = dir.join(format!(".{}.{n}.{nanos}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(MAGIC)?;
        file.write_all(&mac(key, file_name, &payload))?;
        file.write_all(&[0; HEADER - MAGIC.len() - MAC_BYTES])?;
        file.write_all(&payload)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&temp);
        e.to_string()
    })
}

/// Loads the module from the cache, or builds it with `compile` and stores
/// it there. Cache problems are reported, never fatal; errors of `compile`
/// are returned.
pub(crate) fn load_or_compile<E>(
    engine: &Engine,
    wasm: &[u8],
    limits: &Limits,
    cache: &CacheOptions,
    compile: impl FnOnce() -> Result<Module, E>,
) -> Result<(Module, CacheReport), E> {
    let mut report = CacheReport::default();
    let trusted = trusted_dir(&cache.dir).and_then(|()| match cache.key {
        Some(key) => Ok(key),
        None => key_file(&cache.dir),
    });
    let key = match trusted {
        Ok(key) => key,
        Err(why) => {
            report.note = format!("cache not used: {why}");
            return Ok((compile()?, report));
        }
    };
    let path = cache
        .dir
        .join(format!("{}.eiwmod", name(engine, wasm, limits)));
    if let Ok(meta) = fs::symlink_metadata(&path) {
        match load(engine, &path, &meta, &key) {
            Ok(module) => {
                report.loaded_from_cache = true;
                return Ok((module, report));
            }
            Err(why) => report.note = format!("replaced {}: {why}", path.display()),
        }
    }
    let module = compile()?;
    if let Err(why) = store(&module, &path, &key) {
        report.note = format!("could not write {}: {why}", path.display());
    }
    Ok((module, report))
}
