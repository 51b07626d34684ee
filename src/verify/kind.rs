//! What kind of file an artifact must be: an executable, or the shared library or plugin
//! a profile's `-buildmode` asks for; and the checks that prove it from header fields
//! the format readers already hold (`elf.type`, `macho.filetype`, `pe.characteristics`).
//!
//! An object file, a core dump, a shared library or an ELF file without program headers
//! is not an executable, whatever else it gets right: it cannot be run.

use super::check::Check;
use super::format::pe::{IMAGE_FILE_DLL, IMAGE_FILE_EXECUTABLE_IMAGE};

/// The kind of file a build makes, from its `-buildmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `exe`, `pie`, `default` (and no `-buildmode`): a program the system can start.
    Executable,
    /// `c-shared`: an ELF shared object, a Mach-O MH_DYLIB, a PE DLL.
    SharedLibrary,
    /// `plugin`: an ELF shared object, a Mach-O MH_DYLIB or MH_BUNDLE.
    Plugin,
}

impl Kind {
    /// The kind of file `go build -buildmode=MODE` makes, or why this tool does not take
    /// it: archives (`c-archive`, `archive`) and Go shared libraries (`shared`) are not
    /// artifacts it verifies or delivers.
    pub fn of_buildmode(mode: &str) -> Result<Kind, String> {
        match mode {
            "exe" | "pie" | "default" | "" => Ok(Kind::Executable),
            "c-shared" => Ok(Kind::SharedLibrary),
            "plugin" => Ok(Kind::Plugin),
            "c-archive" | "archive" => Err(format!(
                "-buildmode={mode} makes an ar archive (a static library), not an executable or a shared \
                 library: cargo-xbuild-go neither verifies nor delivers archives; build it with `go build` \
                 directly, or use -buildmode=c-shared"
            )),
            "shared" => Err(
                "-buildmode=shared makes Go shared libraries for -linkshared, which cargo-xbuild-go neither \
                 verifies nor delivers; use -buildmode=c-shared or plugin"
                    .to_string(),
            ),
            other => Err(format!(
                "unknown -buildmode={other}: cargo-xbuild-go takes exe, pie, default, c-shared and plugin"
            )),
        }
    }

    /// The buildmode a message names for a library kind.
    fn flag(self) -> &'static str {
        match self {
            Kind::Executable => "",
            Kind::SharedLibrary => " (-buildmode=c-shared)",
            Kind::Plugin => " (-buildmode=plugin)",
        }
    }
}

/// The last `-buildmode` among go build's arguments (Go's own rule: the last wins);
/// `exe` when there is none.
pub fn buildmode<'a>(args: impl IntoIterator<Item = &'a String>) -> String {
    let args: Vec<&String> = args.into_iter().collect();
    let mut mode = "exe".to_string();
    for (i, a) in args.iter().enumerate() {
        let a = a.trim_start_matches('-');
        if let Some(m) = a.strip_prefix("buildmode=") {
            mode = m.to_string();
        } else if a == "buildmode" {
            if let Some(m) = args.get(i + 1) {
                mode = m.to_string();
            }
        }
    }
    mode
}

/// The hint of a kind check that failed: the found file's nature, and what to do.
fn why(found: &str, expected: &str, cause: &str) -> String {
    format!("{found}, expected {expected}: {cause}")
}

const ET_REL: u16 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const ET_CORE: u16 = 4;

/// The ELF header fields that say what a file is.
pub(super) struct ElfType {
    pub e_type: u16,
    pub phnum: u64,
    pub has_interp: bool,
    /// DT_FLAGS_1 has DF_1_PIE.
    pub pie: bool,
}

/// `elf.type`: an executable is ET_EXEC, or ET_DYN with PT_INTERP or DF_1_PIE (a PIE,
/// static-pie ones included), with program headers; a shared library or plugin is
/// ET_DYN without DF_1_PIE, with program headers.
pub(super) fn elf_check(want: Option<Kind>, t: &ElfType) -> Check {
    const ID: &str = "elf.type";
    let mut found = match t.e_type {
        0 => "ET_NONE (no file type)".to_string(),
        ET_REL => "ET_REL (relocatable object)".to_string(),
        ET_EXEC => "ET_EXEC (executable)".to_string(),
        ET_DYN if t.pie => "ET_DYN with DF_1_PIE (position-independent executable)".to_string(),
        ET_DYN if t.has_interp => {
            "ET_DYN with PT_INTERP (position-independent executable)".to_string()
        }
        ET_DYN => "ET_DYN (shared object)".to_string(),
        ET_CORE => "ET_CORE (core dump)".to_string(),
        0xfe00..=0xfeff => format!("e_type {:#06x} (OS-specific)", t.e_type),
        0xff00..=0xffff => format!("e_type {:#06x} (processor-specific)", t.e_type),
        e => format!("e_type {e:#x} (unknown)"),
    };
    if t.phnum == 0 {
        found.push_str(", no program headers");
    }
    let Some(want) = want else {
        return Check::info(ID, found);
    };
    let loadable = t.phnum > 0;
    let (expected, ok) = match want {
        Kind::Executable => (
            "an executable (ET_EXEC, or ET_DYN with PT_INTERP or DF_1_PIE) with program headers"
                .to_string(),
            loadable && (t.e_type == ET_EXEC || (t.e_type == ET_DYN && (t.has_interp || t.pie))),
        ),
        Kind::SharedLibrary | Kind::Plugin => (
            format!(
                "a shared object (ET_DYN without DF_1_PIE) with program headers{}",
                want.flag()
            ),
            loadable && t.e_type == ET_DYN && !t.pie,
        ),
    };
    Check::judged(ID, ok, expected.clone(), found.clone()).hint_on_fail(|| {
        let cause = if !loadable && matches!(t.e_type, ET_EXEC | ET_DYN) {
            "without program headers the loader has nothing to map: a corrupt file, or one cut down \
             to its sections (a separate debug file)"
        } else {
            match (t.e_type, want) {
                (ET_REL, _) => "an object file (what `cc -c` or `go tool compile` writes) is not linked: \
                                nothing can run or load it",
                (ET_CORE, _) => "a core dump is a crashed process's memory, not a program",
                (ET_DYN, Kind::Executable) => {
                    "a shared library, not a program: -buildmode=c-shared or plugin made it; to verify \
                     one, set that -buildmode in the profile's flags"
                }
                (ET_EXEC | ET_DYN, _) => {
                    "an executable, not the library the profile's -buildmode makes: the buildmode was \
                     overridden (GOFLAGS, extra arguments) or the file is another build's"
                }
                _ => "not a file type Linux runs or loads",
            }
        };
        why(&found, &expected, cause)
    })
}

/// A Mach-O filetype's name.
fn macho_name(filetype: u32) -> String {
    match filetype {
        1 => "MH_OBJECT (relocatable object)".into(),
        2 => "MH_EXECUTE (executable)".into(),
        3 => "MH_FVMLIB (fixed VM library)".into(),
        4 => "MH_CORE (core dump)".into(),
        5 => "MH_PRELOAD (preloaded executable)".into(),
        6 => "MH_DYLIB (dynamic library)".into(),
        7 => "MH_DYLINKER (dynamic linker)".into(),
        8 => "MH_BUNDLE (bundle)".into(),
        9 => "MH_DYLIB_STUB (library stub)".into(),
        10 => "MH_DSYM (debug symbols)".into(),
        11 => "MH_KEXT_BUNDLE (kernel extension)".into(),
        12 => "MH_FILESET (file set)".into(),
        t => format!("filetype {t:#x} (unknown)"),
    }
}

const MH_EXECUTE: u32 = 2;
const MH_DYLIB: u32 = 6;
const MH_BUNDLE: u32 = 8;

/// `macho.filetype`: MH_EXECUTE for an executable, MH_DYLIB for a shared library,
/// MH_DYLIB or MH_BUNDLE for a plugin.
pub(super) fn macho_check(want: Option<Kind>, filetype: u32) -> Check {
    const ID: &str = "macho.filetype";
    let found = macho_name(filetype);
    let Some(want) = want else {
        return Check::info(ID, found);
    };
    let (expected, ok) = match want {
        Kind::Executable => (
            "an executable (MH_EXECUTE)".to_string(),
            filetype == MH_EXECUTE,
        ),
        Kind::SharedLibrary => (
            format!("a dynamic library (MH_DYLIB){}", want.flag()),
            filetype == MH_DYLIB,
        ),
        Kind::Plugin => (
            format!(
                "a dynamic library or bundle (MH_DYLIB or MH_BUNDLE){}",
                want.flag()
            ),
            filetype == MH_DYLIB || filetype == MH_BUNDLE,
        ),
    };
    Check::judged(ID, ok, expected.clone(), found.clone()).hint_on_fail(|| {
        let cause = match (filetype, want) {
            (1, _) => "an object file (what `cc -c` writes) is not linked: nothing can run or load it",
            (4, _) => "a core dump is a crashed process's memory, not a program",
            (MH_DYLIB | MH_BUNDLE, Kind::Executable) => {
                "a library, not a program: -buildmode=c-shared or plugin made it; to verify one, set \
                 that -buildmode in the profile's flags"
            }
            (MH_EXECUTE, _) => {
                "an executable, not the library the profile's -buildmode makes: the buildmode was \
                 overridden (GOFLAGS, extra arguments) or the file is another build's"
            }
            _ => "not a file type macOS runs or loads",
        };
        why(&found, &expected, cause)
    })
}

/// The COFF characteristics named, e.g. `0x22 (EXECUTABLE_IMAGE, LARGE_ADDRESS_AWARE)`.
fn pe_flags(ch: u16) -> String {
    const NAMES: &[(u16, &str)] = &[
        (0x0001, "RELOCS_STRIPPED"),
        (0x0002, "EXECUTABLE_IMAGE"),
        (0x0004, "LINE_NUMS_STRIPPED"),
        (0x0008, "LOCAL_SYMS_STRIPPED"),
        (0x0020, "LARGE_ADDRESS_AWARE"),
        (0x0100, "32BIT_MACHINE"),
        (0x0200, "DEBUG_STRIPPED"),
        (0x1000, "SYSTEM"),
        (0x2000, "DLL"),
    ];
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| ch & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        format!("{ch:#06x}")
    } else {
        format!("{ch:#06x} ({})", names.join(", "))
    }
}

/// `pe.characteristics`: IMAGE_FILE_EXECUTABLE_IMAGE, with IMAGE_FILE_DLL clear for an
/// executable and set for a shared library; an image has an optional header.
pub(super) fn pe_check(want: Option<Kind>, characteristics: u16, optional_header: bool) -> Check {
    const ID: &str = "pe.characteristics";
    let mut found = pe_flags(characteristics);
    if !optional_header {
        found.push_str(", no optional header");
    }
    let Some(want) = want else {
        return Check::info(ID, found);
    };
    let image = optional_header && characteristics & IMAGE_FILE_EXECUTABLE_IMAGE != 0;
    let dll = characteristics & IMAGE_FILE_DLL != 0;
    let (expected, ok) = match want {
        Kind::Executable => (
            "an executable (IMAGE_FILE_EXECUTABLE_IMAGE, not IMAGE_FILE_DLL)".to_string(),
            image && !dll,
        ),
        Kind::SharedLibrary | Kind::Plugin => (
            format!(
                "a DLL (IMAGE_FILE_EXECUTABLE_IMAGE and IMAGE_FILE_DLL){}",
                want.flag()
            ),
            image && dll,
        ),
    };
    Check::judged(ID, ok, expected.clone(), found.clone()).hint_on_fail(|| {
        let cause = if !image {
            "not a linked image (the linker sets IMAGE_FILE_EXECUTABLE_IMAGE on every file Windows may \
             load; without it, or without an optional header, the linker failed or the file is an object)"
        } else if dll && want == Kind::Executable {
            "a DLL, not a program: -buildmode=c-shared made it; to verify one, set that -buildmode in \
             the profile's flags"
        } else {
            "an executable, not the DLL the profile's -buildmode makes: the buildmode was overridden \
             (GOFLAGS, extra arguments) or the file is another build's"
        };
        why(&found, &expected, cause)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Status;

    const fn elf(e_type: u16, phnum: u64, has_interp: bool, pie: bool) -> ElfType {
        ElfType {
            e_type,
            phnum,
            has_interp,
            pie,
        }
    }

    /// What runs as a program: an executable, or a PIE (PT_INTERP or DF_1_PIE).
    const EXECUTABLES: &[(&str, ElfType)] = &[
        ("exec", elf(ET_EXEC, 3, false, false)),
        ("pie_interp", elf(ET_DYN, 9, true, true)),
        ("static_pie", elf(ET_DYN, 9, false, true)),
        ("old_pie_interp_only", elf(ET_DYN, 9, true, false)),
    ];

    /// What is no program.
    const NOT_EXECUTABLES: &[(&str, ElfType)] = &[
        ("shared_object", elf(ET_DYN, 7, false, false)),
        ("object", elf(ET_REL, 0, false, false)),
        ("core", elf(ET_CORE, 40, false, false)),
        ("exec_no_phdrs", elf(ET_EXEC, 0, false, false)),
        ("pie_no_phdrs", elf(ET_DYN, 0, true, true)),
        ("none", elf(0, 3, false, false)),
        ("os_specific", elf(0xfe01, 3, false, false)),
    ];

    /// What is no shared library: a PIE, an executable, no program headers.
    const NOT_SHARED: &[(&str, ElfType)] = &[
        ("cshared_got_pie", elf(ET_DYN, 9, true, true)),
        ("cshared_got_exec", elf(ET_EXEC, 3, false, false)),
        ("cshared_no_phdrs", elf(ET_DYN, 0, false, false)),
    ];

    #[test]
    fn elf_types_against_each_kind() {
        use Kind::*;
        let shared: &[(&str, ElfType)] = &[("cshared", elf(ET_DYN, 7, false, false))];
        let plugin: &[(&str, ElfType)] = &[("plugin", elf(ET_DYN, 7, false, false))];
        // (the kind the profile wants, whether the cases pass as one, the cases)
        let groups = [
            (Executable, true, EXECUTABLES),
            (Executable, false, NOT_EXECUTABLES),
            (SharedLibrary, true, shared),
            (Plugin, true, plugin),
            (SharedLibrary, false, NOT_SHARED),
        ];
        let cases = groups.into_iter().flat_map(|(want, pass, cases)| {
            cases.iter().map(move |(case, t)| (case, t, want, pass))
        });
        for (case, t, want, pass) in cases {
            let c = elf_check(Some(want), t);
            assert_eq!(c.status == Status::Pass, pass, "case {case}: {c:?}");
            if !pass {
                let m = c.message.as_deref().unwrap_or("");
                assert!(m.starts_with(&c.actual), "case {case}: {m}");
                assert!(
                    m.contains(c.expected.as_deref().unwrap()),
                    "case {case}: {m}"
                );
            }
            assert_eq!(
                elf_check(None, t).status,
                Status::Pass,
                "case {case}, reported"
            );
        }
        let c = elf_check(Some(Executable), &elf(ET_REL, 0, false, false));
        assert_eq!(
            c.message.as_deref().unwrap().split(':').next().unwrap(),
            "ET_REL (relocatable object), no program headers, expected an executable \
             (ET_EXEC, or ET_DYN with PT_INTERP or DF_1_PIE) with program headers"
        );
    }

    #[test]
    fn macho_and_pe_types_against_each_kind() {
        use Kind::*;
        for (case, ft, want, pass) in [
            ("execute", 2, Executable, true),
            ("object", 1, Executable, false),
            ("dylib", 6, Executable, false),
            ("bundle", 8, Executable, false),
            ("core", 4, Executable, false),
            ("dylib_cshared", 6, SharedLibrary, true),
            ("bundle_cshared", 8, SharedLibrary, false),
            ("bundle_plugin", 8, Plugin, true),
            ("execute_cshared", 2, SharedLibrary, false),
        ] {
            let c = macho_check(Some(want), ft);
            assert_eq!(c.status == Status::Pass, pass, "case {case}: {c:?}");
        }
        for (case, ch, opt, want, pass) in [
            ("exe", 0x0022, true, Executable, true),
            ("dll", 0x2022, true, Executable, false),
            ("not_image", 0x0020, true, Executable, false),
            ("no_optional_header", 0x0002, false, Executable, false),
            ("dll_cshared", 0x2022, true, SharedLibrary, true),
            ("exe_cshared", 0x0022, true, SharedLibrary, false),
            ("dll_not_image", 0x2020, true, SharedLibrary, false),
        ] {
            let c = pe_check(Some(want), ch, opt);
            assert_eq!(c.status == Status::Pass, pass, "case {case}: {c:?}");
        }
        assert_eq!(
            pe_check(None, 0x2022, true).actual,
            "0x2022 (EXECUTABLE_IMAGE, LARGE_ADDRESS_AWARE, DLL)"
        );
    }

    #[test]
    fn buildmodes_map_to_kinds() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(buildmode(&s(&[])), "exe");
        assert_eq!(buildmode(&s(&["-buildmode=pie", "-x"])), "pie");
        assert_eq!(buildmode(&s(&["-buildmode", "c-shared"])), "c-shared");
        assert_eq!(
            buildmode(&s(&["-buildmode=pie", "--buildmode=plugin"])),
            "plugin"
        );
        assert_eq!(Kind::of_buildmode("pie"), Ok(Kind::Executable));
        assert_eq!(Kind::of_buildmode("c-shared"), Ok(Kind::SharedLibrary));
        assert_eq!(Kind::of_buildmode("plugin"), Ok(Kind::Plugin));
        for refused in ["c-archive", "archive", "shared", "bogus"] {
            assert!(
                Kind::of_buildmode(refused).is_err(),
                "case {refused}: refused"
            );
        }
    }
}
