//! The module cache: a second host loads what the first compiled; corrupt,
//! truncated and foreign files are recompiled and replaced, never loaded.
mod common;

use common::*;
use eiw::proto::HostOptions;
use eiw::{Collect, Host, Limits, ResultCode};
use prost::Message;
use serde_json::json;
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eiw-cache-test-{name}-{}", std::process::id()));
    cleanup(&dir);
    dir
}

/// Removes a test's cache directory and its key file.
fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let mut key = dir.as_os_str().to_owned();
    key.push(".key");
    let _ = std::fs::remove_file(PathBuf::from(key));
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eiwmod"));
    files.sort();
    files
}

fn works(host: &Host) {
    let input = event_bytes(json!({"message": "m"}));
    let mut out = Collect::default();
    assert_eq!(host.process(&input, &mut out).unwrap(), 1);
    assert_eq!(event_json(&out.events[0])["event"]["original"], "m");
}

fn load(dir: &Path) -> Host {
    Host::with_cache(&example("rename"), Limits::default(), Some(dir)).unwrap()
}

#[test]
fn the_second_host_loads_the_compiled_module_from_the_cache() {
    let dir = temp_dir("hit");
    let first = load(&dir);
    assert!(!first.cache_report().loaded_from_cache);
    assert_eq!(first.cache_report().note, "");
    assert_eq!(cache_files(&dir).len(), 1);
    works(&first);
    let second = load(&dir);
    assert!(second.cache_report().loaded_from_cache);
    assert!(second.stats().module_loaded_from_cache);
    works(&second);
    cleanup(&dir);
}

fn key_of(dir: &Path) -> [u8; 32] {
    let mut path = dir.as_os_str().to_owned();
    path.push(".key");
    std::fs::read(PathBuf::from(path))
        .unwrap()
        .try_into()
        .unwrap()
}

/// A cache file as eiw writes one: magic, keyed MAC of name and payload,
/// padding, payload.
fn forged(key: &[u8; 32], file: &Path, payload: &[u8]) -> Vec<u8> {
    let name = file.file_name().unwrap().to_str().unwrap();
    let mut mac = blake3::Hasher::new_keyed(key);
    mac.update(name.as_bytes());
    mac.update(b"\0");
    mac.update(payload);
    let mut bytes = b"EIWMOD04".to_vec();
    bytes.extend_from_slice(mac.finalize().as_bytes());
    bytes.extend_from_slice(&[0; 8]);
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn bad_cache_files_are_recompiled_and_replaced() {
    let dir = temp_dir("bad");
    drop(load(&dir));
    let file = cache_files(&dir).remove(0);
    let good = std::fs::read(&file).unwrap();
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    let key = key_of(&dir);
    let foreign = forged(&key, &file, b"not a wasmer artifact");
    // The same payload under another key: what another user's or
    // machine's cache holds, or what an attacker without the key writes.
    let other_key = forged(&[7; 32], &file, &good[48..]);
    for (bytes, why) in [
        (flipped, "MAC mismatch"),
        (good[..60].to_vec(), "MAC mismatch"),
        (good[..20].to_vec(), "truncated or foreign"),
        (b"hello".to_vec(), "truncated or foreign"),
        (other_key, "MAC mismatch"),
        (foreign, "wasmer could not load it"),
    ] {
        std::fs::write(&file, &bytes).unwrap();
        let host = load(&dir);
        assert!(!host.cache_report().loaded_from_cache, "{why}");
        assert!(
            host.cache_report().note.contains(why),
            "{why}: {:?}",
            host.cache_report()
        );
        assert!(host.stats().module_cache_note.contains(why));
        works(&host);
        assert_eq!(
            std::fs::read(&file).unwrap(),
            good,
            "the file was replaced by a good one"
        );
        assert!(load(&dir).cache_report().loaded_from_cache);
    }
    cleanup(&dir);
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().mode() & 0o777
}

#[test]
fn the_cache_is_private_to_its_user() {
    let dir = temp_dir("private");
    drop(load(&dir));
    assert_eq!(mode(&dir), 0o700, "the directory is created 0700");
    assert_eq!(mode(&cache_files(&dir)[0]), 0o600, "files are created 0600");
    let mut key = dir.as_os_str().to_owned();
    key.push(".key");
    assert_eq!(mode(Path::new(&key)), 0o600, "the key file is created 0600");
    cleanup(&dir);
    let _ = std::fs::remove_file(&key);
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Loads with a cache that must be refused for `why`: the module compiles,
/// works, and nothing is loaded from or written to the directory.
fn refused(dir: &Path, why: &str) {
    let before = cache_files(dir);
    let host = load(dir);
    assert!(!host.cache_report().loaded_from_cache, "{why}");
    let note = &host.cache_report().note;
    assert!(
        note.starts_with("cache not used:") && note.contains(why),
        "{why}: {note}"
    );
    works(&host);
    assert_eq!(cache_files(dir), before, "nothing written");
}

#[test]
fn a_cache_others_can_write_is_not_used() {
    let dir = temp_dir("shared");
    drop(load(&dir));
    chmod(&dir, 0o777);
    refused(&dir, "writable by group or others (mode 777)");
    chmod(&dir, 0o700);
    let mut key = dir.as_os_str().to_owned();
    key.push(".key");
    let key = PathBuf::from(key);
    chmod(&key, 0o666);
    refused(&dir, "cache key file");
    chmod(&key, 0o600);
    // A group-writable file in a private directory is not loaded either.
    let file = cache_files(&dir).remove(0);
    chmod(&file, 0o660);
    let host = load(&dir);
    assert!(!host.cache_report().loaded_from_cache);
    assert!(host
        .cache_report()
        .note
        .contains("writable by group or others"));
    works(&host);
    assert!(
        load(&dir).cache_report().loaded_from_cache,
        "replaced by a private file"
    );
    cleanup(&dir);
    let _ = std::fs::remove_file(&key);
}

fn is_root() -> bool {
    extern "C" {
        fn geteuid() -> u32;
    }
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), None).unwrap();
}

/// A second user (uid 65534, `nobody`) plants files; run as root, as CI is.
#[test]
fn files_and_directories_of_another_user_are_not_trusted() {
    if !is_root() {
        eprintln!("skipped: needs root to make files of a second uid");
        return;
    }
    let nobody = 65534;
    let dir = temp_dir("planted");
    drop(load(&dir));
    let file = cache_files(&dir).remove(0);
    // A file with a valid MAC, owned by another user.
    chown(&file, nobody);
    let host = load(&dir);
    assert!(!host.cache_report().loaded_from_cache);
    assert!(
        host.cache_report().note.contains("belongs to uid 65534"),
        "{:?}",
        host.cache_report()
    );
    works(&host);
    assert!(
        load(&dir).cache_report().loaded_from_cache,
        "replaced by our own file"
    );
    // A directory of another user (say, created first in /tmp by them).
    chown(&dir, nobody);
    refused(&dir, "belongs to uid 65534");
    chown(&dir, 0);
    // A key file of another user: they would know the key.
    let mut key = dir.as_os_str().to_owned();
    key.push(".key");
    let key = PathBuf::from(key);
    chown(&key, nobody);
    refused(&dir, "cache key file");
    cleanup(&dir);
    let _ = std::fs::remove_file(&key);
}

#[test]
fn different_settings_use_different_entries_and_metering_survives() {
    let dir = temp_dir("settings");
    let metered = Limits {
        cpu_points_per_call: Some(10_000),
        ..Limits::default()
    };
    let looping = guest("(loop $l (br $l)) (i32.const 0)", "");
    for _ in 0..2 {
        let host = Host::with_cache(&looping, metered, Some(&dir)).unwrap();
        let err = host
            .process(&event_bytes(json!({})), &mut Collect::default())
            .unwrap_err();
        assert_eq!(
            err.code(),
            ResultCode::CpuExhausted,
            "metering kept through the cache"
        );
    }
    let unmetered = Limits {
        cpu_points_per_call: None,
        ..Limits::default()
    };
    let host = Host::with_cache(&looping, unmetered, Some(&dir)).unwrap();
    assert!(
        !host.cache_report().loaded_from_cache,
        "metering is part of the key"
    );
    assert_eq!(cache_files(&dir).len(), 2);
    cleanup(&dir);
}

#[test]
fn an_unwritable_cache_is_reported_not_fatal() {
    let dir = temp_dir("unwritable");
    std::fs::write(&dir, b"a file, not a directory").unwrap();
    let host = load(&dir);
    assert!(
        host.cache_report().note.contains("is not a directory"),
        "{:?}",
        host.cache_report()
    );
    works(&host);
    let _ = std::fs::remove_file(&dir);
    cleanup(&dir);
}

#[test]
fn the_cache_directory_comes_from_host_options() {
    let dir = temp_dir("options");
    let options = HostOptions {
        cache_dir: dir.to_string_lossy().into_owned(),
        ..Default::default()
    };
    drop(Host::from_options(&example("rename"), &options.encode_to_vec()).unwrap());
    let host = Host::from_options(&example("rename"), &options.encode_to_vec()).unwrap();
    assert!(host.cache_report().loaded_from_cache);
    // With a key of the caller's: files made under the key file's key are
    // not authentic under it.
    let keyed = HostOptions {
        cache_key: vec![9; 32],
        ..options.clone()
    };
    let host = Host::from_options(&example("rename"), &keyed.encode_to_vec()).unwrap();
    assert!(!host.cache_report().loaded_from_cache);
    assert!(host.cache_report().note.contains("MAC mismatch"));
    let host = Host::from_options(&example("rename"), &keyed.encode_to_vec()).unwrap();
    assert!(host.cache_report().loaded_from_cache);
    let short = HostOptions {
        cache_key: vec![9; 16],
        ..options
    };
    let e = Host::from_options(&example("rename"), &short.encode_to_vec())
        .err()
        .unwrap();
    assert_eq!(e.code(), ResultCode::InvalidOptions);
    assert!(e
        .message()
        .contains("cache_key has 16 bytes; it must have 32"));
    cleanup(&dir);
}
