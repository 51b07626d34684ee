//! goreleaser's target matrix for one build: `targets` (and the first-class sets), or
//! `goos` × `goarch` × each arch's level minus `ignore`, with goreleaser's defaults and
//! its lists of what Go builds, as the tool's `GOOS/GOARCH/LEVEL` targets.

use super::yaml::{strings, Node, Value};
use crate::target::Target;

/// `go_first_class` and `go_118_first_class` (goreleaser: the first-class ports of go1.18).
pub const FIRST_CLASS: &[&str] = &[
    "darwin_amd64_v1",
    "darwin_arm64_v8.0",
    "linux_386_sse2",
    "linux_amd64_v1",
    "linux_arm_6",
    "linux_arm64_v8.0",
    "windows_386_sse2",
    "windows_amd64_v1",
];

/// The goos and goarch values goreleaser accepts (internal/builders/golang/targets.go).
const GOOS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "illumos",
    "ios",
    "js",
    "linux",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "windows",
    "wasip1",
];
const GOARCH: &[&str] = &[
    "386", "amd64", "arm", "arm64", "mips", "mips64", "mips64le", "mipsle", "ppc64", "ppc64le",
    "s390x", "wasm", "riscv64", "loong64", "sparc", "sparc64",
];

/// The level key of an arch and goreleaser's default for it.
pub(super) fn level_of(arch: &str) -> Option<(&'static str, &'static str)> {
    Some(match arch {
        "amd64" => ("goamd64", "v1"),
        "arm64" => ("goarm64", "v8.0"),
        "arm" => ("goarm", "6"),
        "386" => ("go386", "sse2"),
        "mips" | "mipsle" | "mips64" | "mips64le" => ("gomips", "hardfloat"),
        "riscv64" => ("goriscv64", "rva20u64"),
        "ppc64" | "ppc64le" => ("goppc64", "power8"),
        _ => return None,
    })
}

/// goreleaser's `os_arch[_level]` as the tool's target, or None when Go lacks the pair.
pub(super) fn tool_target(os: &str, arch: &str, level: Option<&str>) -> Option<String> {
    let t = match level {
        Some(l) if arch == "arm" => format!("{os}/{arch}/v{l}"),
        Some(l) => format!("{os}/{arch}/{l}"),
        None => format!("{os}/{arch}"),
    };
    Target::parse(&t).ok().map(|_| t)
}

/// The target set goreleaser builds for one build.
/// The target set goreleaser builds for one build, and what does not translate
/// (path, line, text).
pub fn targets(b: &Node, path: &str) -> (Vec<String>, Vec<(String, usize, String)>) {
    let mut notes: Vec<(String, usize, String)> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    let add = |t: String, out: &mut Vec<String>| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    if let Some(ts) = b.get("targets") {
        for s in strings(ts) {
            let expanded: Vec<String> = if s == "go_first_class" || s == "go_118_first_class" {
                FIRST_CLASS.iter().map(|s| s.to_string()).collect()
            } else {
                vec![s.clone()]
            };
            for e in expanded {
                let parts: Vec<&str> = e.splitn(3, '_').collect();
                let (os, arch) = (parts[0], parts.get(1).copied().unwrap_or(""));
                let level = parts.get(2).copied().or(level_of(arch).map(|(_, d)| d));
                match tool_target(os, arch, level) {
                    Some(t) => add(t, &mut out),
                    None => notes.push((
                        format!("{path}.targets"),
                        ts.line,
                        format!("not translated: target `{e}` is not one Go builds"),
                    )),
                }
            }
        }
        return (out, notes);
    }
    let list = |key: &str, default: &[&str]| -> Vec<String> {
        b.get(key)
            .map(strings)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect())
    };
    let mut goos = list("goos", &["darwin", "linux", "windows"]);
    let mut goarch = list("goarch", &["386", "amd64", "arm64"]);
    // goreleaser refuses a goos or goarch it does not know; the rest is translated.
    for (key, values) in [("goos", &mut goos), ("goarch", &mut goarch)] {
        values.retain(|v| {
            let known = match key {
                "goos" => GOOS.contains(&v.as_str()),
                _ => GOARCH.contains(&v.as_str()),
            };
            if !known {
                notes.push((
                    format!("{path}.{key}"),
                    b.get(key).map_or(b.line, |n| n.line),
                    format!("not translated: {key} `{v}` is not one goreleaser builds (it refuses the config)"),
                ));
            }
            known
        });
    }
    let ignores: Vec<&Node> = match b.get("ignore").map(|i| &i.value) {
        Some(Value::Seq(items)) => items.iter().collect(),
        Some(_) => {
            notes.push((
                format!("{path}.ignore"),
                b.get("ignore").map_or(b.line, |n| n.line),
                "not translated: ignore is a list of entries (`- goos: …`); nothing is ignored"
                    .into(),
            ));
            Vec::new()
        }
        None => Vec::new(),
    };
    for os in &goos {
        for arch in &goarch {
            let levels: Vec<(Option<&str>, Option<String>)> = match level_of(arch) {
                Some((key, def)) => list(key, &[def])
                    .into_iter()
                    .map(|l| (Some(key), Some(l)))
                    .collect(),
                None => vec![(None, None)],
            };
            for (key, level) in levels {
                let ignored = ignores.iter().any(|ig| {
                    let Value::Map(m) = &ig.value else {
                        return false;
                    };
                    !m.is_empty()
                        && m.iter().all(|(k, v)| {
                            let v = v.as_str().unwrap_or("");
                            match k.as_str() {
                                "goos" => v == os,
                                "goarch" => v == arch,
                                other => Some(other) == key && Some(v) == level.as_deref(),
                            }
                        })
                });
                if ignored {
                    continue;
                }
                match tool_target(os, arch, level.as_deref()) {
                    Some(t) => add(t, &mut out),
                    // A pair Go does not build (darwin/386) is dropped, as goreleaser
                    // drops it; a level of a pair it builds is the user's word.
                    None if level.is_some() && tool_target(os, arch, None).is_some() => {
                        notes.push((
                            format!("{path}.{}", key.unwrap_or("goarch")),
                            b.get(key.unwrap_or("goarch")).map_or(b.line, |n| n.line),
                            format!(
                                "not translated: {os}/{arch} at level `{}` is not a target this tool builds",
                                level.as_deref().unwrap_or("")
                            ),
                        ))
                    }
                    None => {}
                }
            }
        }
    }
    (out, notes)
}
