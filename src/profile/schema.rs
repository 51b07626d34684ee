//! The `xbuild-go.toml` schema: kebab-case keys, unknown keys rejected, every value
//! spanned so errors and `env --explain` can name file, line and column.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileToml {
    /// Defaults shared by every profile.
    pub build: Option<Spanned<LayerToml>>,
    /// `[profile.NAME]` tables.
    #[serde(default)]
    pub profile: BTreeMap<String, Spanned<LayerToml>>,
}

/// `ldflags` as a list of flags (joined with Go's quoting) or one string in Go's syntax.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum LdflagsToml {
    List(Vec<String>),
    Str(String),
}

/// `package`: one package or a list, each a Go package path or pattern (`./cmd/...`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PackageToml {
    One(String),
    List(Vec<String>),
}

impl PackageToml {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            PackageToml::One(p) => vec![p.clone()],
            PackageToml::List(l) => l.clone(),
        }
    }
}

/// `[profile.NAME.target."linux/arm64"]` (or `"os/arch"`, matching every variant): the
/// settings that may differ per target. Every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TargetToml {
    pub cgo: Option<Spanned<bool>>,
    pub cc: Option<Spanned<String>>,
    pub libc: Option<Spanned<Libc>>,
    pub glibc: Option<Spanned<String>>,
    pub ldflags: Option<Spanned<LdflagsToml>>,
    pub flags: Option<Spanned<Vec<String>>>,
    pub tags: Option<Spanned<Vec<String>>>,
    pub env: Option<BTreeMap<String, Spanned<String>>>,
    pub stamp: Option<BTreeMap<String, Spanned<String>>>,
    pub smoke: Option<Spanned<Vec<String>>>,
    pub smoke_required: Option<Spanned<bool>>,
    pub smoke_timeout: Option<Spanned<String>>,
    pub smoke_isolation: Option<Spanned<SmokeIsolation>>,
    pub verify: Option<VerifyToml>,
}

/// One layer of settings: `[build]` or a `[profile.NAME]` table. Every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayerToml {
    /// Profile to inherit from (not allowed in `[build]`).
    pub inherits: Option<Spanned<String>>,
    pub targets: Option<Spanned<Vec<String>>>,
    pub package: Option<Spanned<PackageToml>>,
    pub output: Option<Spanned<String>>,
    /// The delivered files' mtime: seconds since 1970, RFC 3339, or a placeholder.
    pub mtime: Option<Spanned<MtimeToml>>,
    pub cgo: Option<Spanned<bool>>,
    /// The C compiler of cgo builds: "auto" (default), "zig", "gcc", or a command.
    pub cc: Option<Spanned<String>>,
    /// The C library cgo builds link: "glibc" (default) or "musl".
    pub libc: Option<Spanned<Libc>>,
    /// The glibc floor of cgo builds through zig ("2.28"); also the `max-glibc` limit.
    pub glibc: Option<Spanned<String>>,
    pub ldflags: Option<Spanned<LdflagsToml>>,
    pub flags: Option<Spanned<Vec<String>>>,
    pub tags: Option<Spanned<Vec<String>>>,
    pub rebuild_all: Option<Spanned<bool>>,
    pub env: Option<BTreeMap<String, Spanned<String>>>,
    pub pass_env: Option<Spanned<Vec<String>>>,
    pub go: Option<Spanned<String>>,
    /// Arguments for one smoke run of each artifact, e.g. ["--version"].
    pub smoke: Option<Spanned<Vec<String>>>,
    /// `-X` flags added to ldflags: `{ "main.version" = "{version}" }`.
    pub stamp: Option<BTreeMap<String, Spanned<String>>>,
    /// A smoke run that cannot happen on this host fails instead of being skipped.
    pub smoke_required: Option<Spanned<bool>>,
    /// How long a smoke run may take, e.g. "30s".
    pub smoke_timeout: Option<Spanned<String>>,
    /// "required": a smoke run without full isolation fails; "best-effort" (default).
    pub smoke_isolation: Option<Spanned<SmokeIsolation>>,
    pub verify: Option<VerifyToml>,
    /// The image `cargo xbuild-go image` assembles (issue 21); per profile, not per target.
    pub image: Option<Spanned<ImageToml>>,
    /// A remote Go build cache program in `GOCACHEPROG` syntax (placeholders allowed).
    pub cache_program: Option<Spanned<String>>,
    /// Host variables passed to the cache program's environment only.
    pub cache_program_env: Option<Spanned<Vec<String>>>,
    /// Per-target overrides.
    pub target: Option<BTreeMap<String, Spanned<TargetToml>>>,
}

/// The `verify` sub-table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VerifyToml {
    #[serde(rename = "static")]
    pub static_: Option<Spanned<bool>>,
    pub stripped: Option<Spanned<bool>>,
    pub buildinfo: Option<Spanned<bool>>,
    pub runs_on: Option<Spanned<Vec<RunsOnToml>>>,
    /// Runtime needs accepted as unmet on every `runs-on` image: `["zoneinfo"]`.
    pub accept_needs: Option<Spanned<Vec<String>>>,
    pub max_glibc: Option<Spanned<String>>,
    pub arm_float_abi: Option<Spanned<FloatAbi>>,
    pub aarch64_bti: Option<Spanned<BtiPolicy>>,
    pub max_size: Option<Spanned<String>>,
}

/// The `image` sub-table: the OCI image `cargo xbuild-go image` assembles. Every key
/// optional here; `base` must be set somewhere in the chain when the command runs.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ImageToml {
    /// The base: `oci:DIR[:TAG]`, `oci-archive:FILE`, `docker-archive:FILE`, or a
    /// registry reference. Required.
    pub base: Option<Spanned<String>>,
    /// The image name (used for push and docker-archive `RepoTags`).
    pub repository: Option<Spanned<String>>,
    /// Tags, placeholders as in stamping. Default `["{version}"]`.
    pub tags: Option<Spanned<Vec<String>>>,
    /// Where each binary goes. Default `/usr/local/bin/{name}`.
    pub path: Option<Spanned<String>>,
    /// Default `[path]` of the one binary; required with several.
    pub entrypoint: Option<Spanned<Vec<String>>>,
    pub cmd: Option<Spanned<Vec<String>>>,
    /// Default: the base's user when not root, else `65532:65532`.
    pub user: Option<Spanned<String>>,
    pub workdir: Option<Spanned<String>>,
    pub env: Option<Spanned<BTreeMap<String, String>>>,
    pub labels: Option<Spanned<BTreeMap<String, String>>>,
    pub annotations: Option<Spanned<BTreeMap<String, String>>>,
    pub ports: Option<Spanned<Vec<String>>>,
    /// Registries (`HOST` or `HOST:PORT`) the base may be pulled from, or the image
    /// pushed to, over plain HTTP (loopback hosts always may), as Docker's
    /// `insecure-registries`.
    pub insecure_registries: Option<Spanned<Vec<String>>>,
}

/// One `runs-on` entry: an image, or a table naming one with the runtime needs accepted
/// as unmet there (`{ image = "alpine:3.20", accept-needs = ["zoneinfo"] }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunsOnToml {
    Image(String),
    Table(RunsOnTable),
}

/// The table form of a `runs-on` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RunsOnTable {
    pub image: String,
    #[serde(default)]
    pub accept_needs: Vec<String>,
    /// Where the artifact sits in that image (absolute), so `$ORIGIN` has a value.
    #[serde(default)]
    pub path: Option<String>,
}

impl RunsOnToml {
    /// The image as written.
    pub fn image(&self) -> &str {
        match self {
            RunsOnToml::Image(i) | RunsOnToml::Table(RunsOnTable { image: i, .. }) => i,
        }
    }
}

/// A string or a table; a table's own errors (an unknown key, a missing `image`) are
/// reported as they are, not as "no variant matched".
impl<'de> Deserialize<'de> for RunsOnToml {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = RunsOnToml;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an image, or a table { image = \"...\", accept-needs = [...] }")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RunsOnToml, E> {
                Ok(RunsOnToml::Image(s.to_string()))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, m: M) -> Result<RunsOnToml, M::Error> {
                RunsOnTable::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(RunsOnToml::Table)
            }
        }
        d.deserialize_any(Entry)
    }
}

/// `libc`: the C library a cgo build links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    Glibc,
    Musl,
}

impl Libc {
    pub fn as_str(self) -> &'static str {
        match self {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
        }
    }
}

/// `smoke-isolation`: whether a smoke run must have its own namespaces (PID, mount,
/// network, and user when unprivileged) or may fall back to Landlock on a process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmokeIsolation {
    /// A run without full isolation is a failing `run.smoke` check.
    Required,
    /// A run falls back to what the kernel allows, and says which (the default).
    BestEffort,
}

impl SmokeIsolation {
    pub fn as_str(self) -> &'static str {
        match self {
            SmokeIsolation::Required => "required",
            SmokeIsolation::BestEffort => "best-effort",
        }
    }
}

/// `arm-float-abi`: what 32-bit arm artifacts must declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FloatAbi {
    Hard,
    Soft,
    Any,
}

/// `aarch64-bti`: whether arm64 artifacts must (or must not) be marked BTI-compatible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BtiPolicy {
    Require,
    Forbid,
    Any,
}

/// `mtime = 1700000000` or `mtime = "{commit-date}"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MtimeToml {
    Epoch(i64),
    Text(String),
}

impl MtimeToml {
    /// The value as a template.
    pub fn text(&self) -> String {
        match self {
            MtimeToml::Epoch(n) => n.to_string(),
            MtimeToml::Text(t) => t.clone(),
        }
    }
}

/// Every key a layer accepts, for did-you-mean.
pub const LAYER_KEYS: &[&str] = &[
    "inherits",
    "targets",
    "package",
    "output",
    "mtime",
    "cgo",
    "cc",
    "libc",
    "glibc",
    "ldflags",
    "flags",
    "tags",
    "rebuild-all",
    "env",
    "pass-env",
    "go",
    "smoke",
    "stamp",
    "smoke-required",
    "smoke-timeout",
    "smoke-isolation",
    "verify",
    "image",
    "target",
    "cache-program",
    "cache-program-env",
];

/// Every key the `image` table accepts.
pub const IMAGE_KEYS: &[&str] = &[
    "base",
    "repository",
    "tags",
    "path",
    "entrypoint",
    "cmd",
    "user",
    "workdir",
    "env",
    "labels",
    "annotations",
    "ports",
    "insecure-registries",
];

/// Every key a `target."OS/ARCH"` table accepts.
pub const TARGET_KEYS: &[&str] = &[
    "cgo",
    "cc",
    "libc",
    "glibc",
    "ldflags",
    "flags",
    "tags",
    "env",
    "stamp",
    "smoke",
    "smoke-required",
    "smoke-timeout",
    "smoke-isolation",
    "verify",
];

/// Every key the verify table accepts.
pub const VERIFY_KEYS: &[&str] = &[
    "static",
    "stripped",
    "buildinfo",
    "runs-on",
    "accept-needs",
    "max-glibc",
    "arm-float-abi",
    "aarch64-bti",
    "max-size",
];

/// Top-level keys.
pub const FILE_KEYS: &[&str] = &["build", "profile"];
