//! `doctor`: probes of the toolchain and the environment, judged into ok / warn /
//! error lines, each with its fix: which `go` and why, its version against its own
//! root, other `go`s on PATH, GOROOT, the `go env -w` file, exported build variables,
//! the host and the caches, the profile's `go` requirement, and per target a C
//! compiler for cgo and a qemu-user emulator for smoke runs.
//!
//! Doctor is not the build path, so it may run `go version` and `go env`. Probes run
//! with an environment built as data from the host value (never our own environment),
//! in `/`, with `GOTOOLCHAIN=local` so a probe never downloads a toolchain.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::profile::{GoRequirement, GoVersion, ResolvedProfile};
use crate::target::Target;
use crate::verify::human_size;

use super::childenv::{host_allowed, BUILD_AFFECTING, GO_NETWORK_AND_CACHE};
use super::smoke::Runner;
use super::{goenv, Go, GoEnvFile, GoFrom, HostEnv};
use crate::report::redact;

/// How long one probe (`go version`, `go env`) may take before it is given up.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

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

/// The verdict of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One doctor line. Ids are stable: `go`, `go.version`, `go.other` (one per other `go`
/// on PATH), `goroot`, `goenv`, `goenv.KEY`, `env` / `env.NAME`, `host`,
/// `cache.GOCACHE`, `cache.GOMODCACHE`, `profile`, `profile.go`, `zig`, `cgo.TARGET`,
/// `qemu.TARGET`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: String,
    pub level: Level,
    pub message: String,
    /// What to do about it; `None` on ok lines.
    pub fix: Option<String>,
}

impl Check {
    fn ok(id: impl Into<String>, message: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            level: Level::Ok,
            message: message.into(),
            fix: None,
        }
    }
    fn warn(id: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            level: Level::Warn,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
    fn error(id: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            level: Level::Error,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
}

/// What doctor looks at.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub host: &'a HostEnv,
    pub goenv: &'a GoEnvFile,
    /// The `go` found as builds find it (`--go`, `XBUILD_GO_GO`, PATH), or why none was.
    pub go: Result<&'a Go, String>,
    /// The selected profile, or why it could not be resolved.
    pub profile: Result<&'a ResolvedProfile, String>,
    /// The working directory (after `-C`): relative tool names resolve against it.
    pub work_dir: &'a Path,
    /// zig for cgo builds (`--zig`, XBUILD_GO_ZIG, PATH, the ziglang package).
    pub zig: &'a super::cc::ZigFinder,
}

/// Runs every probe and returns the lines in screen order.
pub fn diagnose(i: &Inputs) -> Vec<Check> {
    let mut out = Vec::new();
    let own = own_env(i.host, i.goenv);
    let toolchain =
        i.go.as_ref()
            .ok()
            .map(|go| probe_toolchain(go, i.host, &own));

    match (&i.go, &toolchain) {
        (Ok(go), Some(t)) => {
            out.push(go_line(go, t));
            out.push(version_line(go, t));
            out.extend(other_gos(go, i, &own, t));
            out.push(goroot_line(go, i, t));
        }
        _ => out.push(Check::error(
            "go",
            i.go.as_ref().err().cloned().unwrap_or_default(),
            "install Go from https://go.dev/dl/ (or your package manager) and put its bin \
             directory on PATH, or point --go / XBUILD_GO_GO at the go binary",
        )),
    }
    out.extend(goenv_lines(i));
    out.extend(env_lines(i));
    let host = host_platform(toolchain.as_ref());
    if let Some(t) = &toolchain {
        out.extend(host_and_caches(t));
    }
    match &i.profile {
        Ok(p) => {
            out.push(profile_line(p));
            out.push(requirement_line(
                p,
                i.go.as_ref().ok().copied(),
                toolchain.as_ref(),
            ));
            out.push(zig_line(i));
            for target in &p.targets.value {
                let tp = p.for_target(target);
                let tp = tp.as_ref().unwrap_or(p);
                out.push(cgo_line(tp, target, i));
                out.push(qemu_line(tp, target, &host, i));
            }
        }
        Err(e) => out.push(Check::error(
            "profile",
            e.clone(),
            "correct the profile file or the --profile/--target/--config named above \
             (`cargo xbuild-go profiles` lists what is defined)",
        )),
    }
    out
}

/// True when no line is an error: doctor exits 0.
pub fn healthy(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.level != Level::Error)
}

// ---------------------------------------------------------------------------------
// Probes: the only code here that runs processes or reads the file system.

/// Runs `program args` with exactly `env`, in `/`, and returns its stdout. The error
/// names the command and says what went wrong (could not start, timed out, status).
pub fn probe(
    program: &Path,
    args: &[&str],
    env: &BTreeMap<String, String>,
) -> Result<String, String> {
    let shown = format!("`{} {}`", program.display(), args.join(" "));
    let handle = duct::cmd(program, args)
        .dir("/")
        .full_env(env)
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .start()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let out = match handle.wait_timeout(PROBE_TIMEOUT) {
        Ok(Some(out)) => out,
        Ok(None) => {
            let _ = handle.kill();
            return Err(format!(
                "{shown} did not finish within {} s",
                PROBE_TIMEOUT.as_secs()
            ));
        }
        Err(e) => return Err(format!("waiting for {shown}: {e}")),
    };
    if !out.status.success() {
        let code = out
            .status
            .code()
            .map_or("a signal".to_string(), |c| format!("status {c}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = stderr.trim();
        return Err(if said.is_empty() {
            format!("{shown} failed with {code}")
        } else {
            format!("{shown} failed with {code}: {said}")
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The version word of `go version` output: `go version go1.26.8 linux/amd64` →
/// `go1.26.8` (`devel go1.27-abc` for development builds).
pub fn parse_version_output(out: &str) -> Option<String> {
    let line = out.lines().next()?.trim();
    let mut words = line.strip_prefix("go version ")?.split_whitespace();
    match words.next()? {
        "devel" => Some(format!("devel {}", words.next().unwrap_or(""))),
        w => Some(w.to_string()),
    }
}

/// `<go> version`, run with `env`.
pub fn go_version(go: &Path, env: &BTreeMap<String, String>) -> Result<String, String> {
    let out = probe(go, &["version"], env)?;
    parse_version_output(&out).ok_or_else(|| {
        format!(
            "`{} version` printed no version: {:?}",
            go.display(),
            out.trim()
        )
    })
}

/// `<go> env -json KEYS...`, run with `env`.
pub fn go_env(
    go: &Path,
    keys: &[&str],
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut args = vec!["env", "-json"];
    args.extend_from_slice(keys);
    let out = probe(go, &args, env)?;
    serde_json::from_str(&out).map_err(|e| {
        format!(
            "`{} env -json` printed no JSON object ({e}): {:?}",
            go.display(),
            out.trim()
        )
    })
}

/// Every `name` on `path_var`, in PATH order, one per real file (`/bin/go` and
/// `/usr/bin/go` on a merged-/usr system are one).
pub fn all_on_path(name: &str, path_var: Option<&str>, cwd: &Path) -> Vec<PathBuf> {
    let Some(path_var) = path_var.filter(|p| !p.is_empty()) else {
        return Vec::new();
    };
    let Ok(found) = which::which_in_all(name, Some(path_var), cwd) else {
        return Vec::new();
    };
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for p in found {
        let real = canonical(&p);
        if !seen.contains(&real) {
            seen.push(real);
            out.push(p);
        }
    }
    out
}

/// A tool named as `CC` names it: a path when it has a slash, else looked up on PATH.
pub fn find_tool(name: &str, path_var: Option<&str>, cwd: &Path) -> Option<PathBuf> {
    if name.contains('/') {
        let p = cwd.join(name);
        return p.is_file().then_some(p);
    }
    which::which_in(name, path_var.filter(|p| !p.is_empty()), cwd).ok()
}

/// Total bytes and files under `dir` (symlinks not followed, unreadable parts skipped).
pub fn dir_usage(dir: &Path) -> (u64, u64) {
    let mut stack = vec![dir.to_path_buf()];
    let (mut bytes, mut files) = (0u64, 0u64);
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(e.path());
            } else if kind.is_file() {
                if let Ok(m) = e.metadata() {
                    bytes += m.len();
                    files += 1;
                }
            }
        }
    }
    (bytes, files)
}

/// Whether a file can be created in `dir` (an anonymous temporary file, gone at once).
pub fn writable(dir: &Path) -> Result<(), String> {
    tempfile::tempfile_in(dir)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The first line of `root/VERSION` when it names a Go release.
pub fn root_version(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("VERSION")).ok()?;
    let first = text.lines().next()?.trim();
    first.starts_with("go").then(|| first.to_string())
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    canonical(a) == canonical(b)
}

// ---------------------------------------------------------------------------------
// Environments for the probes, built as data.

/// What xbuild-go builds see, minus the target: the scrub's host allowlist, the `go env
/// -w` file's network and cache keys, `GOENV=off`, empty `GOFLAGS`, `GOTOOLCHAIN=local`.
fn own_env(host: &HostEnv, goenv: &GoEnvFile) -> BTreeMap<String, String> {
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
fn plain_env(host: &HostEnv) -> BTreeMap<String, String> {
    let mut env = host.clone();
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env
}

/// Everything learnt from running the found `go`.
#[derive(Debug)]
struct Toolchain {
    /// `go version`, scrubbed environment.
    version: Result<String, String>,
    /// `go env -json ...`, scrubbed environment: the toolchain's own view.
    own: Result<BTreeMap<String, String>, String>,
    /// `go env -json GOROOT`, host environment: what plain `go build` uses.
    plain_goroot: Result<String, String>,
    /// The toolchain's own root: beside the binary, else `go env GOROOT` (scrubbed).
    root: Option<PathBuf>,
    /// `$root/VERSION`.
    root_version: Option<String>,
}

fn probe_toolchain(go: &Go, host: &HostEnv, own: &BTreeMap<String, String>) -> Toolchain {
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
    /// The version to judge requirements by: the one builds use (`$GOROOT/VERSION`),
    /// else what `go version` said.
    fn best_version(&self) -> Option<&str> {
        self.root_version
            .as_deref()
            .or(self.version.as_deref().ok())
    }
    fn own(&self, key: &str) -> Option<&str> {
        self.own
            .as_ref()
            .ok()
            .and_then(|m| m.get(key))
            .map(String::as_str)
    }
}

// ---------------------------------------------------------------------------------
// Judgements.

fn from_text(from: &GoFrom) -> &'static str {
    match from {
        GoFrom::Flag => "from --go",
        GoFrom::Variable => "from XBUILD_GO_GO",
        GoFrom::Path => "first on PATH",
    }
}

fn go_line(go: &Go, t: &Toolchain) -> Check {
    let version = t
        .version
        .as_deref()
        .ok()
        .or(t.root_version.as_deref())
        .unwrap_or("version unknown");
    Check::ok(
        "go",
        format!("{} ({version}, {})", go.path.display(), from_text(&go.from)),
    )
}

fn version_line(go: &Go, t: &Toolchain) -> Check {
    let id = "go.version";
    let bin = match &t.version {
        Ok(v) => v,
        Err(e) => {
            return Check::error(
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
        Some(rv) => Check::error(
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
        None => Check::warn(
            id,
            format!("`go version` says {bin}, but {root_text} has no VERSION file to compare with"),
            "use an official Go release (https://go.dev/dl/) or your distribution's package, \
             which carry $GOROOT/VERSION",
        ),
    }
}

fn other_gos(go: &Go, i: &Inputs, own: &BTreeMap<String, String>, t: &Toolchain) -> Vec<Check> {
    let id = "go.other";
    let path_var = i.host.get("PATH").map(String::as_str);
    let found = canonical(&go.path);
    let all = all_on_path("go", path_var, i.work_dir);
    let mine = t.version.as_deref().ok().or(t.root_version.as_deref());
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
            Ok(v) => Check::warn(
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
            Err(e) => Check::warn(
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

fn goroot_line(go: &Go, i: &Inputs, t: &Toolchain) -> Check {
    let id = "goroot";
    let host_goroot = i.host.get("GOROOT").filter(|v| !v.is_empty());
    let own_root = t.root.as_deref();
    let bin = t
        .version
        .as_deref()
        .ok()
        .or(t.root_version.as_deref())
        .unwrap_or("version unknown");
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
            return Check::warn(
                id,
                "`go env GOROOT` printed nothing: go cannot find its own root",
                "reinstall Go",
            )
        }
        Err(e) => {
            return Check::error(
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
        return Check::warn(
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
    Check::error(
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

fn goenv_lines(i: &Inputs) -> Vec<Check> {
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
                return vec![Check::warn(
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
            Check::warn(
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
const OWN_LINES: &[&str] = &["GOROOT", "GOENV"];

fn env_lines(i: &Inputs) -> Vec<Check> {
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
            Check::warn(
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
fn agrees_with_scrub(name: &str, value: &str) -> bool {
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

fn on_off(v: &str) -> &'static str {
    if v == "0" {
        "off"
    } else {
        "on"
    }
}

/// GOHOSTOS/GOHOSTARCH: from `go env`, else this tool's own platform.
#[derive(Debug, Clone)]
struct Host {
    os: String,
    arch: String,
}

fn host_platform(t: Option<&Toolchain>) -> Host {
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

fn host_and_caches(t: &Toolchain) -> Vec<Check> {
    let own = match &t.own {
        Ok(m) => m,
        Err(e) => {
            return vec![Check::error(
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
fn cache_line(key: &str, value: &str, bad: Level) -> Check {
    let id = format!("cache.{key}");
    let judge = |message: String, fix: String| Check {
        id: id.clone(),
        level: bad,
        message,
        fix: Some(fix),
    };
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

fn profile_line(p: &ResolvedProfile) -> Check {
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

fn requirement_line(p: &ResolvedProfile, go: Option<&Go>, t: Option<&Toolchain>) -> Check {
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
        return Check::warn(
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
                return Check::error(
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
                _ if proxy_off => Check::warn(
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
        r => Check::error(
            id,
            format!("the profile requires go {r} ({source}), but {go_path} is {found}"),
            "install a matching Go, or pin one with an exact go = \"X.Y.Z\" (GOTOOLCHAIN \
             fetches it)",
        ),
    }
}

/// The Debian/Ubuntu GNU C cross compiler for a target: (command, package).
pub fn cross_compiler(target: &Target) -> Option<(String, String)> {
    let gnu = |triplet: &str| {
        Some((
            format!("{triplet}-gcc"),
            format!("gcc-{}", triplet.replace('_', "-")),
        ))
    };
    match (target.goos(), target.goarch()) {
        ("linux", _) => gnu(target.gnu_triplet()?),
        ("windows", "amd64") => Some((
            "x86_64-w64-mingw32-gcc".into(),
            "gcc-mingw-w64-x86-64".into(),
        )),
        ("windows", "386") => Some(("i686-w64-mingw32-gcc".into(), "gcc-mingw-w64-i686".into())),
        _ => None,
    }
}

/// The C compiler go runs by default for a GOOS (`cmd/go`'s DefaultCC).
pub fn default_cc(goos: &str) -> &'static str {
    match goos {
        "darwin" | "ios" | "freebsd" | "openbsd" => "clang",
        _ => "gcc",
    }
}

/// The C toolchains usable for a target (Debian's cross gcc, zig with its triple) and
/// what the profile's `cc` picks: an error only when cgo is on and nothing can build it.
fn cgo_line(p: &ResolvedProfile, target: &Target, i: &Inputs) -> Check {
    use super::cc;
    let id = format!("cgo.{target}");
    let req = cc::Request {
        profile: p,
        target,
        host: i.host,
        work_dir: i.work_dir,
        zig: i.zig,
    };
    let available = cc::available(&req);
    let table = format!("[profile.{}]", p.name);
    let where_file = p
        .file
        .as_deref()
        .map_or("xbuild-go.toml".to_string(), |f| f.display().to_string());
    let picked = cc::pick(&req);
    let env_cc = p.env.iter().any(|(k, _)| k == "CC");
    match (p.cgo.value, picked) {
        (true, Ok(t)) => Check::ok(id, format!("{}; {available}", describe_pick(&t))),
        (false, Ok(t)) => Check::ok(
            id,
            format!(
                "not needed (cgo = false); with cgo: {}; {available}",
                describe_pick(&t)
            ),
        ),
        (true, Err(e)) => Check::error(
            id,
            format!("{e:#}"),
            format!(
                "install a compiler named above, or set cc (or env.CC) in {table} of {where_file}"
            ),
        ),
        (false, Err(e)) if env_cc => Check::warn(
            id,
            format!("not needed (cgo = false), but: {e:#}"),
            format!("install it, or drop env.CC from {table} of {where_file}"),
        ),
        (false, Err(e)) => Check::ok(
            id,
            format!("not needed (cgo = false); cgo builds would fail: {e:#}"),
        ),
    }
}

/// `cc = "auto" (...): zig 0.17.1 (...) for aarch64-linux-musl; CC="..."; -ldflags adds
/// -linkmode=external ...`.
fn describe_pick(t: &super::cc::CToolchain) -> String {
    let mut out = t.why.clone();
    if let Some(cc) = &t.cc {
        out.push_str(&format!("; CC={cc:?}"));
    }
    if !t.link_flags.is_empty() {
        out.push_str(&format!(
            "; -ldflags adds {}",
            t.link_flags
                .iter()
                .map(|f| f.flag.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    out
}

/// The `zig` line: where zig is, its version and the glibc versions it bundles; not
/// found is fine until a cgo build needs it (the cgo lines say so).
fn zig_line(i: &Inputs) -> Check {
    let path_var = i.host.get("PATH").map(String::as_str);
    match i.zig.get(i.host, path_var, i.work_dir) {
        Ok(z) => {
            let glibc = match i.zig.glibc_range(&z, i.host) {
                Ok((lo, hi)) => format!("glibc {lo} to {hi} and musl bundled"),
                Err(e) => format!("bundled glibc versions unknown ({e})"),
            };
            Check::ok(
                "zig",
                format!(
                    "zig {} at {} (from {}): {glibc}",
                    z.version,
                    z.path.display(),
                    z.from.describe()
                ),
            )
        }
        Err(super::zig::ZigProblem::NotFound(m)) => Check::ok(
            "zig",
            format!(
                "{m}; cgo builds with libc = \"musl\" or a glibc floor need it: {}",
                super::zig::INSTALL_HINT
            ),
        ),
        Err(super::zig::ZigProblem::Unusable(m)) => Check::warn(
            "zig",
            m,
            "install a newer zig (pip install --upgrade ziglang), or point --zig / XBUILD_GO_ZIG at one",
        ),
    }
}

/// How `--smoke` would run the target's artifacts here (the rule of
/// [`super::smoke::runner_for`]): natively, under which qemu, or skipped and why. For a
/// profile whose artifacts are dynamically linked (cgo, `-buildmode=pie`) also where
/// qemu takes the target's loader and libraries from (its `-L`).
fn qemu_line(p: &ResolvedProfile, target: &Target, host: &Host, i: &Inputs) -> Check {
    use super::smoke;
    let id = format!("qemu.{target}");
    let on = (host.os.as_str(), host.arch.as_str());
    let runner = match smoke::find_runner_on(on, target, i.host, i.work_dir) {
        Ok(r) => r,
        Err(c) => {
            let msg = format!("smoke runs of {target} are skipped here: {}", c.why);
            return match c.fix {
                Some(fix) => Check::warn(id, msg, fix),
                None => Check::ok(id, msg),
            };
        }
    };
    let qemu = match &runner {
        Runner::Native => {
            return Check::ok(id, format!("native: {target} binaries run on this host"))
        }
        Runner::Emulator { qemu, .. } => qemu.display().to_string(),
    };
    let pie = p
        .flags
        .value
        .iter()
        .chain(&p.go_args)
        .any(|f| f.trim_start_matches('-') == "buildmode=pie");
    if !p.cgo.value && !pie {
        return Check::ok(id, format!("{qemu} can smoke-run {target} binaries"));
    }
    let why_dynamic = if p.cgo.value {
        "cgo = true"
    } else {
        "-buildmode=pie"
    };
    let env = super::child_env(i.host, i.goenv, p, target).vars;
    let loaders = target.arch().map_or(&[][..], |a| a.glibc_loaders);
    let mut first_err = None;
    for loader in loaders {
        match smoke::runner_for_on(on, target, Some(loader), i.host, &env, i.work_dir) {
            Ok(Runner::Emulator {
                root: Some(root), ..
            }) => {
                let from = smoke::library_root(target, i.host, &env, i.work_dir)
                    .map_or(String::new(), |r| format!(", {}", r.from));
                return Check::ok(
                    id,
                    format!(
                        "{qemu} can smoke-run {target} binaries; dynamically linked ones \
                         ({why_dynamic}) with the target's libraries from -L {} ({loader}{from})",
                        root.display()
                    ),
                );
            }
            Ok(_) => {
                return Check::ok(
                    id,
                    format!(
                        "{qemu} can smoke-run {target} binaries; dynamically linked ones \
                         ({why_dynamic}) with this host's own {loader} (no -L)"
                    ),
                )
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Check::warn(
            id,
            format!(
                "{qemu} can smoke-run static {target} binaries, but this profile's are \
                 dynamically linked ({why_dynamic}): their smoke runs are skipped here: {}",
                e.why
            ),
            e.fix.unwrap_or_else(|| {
                "set QEMU_LD_PREFIX to a directory holding the target's loader and libraries".into()
            }),
        ),
        None => Check::ok(id, format!("{qemu} can smoke-run {target} binaries")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_output() {
        for (out, want) in [
            ("go version go1.26.8 linux/amd64\n", Some("go1.26.8")),
            (
                "go version go1.23.0 X:nocoverageredesign linux/arm64",
                Some("go1.23.0"),
            ),
            (
                "go version devel go1.27-abc123 Tue linux/amd64",
                Some("devel go1.27-abc123"),
            ),
            ("hello", None),
            ("", None),
        ] {
            assert_eq!(
                parse_version_output(out).as_deref(),
                want,
                "parsing {out:?}"
            );
        }
    }

    #[test]
    fn cross_compilers_follow_debian_names() {
        for (target, cmd, pkg) in [
            (
                "linux/arm64",
                "aarch64-linux-gnu-gcc",
                "gcc-aarch64-linux-gnu",
            ),
            (
                "linux/arm/v7",
                "arm-linux-gnueabihf-gcc",
                "gcc-arm-linux-gnueabihf",
            ),
            (
                "linux/arm",
                "arm-linux-gnueabihf-gcc",
                "gcc-arm-linux-gnueabihf",
            ),
            (
                "linux/arm/v6",
                "arm-linux-gnueabi-gcc",
                "gcc-arm-linux-gnueabi",
            ),
            (
                "linux/arm/v5",
                "arm-linux-gnueabi-gcc",
                "gcc-arm-linux-gnueabi",
            ),
            (
                "linux/amd64",
                "x86_64-linux-gnu-gcc",
                "gcc-x86-64-linux-gnu",
            ),
            ("linux/386", "i686-linux-gnu-gcc", "gcc-i686-linux-gnu"),
            (
                "linux/riscv64",
                "riscv64-linux-gnu-gcc",
                "gcc-riscv64-linux-gnu",
            ),
            (
                "linux/ppc64le",
                "powerpc64le-linux-gnu-gcc",
                "gcc-powerpc64le-linux-gnu",
            ),
            ("linux/s390x", "s390x-linux-gnu-gcc", "gcc-s390x-linux-gnu"),
            (
                "linux/mips64le",
                "mips64el-linux-gnuabi64-gcc",
                "gcc-mips64el-linux-gnuabi64",
            ),
            (
                "windows/amd64",
                "x86_64-w64-mingw32-gcc",
                "gcc-mingw-w64-x86-64",
            ),
        ] {
            let t = Target::parse(target).unwrap();
            assert_eq!(
                cross_compiler(&t),
                Some((cmd.to_string(), pkg.to_string())),
                "{target}"
            );
        }
        assert_eq!(
            cross_compiler(&Target::parse("darwin/arm64").unwrap()),
            None
        );
    }

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
        let get = |k: &str| env.get(k).map(String::as_str);
        assert_eq!(get("GOFLAGS"), Some(""), "GOFLAGS is emptied");
        assert_eq!(get("GOROOT"), None, "GOROOT is never passed");
        assert_eq!(get("GOARCH"), None, "build keys of the file are ignored");
        assert_eq!(get("GOCACHE"), Some("/c"), "the host wins over the file");
        assert_eq!(
            get("GOMODCACHE"),
            Some("/m"),
            "cache keys of the file count"
        );
        assert_eq!(get("GOENV"), Some("off"));
        assert_eq!(get("GOTOOLCHAIN"), Some("local"));
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
}
