//! Doctor's lines about the environment plain `go build` would see and xbuild-go builds
//! drop or keep: the `go env -w` file's keys and the exported build-affecting
//! variables, each with what it would do.

use crate::envvars::BUILD_AFFECTING;
use crate::sanitize::redact;
use crate::toolchain::childenv::GO_NETWORK_AND_CACHE;
use crate::toolchain::goenv;

use super::check::{Check, Inputs, Level};

pub(super) fn goenv_lines(i: &Inputs) -> Vec<Check> {
    let id = "goenv";
    let via = if i.host.get("GOENV").is_some_and(|v| !v.is_empty()) {
        " (named by GOENV)"
    } else {
        ""
    };
    let Some(path) = &i.goenv.path else {
        let why = if i.host.get("GOENV").is_some_and(|v| v == "off") {
            "GOENV=off: plain go commands read no go env -w file"
        } else {
            "no go env -w file: neither GOENV, XDG_CONFIG_HOME nor HOME names one"
        };
        return vec![Check::ok(id, why)];
    };
    let text = match &i.goenv.text {
        Some(t) => t.clone(),
        None => match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return vec![Check::ok(
                    id,
                    format!(
                        "{}{via} does not exist: nothing set with go env -w",
                        path.display()
                    ),
                )]
            }
            Err(e) => {
                return vec![Check::with_fix(
                    Level::Warn,
                    id,
                    format!(
                        "cannot read {}{via}: {e}: plain go commands fail on it (xbuild-go \
                         builds do not read it)",
                        path.display()
                    ),
                    format!("remove or repair {}", path.display()),
                )]
            }
        },
    };
    let keys = goenv::parse(&text);
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    let mut out = vec![Check::ok(
        id,
        if keys.is_empty() {
            format!("{}{via}: no keys", path.display())
        } else {
            format!(
                "{}{via}: {} key{}: {}",
                path.display(),
                keys.len(),
                if keys.len() == 1 { "" } else { "s" },
                names.join(", ")
            )
        },
    )];
    for (k, v) in &keys {
        let kid = format!("goenv.{k}");
        let shown = redact::setting(k, v);
        let named = shown.map_or(k.clone(), |v| format!("{k}={v}"));
        let check = if BUILD_AFFECTING.contains(&k.as_str()) && agrees_with_scrub(k, v) {
            Check::ok(
                kid,
                format!(
                    "{named} in {}: what xbuild-go builds use too",
                    path.display()
                ),
            )
        } else if BUILD_AFFECTING.contains(&k.as_str()) {
            Check::with_fix(
                Level::Warn,
                kid,
                format!(
                    "{named} in {}: ignored by xbuild-go builds, but plain `go build` would {}",
                    path.display(),
                    effect(k, shown)
                ),
                format!("go env -u {k}"),
            )
        } else if GO_NETWORK_AND_CACHE.contains(&k.as_str()) {
            Check::ok(
                kid,
                format!(
                    "{k}={} in {}: a network or cache key, honoured by xbuild-go builds",
                    redact::value(k, v),
                    path.display()
                ),
            )
        } else {
            Check::ok(
                kid,
                format!(
                    "{k} in {}: does not change builds; ignored by xbuild-go",
                    path.display()
                ),
            )
        };
        out.push(check);
    }
    out
}

/// Variables with lines of their own elsewhere (`goroot`, `goenv`).
pub(super) const OWN_LINES: &[&str] = &["GOROOT", "GOENV"];

pub(super) fn env_lines(i: &Inputs) -> Vec<Check> {
    let passed: Vec<&str> = match &i.profile {
        Ok(p) => p.pass_env.iter().map(|s| s.value.as_str()).collect(),
        Err(_) => Vec::new(),
    };
    let mut out = Vec::new();
    for name in BUILD_AFFECTING.iter().filter(|n| !OWN_LINES.contains(n)) {
        let Some(value) = i.host.get(*name) else {
            continue;
        };
        let id = format!("env.{name}");
        // A dropped variable's value is shown only when it is a plain setting.
        let shown = redact::setting(name, value);
        let exported = shown.map_or("exported (value not shown)".to_string(), |v| {
            format!("exported as {v:?}")
        });
        let check = if value.is_empty() {
            Check::ok(id, "exported but empty: no effect")
        } else if agrees_with_scrub(name, value) {
            Check::ok(id, format!("{exported}: what xbuild-go builds use too"))
        } else if passed.contains(name) {
            Check::ok(
                id,
                format!(
                    "{exported} and let through by the profile's pass-env: \
                     xbuild-go builds {} too",
                    effect(name, shown)
                ),
            )
        } else {
            Check::with_fix(
                Level::Warn,
                id,
                format!(
                    "{exported}: plain `go build` would {}; xbuild-go builds drop it",
                    effect(name, shown)
                ),
                format!("unset {name}"),
            )
        };
        out.push(check);
    }
    if out.is_empty() {
        out.push(Check::ok(
            "env",
            "no build-affecting variable exported (GOFLAGS, GOOS, GOARCH, CGO_ENABLED, GOARM, \
             GOAMD64, CC, ...)",
        ));
    }
    out
}

/// Settings that make plain `go build` behave as the scrub does: nothing to warn about.
pub(super) fn agrees_with_scrub(name: &str, value: &str) -> bool {
    matches!((name, value), ("GOTOOLCHAIN", "local") | ("GOFLAGS", ""))
}

/// What a build-affecting variable does to a plain `go build`, as a verb phrase
/// ("would ..."). `value` is the value when it may be shown (see
/// [`redact::setting`]); without it the phrase names no value.
pub fn effect(name: &str, value: Option<&str>) -> String {
    let v = value.unwrap_or("");
    match (name, value) {
        ("GOFLAGS", _) => "add its flags to every go build, test and run".to_string(),
        ("GOOS", Some(v)) => format!("build for GOOS={v} instead of the host's operating system"),
        ("GOOS", None) => "build for another operating system than the host's".to_string(),
        ("GOARCH", Some(v)) => format!("build for GOARCH={v} instead of the host's architecture"),
        ("GOARCH", None) => "build for another architecture than the host's".to_string(),
        ("CGO_ENABLED", Some("0")) => {
            "build without cgo (no C code; pure-Go net and os/user)".to_string()
        }
        ("CGO_ENABLED", Some("1")) => "build with cgo: net and os/user link libc \
                                       dynamically, and cross builds need a C cross compiler"
            .to_string(),
        ("CGO_ENABLED", _) => "fail: CGO_ENABLED must be 0 or 1".to_string(),
        ("GOARM", _) => format!(
            "build 32-bit arm code for ARMv{}: too high a level dies with `Illegal \
             instruction` on older boards",
            value.unwrap_or("(another level)")
        ),
        (
            "GOAMD64" | "GOARM64" | "GO386" | "GOPPC64" | "GORISCV64" | "GOMIPS" | "GOMIPS64"
            | "GOWASM",
            _,
        ) => format!(
            "build for the instruction-set level {name}{}: too high a level dies with \
             `Illegal instruction` on older CPUs",
            value.map_or(String::new(), |v| format!("={v}"))
        ),
        ("GOEXPERIMENT", _) => "turn on toolchain experiments".to_string(),
        ("GOTOOLCHAIN", Some("local")) => {
            "never switch toolchains, even when a go.mod asks for a newer Go".to_string()
        }
        ("GOTOOLCHAIN", _) => format!(
            "choose the toolchain by GOTOOLCHAIN{} (downloading one if needed) instead \
             of using the go found",
            value.map_or(String::new(), |v| format!("={v}"))
        ),
        ("GOROOT", _) => "take the standard library and tools from another root".to_string(),
        ("GODEBUG", _) => "change toolchain and runtime defaults".to_string(),
        ("GOFIPS140", _) => format!(
            "build against a FIPS 140 module{}",
            value.map_or(String::new(), |v| format!(" ({v})"))
        ),
        ("GO_EXTLINK_ENABLED", _) => format!("force the external linker {}", on_off(v)),
        ("GOWORK", _) => "use another workspace instead of finding go.work".to_string(),
        ("CC", _) => "run its command as the C compiler of cgo builds".to_string(),
        ("CXX", _) => "run its command as the C++ compiler of cgo builds".to_string(),
        ("FC", _) => "run its command as the Fortran compiler of cgo builds".to_string(),
        ("AR", _) => "run its command as the archiver of -buildmode=c-archive builds".to_string(),
        ("PKG_CONFIG", _) => "run its command for #cgo pkg-config lines".to_string(),
        ("GCCGO", _) => "run its command for -compiler=gccgo builds".to_string(),
        ("GO_GCFLAGS" | "GO_LDFLAGS", _) => {
            "pass its flags when building the toolchain itself (make.bash)".to_string()
        }
        ("GOCOVERDIR", _) => "write coverage data of instrumented binaries elsewhere".to_string(),
        ("GOENV", _) => "read go env -w settings from another file".to_string(),
        (n, _) if n.starts_with("CGO_") && n.ends_with("FLAGS") => {
            "pass its flags to the C toolchain in cgo builds".to_string()
        }
        (n, _) if n.starts_with("CGO_") => format!("change which flags cgo accepts ({n})"),
        _ => format!("change what it produces ({name})"),
    }
}

pub(super) fn on_off(v: &str) -> &'static str {
    if v == "0" {
        "off"
    } else {
        "on"
    }
}
