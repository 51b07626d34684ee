//! Release evidence: SLSA provenance ([`provenance`]), a SLSA verification summary
//! ([`vsa`]) and CycloneDX SBOMs ([`sbom`]), rendered from the same artifact reports and
//! build context as every other output, and the check of a file against a provenance
//! document ([`check`]).
//!
//! Everything here is a pure function from an [`Evidence`] value to JSON; the facts it
//! needs from files and git (digests, the source checkout, CI variables) are gathered by
//! `pipeline::evidence`, and the documents are written through the report layer
//! ([`crate::report::Reporter::write_evidence`]): atomically, host secrets masked. The
//! child environment recorded in a provenance is the one the tool decided, redacted by
//! [`crate::sanitize::redact::env`].

pub mod check;
pub mod provenance;
pub mod sbom;
pub mod vsa;

use serde_json::{json, Value};

pub use crate::digest::{hex, sha256_hex};
use crate::profile::ResolvedProfile;
use crate::report::ArtifactReport;
use crate::verify::go::buildinfo::Module;
use crate::verify::Policy;

/// in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// SLSA provenance v1.
pub const PROVENANCE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// SLSA verification summary v1.
pub const VSA_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// Our URIs (README, "Release evidence"): the build types, the builder and verifier ids.
pub const URI_BASE: &str = "https://cargo-xbuild-go.invalid";
/// `buildType` of a provenance written by `build`: the tool ran `go build` with the
/// parameters recorded.
pub const BUILD_TYPE: &str = "https://cargo-xbuild-go.invalid/build-type/go-build/v1";
/// `buildType` of a provenance written by `verify` about files built elsewhere: the
/// parameters are what Go recorded in each file's build info.
pub const RECORDED_BUILD_TYPE: &str = "https://cargo-xbuild-go.invalid/build-type/go-recorded/v1";
/// The tool's version.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The builder (and verifier) id: this tool at its version.
pub fn tool_id() -> String {
    format!("{URI_BASE}/cargo-xbuild-go@v{TOOL_VERSION}")
}

/// What the evidence documents are rendered from.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    /// `build` or `verify`.
    pub command: Command,
    /// RFC 3339 UTC.
    pub started_on: String,
    pub finished_on: String,
    /// The CI run's URL, when the `GITHUB_*` variables name one.
    pub invocation_id: Option<String>,
    /// The profile, when one was used.
    pub profile: Option<ProfileInfo>,
    /// The Go toolchain that built (build only).
    pub go: Option<Toolchain>,
    /// The source checkout (build only).
    pub source: Option<SourceInfo>,
    /// The checksums file, when one was written.
    pub checksums: Option<Written>,
    /// The provenance written or checked in this run, for the VSA's inputAttestations.
    pub provenance: Option<Written>,
    /// Every artifact judged; the provenance takes the delivered ones.
    pub artifacts: Vec<Artifact<'a>>,
    /// `--vsa-resource-uri`, else the source URI, else the artifacts' directory.
    pub resource_uri: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Build,
    Verify,
}

#[derive(Debug, Clone)]
pub struct ProfileInfo {
    pub name: String,
    /// The profile file as shown (relative to the working directory) and its sha256;
    /// `None` for the built-in profile.
    pub file: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Toolchain {
    /// `go1.26.8`: what the artifacts recorded, else the VERSION file's.
    pub version: Option<String>,
    /// The located `go` binary.
    pub path: String,
    /// sha256 of the go binary, when it could be read.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// `git+<remote>@<ref>`.
    pub uri: String,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
}

/// A file the tool wrote (or read), by name and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub sha256: String,
}

/// How one artifact was built (build only): its package and the resolved profile of
/// its target, whose values the provenance records as the build's parameters.
#[derive(Debug, Clone, Copy)]
pub struct Build<'a> {
    pub package: &'a str,
    pub profile: &'a ResolvedProfile,
}

/// One artifact and what the documents say of it.
#[derive(Debug, Clone)]
pub struct Artifact<'a> {
    pub report: &'a ArtifactReport,
    /// The subject name: the path as given or delivered, relative to the working
    /// directory when under it.
    pub name: String,
    pub build: Option<Build<'a>>,
    /// The resolved policy it was judged against.
    pub policy: Value,
}

impl Artifact<'_> {
    pub fn sha256(&self) -> Option<&str> {
        self.report.sha256.as_deref()
    }

    /// The dependency modules Go recorded.
    pub fn deps(&self) -> &[Module] {
        self.report
            .verdict
            .facts
            .go
            .as_ref()
            .map_or(&[], |g| g.deps.as_slice())
    }

    /// The artifact's Go version, `go1.26.8` (the first word of what Go recorded).
    pub fn go_version(&self) -> Option<&str> {
        self.report
            .verdict
            .facts
            .go
            .as_ref()
            .and_then(|g| g.version.split_whitespace().next())
    }

    /// `annotations` of its subject entry: target and profile.
    fn annotations(&self) -> Value {
        let mut a = serde_json::Map::new();
        if let Some(t) = &self.report.target {
            a.insert("target".into(), json!(t));
        }
        if let Some(p) = &self.report.profile {
            a.insert("profile".into(), json!(p));
        }
        Value::Object(a)
    }
}

/// An in-toto ResourceDescriptor of an artifact: name, sha256, target and profile.
fn subject(a: &Artifact) -> Option<Value> {
    let mut s = json!({
        "name": a.name,
        "digest": { "sha256": a.sha256()? },
    });
    let ann = a.annotations();
    if ann.as_object().is_some_and(|m| !m.is_empty()) {
        s["annotations"] = ann;
    }
    Some(s)
}

/// The resolved verify policy as a JSON object.
pub fn policy_json(p: &Policy) -> Value {
    let mut v = json!({
        "target": p.target.as_ref().map(|t| t.to_string()),
        "static": p.require_static,
        "stripped": p.require_stripped,
        "arm-float-abi": p.arm_float_abi,
        "aarch64-bti": p.aarch64_bti,
        "max-size": p.max_size,
        "max-glibc": p.max_glibc,
        "runs-on": p.runs_on,
        "buildinfo": p.require_go,
        "go": p.go_requirement.as_ref().map(|g| g.to_string()),
    });
    // Runtime needs accepted unmet on runs-on images, when the profile accepts any.
    if !p.accept_needs.is_empty() || !p.accept_needs_on.is_empty() {
        v["accept-needs"] = json!(p.accept_needs);
        v["accept-needs-on"] = json!(p.accept_needs_on);
    }
    if let Some(e) = &p.expect_go {
        v["expect-go"] = json!({
            "GOOS": e.goos,
            "GOARCH": e.goarch,
            "level": e.level.as_ref().map(|(k, val)| json!({ k: val })),
            "CGO_ENABLED": if e.cgo { "1" } else { "0" },
            "trimpath": e.trimpath,
            "tags": e.tags,
            "buildmode": e.buildmode,
            "ldflags": e.ldflags,
        });
    }
    v
}

/// `v` as compact JSON with every object's keys sorted (whatever order the map keeps):
/// the bytes a policy digest is taken over.
pub fn canonical_json(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical_json(&m[k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical_json).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// The in-toto `dirHash` digest of a Go `h1:` sum: the base64 SHA-256 directory hash,
/// in lowercase hex (in-toto attestation spec v1, DigestSet). `None` for anything else.
pub fn dirhash_hex(sum: &str) -> Option<String> {
    let b64 = sum.strip_prefix("h1:")?;
    let raw = base64_decode(b64)?;
    (raw.len() == 32).then(|| hex(&raw))
}

/// The base64 alphabet (RFC 4648, table 1): a character's value is its index.
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding; `=` only at the end of the last group.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let text = (bytes
        .strip_suffix(b"==")
        .or_else(|| bytes.strip_suffix(b"=")))
    .unwrap_or(bytes);
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text {
        let v = BASE64.iter().position(|a| a == c)? as u32;
        acc = (acc << 6 | v) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Percent-encodes what a purl component may not hold as it is.
fn purl_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `pkg:golang/<path>@<version>` (each path segment and the version percent-encoded;
/// no version for an empty or `(devel)` one).
pub fn golang_purl(path: &str, version: &str) -> String {
    let path = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(purl_escape)
        .collect::<Vec<_>>()
        .join("/");
    match purl_version(version) {
        None => format!("pkg:golang/{path}"),
        Some(v) => format!("pkg:golang/{path}@{}", purl_escape(v)),
    }
}

/// The version a purl (and so its component) carries: none for an empty or `(devel)`
/// one (the main module of a build from a checkout).
pub fn purl_version(version: &str) -> Option<&str> {
    (!version.is_empty() && version != "(devel)").then_some(version)
}

/// A dependency as built. Replaced by a module: the replacement (what cyclonedx-gomod
/// lists too), naming the original in `replaces`. Replaced by a directory: the module
/// the go.mod required, by its own path and version (a directory has no purl), with
/// the directory in `replaced_by_dir` and no sum.
pub struct BuiltModule<'m> {
    pub path: &'m str,
    pub version: &'m str,
    pub sum: &'m str,
    /// `pkg:golang/...` of the module the go.mod required, when replaced by a module.
    pub replaces: Option<String>,
    /// The directory it was replaced by.
    pub replaced_by_dir: Option<&'m str>,
}

/// Whether a `replace` target is a directory rather than a module: a file path as Go's
/// `modfile.IsDirectoryPath` reads one (`./`, `../`, `/`, their `\` forms, a drive
/// letter), or no version (Go records a directory's as `(devel)`).
fn is_directory(r: &Module) -> bool {
    let p = r.path.as_str();
    let drive = matches!(p.as_bytes(), [letter, b':', ..] if letter.is_ascii_alphabetic());
    r.version.is_empty()
        || r.version == "(devel)"
        || drive
        || matches!(p, "." | "..")
        || ["./", "../", "/", ".\\", "..\\", "\\"]
            .iter()
            .any(|pre| p.starts_with(pre))
}

pub fn built_module(m: &Module) -> BuiltModule<'_> {
    let replaced = m.replace.as_deref();
    match replaced {
        Some(r) if !is_directory(r) => BuiltModule {
            path: &r.path,
            version: &r.version,
            sum: &r.sum,
            replaces: Some(golang_purl(&m.path, &m.version)),
            replaced_by_dir: None,
        },
        _ => BuiltModule {
            path: &m.path,
            version: &m.version,
            sum: if replaced.is_some() { "" } else { &m.sum },
            replaces: None,
            replaced_by_dir: replaced.map(|r| r.path.as_str()),
        },
    }
}

/// A JSON document as written: pretty, with a final newline.
pub fn to_bytes(v: &Value) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).unwrap_or_default();
    b.push(b'\n');
    b
}

#[cfg(test)]
mod tests;
