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
use crate::verify::verdict::{Facts, Verdict};

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

/// The libraries a Mach-O or PE file loads, as its facts and `link.static` see them.
pub(super) struct Libraries {
    /// The first [`MAX_LIST`](crate::verify::format::MAX_LIST) of them.
    listed: Vec<String>,
    /// How many more there are; not examined, so they count as foreign.
    omitted: usize,
    /// The listed ones the system does not ship.
    foreign: Vec<String>,
}

impl Libraries {
    /// `listed` of `total` libraries, judged by `is_system`.
    pub(super) fn new(listed: Vec<String>, total: usize, is_system: fn(&str) -> bool) -> Libraries {
        Libraries {
            omitted: total - listed.len(),
            foreign: listed.iter().filter(|l| !is_system(l)).cloned().collect(),
            listed,
        }
    }

    /// Only the system's own libraries: none foreign and none left unexamined.
    fn only_system(&self) -> bool {
        self.foreign.is_empty() && self.omitted == 0
    }
}

/// The facts of a Mach-O or PE file: what its header says, the libraries it loads
/// (static when they are only the system's) and whether it is stripped. The ELF-only
/// facts (class, OS/ABI, flags, interpreter, ARM attributes, GNU properties) are unset.
pub(super) fn linked_facts(
    format: &'static str,
    endian: &'static str,
    e_machine: u32,
    machine: String,
    kind: String,
    libs: &Libraries,
    stripped: bool,
) -> Facts {
    Facts {
        format,
        class: None,
        endian,
        e_machine,
        machine,
        osabi: None,
        kind,
        e_flags: None,
        interpreter: None,
        needed: libs.listed.clone(),
        needed_omitted: libs.omitted,
        static_: libs.only_system(),
        search: Default::default(),
        stripped,
        arm_attributes: None,
        gnu_properties: Vec::new(),
        glibc_max: None,
        go: None,
        runtime: None,
    }
}

/// `link.static` of Mach-O and PE: only the system's own libraries. Libraries beyond
/// the listed ones were not examined, so they count as foreign.
pub(super) fn link_check(policy: &Policy, libs: &Libraries, what: &str) -> Check {
    let omitted = libs.omitted;
    let more = if omitted > 0 {
        format!(" and {omitted} more not examined")
    } else {
        String::new()
    };
    let actual = if libs.only_system() {
        format!("only system {what} ({})", libs.listed.join(", "))
    } else {
        format!("needs {}{more}", libs.foreign.join(", "))
    };
    if policy.require_static {
        Check::judged(
            "link.static",
            libs.only_system(),
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
    stripped_check(
        policy,
        stripped,
        "no symbol table, no DWARF",
        "add -s -w to ldflags",
        actual,
    )
}

/// `symbols.stripped`: judged when the policy requires it, against what a stripped file
/// of the format lacks (`expected`), with how to strip it as the hint; else reported.
pub(super) fn stripped_check(
    policy: &Policy,
    stripped: bool,
    expected: &str,
    hint: &str,
    actual: String,
) -> Check {
    if policy.require_stripped {
        Check::judged("symbols.stripped", stripped, expected, actual)
            .hint_on_fail(|| hint.to_string())
    } else {
        Check::info("symbols.stripped", actual)
    }
}
