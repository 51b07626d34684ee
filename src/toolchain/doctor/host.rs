//! Doctor's lines about the host: GOHOSTOS/GOHOSTARCH and the build and module caches
//! (where, how big, whether go can write there).

use std::path::Path;

use crate::toolchain::probe::{dir_usage, writable};
use crate::verify::human_size;

use super::check::{Check, Level};
use super::go::Toolchain;

/// GOHOSTOS/GOHOSTARCH: from `go env`, else this tool's own platform.
#[derive(Debug, Clone)]
pub(super) struct Host {
    pub(super) os: String,
    pub(super) arch: String,
}

pub(super) fn host_platform(t: Option<&Toolchain>) -> Host {
    let from_go = |k: &str| {
        t.and_then(|t| t.own(k))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Host {
        os: from_go("GOHOSTOS").unwrap_or_else(|| std::env::consts::OS.to_string()),
        arch: from_go("GOHOSTARCH").unwrap_or_else(|| crate::target::host().1.into()),
    }
}

pub(super) fn host_and_caches(t: &Toolchain) -> Vec<Check> {
    let own = match &t.own {
        Ok(m) => m,
        Err(e) => {
            return vec![Check::with_fix(
                Level::Error,
                "host",
                format!("`go env` fails with the scrubbed environment of builds: {e}"),
                "run `go env` by hand and correct what it complains about",
            )]
        }
    };
    let get = |k: &str| own.get(k).map(String::as_str).unwrap_or("");
    vec![
        Check::ok(
            "host",
            format!(
                "GOHOSTOS={} GOHOSTARCH={}",
                get("GOHOSTOS"),
                get("GOHOSTARCH")
            ),
        ),
        cache_line("GOCACHE", get("GOCACHE"), Level::Error),
        cache_line("GOMODCACHE", get("GOMODCACHE"), Level::Warn),
    ]
}

/// One cache directory: where, how big, whether go can write there. `bad` is the level
/// of a cache go cannot use.
pub(super) fn cache_line(key: &str, value: &str, bad: Level) -> Check {
    let id = format!("cache.{key}");
    let judge = |message: String, fix: String| Check::with_fix(bad, id.clone(), message, fix);
    let point = format!("point {key} at a writable directory");
    if value.is_empty() {
        return judge(
            format!("go names no {key} directory (HOME and XDG_CACHE_HOME are unset?)"),
            point,
        );
    }
    if key == "GOCACHE" && value == "off" {
        return judge(
            "GOCACHE=off: go build refuses to run without a build cache".to_string(),
            format!("unset GOCACHE or {point}"),
        );
    }
    let dir = Path::new(value);
    if !dir.is_absolute() {
        return judge(
            format!("{key}={value} is not an absolute path: go rejects it"),
            point,
        );
    }
    if dir.is_dir() {
        let (bytes, files) = dir_usage(dir);
        return match writable(dir) {
            Ok(()) => Check::ok(
                id.clone(),
                format!(
                    "{value}: {} in {files} file{}, writable",
                    human_size(bytes),
                    if files == 1 { "" } else { "s" }
                ),
            ),
            Err(e) => judge(
                format!("{value} is not writable ({e})"),
                format!("make it writable by this user (chown -R), or {point}"),
            ),
        };
    }
    if dir.exists() {
        return judge(format!("{value} is not a directory"), point);
    }
    let parent = dir.ancestors().skip(1).find(|a| a.exists());
    match parent {
        Some(a) if a.is_dir() && writable(a).is_ok() => Check::ok(
            id.clone(),
            format!("{value}: does not exist yet; go creates it on first use"),
        ),
        Some(a) => judge(
            format!(
                "{value} does not exist and cannot be created: {} is not a writable directory",
                a.display()
            ),
            point,
        ),
        None => judge(format!("{value} does not exist"), point),
    }
}
