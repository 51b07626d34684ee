//! Unit tests of doctor's judgements.

use super::env::effect;
use super::go::{own_env, plain_env};
use super::host::cache_line;
use super::*;
use crate::envvars::BUILD_AFFECTING;
use crate::toolchain::childenv::GoEnvFile;
use crate::toolchain::hostenv::HostEnv;

#[test]
fn every_build_affecting_variable_has_a_specific_effect() {
    for name in BUILD_AFFECTING {
        let e = effect(name, None);
        assert!(
            !e.starts_with("change what it produces"),
            "{name} has only the generic effect: {e}"
        );
    }
}

#[test]
fn own_env_is_the_scrub_without_a_target() {
    let host: HostEnv = [
        ("PATH", "/bin"),
        ("GOFLAGS", "-race"),
        ("GOROOT", "/old"),
        ("GOCACHE", "/c"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let goenv = GoEnvFile {
        path: Some("/h/.config/go/env".into()),
        text: Some("GOARCH=386\nGOCACHE=/other\nGOMODCACHE=/m\n".into()),
    };
    let env = own_env(&host, &goenv);
    for (k, want, why) in [
        ("GOFLAGS", Some(""), "GOFLAGS is emptied"),
        ("GOROOT", None, "GOROOT is never passed"),
        ("GOARCH", None, "build keys of the file are ignored"),
        ("GOCACHE", Some("/c"), "the host wins over the file"),
        ("GOMODCACHE", Some("/m"), "cache keys of the file count"),
        ("GOENV", Some("off"), "goenv is off"),
        ("GOTOOLCHAIN", Some("local"), "no toolchain switch"),
    ] {
        assert_eq!(env.get(k).map(String::as_str), want, "{k}: {why}");
    }
    assert_eq!(
        plain_env(&host).get("GOROOT").map(String::as_str),
        Some("/old")
    );
}

#[test]
fn cache_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a"), [0u8; 2048]).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/b"), [0u8; 1024]).unwrap();
    let d = dir.path().to_str().unwrap();
    let c = cache_line("GOCACHE", d, Level::Error);
    assert_eq!(c.level, Level::Ok, "{c:?}");
    assert!(c.message.contains("3.0 KiB in 2 files, writable"), "{c:?}");
    let missing = format!("{d}/not/yet");
    assert_eq!(
        cache_line("GOCACHE", &missing, Level::Error).level,
        Level::Ok
    );
    let under_file = format!("{d}/a/cache");
    let c = cache_line("GOCACHE", &under_file, Level::Error);
    assert_eq!(c.level, Level::Error, "{c:?}");
    assert_eq!(
        cache_line("GOMODCACHE", &under_file, Level::Warn).level,
        Level::Warn
    );
    assert_eq!(
        cache_line("GOCACHE", "off", Level::Error).level,
        Level::Error
    );
    assert_eq!(cache_line("GOCACHE", "", Level::Error).level, Level::Error);
    assert_eq!(
        cache_line("GOCACHE", "rel/dir", Level::Error).level,
        Level::Error
    );
}
