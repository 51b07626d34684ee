//! Proving an artifact: pure functions from a file's bytes to facts and checks.
//!
//! Each check is `pass`, `fail`, `unknown` or `skip`, with what was expected and what
//! was found. A required check that cannot be evaluated is `unknown`, and `unknown`
//! rejects the artifact just as `fail` does: the tool never fails open. `skip` is for
//! what this host cannot do at all and the profile does not require (a smoke run of a
//! windows artifact): it never rejects.
//! No processes, no terminal, no process environment in here.
//!
//! The rooms, each using only those listed before it: `check` (one check), `format/`
//! (ELF, Mach-O, PE parsed; no judging), `go/` (build info and pclntab read from the
//! parsed form, and their checks), `kind`, `policy`, `verdict`, `checks/` (each format's
//! checks on its parsed form); this file drives them: parse, check, extract, judge.

mod kind;
pub mod reproducible;

// ELF notes and attribute sections (one note reader); what an image provides (one judgement).
pub mod abi;
pub mod runs_on;
// Format readers (parse only), the checks on their parsed form, the Go extractors.
mod check;
mod checks;
mod format;
pub mod go;
mod policy;
mod verdict;
pub use check::{Check, Status};
use checks::bound;
use format::{bytes, elf_file, macho, pe};
pub use format::{sniff, Malformed, MAX_LIST, MAX_TEXT};
use go::{buildinfo, gocheck, pclntab};
pub use policy::{kind_of, Policy};
use runs_on::{libs, needs};
pub use verdict::{Facts, LibrarySearch, Slice, Verdict};

pub use format::leb128::SectionError;
pub use gocheck::{go_split, GoExpect, GoFacts};
pub use kind::Kind;

pub use bytes::clip;
pub use elf_file::ElfFile;
pub use macho::MachFile;
pub use pe::PeFile;

use crate::target::{self, Format};

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
        checks.push(runs_on::check(
            image,
            policy.images.get(image).map(|f| &**f),
            &verdict.facts,
            found.goarch,
            &found.glibc,
            found.runtime.as_ref(),
            runs_on::OnImage {
                accepted: &policy.accepted_on(image),
                path: policy.path_on.get(image).map(String::as_str),
            },
        ));
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
