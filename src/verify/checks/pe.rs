//! The checks of a PE file: machine, characteristics, subsystem, imported DLLs and
//! stripping, from its parsed headers, sections and import directory.

use super::{
    format_check, link_check, linked_facts, machine_check, strip_check, Judged, Libraries,
};
use crate::target::{self, Format};
use crate::verify::check::Check;
use crate::verify::format::macho::fixed_name;
use crate::verify::format::pe::PeFile;
use crate::verify::format::Malformed;
use crate::verify::policy::Policy;
use crate::verify::verdict::Verdict;

fn machine_name(machine: u16) -> String {
    match machine {
        0x8664 => "AMD64".to_string(),
        0xaa64 => "ARM64".to_string(),
        0x014c => "I386".to_string(),
        0x01c4 => "ARMNT".to_string(),
        m => format!("machine {m:#x}"),
    }
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

pub(crate) fn verify(pe: &PeFile, policy: &Policy) -> Result<Judged, Malformed> {
    let machine = pe.machine;
    let want = policy
        .target
        .as_ref()
        .and_then(|t| t.arch())
        .and_then(|a| a.pe_machine);
    let (listed, total) = pe.imports()?;
    let libs = Libraries::new(listed, total, is_system_dll);
    let symbols = pe.number_of_symbols;
    let mut debug: Vec<String> = Vec::new();
    let mut debug_total = 0usize;
    for s in pe.sections() {
        let n = fixed_name(&s.name);
        if n.starts_with(b".debug") || n.starts_with(b".zdebug") || n.starts_with(b"/") {
            debug_total += 1;
            if debug.len() < 4 {
                debug.push(pe.section_name(&s));
            }
        }
    }
    let stripped = symbols == 0 && debug_total == 0;
    let subsystem = pe.subsystem.unwrap_or(0);
    let kind = if !pe.is_image() {
        "object"
    } else if pe.is_dll() {
        "dll"
    } else {
        "exec"
    };
    let facts = linked_facts(
        "pe",
        "little",
        u32::from(machine),
        machine_name(machine),
        kind.to_string(),
        &libs,
        stripped,
    );
    let mut checks = vec![
        format_check(Format::Pe, policy),
        crate::verify::kind::pe_check(policy.kind, pe.characteristics, pe.has_optional_header()),
    ];
    checks.push(machine_check("pe.machine", want, machine, machine_name));
    let sub = match subsystem {
        2 => "windows GUI".to_string(),
        3 => "console".to_string(),
        s => format!("subsystem {s}"),
    };
    // Go links console programs unless -H windowsgui is in the ldflags.
    checks.push(match &policy.expect_go {
        Some(e) => {
            let flags = crate::verify::go::gocheck::go_split(&e.ldflags).unwrap_or_default();
            let gui = flags.iter().any(|f| f == "-H=windowsgui")
                || flags.windows(2).any(|w| w[0] == "-H" && w[1] == "windowsgui");
            let (want, code) = if gui { ("windows GUI", 2) } else { ("console", 3) };
            Check::judged("pe.subsystem", subsystem == code, want, sub).hint_on_fail(|| {
                "the subsystem differs from what the ldflags ask for (-H windowsgui makes a GUI program)".into()
            })
        }
        None => Check::info("pe.subsystem", sub),
    });
    checks.push(link_check(policy, &libs, "DLLs"));
    let actual = if stripped {
        "stripped".to_string()
    } else {
        let more = debug_total - debug.len();
        format!(
            "{symbols} COFF symbols{}{}",
            if debug.is_empty() {
                String::new()
            } else {
                format!(", {}", debug.join(", "))
            },
            if more > 0 {
                format!(" and {more} more debug sections")
            } else {
                String::new()
            }
        )
    };
    checks.push(strip_check(policy, stripped, actual));
    Ok(Judged {
        verdict: Verdict::new(facts, checks),
        goarch: target::ARCHES
            .iter()
            .find(|a| a.pe_machine == Some(machine))
            .map(|a| a.goarch),
    })
}
