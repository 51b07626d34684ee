//! Proving an artifact: pure functions from a file's bytes to facts and checks.
//!
//! Each check is `pass`, `fail`, `unknown` or `skip`, with what was expected and what
//! was found. A required check that cannot be evaluated is `unknown`, and `unknown`
//! rejects the artifact just as `fail` does: the tool never fails open. `skip` is for
//! what this host cannot do at all and the profile does not require (a smoke run of a
//! windows artifact): it never rejects.
//! No processes, no terminal, no process environment in here.

pub mod arm_attributes;
pub mod gnu_property;
pub mod images;
mod kind;
mod libs;
pub mod needs;
pub mod realimage;
pub mod reproducible;

mod format;
pub mod go;
// The old paths of the format readers and Go extractors, kept while other branches use them.
mod checks;
use checks::bound;
use format::{bytes, elf_file, leb128, macho, pe};
pub use format::{sniff, Malformed, MAX_LIST, MAX_TEXT};
use go::gocheck;
pub use go::{buildinfo, pclntab};

pub use gocheck::{go_split, GoExpect, GoFacts};
pub use kind::Kind;
pub use leb128::SectionError;

use serde::Serialize;

pub use bytes::clip;
pub use elf_file::ElfFile;
pub use macho::MachFile;
pub use pe::PeFile;

use crate::profile::{BtiPolicy, FloatAbi, GoRequirement, ResolvedProfile};
use crate::target::{self, Format, Target};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Unknown,
    /// Not done, for a reason of the host (no emulator, a format qemu-user cannot run)
    /// that the profile accepts; never rejects.
    Skip,
}

impl Status {
    /// Whether the check lets the artifact through: `pass` and `skip`.
    pub fn passes(self) -> bool {
        matches!(self, Status::Pass | Status::Skip)
    }
}

/// One check of an artifact. Ids are stable (see the README).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    /// What the profile and target require; `None` when the check only reports.
    pub expected: Option<String>,
    pub actual: String,
    /// Why it failed and the likely fix, or a note on a pass.
    pub message: Option<String>,
}

impl Check {
    fn judged(id: &str, ok: bool, expected: impl Into<String>, actual: impl Into<String>) -> Check {
        Check {
            id: id.to_string(),
            status: if ok { Status::Pass } else { Status::Fail },
            expected: Some(expected.into()),
            actual: actual.into(),
            message: None,
        }
    }

    fn info(id: &str, actual: impl Into<String>) -> Check {
        Check {
            id: id.to_string(),
            status: Status::Pass,
            expected: None,
            actual: actual.into(),
            message: None,
        }
    }

    fn unknown(id: &str, expected: impl Into<String>, why: impl Into<String>) -> Check {
        Check {
            id: id.to_string(),
            status: Status::Unknown,
            expected: Some(expected.into()),
            actual: "unknown".to_string(),
            message: Some(why.into()),
        }
    }

    /// Attaches a hint, shown when the check did not pass.
    fn hint_on_fail(mut self, hint: impl FnOnce() -> String) -> Check {
        if self.status != Status::Pass {
            self.message = Some(hint());
        }
        self
    }

    fn note(mut self, note: impl Into<String>) -> Check {
        self.message = Some(note.into());
        self
    }
}

/// What an artifact is judged against. Without a target and policy, `verify` only
/// reports what it finds.
#[derive(Debug, Clone)]
pub struct Policy {
    pub target: Option<Target>,
    /// Require no PT_INTERP and no DT_NEEDED.
    pub require_static: bool,
    /// Require no `.symtab` and no debug sections.
    pub require_stripped: bool,
    pub arm_float_abi: FloatAbi,
    pub aarch64_bti: BtiPolicy,
    pub max_size: Option<u64>,
    /// Highest GLIBC_x.y a dynamic artifact may need.
    pub max_glibc: Option<String>,
    /// Base images it must start on: names from the image table, or image references
    /// (`oci:DIR[:TAG]`, ...) whose files are in `images`.
    pub runs_on: Vec<String>,
    /// The real images of `runs_on`, read for this policy's target, by the entry as
    /// written. An image reference missing here is judged `unknown`, never passed.
    pub images: std::collections::BTreeMap<String, std::sync::Arc<crate::image::ImageFiles>>,
    /// What Go must have recorded in the build info (`buildinfo = true` with a target).
    pub expect_go: Option<GoExpect>,
    /// Whether a file without Go build info is rejected (builds, and `verify` with a
    /// profile) or only reported (`verify --target` on any file).
    pub require_go: bool,
    /// The profile's `go` requirement, for `go.version`.
    pub go_requirement: Option<GoRequirement>,
    /// The kind of file it must be (`elf.type`, `macho.filetype`, `pe.characteristics`),
    /// from the profile's `-buildmode`; `None` reports the type without judging it.
    pub kind: Option<Kind>,
}

impl Policy {
    /// Judge nothing; report facts only.
    pub fn report_only() -> Policy {
        Policy {
            target: None,
            require_static: false,
            require_stripped: false,
            arm_float_abi: FloatAbi::Any,
            aarch64_bti: BtiPolicy::Any,
            max_size: None,
            max_glibc: None,
            runs_on: Vec::new(),
            images: Default::default(),
            expect_go: None,
            require_go: false,
            go_requirement: None,
            kind: None,
        }
    }

    /// Judge only that the file is an executable; report everything else (`verify FILE`
    /// without a target or profile).
    pub fn any_executable() -> Policy {
        Policy {
            kind: Some(Kind::Executable),
            ..Policy::report_only()
        }
    }

    /// The policy of a resolved profile for one of its targets.
    pub fn from_profile(profile: &ResolvedProfile, target: Option<&Target>) -> Policy {
        let v = &profile.verify;
        Policy {
            target: target.cloned(),
            require_static: v.static_.value,
            require_stripped: v.stripped.value,
            arm_float_abi: v.arm_float_abi.value,
            aarch64_bti: v.aarch64_bti.value,
            max_size: v.max_size.value,
            max_glibc: v.max_glibc.value.clone(),
            runs_on: v.runs_on.value.clone(),
            images: Default::default(),
            expect_go: target
                .filter(|_| v.buildinfo.value)
                .map(|t| expected_go_build(profile, t)),
            require_go: v.buildinfo.value,
            go_requirement: profile.go.value.clone(),
            // A buildmode this tool does not take is refused (exit 2) before any build or
            // verification (`kind_of`); were one to get here, an executable is required.
            kind: Some(kind_of(profile).unwrap_or(Kind::Executable)),
        }
    }
}

/// The kind of file a profile's build makes, from the last `-buildmode` in its `flags`
/// and extra go arguments; otherwise why this tool does not take it (archives), naming
/// where the buildmode was set.
pub fn kind_of(profile: &ResolvedProfile) -> Result<Kind, String> {
    Kind::of_buildmode(&kind::buildmode(
        profile.flags.value.iter().chain(&profile.go_args),
    ))
    .map_err(|e| {
        let in_args = profile
            .go_args
            .iter()
            .any(|a| a.trim_start_matches('-').starts_with("buildmode"));
        if in_args {
            format!("the go build arguments after `--`: {e}")
        } else {
            format!("flags ({}): {e}", profile.flags.source)
        }
    })
}

impl Policy {
    /// The same policy for another architecture of the same OS (a slice of a universal
    /// file): the target and the recorded settings Go must show follow the arch.
    pub fn for_arch(&self, goarch: Option<&str>) -> Policy {
        let mut p = self.clone();
        let Some(t) = &self.target else { return p };
        if Some(t.goarch()) == goarch {
            return p;
        }
        p.target = goarch.and_then(|a| Target::parse(&format!("{}/{a}", t.goos())).ok());
        match (&p.target, &mut p.expect_go) {
            (Some(nt), Some(e)) => {
                e.goarch = nt.goarch().to_string();
                e.level = nt.level().map(|(k, v)| (k.to_string(), v.to_string()));
            }
            (None, e) => *e = None,
            _ => {}
        }
        p
    }
}

/// What Go records for a build of this profile and target.
fn expected_go_build(p: &ResolvedProfile, t: &Target) -> GoExpect {
    let args: Vec<&String> = p.flags.value.iter().chain(&p.go_args).collect();
    let trimpath = args
        .iter()
        .any(|a| *a == "-trimpath" || *a == "-trimpath=true" || *a == "--trimpath");
    let buildmode = kind::buildmode(args.iter().copied());
    GoExpect {
        goos: t.goos().to_string(),
        goarch: t.goarch().to_string(),
        level: t.level().map(|(k, v)| (k.to_string(), v.to_string())),
        cgo: p.cgo.value,
        trimpath,
        tags: p.tags.value.clone(),
        buildmode,
        ldflags: p.ldflags.value.clone(),
    }
}

/// What was found in an artifact, whatever the policy. The `facts` object of the JSON
/// report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// "elf", "macho" or "pe".
    pub format: &'static str,
    /// "elf32" or "elf64" for ELF, else null.
    pub class: Option<&'static str>,
    /// "little" or "big".
    pub endian: &'static str,
    /// ELF e_machine, Mach-O cputype or PE Machine.
    pub e_machine: u32,
    pub machine: String,
    pub osabi: Option<u8>,
    /// "exec", "dyn", "rel", "core", ...
    #[serde(rename = "type")]
    pub kind: String,
    pub e_flags: Option<u32>,
    pub interpreter: Option<String>,
    /// DT_NEEDED (ELF), dylibs (Mach-O) or imported DLLs (PE); at most [`MAX_LIST`].
    pub needed: Vec<String>,
    /// How many more there are than `needed` lists.
    #[serde(skip)]
    pub needed_omitted: usize,
    #[serde(rename = "static")]
    pub static_: bool,
    pub stripped: bool,
    /// Highest GLIBC_x.y in the version needs, e.g. "2.34".
    pub glibc_max: Option<String>,
    /// Tag name to rendered value, when `.ARM.attributes` exists.
    pub arm_attributes: Option<std::collections::BTreeMap<String, String>>,
    /// "BTI", "PAC", "GCS", "IBT", "SHSTK".
    pub gnu_properties: Vec<String>,
    /// What Go recorded in the binary, for Go binaries.
    pub go: Option<GoFacts>,
    /// What the binary will read at run time, from its pclntab function names; `None` for
    /// files without a pclntab (not Go) or whose names could not be read.
    pub runtime: Option<Vec<needs::Need>>,
}

impl Facts {
    /// `ELF64 AArch64 static stripped`.
    pub fn summary(&self) -> String {
        let class = match self.class {
            Some("elf32") => "ELF32",
            Some("elf64") => "ELF64",
            _ => match self.format {
                "macho" => "Mach-O",
                "pe" => "PE",
                _ => "?",
            },
        };
        let mut s = format!(
            "{class} {} {} {}",
            self.machine,
            if self.static_ { "static" } else { "dynamic" },
            if self.stripped {
                "stripped"
            } else {
                "not stripped"
            }
        );
        if let Some(g) = &self.go {
            s.push(' ');
            s.push_str(&g.version);
        }
        s
    }
}

/// Facts and checks of one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub facts: Facts,
    pub checks: Vec<Check>,
    /// The other slices of a universal (fat) Mach-O file, each with its own verdict;
    /// `facts` and `checks` above are the target's slice (or the first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slices: Vec<Slice>,
    /// What was left out to keep the output bounded (lists cut, slices not shown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One slice of a universal Mach-O file.
#[derive(Debug, Clone, Serialize)]
pub struct Slice {
    /// The slice's architecture, e.g. "amd64".
    pub arch: String,
    pub facts: Facts,
    pub checks: Vec<Check>,
}

impl Verdict {
    pub(crate) fn new(facts: Facts, checks: Vec<Check>) -> Verdict {
        Verdict {
            facts,
            checks,
            slices: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// True when no check of the artifact (or of any slice) failed or was unknown
    /// (a skipped check passes).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status.passes())
            && self
                .slices
                .iter()
                .all(|s| s.checks.iter().all(|c| c.status.passes()))
    }
}

/// Verifies an artifact's bytes against a policy.
pub fn verify(bytes: &[u8], policy: &Policy) -> Result<Verdict, Malformed> {
    // The readers are careful, but "never a panic" is a promise we keep ourselves: a panic in
    // a parser becomes a malformed-file error.
    let result = std::panic::catch_unwind(|| verify_inner(bytes, policy));
    match result {
        Ok(r) => r,
        Err(_) => Err(Malformed(
            "the parser gave up on this file (internal panic caught); it is malformed".into(),
        )),
    }
}

/// What a format's verifier found: its facts and checks, and the inputs of the checks
/// every format shares.
struct Found {
    verdict: Verdict,
    /// The GOARCH of the file's machine, when the target table knows it.
    goarch: Option<&'static str>,
    glibc: libs::GlibcNeeds,
    /// `None`: no build info; `Some(Err)`: build info present but unreadable.
    go: Option<Result<buildinfo::BuildInfo, String>>,
    /// `None`: no pclntab; `Some(Err)`: present but unreadable.
    runtime: Option<Result<Vec<needs::Need>, String>>,
}

impl Found {
    fn new(
        judged: checks::Judged,
        glibc: libs::GlibcNeeds,
        go: Option<Result<buildinfo::BuildInfo, String>>,
        runtime: Option<Result<Vec<needs::Need>, String>>,
    ) -> Found {
        Found {
            verdict: judged.verdict,
            goarch: judged.goarch,
            glibc,
            go,
            runtime,
        }
    }
}

/// The runtime needs of a located pclntab. A Go binary (one with build info) whose table
/// cannot be found is an error, not "no needs": judging it as needing nothing would fail
/// open.
fn runtime_needs(
    found: Result<Option<pclntab::Pclntab<'_>>, pclntab::PclnError>,
    is_go: bool,
) -> Option<Result<Vec<needs::Need>, String>> {
    match found {
        Ok(None) if is_go => Some(Err(
            "a Go binary with no pclntab found (no .gopclntab section, no valid header in its segments)".into(),
        )),
        Ok(None) => None,
        Ok(Some(t)) => Some(needs::from_pclntab(&t).map_err(|e| e.to_string())),
        Err(e) => Some(Err(e.to_string())),
    }
}

/// An ELF file: its checks, then what the extractors read from the same parsed form
/// (glibc version needs of a dynamic file, Go build info, the pclntab's runtime needs).
fn verify_elf(bytes: &[u8], policy: &Policy) -> Result<Found, Malformed> {
    let elf = ElfFile::parse(bytes)?;
    let judged = checks::elf::verify(&elf, policy)?;
    let glibc = if judged.verdict.facts.static_ {
        libs::GlibcNeeds::default()
    } else {
        libs::glibc_needs(&elf)?
    };
    let go = buildinfo::from_elf(&elf).transpose();
    // Without a .gopclntab section, the segments are scanned only for Go binaries.
    let runtime = runtime_needs(pclntab::from_elf(&elf, go.is_some()), go.is_some());
    Ok(Found::new(judged, glibc, go, runtime))
}

/// A PE file: its checks, then its Go build info and pclntab.
fn verify_pe(bytes: &[u8], policy: &Policy) -> Result<Found, Malformed> {
    let pe = PeFile::parse(bytes)?;
    let judged = checks::pe::verify(&pe, policy)?;
    let go = buildinfo::from_pe(&pe).transpose();
    let runtime = runtime_needs(pclntab::from_pe(&pe, go.is_some()), go.is_some());
    Ok(Found::new(judged, libs::GlibcNeeds::default(), go, runtime))
}

/// A thin Mach-O file (or slice): its checks, then its Go build info and pclntab.
fn verify_macho(bytes: &[u8], policy: &Policy) -> Result<Found, Malformed> {
    let macho = MachFile::parse(bytes)?;
    let judged = checks::macho::verify(&macho, policy);
    let go = buildinfo::from_macho(&macho).transpose();
    let runtime = runtime_needs(pclntab::from_macho(&macho, go.is_some()), go.is_some());
    Ok(Found::new(judged, libs::GlibcNeeds::default(), go, runtime))
}

fn verify_inner(bytes: &[u8], policy: &Policy) -> Result<Verdict, Malformed> {
    let size = bytes.len() as u64;
    let mut verdict = match sniff(bytes) {
        Some(Format::Elf) => finish(verify_elf(bytes, policy)?, policy),
        Some(Format::Pe) => finish(verify_pe(bytes, policy)?, policy),
        Some(Format::Macho) => {
            // A universal file: one verdict per slice, each judged for its own
            // architecture; the target's slice (or the first) leads.
            let want = policy
                .target
                .as_ref()
                .and_then(|t| t.arch())
                .and_then(|a| a.macho_cputype);
            let mut judged = Vec::new();
            for (cputype, slice, offset) in macho::slices(bytes)? {
                let goarch = target::ARCHES
                    .iter()
                    .find(|a| a.macho_cputype == Some(cputype))
                    .map(|a| a.goarch);
                let slice_policy = policy.for_arch(goarch);
                let found = verify_macho(slice, &slice_policy).map_err(|e| {
                    if offset != 0 {
                        Malformed(format!("universal binary slice at offset {offset:#x}: {e}"))
                    } else {
                        e
                    }
                })?;
                judged.push((cputype, goarch, finish(found, &slice_policy)));
            }
            let lead = want
                .and_then(|w| judged.iter().position(|(c, _, _)| *c == w))
                .unwrap_or(0);
            if lead >= judged.len() {
                return Err(Malformed("universal binary with no slices".into()));
            }
            let (_, _, mut first) = judged.remove(lead);
            first.slices = judged
                .into_iter()
                .map(|(c, g, v)| Slice {
                    arch: g.map_or_else(|| format!("cputype {c:#x}"), str::to_string),
                    facts: v.facts,
                    checks: v.checks,
                })
                .collect();
            first
        }
        _ => {
            let what = if bytes.is_empty() {
                "the file is empty".to_string()
            } else if bytes.starts_with(b"!<arch>\n") {
                "not an executable: an ar archive (a static library: what -buildmode=c-archive, or \
                 go build of a package that is not main, writes)"
                    .to_string()
            } else {
                let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
                format!(
                    "not an executable: no ELF, Mach-O or PE magic at offset 0 (first bytes {})",
                    head.join(" ")
                )
            };
            return Err(Malformed(what));
        }
    };
    if let Some(max) = policy.max_size {
        verdict.checks.push(
            Check::judged(
                "size.max",
                size <= max,
                format!("<= {}", human_size(max)),
                human_size(size),
            )
            .hint_on_fail(|| {
                "over the size budget: -s -w in ldflags and -trimpath shrink Go binaries".into()
            }),
        );
    }
    bound::bound(&mut verdict);
    Ok(verdict)
}

/// Adds the checks every format shares to what a format's verifier found.
fn finish(found: Found, policy: &Policy) -> Verdict {
    let mut verdict = found.verdict;
    verdict.facts.glibc_max = found.glibc.max().map(str::to_string);
    verdict.facts.go = match &found.go {
        Some(Ok(b)) => Some(GoFacts::from(b)),
        _ => None,
    };
    verdict.facts.runtime = match &found.runtime {
        Some(Ok(n)) => Some(n.clone()),
        _ => None,
    };
    let checks = &mut verdict.checks;
    checks.push(gocheck::buildinfo_check(
        found.go.as_ref(),
        policy.expect_go.as_ref(),
        policy.require_go,
        policy.target.as_ref(),
    ));
    if let Some(c) = gocheck::version_check(found.go.as_ref(), policy.go_requirement.as_ref()) {
        checks.push(c);
    }
    if let Some(max) = &policy.max_glibc {
        checks.push(libs::glibc_check(&found.glibc, max));
    }
    for image in &policy.runs_on {
        checks.push(match policy.images.get(image) {
            Some(files) => {
                realimage::check(image, files, &verdict.facts, found.goarch, &found.glibc)
            }
            None if crate::image::ImageRef::is_reference(image) => Check::unknown(
                &realimage::check_id(image),
                format!("starts on {image}"),
                format!("the image {image} was not read for this target, so it cannot be judged"),
            ),
            None => libs::runs_on_check(
                image,
                &verdict.facts,
                found.goarch,
                &found.glibc,
                found.runtime.as_ref(),
            ),
        });
    }
    verdict
}

/// `2.7 MiB`.
pub fn human_size(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_executables_are_malformed_not_panics() {
        for (name, bytes) in [
            ("empty", &b""[..]),
            ("text", &b"hello world\n"[..]),
            ("elf magic only", &b"\x7fELF"[..]),
            ("mz only", &b"MZ"[..]),
            ("macho magic only", &b"\xcf\xfa\xed\xfe"[..]),
        ] {
            assert!(
                verify(bytes, &Policy::report_only()).is_err(),
                "case {name}"
            );
        }
    }

    #[test]
    fn sizes_render() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(2_831_155), "2.7 MiB");
    }
}
