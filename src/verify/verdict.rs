//! What was found in an artifact (the facts) and what was judged (the checks), per file
//! and per slice of a universal Mach-O file.

use serde::Serialize;

use super::check::Check;
use super::go::gocheck::GoFacts;
use super::runs_on::needs;

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
    /// Where the loader looks for its libraries first (ELF only; not in the report).
    #[serde(skip)]
    pub search: LibrarySearch,
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

/// An ELF file's own say in the loader's search: `DT_RPATH`, `DT_RUNPATH`,
/// `DF_1_NODEFLIB`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LibrarySearch {
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    pub nodeflib: bool,
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
        self.check_groups()
            .all(|(_, checks)| checks.iter().all(|c| c.status.passes()))
    }

    /// The checks of the artifact, then those of each other slice, with the slice's
    /// architecture (`None` for the artifact's own).
    pub fn check_groups(&self) -> impl Iterator<Item = (Option<&str>, &[Check])> {
        let slices = self
            .slices
            .iter()
            .map(|s| (Some(s.arch.as_str()), &s.checks[..]));
        std::iter::once((None, &self.checks[..])).chain(slices)
    }
}
