//! What `runs-on.IMAGE` judges alike for a named and a real image before their files are
//! asked: the artifact is a Linux ELF of a machine Go targets, a failing check says the
//! artifact would not start and why, and libcs are named the same way in messages.

use super::images::Libc;
use super::provides::Linkage;
use crate::verify::{Check, Facts};

/// The failing `runs-on` check: the artifact would not start there, and why.
pub(super) fn would_not_start(id: &str, expected: &str, why: String) -> Check {
    let mut c = Check::judged(id, false, expected, "would not start");
    c.message = Some(why);
    c
}

/// The artifact's GOARCH when it is an ELF of a machine Go targets; else why no Linux
/// image `name` starts it.
pub(super) fn linux_goarch<'a>(
    name: &str,
    facts: &Facts,
    goarch: Option<&'a str>,
) -> Result<&'a str, String> {
    if facts.format != "elf" {
        return Err(format!(
            "{name} is a Linux image; this is a {} file",
            facts.format
        ));
    }
    goarch.ok_or_else(|| format!("machine {} is not one Go targets", facts.machine))
}

/// `musl` or `glibc`: the libc a loader path asks for, for messages.
pub(super) fn wanted_libc(interp: &str) -> &'static str {
    match loader_family(interp) {
        Libc::Musl => "musl",
        _ => "glibc",
    }
}

/// `glibc 2.36`, `glibc` (version unknown), `musl` or `no libc`.
pub(super) fn libc_text(family: Libc, glibc: Option<&str>) -> String {
    match (family, glibc) {
        (Libc::Glibc, Some(v)) => format!("glibc {v}"),
        (Libc::Glibc, None) => "glibc".to_string(),
        (Libc::Musl, _) => "musl".to_string(),
        (Libc::None, _) => "no libc".to_string(),
    }
}

/// The libc family a loader path belongs to.
pub fn loader_family(interp: &str) -> Libc {
    if interp.contains("ld-musl") {
        Libc::Musl
    } else {
        Libc::Glibc
    }
}

/// How the artifact reaches its libc: static, or through the loader it names.
pub(super) fn linkage(facts: &Facts) -> Linkage {
    if facts.static_ {
        Linkage::Static
    } else {
        Linkage::Dynamic(loader_family(facts.interpreter.as_deref().unwrap_or("")))
    }
}

/// `a, b, c and 4 more`: the names shown, and how many of `total` in all are not.
pub(super) fn list_more(shown: &[String], total: usize) -> String {
    let more = total.saturating_sub(shown.len());
    let mut text = shown.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}
