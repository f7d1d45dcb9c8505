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
    let _ = std::fs::remove_dir_all(&dir);
    dir
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
    let _ = std::fs::remove_dir_all(&dir);
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
    let mut foreign = good[..8].to_vec();
    let payload = b"not a wasmer artifact".to_vec();
    foreign.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    foreign.extend_from_slice(&[0; 4]);
    foreign.extend_from_slice(&payload);
    for (bytes, why) in [
        (flipped, "checksum mismatch"),
        (good[..20].to_vec(), "checksum mismatch"),
        (good[..6].to_vec(), "truncated or foreign"),
        (b"hello".to_vec(), "truncated or foreign"),
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
    let _ = std::fs::remove_dir_all(&dir);
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
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unwritable_cache_is_reported_not_fatal() {
    let dir = temp_dir("unwritable");
    std::fs::write(&dir, b"a file, not a directory").unwrap();
    let host = load(&dir);
    assert!(
        host.cache_report().note.starts_with("could not write"),
        "{:?}",
        host.cache_report()
    );
    works(&host);
    let _ = std::fs::remove_file(&dir);
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
    let _ = std::fs::remove_dir_all(&dir);
}
