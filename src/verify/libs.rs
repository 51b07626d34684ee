//! libc facts of a dynamic ELF: the GLIBC_x.y versions it needs (and which symbols
//! need them), and whether it will start on a base image.

use std::collections::BTreeMap;

use goblin::elf::Elf;

use super::images::{self, Image, Libc};
use super::{Check, Facts};

/// GLIBC version needs of an ELF file: version → the dynamic symbols that need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlibcNeeds {
    pub versions: BTreeMap<String, Vec<String>>,
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
    pub fn above(&self, limit: &str) -> Vec<(&str, &[String])> {
        self.versions
            .iter()
            .filter(|(v, _)| !images::version_le(v, limit))
            .map(|(v, s)| (v.as_str(), s.as_slice()))
            .collect()
    }
}

/// Reads the version-needs section (and versym, to name the symbols).
pub fn glibc_needs(elf: &Elf) -> GlibcNeeds {
    let mut by_index: BTreeMap<u16, String> = BTreeMap::new();
    if let Some(verneed) = &elf.verneed {
        for need in verneed.iter() {
            for aux in need.iter() {
                let Some(name) = elf.dynstrtab.get_at(aux.vna_name) else {
                    continue;
                };
                if let Some(v) = name.strip_prefix("GLIBC_") {
                    if v.split('.')
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                    {
                        by_index.insert(aux.vna_other & 0x7fff, v.to_string());
                    }
                }
            }
        }
    }
    let mut versions: BTreeMap<String, Vec<String>> =
        by_index.values().map(|v| (v.clone(), Vec::new())).collect();
    if let Some(versym) = &elf.versym {
        for (i, sym) in elf.dynsyms.iter().enumerate() {
            let Some(vs) = versym.get_at(i) else { continue };
            let Some(v) = by_index.get(&vs.version()) else {
                continue;
            };
            if sym.st_shndx != 0 {
                continue; // defined here, not needed
            }
            if let (Some(list), Some(name)) =
                (versions.get_mut(v), elf.dynstrtab.get_at(sym.st_name))
            {
                if !list.iter().any(|s| s == name) {
                    list.push(name.to_string());
                }
            }
        }
    }
    GlibcNeeds { versions }
}

fn symbols_text(syms: &[String]) -> String {
    let shown: Vec<&str> = syms.iter().take(6).map(String::as_str).collect();
    let more = syms.len().saturating_sub(shown.len());
    if shown.is_empty() {
        return String::new();
    }
    format!(
        " ({}{})",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
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
        let parts: Vec<String> = over
            .iter()
            .map(|(v, syms)| format!("GLIBC_{v}{}", symbols_text(syms)))
            .collect();
        c.message = Some(format!(
            "needs {}: link against an older glibc (glibc = \"{max}\" in the profile builds with zig for that floor), or libc = \"musl\" for a static build, or cgo = false",
            parts.join("; ")
        ));
    }
    c
}

/// The libc family a loader path belongs to.
pub fn loader_family(interp: &str) -> Libc {
    if interp.contains("ld-musl") {
        Libc::Musl
    } else {
        Libc::Glibc
    }
}

/// `runs-on.IMAGE`: will this artifact start on the image?
pub fn runs_on_check(name: &str, facts: &Facts, goarch: Option<&str>, needs: &GlibcNeeds) -> Check {
    let id = format!("runs-on.{name}");
    let image: &Image = match images::find(name) {
        Ok(Some(i)) => i,
        Ok(None) => {
            let names = images::names();
            return Check::unknown(
                &id,
                "a known image",
                format!(
                    "no image `{name}` in the image table{}; known: {}",
                    crate::suggest::did_you_mean(name, images::spellings()),
                    names.join(", ")
                ),
            );
        }
        Err(e) => return Check::unknown(&id, "a known image", e),
    };
    let expected = match (image.libc, &image.glibc) {
        (Libc::Glibc, Some(v)) => format!("starts on {name} (glibc {v})"),
        (Libc::Musl, _) => format!("starts on {name} (musl)"),
        _ => format!("starts on {name} (no libc)"),
    };
    let fail = |why: String| {
        let mut c = Check::judged(&id, false, expected.clone(), "would not start");
        c.message = Some(why);
        c
    };
    if facts.format != "elf" {
        return fail(format!(
            "{} is a Linux image; this is a {} file",
            name, facts.format
        ));
    }
    let Some(arch) = goarch else {
        return fail(format!("machine {} is not one Go targets", facts.machine));
    };
    if !image.arches.iter().any(|a| a == arch) {
        return fail(format!(
            "{} is not published for {arch} (it is for {})",
            name,
            image.arches.join(", ")
        ));
    }
    if facts.static_ {
        return Check::judged(&id, true, expected, format!("static {arch} binary"));
    }
    let interp = facts.interpreter.as_deref().unwrap_or("");
    if !interp.is_empty() && !image.loaders.iter().any(|l| l == interp) {
        let family = match loader_family(interp) {
            Libc::Musl => "musl",
            _ => "glibc",
        };
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
            let parts: Vec<String> = over
                .iter()
                .map(|(v, s)| format!("GLIBC_{v}{}", symbols_text(s)))
                .collect();
            return fail(format!(
                "{} has glibc {have}, the binary needs {}: it would fail with `GLIBC_{} not found`",
                name,
                parts.join("; "),
                over.last().map_or("", |(v, _)| v)
            ));
        }
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
    Check::judged(
        &id,
        true,
        expected,
        format!("{interp} and {} present", facts.needed.join(", ")),
    )
}
