//! The checks of a thin Mach-O file (or one slice of a universal file): CPU type, file
//! type, linkage and stripping, from its parsed load commands.

use super::{
    format_check, link_check, linked_facts, machine_check, strip_check, Judged, Libraries,
};
use crate::target::{self, Format};
use crate::verify::format::macho::{cpu_name, fixed_name, MachFile};
use crate::verify::policy::Policy;
use crate::verify::verdict::{Facts, Verdict};

/// Libraries every darwin system has.
fn is_system_dylib(path: &str) -> bool {
    path.starts_with("/usr/lib/") || path.starts_with("/System/Library/")
}

/// One thin Mach-O file (or slice).
pub(crate) fn verify(macho: &MachFile, policy: &Policy) -> Judged {
    let want = policy
        .target
        .as_ref()
        .and_then(|t| t.arch())
        .and_then(|a| a.macho_cputype);
    let cputype = macho.cputype;
    let libs = Libraries::new(macho.dylibs.clone(), macho.dylibs_total, is_system_dylib);
    let dwarf = macho.segments.iter().any(|s| {
        fixed_name(&s.name) == b"__DWARF"
            || macho.sections(s).any(|sec| {
                let n = fixed_name(&sec.name);
                n.starts_with(b"__debug_") || n.starts_with(b"__zdebug_")
            })
    });
    let locals = macho.local_symbols();
    let stripped = !dwarf && locals == 0;
    let kind = match macho.filetype {
        2 => "exec".to_string(),
        6 => "dylib".to_string(),
        1 => "object".to_string(),
        4 => "core".to_string(),
        8 => "bundle".to_string(),
        t => format!("{t:#x}"),
    };
    let endian = if macho.big_endian() { "big" } else { "little" };
    let facts = Facts {
        e_flags: Some(macho.flags),
        ..linked_facts(
            "macho",
            endian,
            cputype,
            cpu_name(cputype),
            kind,
            &libs,
            stripped,
        )
    };
    let mut checks = vec![
        format_check(Format::Macho, policy),
        crate::verify::kind::macho_check(policy.kind, macho.filetype),
    ];
    checks.push(machine_check("macho.cputype", want, cputype, cpu_name));
    checks.push(link_check(policy, &libs, "dylibs"));
    let actual = match (dwarf, locals) {
        (false, 0) => "stripped".to_string(),
        (d, n) => format!("{}{n} local symbols", if d { "DWARF, " } else { "" }),
    };
    checks.push(strip_check(policy, stripped, actual));
    Judged {
        verdict: Verdict::new(facts, checks),
        goarch: target::ARCHES
            .iter()
            .find(|a| a.macho_cputype == Some(cputype))
            .map(|a| a.goarch),
    }
}
