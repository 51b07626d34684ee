//! The resolved profile: every setting with its source, valid by construction, and
//! its rows for `env --explain` and `profiles`.

use std::fmt;
use std::path::PathBuf;

use super::resolve::Stack;
use super::{duration, GoRequirement, Output, Source, Sourced};
use super::{BtiPolicy, FloatAbi, Libc, SmokeIsolation};
use crate::target::Target;

/// `cc`: which C compiler cgo builds run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CcSetting {
    /// Debian's cross gcc for the target when installed (the host's gcc for a native
    /// build), else zig; zig first when the profile asks for musl or a glibc floor,
    /// which Debian's cross gcc cannot give.
    Auto,
    /// `zig cc -target ...`, composed per target, libc and glibc floor.
    Zig,
    /// Debian's cross gcc for the target (`aarch64-linux-gnu-gcc`), or the host's gcc
    /// for a native build.
    Gcc,
    /// A command of the user's, as `CC` (split on spaces by go).
    Command(String),
}

impl CcSetting {
    /// `"auto"`, `"zig"`, `"gcc"`, or any other non-empty command.
    pub fn parse(s: &str) -> Result<CcSetting, String> {
        match s.trim() {
            "" => {
                Err("cc = \"\": name \"auto\", \"zig\", \"gcc\" or a compiler command".to_string())
            }
            "auto" => Ok(CcSetting::Auto),
            "zig" => Ok(CcSetting::Zig),
            "gcc" => Ok(CcSetting::Gcc),
            c if c.contains(['\0', '\n', '\r']) => Err(format!(
                "cc = {c:?}: a compiler command holds no NUL or line break"
            )),
            c => Ok(CcSetting::Command(c.to_string())),
        }
    }
}

impl fmt::Display for CcSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CcSetting::Auto => f.write_str("auto"),
            CcSetting::Zig => f.write_str("zig"),
            CcSetting::Gcc => f.write_str("gcc"),
            CcSetting::Command(c) => f.write_str(c),
        }
    }
}

/// The verification policy of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// No PT_INTERP, no DT_NEEDED. Default true.
    pub static_: Sourced<bool>,
    /// No `.symtab`, no `.debug_*`/`.zdebug_*`. Default true.
    pub stripped: Sourced<bool>,
    /// Build settings recorded by Go must match the profile. Default true.
    pub buildinfo: Sourced<bool>,
    /// Base images the artifact must run on. Default empty.
    pub runs_on: Sourced<Vec<String>>,
    /// The runtime needs accepted as unmet on one `runs-on` image (its entry written as a
    /// table), by image. Default none.
    pub runs_on_accept: Sourced<std::collections::BTreeMap<String, Vec<String>>>,
    /// Where the artifact sits in a `runs-on` image (its entry's `path`), by image: the
    /// directory `$ORIGIN` stands for there. Default none.
    pub runs_on_path: Sourced<std::collections::BTreeMap<String, String>>,
    /// The runtime needs accepted as unmet on every `runs-on` image. Default none.
    pub accept_needs: Sourced<Vec<String>>,
    /// Highest GLIBC_x.y a dynamic build may need. Default: no limit.
    pub max_glibc: Sourced<Option<String>>,
    /// 32-bit arm float ABI. Default any.
    pub arm_float_abi: Sourced<FloatAbi>,
    /// AArch64 BTI marking. Default any.
    pub aarch64_bti: Sourced<BtiPolicy>,
    /// File size budget in bytes. Default: none.
    pub max_size: Sourced<Option<u64>>,
}

/// `[profile.NAME.image]`: the image `cargo xbuild-go image` assembles, every key with
/// its source. Present when a layer of the profile's chain has an `image` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSettings {
    /// Where the nearest `image` table is, for errors about the table as a whole.
    pub table: Source,
    /// The base as written (`oci:DIR[:TAG]`, `oci-archive:FILE`, `docker-archive:FILE`,
    /// or a registry reference). Required: none here is an error when `image` runs.
    pub base: Option<Sourced<String>>,
    /// The image name. Default none.
    pub repository: Option<Sourced<String>>,
    /// Tags, with placeholders. Default `["{version}"]`.
    pub tags: Sourced<Vec<String>>,
    /// Where each binary goes, with placeholders. Default `/usr/local/bin/{name}`.
    pub path: Sourced<String>,
    pub entrypoint: Option<Sourced<Vec<String>>>,
    pub cmd: Option<Sourced<Vec<String>>>,
    pub user: Option<Sourced<String>>,
    pub workdir: Option<Sourced<String>>,
    pub env: Option<Sourced<std::collections::BTreeMap<String, String>>>,
    pub labels: Option<Sourced<std::collections::BTreeMap<String, String>>>,
    pub annotations: Option<Sourced<std::collections::BTreeMap<String, String>>>,
    pub ports: Option<Sourced<Vec<String>>>,
    /// Registries that may be reached over plain HTTP. Default none (loopback always may).
    pub insecure_registries: Option<Sourced<Vec<String>>>,
}

/// The default of `image.tags`.
pub const DEFAULT_IMAGE_TAGS: &[&str] = &["{version}"];
/// The default of `image.path`.
pub const DEFAULT_IMAGE_PATH: &str = "/usr/local/bin/{name}";

/// A profile with every value resolved and sourced. Valid by construction: targets are
/// parsed, the output template checked, sizes and versions parsed.
#[derive(Debug, Clone)]
pub struct ResolvedProfile {
    pub name: String,
    /// The profile file in effect, if any.
    pub file: Option<PathBuf>,
    pub targets: Sourced<Vec<Target>>,
    /// Go packages or patterns (`./cmd/...`); every main package matched is built.
    pub package: Sourced<Vec<String>>,
    pub output: Sourced<Output>,
    /// The delivered files' mtime: a template of source placeholders, or seconds since
    /// 1970 / RFC 3339; after `stamp::fill`, seconds since 1970. None leaves go's.
    pub mtime: Sourced<Option<String>>,
    pub cgo: Sourced<bool>,
    /// The C compiler of cgo builds. Default auto.
    pub cc: Sourced<CcSetting>,
    /// The C library of cgo builds. Default glibc.
    pub libc: Sourced<Libc>,
    /// The glibc floor of cgo builds (`2.28`), meaningful with zig. Default none.
    pub glibc: Sourced<Option<String>>,
    /// In `go build -ldflags` syntax.
    pub ldflags: Sourced<String>,
    pub flags: Sourced<Vec<String>>,
    pub tags: Sourced<Vec<String>>,
    pub rebuild_all: Sourced<bool>,
    /// Variables set after the scrub.
    pub env: Vec<(String, Sourced<String>)>,
    /// `-X` stamps (`main.version` → a template such as `{version}`), added to ldflags.
    pub stamp: Vec<(String, Sourced<String>)>,
    /// Host variables let through the scrub.
    pub pass_env: Vec<Sourced<String>>,
    pub go: Sourced<Option<GoRequirement>>,
    /// Arguments of a smoke run of each artifact. Default: none.
    pub smoke: Sourced<Option<Vec<String>>>,
    /// A smoke run that cannot happen on this host (a windows artifact, no emulator)
    /// fails instead of being skipped. Default false.
    pub smoke_required: Sourced<bool>,
    /// How long a smoke run may take before it is killed and fails. Default 20s.
    pub smoke_timeout: Sourced<std::time::Duration>,
    /// Whether a smoke run without full isolation (namespaces) fails. Default
    /// best-effort.
    pub smoke_isolation: Sourced<SmokeIsolation>,
    pub verify: VerifyPolicy,
    /// `[profile.NAME.image]`, when the chain has one.
    pub image: Option<ImageSettings>,
    /// Arguments after `--`, passed to `go build` verbatim.
    pub go_args: Vec<String>,
    /// `cache-program`: a GOCACHEPROG command (placeholders filled per target when
    /// planned); `None` when unset (a host GOCACHEPROG applies), `Some("")` for
    /// `--no-cache-program` (none at all).
    pub cache_program: Sourced<Option<String>>,
    /// `cache-program-env`: host variables passed to the cache program only.
    pub cache_program_env: Sourced<Vec<String>>,
    /// The layers it was resolved from (for [`ResolvedProfile::for_target`]).
    pub(super) stack: std::sync::Arc<Stack>,
}

impl ResolvedProfile {
    /// Every resolved setting as (key, value, source), for `env --explain` and `profiles`.
    pub fn explain_rows(&self) -> Vec<(&'static str, String, String)> {
        let p = self;
        fn row<T>(
            key: &'static str,
            s: &Sourced<T>,
            show: impl Fn(&T) -> String,
        ) -> (&'static str, String, String) {
            (key, show(&s.value), s.source.to_string())
        }
        let list = |v: &Vec<String>| format!("{v:?}");
        let v = &p.verify;
        vec![
            row("targets", &p.targets, |t| {
                format!("{:?}", t.iter().map(|t| t.to_string()).collect::<Vec<_>>())
            }),
            row("package", &p.package, |v| {
                if v.len() == 1 {
                    format!("{:?}", v[0])
                } else {
                    format!("{v:?}")
                }
            }),
            row("output", &p.output, |o| format!("{:?}", o.template)),
            row("mtime", &p.mtime, |m| {
                m.as_ref()
                    .map_or("(go's)".to_string(), |m| format!("{m:?}"))
            }),
            row("cgo", &p.cgo, |b| b.to_string()),
            row("cc", &p.cc, |c| format!("{:?}", c.to_string())),
            row("libc", &p.libc, |l| format!("{:?}", l.as_str())),
            row("glibc", &p.glibc, |g| {
                g.as_ref()
                    .map_or("(none)".to_string(), |g| format!("{g:?}"))
            }),
            row("ldflags", &p.ldflags, |s| format!("{s:?}")),
            row("flags", &p.flags, list),
            row("tags", &p.tags, list),
            row("rebuild-all", &p.rebuild_all, |b| b.to_string()),
            row("go", &p.go, |g| {
                g.as_ref()
                    .map_or("(any)".to_string(), |g| format!("{:?}", g.to_string()))
            }),
            (
                "stamp",
                if p.stamp.is_empty() {
                    "{}".to_string()
                } else {
                    format!(
                        "{{ {} }}",
                        p.stamp
                            .iter()
                            .map(|(k, v)| format!("{k:?} = {:?}", v.value))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                p.stamp
                    .iter()
                    .map(|(_, v)| v.source.to_string())
                    .next()
                    .unwrap_or_else(|| "built-in golden profile".to_string()),
            ),
            row("smoke", &p.smoke, |s| {
                s.as_ref()
                    .map_or("(none)".to_string(), |a| format!("{a:?}"))
            }),
            row("smoke-required", &p.smoke_required, |b| b.to_string()),
            row("cache-program", &p.cache_program, |c| match c.as_deref() {
                None => "(none; a host GOCACHEPROG applies)".to_string(),
                Some("") => "(off)".to_string(),
                Some(c) => {
                    let words: Vec<String> = c.split_whitespace().map(str::to_string).collect();
                    format!("{:?}", crate::sanitize::redact::arguments(&words).join(" "))
                }
            }),
            row("cache-program-env", &p.cache_program_env, list),
            row("smoke-timeout", &p.smoke_timeout, |d| {
                format!("{:?}", duration::show_duration(*d))
            }),
            row("smoke-isolation", &p.smoke_isolation, |i| {
                format!("{:?}", i.as_str())
            }),
            row("verify.static", &v.static_, |b| b.to_string()),
            row("verify.stripped", &v.stripped, |b| b.to_string()),
            row("verify.buildinfo", &v.buildinfo, |b| b.to_string()),
            // Each entry as written: a table for one that accepts needs.
            row("verify.runs-on", &v.runs_on, |images| {
                let each: Vec<String> = images
                    .iter()
                    .map(|i| {
                        let accept = v.runs_on_accept.value.get(i);
                        let path = v.runs_on_path.value.get(i);
                        if accept.is_none() && path.is_none() {
                            return format!("{i:?}");
                        }
                        let mut t = format!("{{ image = {i:?}");
                        if let Some(n) = accept {
                            t.push_str(&format!(", accept-needs = {n:?}"));
                        }
                        if let Some(p) = path {
                            t.push_str(&format!(", path = {p:?}"));
                        }
                        t + " }"
                    })
                    .collect();
                format!("[{}]", each.join(", "))
            }),
            row("verify.accept-needs", &v.accept_needs, list),
            row("verify.max-glibc", &v.max_glibc, |m| {
                m.clone().unwrap_or_else(|| "(none)".into())
            }),
            row("verify.arm-float-abi", &v.arm_float_abi, |a| {
                format!("{a:?}").to_lowercase()
            }),
            row("verify.aarch64-bti", &v.aarch64_bti, |a| {
                format!("{a:?}").to_lowercase()
            }),
            row("verify.max-size", &v.max_size, |m| {
                m.map_or("(none)".to_string(), |n| n.to_string())
            }),
        ]
        .into_iter()
        .chain(p.image.iter().flat_map(image_rows))
        .collect()
    }
}

/// The `image.*` rows of `env --explain` and `profiles`.
fn image_rows(i: &ImageSettings) -> Vec<(&'static str, String, String)> {
    fn opt<T>(
        key: &'static str,
        v: &Option<Sourced<T>>,
        show: impl Fn(&T) -> String,
    ) -> (&'static str, String, String) {
        match v {
            Some(v) => (key, show(&v.value), v.source.to_string()),
            None => (key, "(none)".to_string(), Source::BuiltIn.to_string()),
        }
    }
    let dbg = |v: &dyn fmt::Debug| format!("{v:?}");
    vec![
        opt("image.base", &i.base, |v| dbg(v)),
        opt("image.repository", &i.repository, |v| dbg(v)),
        ("image.tags", dbg(&i.tags.value), i.tags.source.to_string()),
        ("image.path", dbg(&i.path.value), i.path.source.to_string()),
        opt("image.entrypoint", &i.entrypoint, |v| dbg(v)),
        opt("image.cmd", &i.cmd, |v| dbg(v)),
        opt("image.user", &i.user, |v| dbg(v)),
        opt("image.workdir", &i.workdir, |v| dbg(v)),
        opt("image.env", &i.env, |v| dbg(v)),
        opt("image.labels", &i.labels, |v| dbg(v)),
        opt("image.annotations", &i.annotations, |v| dbg(v)),
        opt("image.ports", &i.ports, |v| dbg(v)),
        opt("image.insecure-registries", &i.insecure_registries, |v| {
            dbg(v)
        }),
    ]
}
