//! The child `go` process's environment, built from nothing (SPEC "The scrubbed
//! environment"). A pure function of the host variables, the `go env -w` file's text,
//! the profile and the target: never a filtered copy of our own environment, and our
//! own environment is never changed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::envvars::ARCH_LEVELS;
use crate::envvars::{Dropped, BUILD_AFFECTING};
use crate::profile::{GoRequirement, ResolvedProfile, Source};
use crate::target::Target;

use super::HostEnv;

/// Go's network and cache settings: honoured from the host and from the `go env -w`
/// file, so caches stay shared and private modules stay reachable.
pub const GO_NETWORK_AND_CACHE: &[&str] = &[
    "GOCACHE",
    "GOMODCACHE",
    "GOPATH",
    "GOTMPDIR",
    "GOCACHEPROG",
    "GOPROXY",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOSUMDB",
    "GOINSECURE",
    "GOAUTH",
    "GOVCS",
];

/// Further host variables let through: where things are, who runs, TLS roots, proxies.
pub const HOST_BASICS: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "TMPDIR",
    "XDG_CACHE_HOME",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];

/// Whether a host variable passes the scrub (before `pass-env`).
pub fn host_allowed(name: &str) -> bool {
    HOST_BASICS.contains(&name) || GO_NETWORK_AND_CACHE.contains(&name)
}

/// Why a child variable has its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// Copied from the host (allowlist).
    Host,
    /// Copied from the host because `pass-env` names it.
    PassEnv { by: String },
    /// From the `go env -w` file (network or cache key).
    GoEnvFile { file: PathBuf },
    /// Set by the scrub itself (GOENV, GOFLAGS, GOTOOLCHAIN).
    Scrub { why: String },
    /// From the target (GOOS, GOARCH, the arch level).
    Target { target: String },
    /// From a profile setting (CGO_ENABLED from `cgo`, GOTOOLCHAIN from `go`).
    Setting { by: String },
    /// From the profile's `env` table.
    ProfileEnv { by: String },
    /// The C toolchain chosen for a cgo build (`cc`, `libc`, `glibc`).
    CToolchain { by: String },
    /// GOCACHEPROG: the wrapper of the resolved cache program (`cache-program`,
    /// `--cache-program`, or the host's GOCACHEPROG).
    CacheProgram { by: String },
}

/// The child's whole environment, with the reason for every variable in it and every
/// variable kept out.
#[derive(Debug, Clone, Serialize)]
pub struct ChildEnv {
    pub vars: BTreeMap<String, String>,
    #[serde(skip)]
    pub origins: BTreeMap<String, Origin>,
    pub dropped: Vec<Dropped>,
}

/// The `go env -w` file as read: its path and text (`None` text when absent).
#[derive(Debug, Clone, Default)]
pub struct GoEnvFile {
    pub path: Option<PathBuf>,
    pub text: Option<String>,
}

fn source_text(s: &Source) -> String {
    s.to_string()
}

/// Builds the child environment for one target.
pub fn child_env(
    host: &HostEnv,
    goenv: &GoEnvFile,
    profile: &ResolvedProfile,
    target: &Target,
) -> ChildEnv {
    let mut vars = BTreeMap::new();
    let mut origins = BTreeMap::new();
    let mut dropped = Vec::new();
    // The value each dropped entry had, to leave out those the scrub sets alike.
    let mut dropped_values: Vec<String> = Vec::new();
    let mut set = |vars: &mut BTreeMap<String, String>, k: &str, v: String, o: Origin| {
        vars.insert(k.to_string(), v);
        origins.insert(k.to_string(), o);
    };

    // 1. From the host: the allowlist, plus pass-env.
    for (k, v) in host {
        if host_allowed(k) {
            set(&mut vars, k, v.clone(), Origin::Host);
        } else if let Some(p) = profile.pass_env.iter().find(|p| &p.value == k) {
            set(
                &mut vars,
                k,
                v.clone(),
                Origin::PassEnv {
                    by: source_text(&p.source),
                },
            );
        } else {
            let reason = if BUILD_AFFECTING.contains(&k.as_str()) {
                "changes the build; the profile decides it".to_string()
            } else {
                "not on the allowlist (add it to pass-env to let it through)".to_string()
            };
            dropped.push(Dropped {
                name: k.clone(),
                from: "host".to_string(),
                reason,
            });
            dropped_values.push(v.clone());
        }
    }

    // 2. The go env -w file: network and cache keys only; the host wins, as in go.
    if let (Some(path), Some(text)) = (&goenv.path, &goenv.text) {
        for (k, v) in super::goenv::parse(text) {
            if GO_NETWORK_AND_CACHE.contains(&k.as_str()) {
                if !vars.contains_key(&k) {
                    set(&mut vars, &k, v, Origin::GoEnvFile { file: path.clone() });
                }
            } else {
                let reason = if BUILD_AFFECTING.contains(&k.as_str()) {
                    "build-affecting key in the go env -w file: ignored by xbuild-go builds, \
                     but it changes plain `go build` runs"
                } else {
                    "not a network or cache key: ignored"
                };
                dropped.push(Dropped {
                    name: k,
                    from: path.display().to_string(),
                    reason: reason.to_string(),
                });
                dropped_values.push(v);
            }
        }
    }

    // 3. Set explicitly.
    let scrub = |why: &str| Origin::Scrub {
        why: why.to_string(),
    };
    set(
        &mut vars,
        "GOENV",
        "off".into(),
        scrub("the go env -w file is read by xbuild-go, never by go"),
    );
    set(
        &mut vars,
        "GOFLAGS",
        String::new(),
        scrub("no GOFLAGS from anywhere may change the build"),
    );
    let toolchain = match &profile.go.value {
        Some(GoRequirement::Exact(v)) => (
            format!("go{v}"),
            Origin::Setting {
                by: source_text(&profile.go.source),
            },
        ),
        _ => (
            "local".to_string(),
            scrub("run the go that was found, never a downloaded one"),
        ),
    };
    set(&mut vars, "GOTOOLCHAIN", toolchain.0, toolchain.1);
    let t = Origin::Target {
        target: target.to_string(),
    };
    set(&mut vars, "GOOS", target.goos().into(), t.clone());
    set(&mut vars, "GOARCH", target.goarch().into(), t.clone());
    if let Some((var, value)) = target.level() {
        set(&mut vars, var, value.to_string(), t);
    }
    set(
        &mut vars,
        "CGO_ENABLED",
        if profile.cgo.value { "1" } else { "0" }.into(),
        Origin::Setting {
            by: source_text(&profile.cgo.source),
        },
    );
    // 4. Then the profile's env (with cgo, CC/CXX/CGO_*FLAGS come only from here).
    for (k, v) in &profile.env {
        set(
            &mut vars,
            k,
            v.value.clone(),
            Origin::ProfileEnv {
                by: source_text(&v.source),
            },
        );
    }
    // A value the child gets all the same (GOTOOLCHAIN=local in the go env -w file, an
    // exported GOOS=linux for a linux target) was not really dropped.
    let mut dropped: Vec<Dropped> = dropped
        .into_iter()
        .zip(dropped_values)
        .filter(|(d, v)| vars.get(&d.name) != Some(v))
        .map(|(d, _)| d)
        .collect();
    dropped.sort_by(|a, b| (&a.from, &a.name).cmp(&(&b.from, &b.name)));
    ChildEnv {
        vars,
        origins,
        dropped,
    }
}

/// Whether a build-affecting variable the child does not have could change this build
/// if a consumer's shell held it: not another architecture's level, not a C toolchain
/// setting without cgo, not the toolchain's own bootstrap flags.
fn can_change_this_build(key: &str, cgo: bool) -> bool {
    let cgo_only = matches!(key, "CC" | "CXX" | "FC" | "AR" | "PKG_CONFIG" | "GCCGO")
        || key.starts_with("CGO_");
    !ARCH_LEVELS.contains(&key)
        && !matches!(key, "GO_GCFLAGS" | "GO_LDFLAGS" | "GOCOVERDIR")
        && (cgo || !cgo_only)
}

impl ChildEnv {
    /// What the tool decides, as `env --format` exports it: every variable it sets
    /// itself (GOENV, GOFLAGS, GOTOOLCHAIN, GOOS, GOARCH, the arch level, CGO_ENABLED,
    /// the profile's `env`), and an empty value for every other build-affecting
    /// variable that could change this build, so a consumer that evaluates the export and runs `go build` builds
    /// the same bytes whatever its own shell holds. Variables copied from the host or
    /// the `go env -w` file (PATH, HOME, proxies, TLS roots, caches, GOPROXY, pass-env)
    /// are the consumer's own, and are never re-exported: they may carry secrets, and
    /// they do not change the bytes.
    pub fn decided(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = self
            .vars
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    self.origins.get(*k),
                    None | Some(
                        Origin::Host
                            | Origin::PassEnv { .. }
                            | Origin::GoEnvFile { .. }
                            | Origin::CacheProgram { .. }
                    )
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let cgo = self.vars.get("CGO_ENABLED").is_some_and(|v| v == "1");
        for k in BUILD_AFFECTING {
            if !self.vars.contains_key(*k) && can_change_this_build(k, cgo) {
                out.insert(k.to_string(), String::new());
            }
        }
        out
    }

    /// Why a variable of [`ChildEnv::decided`] has its value.
    pub fn decided_origin(&self, key: &str) -> String {
        self.origins.get(key).map_or_else(
            || "scrub: empty, so the consumer's own value cannot change the build".to_string(),
            Origin::explain,
        )
    }
}

impl Origin {
    /// One line for `env --explain`.
    pub fn explain(&self) -> String {
        match self {
            Origin::Host => "host environment (allowlist)".to_string(),
            Origin::PassEnv { by } => format!("host environment, let through by pass-env ({by})"),
            Origin::GoEnvFile { file } => format!("go env -w file {}", file.display()),
            Origin::Scrub { why } => format!("scrub: {why}"),
            Origin::Target { target } => format!("target {target}"),
            Origin::Setting { by } => by.clone(),
            Origin::ProfileEnv { by } => format!("env table, {by}"),
            Origin::CToolchain { by } => format!("C toolchain, {by}"),
            Origin::CacheProgram { by } => format!("cache program wrapper, {by}"),
        }
    }
}

/// Sets `CC` and `CXX` of a chosen C toolchain (those the profile's env sets stay).
pub fn apply_c_toolchain(env: &mut ChildEnv, t: &super::cc::CToolchain) {
    for (key, value) in [("CC", &t.cc), ("CXX", &t.cxx)] {
        let Some(value) = value else { continue };
        if matches!(env.origins.get(key), Some(Origin::ProfileEnv { .. })) {
            continue;
        }
        env.vars.insert(key.into(), value.clone());
        env.origins
            .insert(key.into(), Origin::CToolchain { by: t.why.clone() });
    }
}

/// Runs the toolchain `name` (`go1.27.3`) instead of the local one: GOTOOLCHAIN names
/// it, and go fetches it through the module proxy as Go's default `auto` would.
pub fn pin_toolchain(env: &mut ChildEnv, name: &str, by: String) {
    env.vars.insert("GOTOOLCHAIN".into(), name.to_string());
    env.origins
        .insert("GOTOOLCHAIN".into(), Origin::Setting { by });
}

/// A host environment of `pairs`, for tests.
#[cfg(test)]
pub(crate) fn host_of(pairs: &[(&str, &str)]) -> HostEnv {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{resolve, Overrides, ProfileFile};
    use std::path::Path;

    use super::host_of as host;

    fn golden() -> ResolvedProfile {
        resolve(None, "golden", &Overrides::default()).unwrap()
    }

    #[test]
    fn hostile_host_and_goenv_file_do_not_reach_the_child() {
        let h = host(&[
            ("PATH", "/usr/bin"),
            ("HOME", "/home/u"),
            ("GOFLAGS", "-ldflags=-X=main.x=y"),
            ("GOARCH", "amd64"),
            ("CGO_ENABLED", "1"),
            ("GOROOT", "/nonexistent"),
            ("CC", "false"),
            ("GOPROXY", "https://proxy.example"),
            ("LD_PRELOAD", "/evil.so"),
        ]);
        let goenv = GoEnvFile {
            path: Some("/home/u/.config/go/env".into()),
            text: Some(
                "GOARCH=386\nGOPROXY=file-proxy\nGOMODCACHE=/cache/mod\nGOTOOLCHAIN=local\n".into(),
            ),
        };
        let t = Target::parse("linux/arm64").unwrap();
        let e = child_env(&h, &goenv, &golden(), &t);
        let want: BTreeMap<String, String> = [
            ("CGO_ENABLED", "0"),
            ("GOARCH", "arm64"),
            ("GOARM64", "v8.0"),
            ("GOENV", "off"),
            ("GOFLAGS", ""),
            ("GOMODCACHE", "/cache/mod"),
            ("GOOS", "linux"),
            ("GOPROXY", "https://proxy.example"),
            ("GOTOOLCHAIN", "local"),
            ("HOME", "/home/u"),
            ("PATH", "/usr/bin"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(e.vars, want);
        let dropped: Vec<(&str, &str)> = e
            .dropped
            .iter()
            .map(|d| (d.from.as_str(), d.name.as_str()))
            .collect();
        for (from, name) in [
            ("host", "GOFLAGS"),
            ("host", "GOARCH"),
            ("host", "CGO_ENABLED"),
            ("host", "GOROOT"),
            ("host", "CC"),
            ("host", "LD_PRELOAD"),
            ("/home/u/.config/go/env", "GOARCH"),
        ] {
            assert!(
                dropped.contains(&(from, name)),
                "{name} from {from} should be reported dropped: {dropped:?}"
            );
        }
        assert!(
            !dropped.iter().any(|(_, n)| *n == "GOPROXY"),
            "GOPROXY is kept"
        );
        assert!(
            !dropped.iter().any(|(_, n)| *n == "GOTOOLCHAIN"),
            "GOTOOLCHAIN=local is what the scrub sets too: not reported as dropped"
        );
    }

    #[test]
    fn decided_is_the_tools_own_choice_and_neutralises_the_rest() {
        let h = host(&[
            ("PATH", "/usr/bin"),
            ("HOME", "/home/u"),
            ("GOPROXY", "https://u:p@proxy"),
            ("HTTPS_PROXY", "http://u:p@h"),
            ("GOFLAGS", "-race"),
            ("GOEXPERIMENT", "arenas"),
            ("CC", "clang"),
        ]);
        let e = child_env(
            &h,
            &GoEnvFile::default(),
            &golden(),
            &Target::parse("linux/arm64").unwrap(),
        );
        let d = e.decided();
        for k in [
            "PATH",
            "HOME",
            "GOPROXY",
            "HTTPS_PROXY",
            "GOAMD64",
            "CC",
            "GO_GCFLAGS",
        ] {
            assert!(!d.contains_key(k), "{k} is not exported: {d:?}");
        }
        let get = |k: &str| d.get(k).map(String::as_str);
        assert_eq!(get("GOFLAGS"), Some(""));
        assert_eq!(get("GOENV"), Some("off"));
        assert_eq!(get("GOEXPERIMENT"), Some(""), "neutralised");
        assert_eq!(get("GOROOT"), Some(""), "neutralised");
        assert_eq!(get("GOARM64"), Some("v8.0"));
        assert_eq!(get("GOTOOLCHAIN"), Some("local"));
    }

    #[test]
    fn profile_env_pass_env_and_pins() {
        let f = ProfileFile::parse(
            Path::new("/r/xbuild-go.toml"),
            "[profile.golden]\ncgo = true\ngo = \"1.22.12\"\npass-env = [\"CI\"]\nenv = { CC = \"aarch64-linux-gnu-gcc\", GOPROXY = \"off\" }\n".into(),
        )
        .unwrap();
        let p = resolve(Some(&f), "golden", &Overrides::default()).unwrap();
        let h = host(&[("CI", "true"), ("GOPROXY", "https://p"), ("CC", "gcc")]);
        let e = child_env(
            &h,
            &GoEnvFile::default(),
            &p,
            &Target::parse("linux/arm/v6").unwrap(),
        );
        let get = |k: &str| e.vars.get(k).map(String::as_str);
        assert_eq!(get("CI"), Some("true"), "pass-env lets CI through");
        assert_eq!(
            get("CC"),
            Some("aarch64-linux-gnu-gcc"),
            "CC only from the profile"
        );
        assert_eq!(
            get("GOPROXY"),
            Some("off"),
            "profile env wins over the host"
        );
        assert_eq!(get("CGO_ENABLED"), Some("1"));
        assert_eq!(get("GOTOOLCHAIN"), Some("go1.22.12"));
        assert_eq!(get("GOARM"), Some("6"));
        assert_eq!(get("GOROOT"), None);
    }
}
