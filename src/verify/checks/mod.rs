//! The checks of each format, judged on its parsed form against the policy: what the
//! ELF, Mach-O and PE headers, sections and imports say. The Go extractors (build info,
//! pclntab) and the runs-on judgement are added by the driver in `verify/mod.rs`.

pub mod bound;
pub mod elf;
pub mod macho;
pub mod pe;

use crate::target::Format;
use crate::verify::check::Check;
use crate::verify::policy::Policy;
use crate::verify::verdict::Verdict;

/// What a format's checks found: its facts and checks, and the GOARCH of the file's
/// machine, when the target table knows it.
pub(crate) struct Judged {
    pub(crate) verdict: Verdict,
    pub(crate) goarch: Option<&'static str>,
}

/// The `format` check shared by all formats.
pub(super) fn format_check(found: Format, policy: &Policy) -> Check {
    match &policy.target {
        Some(t) => Check::judged(
            "format",
            t.format() == found,
            t.format().name(),
            found.name(),
        )
        .hint_on_fail(|| {
            format!(
                "a {} target should produce {}: GOOS was not {} for this build",
                t.goos(),
                t.format().name(),
                t.goos()
            )
        }),
        None => Check::info("format", found.name()),
    }
}

/// The CPU check of Mach-O and PE: judged when the target names a CPU, else reported.
pub(super) fn machine_check<T: PartialEq + Copy>(
    id: &str,
    want: Option<T>,
    found: T,
    name: fn(T) -> String,
) -> Check {
    match want {
        Some(w) => Check::judged(id, w == found, name(w), name(found))
            .hint_on_fail(|| "built for another CPU: GOARCH was overridden".into()),
        None => Check::info(id, name(found)),
    }
}

/// `link.static` of Mach-O and PE: only the system's own libraries. `omitted` libraries
/// beyond the listed ones were not examined, so they count as foreign.
pub(super) fn link_check(
    policy: &Policy,
    libs: &[String],
    foreign: &[&String],
    omitted: usize,
    what: &str,
) -> Check {
    let more = if omitted > 0 {
        format!(" and {omitted} more not examined")
    } else {
        String::new()
    };
    let actual = if foreign.is_empty() && omitted == 0 {
        format!("only system {what} ({})", libs.join(", "))
    } else {
        format!(
            "needs {}{more}",
            foreign
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if policy.require_static {
        Check::judged(
            "link.static",
            foreign.is_empty() && omitted == 0,
            format!("only system {what}"),
            actual,
        )
        .hint_on_fail(|| {
            "links libraries the OS does not ship: the build used cgo; set cgo = false".into()
        })
    } else {
        Check::info("link.static", actual)
    }
}

/// `symbols.stripped` of Mach-O and PE.
pub(super) fn strip_check(policy: &Policy, stripped: bool, actual: String) -> Check {
    if policy.require_stripped {
        Check::judged(
            "symbols.stripped",
            stripped,
            "no symbol table, no DWARF",
            actual,
        )
        .hint_on_fail(|| "add -s -w to ldflags".into())
    } else {
        Check::info("symbols.stripped", actual)
    }
}
