//! Mach-O (darwin, ios) and PE (windows) artifacts: format, machine, and what
//! "static" and "stripped" can mean there.
//!
//! Go's darwin binaries always link libSystem, and its windows binaries always import
//! kernel32; "static" therefore means "needs nothing beyond the operating system's own
//! libraries".

use goblin::mach::{Mach, MachO};
use goblin::pe::PE;

use super::{
    buildinfo, format_check, libs, pclntab, Check, Facts, Found, Malformed, Policy, Verdict,
};
use crate::target::{self, Format};

fn macho_cpu_name(cputype: u32) -> String {
    target::ARCHES
        .iter()
        .find(|a| a.macho_cputype == Some(cputype))
        .map(|a| a.goarch.to_string())
        .unwrap_or_else(|| format!("cputype {cputype:#x}"))
}

fn pe_machine_name(machine: u16) -> String {
    match machine {
        0x8664 => "AMD64".to_string(),
        0xaa64 => "ARM64".to_string(),
        0x014c => "I386".to_string(),
        0x01c4 => "ARMNT".to_string(),
        m => format!("machine {m:#x}"),
    }
}

/// Libraries every darwin system has.
fn is_system_dylib(path: &str) -> bool {
    path.starts_with("/usr/lib/") || path.starts_with("/System/Library/")
}

/// DLLs Windows itself ships (the ones Go and its standard library import).
fn is_system_dll(name: &str) -> bool {
    const SYSTEM: &[&str] = &[
        "kernel32.dll",
        "ntdll.dll",
        "advapi32.dll",
        "ws2_32.dll",
        "winmm.dll",
        "user32.dll",
        "shell32.dll",
        "ole32.dll",
        "crypt32.dll",
        "secur32.dll",
        "iphlpapi.dll",
        "dnsapi.dll",
        "netapi32.dll",
        "userenv.dll",
        "mswsock.dll",
        "bcrypt.dll",
        "bcryptprimitives.dll",
        "powrprof.dll",
        "psapi.dll",
        "gdi32.dll",
        "comctl32.dll",
        "shlwapi.dll",
        "version.dll",
        "oleaut32.dll",
        "msvcrt.dll",
        "ucrtbase.dll",
        "setupapi.dll",
        "wintrust.dll",
    ];
    let lower = name.to_ascii_lowercase();
    SYSTEM.contains(&lower.as_str()) || lower.starts_with("api-ms-win-")
}

/// The CPU check of Mach-O and PE: judged when the target names a CPU, else reported.
fn machine_check<T: PartialEq + Copy>(
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

fn link_check(policy: &Policy, libs: &[String], foreign: &[&String], what: &str) -> Check {
    let actual = if foreign.is_empty() {
        format!("only system {what} ({})", libs.join(", "))
    } else {
        format!(
            "needs {}",
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
            foreign.is_empty(),
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

fn strip_check(policy: &Policy, stripped: bool, actual: String) -> Check {
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

/// The slices of a Mach-O file with their cputypes: one for a thin file, one per
/// architecture for a universal one, each slice's bytes bounds-checked.
pub(super) fn macho_slices(bytes: &[u8]) -> Result<Vec<(u32, &[u8])>, Malformed> {
    match Mach::parse(bytes).map_err(|e| Malformed(format!("malformed Mach-O: {e}")))? {
        Mach::Binary(m) => Ok(vec![(m.header.cputype, bytes)]),
        Mach::Fat(fat) => {
            let arches = fat
                .arches()
                .map_err(|e| Malformed(format!("malformed universal binary: {e}")))?;
            arches
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let start = usize::try_from(a.offset).unwrap_or(usize::MAX);
                    let end = start.saturating_add(usize::try_from(a.size).unwrap_or(usize::MAX));
                    let slice = bytes.get(start..end).ok_or_else(|| {
                        Malformed(format!(
                            "universal binary slice {i} at offset {:#x} size {:#x} runs past the end of the file",
                            a.offset, a.size
                        ))
                    })?;
                    Ok((a.cputype, slice))
                })
                .collect()
        }
    }
}

/// One thin Mach-O file (or slice).
pub(super) fn verify_macho(bytes: &[u8], policy: &Policy) -> Result<Found, Malformed> {
    let slice = bytes;
    let macho = MachO::parse(bytes, 0).map_err(|e| Malformed(format!("malformed Mach-O: {e}")))?;
    let want = policy
        .target
        .as_ref()
        .and_then(|t| t.arch())
        .and_then(|a| a.macho_cputype);
    let cputype = macho.header.cputype;
    let libs: Vec<String> = macho
        .libs
        .iter()
        .filter(|l| **l != "self")
        .map(|s| s.to_string())
        .collect();
    let foreign: Vec<&String> = libs.iter().filter(|l| !is_system_dylib(l)).collect();
    let dwarf = macho
        .segments
        .iter()
        .any(|s| s.name().map(|n| n == "__DWARF").unwrap_or(false))
        || macho
            .segments
            .sections()
            .flatten()
            .flatten()
            .any(|(sec, _)| {
                sec.name()
                    .map(|n| n.starts_with("__debug_") || n.starts_with("__zdebug_"))
                    .unwrap_or(false)
            });
    // Defined, non-external symbols are what -s removes; imports stay.
    let locals = macho
        .symbols
        .as_ref()
        .map(|s| {
            s.iter()
                .flatten()
                .filter(|(_, n)| !n.is_undefined() && !n.is_global())
                .count()
        })
        .unwrap_or(0);
    let stripped = !dwarf && locals == 0;
    let go = buildinfo::from_macho(slice, &macho).transpose();
    let facts = Facts {
        format: "macho",
        class: None,
        endian: if macho.little_endian { "little" } else { "big" },
        e_machine: cputype,
        machine: macho_cpu_name(cputype),
        osabi: None,
        kind: match macho.header.filetype {
            2 => "exec".to_string(),
            6 => "dylib".to_string(),
            1 => "object".to_string(),
            t => format!("{t:#x}"),
        },
        e_flags: Some(macho.header.flags),
        interpreter: None,
        needed: libs.clone(),
        static_: foreign.is_empty(),
        stripped,
        arm_attributes: None,
        gnu_properties: Vec::new(),
        glibc_max: None,
        go: None,
        runtime: None,
    };
    let mut checks = vec![format_check(Format::Macho, policy)];
    checks.push(machine_check(
        "macho.cputype",
        want,
        cputype,
        macho_cpu_name,
    ));
    checks.push(link_check(policy, &libs, &foreign, "dylibs"));
    let actual = match (dwarf, locals) {
        (false, 0) => "stripped".to_string(),
        (d, n) => format!("{}{n} local symbols", if d { "DWARF, " } else { "" }),
    };
    checks.push(strip_check(policy, stripped, actual));
    Ok(Found {
        verdict: Verdict::new(facts, checks),
        goarch: target::ARCHES
            .iter()
            .find(|a| a.macho_cputype == Some(cputype))
            .map(|a| a.goarch),
        glibc: libs::GlibcNeeds::default(),
        runtime: super::runtime_needs(
            pclntab::from_macho(slice, &macho, go.is_some()),
            go.is_some(),
        ),
        go,
    })
}

pub(super) fn verify_pe(bytes: &[u8], policy: &Policy) -> Result<Found, Malformed> {
    let pe = PE::parse(bytes).map_err(|e| Malformed(format!("malformed PE: {e}")))?;
    let machine = pe.header.coff_header.machine;
    let want = policy
        .target
        .as_ref()
        .and_then(|t| t.arch())
        .and_then(|a| a.pe_machine);
    let libs: Vec<String> = pe.libraries.iter().map(|s| s.to_string()).collect();
    let foreign: Vec<&String> = libs.iter().filter(|l| !is_system_dll(l)).collect();
    let symbols = pe.header.coff_header.number_of_symbol_table;
    let debug: Vec<String> = pe
        .sections
        .iter()
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| n.starts_with(".debug") || n.starts_with(".zdebug") || n.starts_with("/"))
        .collect();
    let stripped = symbols == 0 && debug.is_empty();
    let go = buildinfo::from_pe(bytes, &pe).transpose();
    let subsystem = pe
        .header
        .optional_header
        .map(|o| o.windows_fields.subsystem)
        .unwrap_or(0);
    let facts = Facts {
        format: "pe",
        class: None,
        endian: "little",
        e_machine: u32::from(machine),
        machine: pe_machine_name(machine),
        osabi: None,
        kind: if pe.is_lib {
            "dll".to_string()
        } else {
            "exec".to_string()
        },
        e_flags: None,
        interpreter: None,
        needed: libs.clone(),
        static_: foreign.is_empty(),
        stripped,
        arm_attributes: None,
        gnu_properties: Vec::new(),
        glibc_max: None,
        go: None,
        runtime: None,
    };
    let mut checks = vec![format_check(Format::Pe, policy)];
    checks.push(machine_check("pe.machine", want, machine, pe_machine_name));
    let sub = match subsystem {
        2 => "windows GUI".to_string(),
        3 => "console".to_string(),
        s => format!("subsystem {s}"),
    };
    // Go links console programs unless -H windowsgui is in the ldflags.
    checks.push(match &policy.expect_go {
        Some(e) => {
            let flags = super::go_split(&e.ldflags).unwrap_or_default();
            let gui = flags.iter().any(|f| f == "-H=windowsgui")
                || flags.windows(2).any(|w| w[0] == "-H" && w[1] == "windowsgui");
            let (want, code) = if gui { ("windows GUI", 2) } else { ("console", 3) };
            Check::judged("pe.subsystem", subsystem == code, want, sub).hint_on_fail(|| {
                "the subsystem differs from what the ldflags ask for (-H windowsgui makes a GUI program)".into()
            })
        }
        None => Check::info("pe.subsystem", sub),
    });
    checks.push(link_check(policy, &libs, &foreign, "DLLs"));
    let actual = if stripped {
        "stripped".to_string()
    } else {
        format!(
            "{symbols} COFF symbols{}",
            if debug.is_empty() {
                String::new()
            } else {
                format!(", {}", debug.join(", "))
            }
        )
    };
    checks.push(strip_check(policy, stripped, actual));
    Ok(Found {
        verdict: Verdict::new(facts, checks),
        goarch: target::ARCHES
            .iter()
            .find(|a| a.pe_machine == Some(machine))
            .map(|a| a.goarch),
        glibc: libs::GlibcNeeds::default(),
        runtime: super::runtime_needs(pclntab::from_pe(bytes, &pe, go.is_some()), go.is_some()),
        go,
    })
}
