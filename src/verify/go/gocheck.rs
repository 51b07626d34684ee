//! `go.buildinfo` and `go.version`: what Go itself recorded inside the artifact,
//! against the resolved profile.

use std::collections::BTreeMap;

use serde::Serialize;

use super::buildinfo::{BuildInfo, Module};
use crate::profile::{GoRequirement, GoVersion};
use crate::target::Target;
use crate::verify::check::Check;

/// The build the profile asked for, as Go would record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoExpect {
    pub goos: String,
    pub goarch: String,
    /// The arch-level variable and value, e.g. ("GOARM", "7").
    pub level: Option<(String, String)>,
    pub cgo: bool,
    pub trimpath: bool,
    pub tags: Vec<String>,
    /// `-buildmode` as recorded; "exe" unless the profile's flags say otherwise.
    pub buildmode: String,
    /// `-ldflags` as passed to go build.
    pub ldflags: String,
}

/// The `go` object of the facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoFacts {
    pub version: String,
    /// The main package's import path.
    pub path: String,
    /// The main module, when Go recorded one.
    pub main: Option<Module>,
    /// Every recorded `build` key and value.
    pub settings: BTreeMap<String, String>,
    /// The dependency modules (`dep` lines), for the SBOM and provenance; not in the
    /// JSON report's facts (a large module graph would swamp every artifact event).
    #[serde(skip)]
    pub deps: Vec<Module>,
}

impl From<&BuildInfo> for GoFacts {
    fn from(b: &BuildInfo) -> GoFacts {
        GoFacts {
            version: b.go_version.clone(),
            path: b.path.clone(),
            main: b.main.clone(),
            settings: b.settings.iter().cloned().collect(),
            deps: b.deps.clone(),
        }
    }
}

/// Settings the summary names when nothing is judged.
fn summary(b: &BuildInfo) -> String {
    let get = |k: &str| b.setting(k).unwrap_or("-");
    format!(
        "{} GOOS={} GOARCH={} CGO_ENABLED={}",
        b.go_version,
        get("GOOS"),
        get("GOARCH"),
        get("CGO_ENABLED")
    )
}

fn tag_set(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split([',', ' '])
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Whether a Go release records an arch-level variable in its build info: GOARM64 and
/// GORISCV64 exist since Go 1.23, the others since build info settings began (1.18).
/// Unknown versions (devel builds) are assumed to record everything.
fn records_level(go_version: &str, var: &str) -> bool {
    let since = match var {
        "GOARM64" | "GORISCV64" => (1, 23),
        _ => (1, 18),
    };
    go_version
        .split_whitespace()
        .find(|w| w.starts_with("go1"))
        .and_then(|w| GoVersion::parse(w).ok())
        .map_or(true, |v| (v.major, v.minor) >= since)
}

/// Splits flags as Go's cmd/internal/quoted.Split does (whitespace-separated; a field
/// that starts with a quote runs to the matching quote). `None` if a quote is unclosed.
pub fn go_split(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        let Some(first) = rest.chars().next() else {
            return Some(out);
        };
        if first == '\'' || first == '"' {
            let end = rest[1..].find(first)? + 1;
            out.push(rest[1..end].to_string());
            rest = &rest[end + 1..];
        } else {
            let end = rest.find([' ', '\t', '\n', '\r']).unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
}

/// Whether a binary built for arch level `recorded` runs on `target`'s hardware: at most
/// the target's level where levels only add instructions (GOARM, GOAMD64, GOARM64,
/// GOPPC64, GORISCV64); the same, or softfloat, where they are alternatives (GO386,
/// GOMIPS). `Err` says why not.
pub fn level_fits(target: &Target, recorded: &str) -> Result<(), String> {
    let Some((var, want)) = target.level() else {
        return Ok(());
    };
    let Some(levels) = target.arch().and_then(|a| a.level) else {
        return Ok(());
    };
    // GOARM is recorded with its float mode when one was given: "7,softfloat".
    let got = recorded.split(',').next().unwrap_or(recorded);
    let rank = |v: &str| levels.values.iter().position(|(_, value)| *value == v);
    let ordered = matches!(
        var,
        "GOARM" | "GOAMD64" | "GOARM64" | "GOPPC64" | "GORISCV64"
    );
    let fits = if ordered {
        match (rank(got), rank(want)) {
            (Some(g), Some(w)) => g <= w,
            _ => got == want,
        }
    } else {
        got == want || got == "softfloat"
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "built for {var}={got}, which {target} ({var}={want}) cannot run: \
             the binary may use instructions that hardware lacks"
        ))
    }
}

/// What a target implies about recorded settings when no profile judges the build:
/// the same GOOS and GOARCH, and an arch level the target's hardware runs.
fn target_fit(b: &BuildInfo, target: &Target) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, want) in [("GOOS", target.goos()), ("GOARCH", target.goarch())] {
        if let Some(got) = b.setting(key) {
            if got != want {
                problems.push(format!("{key}: recorded {got}, the target is {want}"));
            }
        }
    }
    if let Some((var, _)) = target.level() {
        if let Some(got) = b.setting(var) {
            if let Err(e) = level_fits(target, got) {
                problems.push(e);
            }
        }
    }
    problems
}

/// `go.buildinfo`. `info` is what parsing found: `None` for a file with no build info.
/// Without `expect` (no profile) the settings are reported; only what `target` implies
/// is judged (GOOS, GOARCH, an arch level its hardware runs).
pub fn buildinfo_check(
    info: Option<&Result<BuildInfo, String>>,
    expect: Option<&GoExpect>,
    require: bool,
    target: Option<&Target>,
) -> Check {
    const ID: &str = "go.buildinfo";
    let b = match (info, expect) {
        (Some(Ok(b)), _) => b,
        (Some(Err(e)), Some(_)) => {
            return Check::unknown(
                ID,
                "readable Go build info",
                format!("malformed Go build info: {e}"),
            )
        }
        (Some(Err(e)), None) => return Check::info(ID, format!("unreadable: {e}")),
        (None, Some(_)) if !require => {
            return Check::info(ID, "none (not a Go binary)")
                .note("no Go build info to judge; `verify --profile P` requires it")
        }
        (None, _) if require => {
            return Check::unknown(
                ID,
                "Go build info",
                "no .go.buildinfo: not a Go binary, or one whose build info was removed; \
                 set buildinfo = false to verify non-Go files",
            )
        }
        (None, _) => return Check::info(ID, "none (not a Go binary)"),
    };
    let Some(e) = expect else {
        let problems = target.map(|t| target_fit(b, t)).unwrap_or_default();
        if problems.is_empty() {
            return Check::info(ID, summary(b));
        }
        let mut c = Check::judged(
            ID,
            false,
            target.map_or(String::new(), |t| format!("runs on {t}")),
            summary(b),
        );
        c.message = Some(problems.join("; "));
        return c;
    };
    let mut wants: Vec<(String, Option<String>, &str)> = vec![
        (
            "GOOS".into(),
            Some(e.goos.clone()),
            "GOOS was overridden (shell, GOFLAGS, go env -w) or another toolchain built it",
        ),
        (
            "GOARCH".into(),
            Some(e.goarch.clone()),
            "GOARCH was overridden (shell, GOFLAGS, go env -w) or another toolchain built it",
        ),
        (
            "CGO_ENABLED".into(),
            Some(if e.cgo { "1" } else { "0" }.into()),
            if e.cgo {
                "a cross build turns cgo off unless CC names a C cross compiler; set CC in the profile's env"
            } else {
                "CGO_ENABLED was overridden by the environment or go env -w"
            },
        ),
        (
            "-buildmode".into(),
            Some(e.buildmode.clone()),
            "a -buildmode flag reached go build from GOFLAGS or extra arguments",
        ),
        (
            "-trimpath".into(),
            e.trimpath.then(|| "true".to_string()),
            "-trimpath differs: GOFLAGS or extra arguments changed it",
        ),
    ];
    let mut notes = Vec::new();
    if let Some((var, value)) = &e.level {
        if b.setting(var).is_none() && !records_level(&b.go_version, var) {
            notes.push(format!(
                "{} does not record {var}; the arch level cannot be checked",
                b.go_version
            ));
        } else {
            wants.push((
                var.clone(),
                Some(value.clone()),
                "the arch level was overridden by the environment or go env -w",
            ));
        }
    }
    let mut problems = Vec::new();
    // The recorded value of every setting that differs, for the check's `actual`.
    let mut differing: Vec<String> = Vec::new();
    for (key, want, cause) in &wants {
        let got = b.setting(key);
        // Go records GOARM with its float suffix when it was given, e.g. "7,softfloat".
        let same = match (got, want.as_deref()) {
            (Some(g), Some(w)) => g == w || (g.split(',').next() == Some(w) && !w.contains(',')),
            (None, None) => true,
            _ => false,
        };
        if !same {
            problems.push(format!(
                "{key}: expected {}, recorded {} ({cause})",
                want.as_deref().unwrap_or("unset"),
                got.unwrap_or("unset")
            ));
            differing.push(format!("{key}={}", got.unwrap_or("unset")));
        }
    }
    let want_tags = tag_set(&e.tags.join(","));
    let got_tags = tag_set(b.setting("-tags").unwrap_or(""));
    if want_tags != got_tags {
        differing.push(format!("-tags={}", got_tags.join(",")));
        problems.push(format!(
            "-tags: expected [{}], recorded [{}] (build tags came from GOFLAGS or extra arguments)",
            want_tags.join(","),
            got_tags.join(",")
        ));
    }
    match b.setting("-ldflags") {
        Some(got) if go_split(got) != go_split(&e.ldflags) => {
            differing.push(format!("-ldflags={got:?}"));
            problems.push(format!(
                "-ldflags: expected {:?}, recorded {got:?} (GOFLAGS or extra arguments changed the link)",
                e.ldflags
            ))
        }
        Some(_) => {}
        None if e.trimpath && !e.ldflags.is_empty() => notes.push(
            "Go omits -ldflags from the build info under -trimpath; symbols.stripped checks -s -w instead".to_string(),
        ),
        None if !e.ldflags.is_empty() => problems.push(format!(
            "-ldflags: expected {:?}, none recorded",
            e.ldflags
        )),
        None => {}
    }
    let expected = {
        let mut parts = vec![format!("GOOS={} GOARCH={}", e.goos, e.goarch)];
        if let Some((k, v)) = &e.level {
            parts.push(format!("{k}={v}"));
        }
        parts.push(format!("CGO_ENABLED={}", if e.cgo { 1 } else { 0 }));
        parts.push(format!("-buildmode={}", e.buildmode));
        if e.trimpath {
            parts.push("-trimpath".into());
        }
        if !want_tags.is_empty() {
            parts.push(format!("-tags={}", want_tags.join(",")));
        }
        parts.join(" ")
    };
    let actual = if differing.is_empty() {
        summary(b)
    } else {
        format!("{} (recorded {})", summary(b), differing.join(" "))
    };
    let mut c = Check::judged(ID, problems.is_empty(), expected, actual);
    if !problems.is_empty() {
        c.message = Some(problems.join("; "));
    } else if !notes.is_empty() {
        c.message = Some(notes.join("; "));
    }
    c
}

/// `go.version`: the recorded Go version meets the profile's `go` requirement.
pub fn version_check(
    info: Option<&Result<BuildInfo, String>>,
    req: Option<&GoRequirement>,
) -> Option<Check> {
    const ID: &str = "go.version";
    let b = match info {
        Some(Ok(b)) => b,
        _ => {
            return req.map(|r| {
                Check::unknown(
                    ID,
                    format!("go {r}"),
                    "no readable Go build info to take the version from",
                )
            })
        }
    };
    let Some(r) = req else {
        return Some(Check::info(ID, b.go_version.clone()));
    };
    // "go1.22.12", or "devel go1.24-abcdef ..." for toolchains built from source.
    let version = b
        .go_version
        .split_whitespace()
        .find(|w| w.starts_with("go1"))
        .unwrap_or(&b.go_version);
    Some(match GoVersion::parse(version) {
        Ok(v) => Check::judged(ID, r.is_met_by(&v), format!("go {r}"), b.go_version.clone()).hint_on_fail(|| {
            "built by another Go toolchain: a GOTOOLCHAIN override, another go on PATH, or a CI image with a different Go"
                .to_string()
        }),
        Err(e) => Check::unknown(ID, format!("go {r}"), format!("recorded version {}: {e}", b.go_version)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Status;

    fn info(settings: &[(&str, &str)]) -> BuildInfo {
        BuildInfo {
            go_version: "go1.26.8".into(),
            path: "example.com/hello".into(),
            main: None,
            deps: vec![],
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn expect() -> GoExpect {
        GoExpect {
            goos: "linux".into(),
            goarch: "arm".into(),
            level: Some(("GOARM".into(), "7".into())),
            cgo: false,
            trimpath: false,
            tags: vec![],
            buildmode: "exe".into(),
            ldflags: "-s -w".into(),
        }
    }

    const GOOD: &[(&str, &str)] = &[
        ("-buildmode", "exe"),
        ("-compiler", "gc"),
        ("-ldflags", "-s -w"),
        ("CGO_ENABLED", "0"),
        ("GOARCH", "arm"),
        ("GOOS", "linux"),
        ("GOARM", "7"),
    ];

    const ARM64: &[(&str, &str)] = &[
        ("-buildmode", "exe"),
        ("-ldflags", "-s -w"),
        ("CGO_ENABLED", "0"),
        ("GOARCH", "arm64"),
        ("GOOS", "linux"),
    ];

    #[test]
    fn buildinfo_table() {
        let with = |k: &str, v: Option<&str>| {
            let mut s: Vec<(&str, &str)> =
                GOOD.iter().copied().filter(|(key, _)| *key != k).collect();
            if let Some(v) = v {
                s.push((k, v));
            }
            info(&s)
        };
        let cases: Vec<(&str, BuildInfo, GoExpect, Status, &str)> = vec![
            ("all_match", info(GOOD), expect(), Status::Pass, ""),
            (
                "goarch_overridden",
                with("GOARCH", Some("amd64")),
                expect(),
                Status::Fail,
                "GOARCH: expected arm, recorded amd64",
            ),
            (
                "goarm_overridden",
                with("GOARM", Some("5")),
                expect(),
                Status::Fail,
                "GOARM: expected 7",
            ),
            (
                "goarm_with_float_suffix",
                with("GOARM", Some("7,hardfloat")),
                expect(),
                Status::Pass,
                "",
            ),
            (
                "cgo_on",
                with("CGO_ENABLED", Some("1")),
                expect(),
                Status::Fail,
                "CGO_ENABLED",
            ),
            (
                "tags_from_goflags",
                with("-tags", Some("netgo")),
                expect(),
                Status::Fail,
                "-tags: expected [], recorded [netgo]",
            ),
            (
                "ldflags_changed",
                with("-ldflags", Some("-s -w -X main.v=1")),
                expect(),
                Status::Fail,
                "-ldflags",
            ),
            (
                "trimpath_omits_ldflags",
                {
                    let mut s: Vec<(&str, &str)> = GOOD
                        .iter()
                        .copied()
                        .filter(|(k, _)| *k != "-ldflags")
                        .collect();
                    s.push(("-trimpath", "true"));
                    info(&s)
                },
                GoExpect {
                    trimpath: true,
                    ..expect()
                },
                Status::Pass,
                "Go omits -ldflags",
            ),
            (
                "trimpath_missing",
                info(GOOD),
                GoExpect {
                    trimpath: true,
                    ..expect()
                },
                Status::Fail,
                "-trimpath",
            ),
            (
                "tags_order_free",
                with("-tags", Some("osusergo,netgo")),
                GoExpect {
                    tags: vec!["netgo".into(), "osusergo".into()],
                    ..expect()
                },
                Status::Pass,
                "",
            ),
            (
                "pie",
                with("-buildmode", Some("pie")),
                expect(),
                Status::Fail,
                "-buildmode",
            ),
            (
                "go122_records_no_goarm64",
                BuildInfo {
                    go_version: "go1.22.12".into(),
                    ..info(ARM64)
                },
                GoExpect {
                    goarch: "arm64".into(),
                    level: Some(("GOARM64".into(), "v8.0".into())),
                    ..expect()
                },
                Status::Pass,
                "does not record GOARM64",
            ),
            (
                "go126_must_record_goarm64",
                info(ARM64),
                GoExpect {
                    goarch: "arm64".into(),
                    level: Some(("GOARM64".into(), "v8.0".into())),
                    ..expect()
                },
                Status::Fail,
                "GOARM64",
            ),
        ];
        for (case, b, e, status, msg) in cases {
            let c = buildinfo_check(Some(&Ok(b)), Some(&e), true, None);
            assert_eq!(c.status, status, "case {case}: {c:?}");
            assert!(
                c.message.as_deref().unwrap_or("").contains(msg),
                "case {case}: {c:?}"
            );
        }
        let none = buildinfo_check(None, Some(&expect()), true, None);
        assert_eq!(
            none.status,
            Status::Unknown,
            "no build info with an expectation never passes"
        );
        assert_eq!(
            buildinfo_check(None, None, true, None).status,
            Status::Unknown,
            "required without settings to judge (verify with buildinfo = true) never passes"
        );
        assert_eq!(
            buildinfo_check(None, None, false, None).status,
            Status::Pass
        );
        assert_eq!(
            buildinfo_check(None, Some(&expect()), false, None).status,
            Status::Pass,
            "verify --target on a C binary reports, the profile did not ask"
        );
    }

    #[test]
    fn arch_levels_fit_targets_that_can_run_them() {
        let cases = [
            ("linux/arm/v7", "6", true),
            ("linux/arm/v7", "7,softfloat", true),
            ("linux/arm/v6", "7", false),
            ("linux/amd64", "v1", true),
            ("linux/amd64", "v3", false),
            ("linux/amd64/v3", "v2", true),
            ("linux/arm64", "v8.0", true),
            ("linux/arm64", "v8.2", false),
            ("linux/arm64/v9.0", "v8.7", true),
            ("linux/riscv64", "rva22u64", false),
            ("linux/386", "softfloat", true),
            ("linux/386/softfloat", "sse2", false),
            ("linux/mips/hardfloat", "softfloat", true),
        ];
        for (target, recorded, fits) in cases {
            let t = Target::parse(target).unwrap();
            assert_eq!(
                level_fits(&t, recorded).is_ok(),
                fits,
                "{recorded} on {target}: {:?}",
                level_fits(&t, recorded)
            );
        }
    }

    #[test]
    fn go_split_matches_cmd_internal_quoted() {
        assert_eq!(go_split("-s  -w"), Some(vec!["-s".into(), "-w".into()]));
        assert_eq!(
            go_split("-X 'main.v=a b' -X \"main.q=it's\""),
            Some(vec![
                "-X".into(),
                "main.v=a b".into(),
                "-X".into(),
                "main.q=it's".into()
            ])
        );
        assert_eq!(go_split("'unclosed"), None);
        assert_eq!(go_split(""), Some(vec![]));
    }

    #[test]
    fn version_table() {
        let b = |v: &str| {
            Ok(BuildInfo {
                go_version: v.into(),
                ..info(&[])
            })
        };
        for (recorded, req, status) in [
            ("go1.26.8", ">=1.21", Status::Pass),
            ("go1.20.1", ">=1.21", Status::Fail),
            ("go1.22.12", "1.22.12", Status::Pass),
            ("go1.26.8", "1.22.12", Status::Fail),
            ("devel go1.27-abc123 Tue", ">=1.21", Status::Pass),
        ] {
            let r = GoRequirement::parse(req).unwrap();
            let c = version_check(Some(&b(recorded)), Some(&r)).unwrap();
            assert_eq!(c.status, status, "{recorded} vs {req}: {c:?}");
        }
        let r = GoRequirement::parse(">=1.21").unwrap();
        assert_eq!(
            version_check(None, Some(&r)).unwrap().status,
            Status::Unknown
        );
        assert!(version_check(None, None).is_none());
    }
}
