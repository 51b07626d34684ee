//! Doctor's lines about `go` itself: which binary and why, its version against its own
//! root, other `go`s on PATH, GOROOT, and the profile's `go` requirement; with the
//! environments the go probes run in, built as data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::profile::{GoRequirement, GoVersion, ResolvedProfile};
use crate::toolchain::childenv::{host_allowed, GoEnvFile, GO_NETWORK_AND_CACHE};
use crate::toolchain::goenv;
use crate::toolchain::hostenv::HostEnv;
use crate::toolchain::locate::{all_on_path, canonical, Go, GoFrom};
use crate::toolchain::probe::{go_env, go_version, root_version};

use super::check::{Check, Inputs, Level};

/// The keys `doctor` asks `go env -json` for.
pub const GO_ENV_KEYS: &[&str] = &[
    "GOROOT",
    "GOHOSTOS",
    "GOHOSTARCH",
    "GOCACHE",
    "GOMODCACHE",
    "GOVERSION",
    "GOPROXY",
];

// ---------------------------------------------------------------------------------
// Environments for the probes, built as data.

/// What xbuild-go builds see, minus the target: the scrub's host allowlist, the `go env
/// -w` file's network and cache keys, `GOENV=off`, empty `GOFLAGS`, `GOTOOLCHAIN=local`.
pub(super) fn own_env(host: &HostEnv, goenv: &GoEnvFile) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = host
        .iter()
        .filter(|(k, _)| host_allowed(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(text) = &goenv.text {
        for (k, v) in goenv::parse(text) {
            if GO_NETWORK_AND_CACHE.contains(&k.as_str()) && !env.contains_key(&k) {
                env.insert(k, v);
            }
        }
    }
    env.insert("GOENV".into(), "off".into());
    env.insert("GOFLAGS".into(), String::new());
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env
}

/// What a plain `go build` in this shell sees: the whole host environment, except that
/// `GOTOOLCHAIN=local` keeps the probe from downloading a toolchain.
pub(super) fn plain_env(host: &HostEnv) -> BTreeMap<String, String> {
    let mut env = host.clone();
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env
}

/// Everything learnt from running the found `go`.
#[derive(Debug)]
pub(super) struct Toolchain {
    /// `go version`, scrubbed environment.
    pub(super) version: Result<String, String>,
    /// `go env -json ...`, scrubbed environment: the toolchain's own view.
    pub(super) own: Result<BTreeMap<String, String>, String>,
    /// `go env -json GOROOT`, host environment: what plain `go build` uses.
    pub(super) plain_goroot: Result<String, String>,
    /// The toolchain's own root: beside the binary, else `go env GOROOT` (scrubbed).
    pub(super) root: Option<PathBuf>,
    /// `$root/VERSION`.
    pub(super) root_version: Option<String>,
}

pub(super) fn probe_toolchain(
    go: &Go,
    host: &HostEnv,
    own: &BTreeMap<String, String>,
) -> Toolchain {
    let version = go_version(&go.path, own);
    let own_vars = go_env(&go.path, GO_ENV_KEYS, own);
    let plain_goroot = go_env(&go.path, &["GOROOT"], &plain_env(host))
        .map(|m| m.get("GOROOT").cloned().unwrap_or_default());
    let root = go.goroot.clone().or_else(|| {
        own_vars
            .as_ref()
            .ok()
            .and_then(|m| m.get("GOROOT"))
            .filter(|r| !r.is_empty())
            .map(PathBuf::from)
    });
    let root_version = go
        .version
        .clone()
        .or_else(|| root.as_deref().and_then(root_version));
    Toolchain {
        version,
        own: own_vars,
        plain_goroot,
        root,
        root_version,
    }
}

impl Toolchain {
    /// The version to show: what `go version` said, else `$root/VERSION`.
    pub(super) fn said_version(&self) -> Option<&str> {
        self.version
            .as_deref()
            .ok()
            .or(self.root_version.as_deref())
    }
    /// The version to judge requirements by: the one builds use (`$GOROOT/VERSION`),
    /// else what `go version` said.
    fn best_version(&self) -> Option<&str> {
        self.root_version
            .as_deref()
            .or(self.version.as_deref().ok())
    }
    /// One key of `go env` in the scrubbed environment, when go printed it.
    pub(super) fn own(&self, key: &str) -> Option<&str> {
        self.own
            .as_ref()
            .ok()
            .and_then(|m| m.get(key))
            .map(String::as_str)
    }
}

// ---------------------------------------------------------------------------------
// Judgements.

pub(super) fn from_text(from: &GoFrom) -> &'static str {
    match from {
        GoFrom::Flag => "from --go",
        GoFrom::Variable => "from XBUILD_GO_GO",
        GoFrom::Path => "first on PATH",
    }
}

pub(super) fn go_line(go: &Go, t: &Toolchain) -> Check {
    let version = t.said_version().unwrap_or("version unknown");
    Check::ok(
        "go",
        format!("{} ({version}, {})", go.path.display(), from_text(&go.from)),
    )
}

pub(super) fn version_line(go: &Go, t: &Toolchain) -> Check {
    let id = "go.version";
    let bin = match &t.version {
        Ok(v) => v,
        Err(e) => {
            return Check::with_fix(
                Level::Error,
                id,
                format!("the go binary does not run: {e}"),
                format!(
                    "check that {} is a Go toolchain built for this machine, or reinstall Go",
                    go.path.display()
                ),
            )
        }
    };
    let root_text = t
        .root
        .as_deref()
        .map_or("its root".to_string(), |r| r.display().to_string());
    match &t.root_version {
        Some(rv) if rv == bin => Check::ok(
            id,
            format!("`go version` says {bin}, as does {root_text}/VERSION"),
        ),
        Some(rv) => Check::with_fix(
            Level::Error,
            id,
            format!(
                "`go version` says {bin} but {root_text}/VERSION says {rv}: the go command and \
                 the standard library beside it come from different releases (the syscall \
                 table offset trap: mismatched objects, or a binary built with the wrong tables)"
            ),
            format!(
                "reinstall Go cleanly: remove {root_text} and unpack a single release there \
                 (never unpack a release over an older one)"
            ),
        ),
        None => Check::with_fix(
            Level::Warn,
            id,
            format!("`go version` says {bin}, but {root_text} has no VERSION file to compare with"),
            "use an official Go release (https://go.dev/dl/) or your distribution's package, \
             which carry $GOROOT/VERSION",
        ),
    }
}

pub(super) fn other_gos(
    go: &Go,
    i: &Inputs,
    own: &BTreeMap<String, String>,
    t: &Toolchain,
) -> Vec<Check> {
    let id = "go.other";
    let path_var = i.host.get("PATH").map(String::as_str);
    let found = canonical(&go.path);
    let all = all_on_path("go", path_var, i.work_dir);
    let mine = t.said_version();
    let mut out = Vec::new();
    for (n, p) in all.iter().enumerate() {
        if canonical(p) == found {
            continue;
        }
        let where_ = if n == 0 {
            "first on PATH: plain `go` commands run it, xbuild-go runs the one above"
        } else {
            "later on PATH, shadowed"
        };
        let check = match go_version(p, own) {
            Ok(v) if Some(v.as_str()) == mine => Check::ok(
                id,
                format!("{} ({v}, the same release; {where_})", p.display()),
            ),
            Ok(v) => Check::with_fix(
                Level::Warn,
                id,
                format!("{} ({v}; {where_})", p.display()),
                if n == 0 {
                    format!(
                        "put {} first on PATH so plain go and xbuild-go agree, or remove {}",
                        go.path.parent().map_or(go.path.display(), |d| d.display()),
                        p.display()
                    )
                } else {
                    format!(
                        "remove {} (or its directory) from PATH if nothing needs it",
                        p.display()
                    )
                },
            ),
            Err(e) => Check::with_fix(
                Level::Warn,
                id,
                format!("{} ({where_}) does not run: {e}", p.display()),
                format!("remove {} from PATH", p.display()),
            ),
        };
        out.push(check);
    }
    if out.is_empty() {
        out.push(Check::ok(id, "no other `go` on PATH"));
    }
    out
}

pub(super) fn goroot_line(go: &Go, i: &Inputs, t: &Toolchain) -> Check {
    let id = "goroot";
    let host_goroot = i.host.get("GOROOT").filter(|v| !v.is_empty());
    let own_root = t.root.as_deref();
    let bin = t.said_version().unwrap_or("version unknown");
    // Who set it, and how to undo it.
    let (who, fix) = match host_goroot {
        Some(v) => (
            format!("GOROOT exported as {v}"),
            "unset GOROOT".to_string(),
        ),
        None => (
            format!(
                "GOROOT in the go env -w file {}",
                i.goenv
                    .path
                    .as_deref()
                    .map_or("(unknown)".into(), |p| p.display().to_string())
            ),
            "go env -u GOROOT".to_string(),
        ),
    };
    let plain = match &t.plain_goroot {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        Ok(_) => {
            return Check::with_fix(
                Level::Warn,
                id,
                "`go env GOROOT` printed nothing: go cannot find its own root",
                "reinstall Go",
            )
        }
        Err(e) => {
            return Check::with_fix(
                Level::Error,
                id,
                format!("with this shell's environment `go env GOROOT` fails: {e}"),
                if host_goroot.is_some() {
                    "unset GOROOT".to_string()
                } else {
                    "run `go env` by hand and correct what it complains about".to_string()
                },
            )
        }
    };
    if own_root.is_some_and(|r| same_dir(r, &plain)) {
        return match host_goroot {
            Some(v) => Check::ok(
                id,
                format!(
                    "exported as {v}, the toolchain's own root (not needed: go finds it itself)"
                ),
            ),
            None => Check::ok(
                id,
                format!("not set; go uses its own root {}", plain.display()),
            ),
        };
    }
    let other = root_version(&plain);
    let other_text = other.as_deref().unwrap_or("no VERSION file");
    let own_text = own_root.map_or(String::new(), |r| format!(" (own root {})", r.display()));
    if other.as_deref() == Some(bin) {
        return Check::with_fix(
            Level::Warn,
            id,
            format!(
                "{who}: plain `go build` uses {} ({other_text}), another copy of the same release \
                 as {}{own_text}",
                plain.display(),
                go.path.display()
            ),
            fix,
        );
    }
    Check::with_fix(
        Level::Error,
        id,
        format!(
            "{who}: plain `go build` would take its standard library from {} ({other_text}) \
             while {} is {bin}{own_text}: one release's tools with another's packages, the \
             syscall table offset trap (xbuild-go builds never set GOROOT)",
            plain.display(),
            go.path.display()
        ),
        fix,
    )
}

pub(super) fn same_dir(a: &Path, b: &Path) -> bool {
    canonical(a) == canonical(b)
}

pub(super) fn profile_line(p: &ResolvedProfile) -> Check {
    let targets: Vec<String> = p.targets.value.iter().map(|t| t.to_string()).collect();
    let file = p
        .file
        .as_deref()
        .map_or("the built-in profile".to_string(), |f| {
            f.display().to_string()
        });
    Check::ok(
        "profile",
        format!(
            "`{}` from {file}: targets {}, cgo = {}",
            p.name,
            targets.join(", "),
            p.cgo.value
        ),
    )
}

pub(super) fn requirement_line(
    p: &ResolvedProfile,
    go: Option<&Go>,
    t: Option<&Toolchain>,
) -> Check {
    let id = "profile.go";
    let found = t.and_then(Toolchain::best_version);
    let parsed = found.and_then(|v| GoVersion::parse(v).ok());
    let source = &p.go.source;
    let go_path = go.map_or("the go found".to_string(), |g| g.path.display().to_string());
    let req = match &p.go.value {
        None => {
            return Check::ok(
                id,
                format!(
                    "the profile sets no go requirement{}",
                    found.map_or(String::new(), |v| format!(" ({v} found)"))
                ),
            )
        }
        Some(r) => r,
    };
    let Some(v) = parsed else {
        return Check::with_fix(
            Level::Warn,
            id,
            format!(
                "the profile requires go {req} ({source}), but the version of {go_path} is unknown"
            ),
            "make sure go runs (see the go lines above)",
        );
    };
    let found = found.unwrap_or_default();
    match req {
        GoRequirement::Exact(pin) if pin == &v => Check::ok(
            id,
            format!("pinned to go{pin} ({source}); {go_path} is that release"),
        ),
        GoRequirement::Exact(pin) => {
            let switching = GoVersion {
                major: 1,
                minor: 21,
                patch: None,
            };
            if v < switching {
                return Check::with_fix(
                    Level::Error,
                    id,
                    format!(
                        "pinned to go{pin} ({source}), but {go_path} is {found}, too old to \
                         switch toolchains through GOTOOLCHAIN (needs go1.21 or newer)"
                    ),
                    "install Go 1.21 or newer",
                );
            }
            let (hostos, hostarch) = t
                .map(|t| (t.own("GOHOSTOS"), t.own("GOHOSTARCH")))
                .unwrap_or_default();
            let downloaded = t.and_then(|t| t.own("GOMODCACHE")).map(|cache| {
                Path::new(cache)
                    .join(format!(
                        "golang.org/toolchain@v0.0.1-go{pin}.{}-{}",
                        hostos.unwrap_or(""),
                        hostarch.unwrap_or("")
                    ))
                    .is_dir()
            });
            let proxy_off = t.and_then(|t| t.own("GOPROXY")).is_some_and(|p| p == "off");
            match downloaded {
                Some(true) => Check::ok(
                    id,
                    format!(
                        "pinned to go{pin} ({source}): builds run it through \
                         GOTOOLCHAIN=go{pin}; already downloaded"
                    ),
                ),
                _ if proxy_off => Check::with_fix(
                    Level::Warn,
                    id,
                    format!(
                        "pinned to go{pin} ({source}): builds run it through GOTOOLCHAIN=go{pin}, \
                         but it is not downloaded and GOPROXY=off"
                    ),
                    format!(
                        "fetch it once with network access: \
                         GOPROXY=https://proxy.golang.org GOTOOLCHAIN=go{pin} go version"
                    ),
                ),
                _ => Check::ok(
                    id,
                    format!(
                        "pinned to go{pin} ({source}): builds run it through \
                         GOTOOLCHAIN=go{pin} (downloaded on first use)"
                    ),
                ),
            }
        }
        r if r.is_met_by(&v) => Check::ok(
            id,
            format!("the profile requires go {r} ({source}); {found} meets it"),
        ),
        r => Check::with_fix(
            Level::Error,
            id,
            format!("the profile requires go {r} ({source}), but {go_path} is {found}"),
            "install a matching Go, or pin one with an exact go = \"X.Y.Z\" (GOTOOLCHAIN \
             fetches it)",
        ),
    }
}
