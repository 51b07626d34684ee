//! libc facts of a dynamic ELF: the GLIBC_x.y versions it needs (and which symbols
//! need them), and whether it will start on a base image.

use std::collections::BTreeMap;

use crate::verify::bytes::text;
use crate::verify::elf_file::ElfFile;
use crate::verify::Malformed;

use super::images::{self, Image, Libc};
use super::needs::Need;
use super::provides;
use super::start;
use crate::verify::{Check, Facts};

/// Distinct GLIBC versions beyond which a file is malformed: glibc has defined about
/// fifty in thirty years.
const MAX_GLIBC_VERSIONS: usize = 256;
/// Symbols named per version; the rest are counted.
const SYMBOLS_SHOWN: usize = 6;
/// Versions named in a message; the rest are counted.
const VERSIONS_SHOWN: usize = 8;
/// Longest symbol name shown.
const MAX_SYMBOL: usize = 128;

/// The dynamic symbols that need one GLIBC version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needers {
    /// The first few distinct names, in symbol table order.
    pub names: Vec<String>,
    /// How many undefined symbols need the version in all.
    pub total: usize,
}

/// GLIBC version needs of an ELF file: version → the dynamic symbols that need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlibcNeeds {
    pub versions: BTreeMap<String, Needers>,
}

impl GlibcNeeds {
    /// The highest `GLIBC_x.y` needed, e.g. "2.34".
    pub fn max(&self) -> Option<&str> {
        self.versions
            .keys()
            .map(String::as_str)
            .fold(None, |best: Option<&str>, v| match best {
                Some(b) if images::version_le(v, b) => Some(b),
                _ => Some(v),
            })
    }

    /// Versions above `limit`, each with its symbols.
    pub fn above(&self, limit: &str) -> Vec<(&str, &Needers)> {
        self.versions
            .iter()
            .filter(|(v, _)| !images::version_le(v, limit))
            .map(|(v, s)| (v.as_str(), s))
            .collect()
    }
}

/// Reads the version needs (and the versioned dynamic symbols, to name them).
pub fn glibc_needs(elf: &ElfFile) -> Result<GlibcNeeds, Malformed> {
    let mut by_index: BTreeMap<u16, String> = BTreeMap::new();
    let mut distinct = 0usize;
    elf.version_needs(|name, other| {
        let Some(v) = name.strip_prefix(b"GLIBC_") else {
            return;
        };
        let Ok(v) = std::str::from_utf8(v) else {
            return;
        };
        if v.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        {
            distinct += 1;
            by_index.insert(other & 0x7fff, v.to_string());
        }
    })?;
    let mut versions: BTreeMap<String, Needers> = by_index
        .values()
        .map(|v| (v.clone(), Needers::default()))
        .collect();
    if versions.len() > MAX_GLIBC_VERSIONS {
        return Err(Malformed(format!(
            "the version needs name {} distinct GLIBC versions ({distinct} entries); glibc has about fifty",
            versions.len()
        )));
    }
    elf.symbol_versions(|name, version, undefined| {
        if !undefined {
            return; // defined here, not needed
        }
        let Some(v) = by_index.get(&(version & 0x7fff)) else {
            return;
        };
        if let Some(n) = versions.get_mut(v) {
            n.total += 1;
            if n.names.len() < SYMBOLS_SHOWN {
                let name = text(name, MAX_SYMBOL);
                if !n.names.contains(&name) {
                    n.names.push(name);
                }
            }
        }
    })?;
    Ok(GlibcNeeds { versions })
}

pub(super) fn symbols_text(syms: &Needers) -> String {
    if syms.names.is_empty() {
        return String::new();
    }
    format!(" ({})", start::list_more(&syms.names, syms.total))
}

/// `GLIBC_2.34 (a, b); GLIBC_2.38 (c)`, at most [`VERSIONS_SHOWN`] versions.
fn versions_text(over: &[(&str, &Needers)]) -> String {
    let mut parts: Vec<String> = over
        .iter()
        .take(VERSIONS_SHOWN)
        .map(|(v, s)| format!("GLIBC_{v}{}", symbols_text(s)))
        .collect();
    if over.len() > VERSIONS_SHOWN {
        parts.push(format!("and {} more versions", over.len() - VERSIONS_SHOWN));
    }
    parts.join("; ")
}

/// `libc.glibc`: the highest GLIBC_x.y needed is at most `max`.
pub fn glibc_check(needs: &GlibcNeeds, max: &str) -> Check {
    let actual = needs
        .max()
        .map_or("no GLIBC version needs".to_string(), |m| {
            format!("GLIBC_{m}")
        });
    let over = needs.above(max);
    let mut c = Check::judged(
        "libc.glibc",
        over.is_empty(),
        format!("<= GLIBC_{max}"),
        actual,
    );
    if !over.is_empty() {
        c.message = Some(format!(
            "needs {}: link against an older glibc (glibc = \"{max}\" in the profile builds with zig for that floor), or libc = \"musl\" for a static build, or cgo = false",
            versions_text(&over)
        ));
    }
    c
}

pub use super::start::loader_family;

/// What `runs-on.IMAGE` judges of an artifact, on a named and a real image alike.
#[derive(Debug, Clone, Copy)]
pub struct Artifact<'a> {
    pub facts: &'a Facts,
    /// Its GOARCH, when the target table knows its machine.
    pub goarch: Option<&'a str>,
    /// Its `GLIBC_x.y` version needs.
    pub glibc: &'a GlibcNeeds,
    /// Its runtime needs; `None` for files without a pclntab.
    pub runtime: Option<&'a Result<Vec<Need>, String>>,
}

/// `runs-on.IMAGE` on a named image: will the artifact start there, and will the files
/// it reads at run time be there?
pub fn runs_on_check(name: &str, a: &Artifact, accepted: &[String]) -> Check {
    let (facts, runtime) = (a.facts, a.runtime);
    let c = match starts_on(name, facts, a.goarch, a.glibc) {
        Err(c) => return c,
        Ok(c) => c,
    };
    let image = match images::find(name) {
        Ok(Some(i)) => i,
        _ => return c,
    };
    provides::finish(
        c,
        runtime,
        start::linkage(facts),
        name,
        image,
        None,
        accepted,
    )
}

/// Whether the artifact starts there at all: format, architecture, loader, libc version,
/// libraries. `Err` holds the failing (or unknown) check, `Ok` the passing one.
fn starts_on(
    name: &str,
    facts: &Facts,
    goarch: Option<&str>,
    needs: &GlibcNeeds,
) -> Result<Check, Check> {
    let id = format!("runs-on.{name}");
    let image: &Image = match images::find(name) {
        Ok(Some(i)) => i,
        Ok(None) => {
            let names = images::names();
            return Err(Check::unknown(
                &id,
                "a known image",
                format!(
                    "no image `{name}` in the image table{}; known: {}",
                    crate::suggest::did_you_mean(name, images::spellings()),
                    names.join(", ")
                ),
            ));
        }
        Err(e) => return Err(Check::unknown(&id, "a known image", e)),
    };
    // The table requires a version of every glibc image.
    let expected = format!(
        "starts on {name} ({})",
        start::libc_text(image.libc, image.glibc.as_deref())
    );
    let fail =
        |why: String| -> Result<Check, Check> { Err(start::would_not_start(&id, &expected, why)) };
    let arch = match start::linux_goarch(name, facts, goarch) {
        Ok(a) => a,
        Err(why) => return fail(why),
    };
    if !image.arches.iter().any(|a| a == arch) {
        return fail(format!(
            "{} is not published for {arch} (it is for {})",
            name,
            image.arches.join(", ")
        ));
    }
    if facts.static_ {
        return Ok(Check::judged(
            &id,
            true,
            expected,
            format!("static {arch} binary"),
        ));
    }
    let interp = facts.interpreter.as_deref().unwrap_or("");
    if !interp.is_empty() && !image.loaders.iter().any(|l| l == interp) {
        let family = start::wanted_libc(interp);
        return fail(format!(
            "{} has no {interp}: the binary needs {family}{}",
            name,
            match image.libc {
                Libc::None => ", and the image has no libc at all".to_string(),
                Libc::Musl => ", the image has musl".to_string(),
                Libc::Glibc => String::new(),
            }
        ));
    }
    if interp.is_empty() && image.libc == Libc::None {
        return fail(format!(
            "{} has no shared libraries, and the binary needs {}",
            name,
            facts.needed.join(", ")
        ));
    }
    if let (Libc::Glibc, Some(have)) = (image.libc, &image.glibc) {
        let over = needs.above(have);
        if !over.is_empty() {
            return fail(format!(
                "{} has glibc {have}, the binary needs {}: it would fail with `GLIBC_{} not found`",
                name,
                versions_text(&over),
                over.last().map_or("", |(v, _)| v)
            ));
        }
    }
    if facts.needed_omitted > 0 {
        return fail(format!(
            "the binary needs {} shared libraries, more than this tool lists; \
             no image is judged to ship them all",
            facts.needed.len() + facts.needed_omitted
        ));
    }
    let missing: Vec<&str> = facts
        .needed
        .iter()
        .filter(|n| !image.libraries.iter().any(|l| l == *n))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return fail(format!(
            "{} does not ship {}: install it in the image or link it statically",
            name,
            missing.join(", ")
        ));
    }
    Ok(Check::judged(
        &id,
        true,
        expected,
        format!("{interp} and {} present", facts.needed.join(", ")),
    ))
}

/// The `GLIBC_x.y` versions a shared library defines (its `.gnu.version_d`), sorted
/// from lowest to highest: a glibc's `libc.so.6` defines every version up to its own.
pub fn glibc_defined(bytes: &[u8]) -> Result<Vec<String>, Malformed> {
    let parsed = std::panic::catch_unwind(|| -> Result<Vec<String>, Malformed> {
        // The bounded reader vets the layout before goblin reads the version section.
        ElfFile::parse(bytes)?;
        let elf =
            goblin::elf::Elf::parse(bytes).map_err(|e| Malformed(format!("malformed ELF: {e}")))?;
        let mut versions: Vec<String> = Vec::new();
        if let Some(verdef) = &elf.verdef {
            for def in verdef.iter() {
                for aux in def.iter() {
                    let Some(name) = elf.dynstrtab.get_at(aux.vda_name) else {
                        continue;
                    };
                    if let Some(v) = name.strip_prefix("GLIBC_") {
                        if !v.is_empty()
                            && v.split('.')
                                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                            && !versions.iter().any(|x| x == v)
                        {
                            versions.push(v.to_string());
                        }
                    }
                }
            }
        }
        versions.sort_by(|a, b| {
            if a == b {
                std::cmp::Ordering::Equal
            } else if images::version_le(a, b) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
        Ok(versions)
    });
    parsed.unwrap_or_else(|_| {
        Err(Malformed(
            "the ELF parser gave up on this file (internal panic caught)".into(),
        ))
    })
}
