//! ELF artifacts: header, linkage, symbols, ARM attributes and GNU properties.

use std::collections::BTreeMap;

use super::{format_check, stripped_check, Judged};
use crate::profile::{BtiPolicy, FloatAbi};
use crate::target::{self, Arch, Class, Endian, FlagsRule, Format, EM_AARCH64, EM_ARM};
use crate::verify::abi::{arm_attributes, gnu_property};
use crate::verify::check::Check;
use crate::verify::format::elf_file::{ElfFile, Shdr, DF_1_NODEFLIB, DF_1_PIE, SHT_SYMTAB};
use crate::verify::format::Malformed;
use crate::verify::policy::Policy;
use crate::verify::verdict::{Facts, Verdict};

const SHT_ARM_ATTRIBUTES: u32 = 0x7000_0003;
const EF_ARM_EABIMASK: u32 = 0xff00_0000;
const EF_ARM_ABI_FLOAT_SOFT: u32 = 0x200;
const EF_ARM_ABI_FLOAT_HARD: u32 = 0x400;

/// The largest attributes or property section read. Real ones are under 1 KiB; the
/// parsers keep what they decode, so their input is bounded here.
const MAX_ATTRIBUTES: u64 = 64 << 10;

/// An attributes or property section's bytes, found by name, or by type when `name` is
/// `None`; an error when it lies outside the file or is larger than [`MAX_ATTRIBUTES`].
fn section<'a>(
    elf: &ElfFile<'a>,
    name: Option<&str>,
    sh_type: Option<u32>,
) -> Option<Result<&'a [u8], Malformed>> {
    let sh: Shdr = elf.find(|sh| {
        name.is_some_and(|n| elf.name_is(sh, n)) || sh_type.is_some_and(|t| sh.sh_type == t)
    })?;
    if sh.sh_size > MAX_ATTRIBUTES {
        return Some(Err(Malformed(format!(
            "section `{}` at offset {:#x} is {} bytes, more than the {} KiB this tool reads (real ones are under 1 KiB)",
            elf.name(&sh),
            sh.sh_offset,
            sh.sh_size,
            MAX_ATTRIBUTES >> 10
        ))));
    }
    Some(elf.data(&sh))
}

fn machine_name(machine: u16, class: Class, endian: Endian) -> String {
    match target::arch_by_elf(machine, class, endian) {
        Some(a) => a.machine_name.to_string(),
        None => goblin::elf::header::machine_to_str(machine).to_string(),
    }
}

fn class_name(class: Class) -> &'static str {
    match class {
        Class::Elf64 => "ELF64",
        Class::Elf32 => "ELF32",
    }
}

fn endian_name(endian: Endian) -> &'static str {
    match endian {
        Endian::Big => "big endian",
        Endian::Little => "little endian",
    }
}

/// ` and N more` after a list that shows all but `more` of its items; empty when it shows
/// them all.
fn and_more(more: usize) -> String {
    if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    }
}

fn kind_name(e_type: u16) -> String {
    match e_type {
        0 => "none",
        1 => "rel",
        2 => "exec",
        3 => "dyn",
        4 => "core",
        _ => return format!("{e_type:#x}"),
    }
    .to_string()
}

pub(crate) fn verify(elf: &ElfFile, policy: &Policy) -> Result<Judged, Malformed> {
    let class = if elf.is64 { Class::Elf64 } else { Class::Elf32 };
    let endian = if elf.big { Endian::Big } else { Endian::Little };
    let osabi = elf.osabi;
    // A PT_INTERP whose path cannot be read (separate debug files) still makes the file
    // dynamic: claiming static there would fail open.
    let (has_interp, interpreter) = elf.interpreter();
    let dynamic = elf.dynamic()?;
    let elf_type = crate::verify::kind::ElfType {
        e_type: elf.e_type,
        phnum: elf.phnum(),
        has_interp,
        pie: dynamic.flags_1.is_some_and(|f| f & DF_1_PIE != 0),
    };
    let needed = dynamic.needed;
    let needed_more = dynamic.needed_total - needed.len();
    let is_static = !has_interp && dynamic.needed_total == 0;

    let mut unstripped = Vec::new();
    let mut unstripped_total = 0usize;
    for sh in elf.sections() {
        let hit = sh.sh_type == SHT_SYMTAB
            || elf.name_starts(&sh, ".debug_")
            || elf.name_starts(&sh, ".zdebug_");
        if !hit {
            continue;
        }
        unstripped_total += 1;
        if unstripped.len() < 4 {
            let name = elf.name(&sh);
            unstripped.push(if name.is_empty() {
                "SHT_SYMTAB".to_string()
            } else {
                name
            });
        }
    }
    let stripped = unstripped_total == 0;

    // ARM attributes (32-bit arm only; AArch64 reuses the type number for its own format).
    let arm_attrs = if elf.e_machine == EM_ARM {
        match section(elf, Some(".ARM.attributes"), Some(SHT_ARM_ATTRIBUTES)) {
            None => None,
            Some(Err(e)) => Some(Err(e.0)),
            Some(Ok(data)) => Some(
                arm_attributes::parse(data, endian == Endian::Little).map_err(|e| e.to_string()),
            ),
        }
    } else {
        None
    };

    // GNU properties: every SHT_NOTE named .note.gnu.property.
    let props = match section(elf, Some(".note.gnu.property"), None) {
        None => None,
        Some(Err(e)) => Some(Err(e.0)),
        Some(Ok(data)) => Some(
            gnu_property::parse_note_section(data, class == Class::Elf64, endian == Endian::Little)
                .map_err(|e| e.to_string()),
        ),
    };
    let aarch64_attrs = if elf.e_machine == EM_AARCH64 {
        match section(elf, None, Some(SHT_ARM_ATTRIBUTES)) {
            None => None,
            Some(Err(e)) => Some(Err(e.0)),
            Some(Ok(data)) => Some(
                gnu_property::parse_aarch64_attributes(data, endian == Endian::Little)
                    .map_err(|e| e.to_string()),
            ),
        }
    } else {
        None
    };
    let mut features: Vec<String> = Vec::new();
    if let Some(Ok(p)) = &props {
        let names = match elf.e_machine {
            EM_AARCH64 => p.aarch64_feature_names(),
            3 | 62 => p.x86_feature_names(),
            _ => Vec::new(),
        };
        features.extend(names.into_iter().map(str::to_string));
    }
    if let Some(Ok(a)) = &aarch64_attrs {
        for n in a.feature_names() {
            if !features.iter().any(|f| f == n) {
                features.push(n.to_string());
            }
        }
    }

    let facts = Facts {
        format: "elf",
        class: Some(if class == Class::Elf64 {
            "elf64"
        } else {
            "elf32"
        }),
        endian: if endian == Endian::Big {
            "big"
        } else {
            "little"
        },
        e_machine: u32::from(elf.e_machine),
        machine: machine_name(elf.e_machine, class, endian),
        osabi: Some(osabi),
        kind: kind_name(elf.e_type),
        e_flags: Some(elf.e_flags),
        interpreter: interpreter.clone(),
        needed: needed.clone(),
        needed_omitted: needed_more,
        static_: is_static,
        search: crate::verify::LibrarySearch {
            rpath: dynamic.rpath.clone(),
            runpath: dynamic.runpath.clone(),
            nodeflib: dynamic.flags_1.is_some_and(|f| f & DF_1_NODEFLIB != 0),
        },
        stripped,
        arm_attributes: match &arm_attrs {
            Some(Ok(a)) => Some(a.named().into_iter().collect::<BTreeMap<_, _>>()),
            _ => None,
        },
        gnu_properties: features.clone(),
        glibc_max: None,
        go: None,
        runtime: None,
    };

    let target = policy.target.as_ref();
    let arch: Option<&Arch> = target.and_then(|t| t.arch());
    let mut checks = vec![
        format_check(Format::Elf, policy),
        crate::verify::kind::elf_check(policy.kind, &elf_type),
    ];

    // Header.
    let found = machine_name(elf.e_machine, class, endian);
    match arch {
        Some(a) => {
            checks.push(Check::judged(
                "elf.class",
                a.class == class,
                class_name(a.class),
                class_name(class),
            ));
            checks.push(Check::judged(
                "elf.data",
                a.endian == endian,
                endian_name(a.endian),
                endian_name(endian),
            ));
            checks.push(
                Check::judged(
                    "elf.machine",
                    a.elf_machine == elf.e_machine,
                    format!("{} (EM {})", a.machine_name, a.elf_machine),
                    format!("{found} (EM {})", elf.e_machine),
                )
                .hint_on_fail(|| {
                    format!(
                        "built for {found}, not {}: running it there gives `exec format error`; \
                         GOARCH was overridden (shell, GOFLAGS, go env -w) or the build ran for another target",
                        a.machine_name
                    )
                }),
            );
        }
        None => {
            checks.push(Check::info("elf.class", class_name(class)));
            checks.push(Check::info("elf.data", endian_name(endian)));
            checks.push(Check::info(
                "elf.machine",
                format!("{found} (EM {})", elf.e_machine),
            ));
        }
    }
    let osabi_rule = target.and_then(|t| target::osabi_of(t.goos()));
    let osabi_actual = format!("{osabi}{}", osabi_label(osabi));
    checks.push(match (target, osabi_rule) {
        (Some(t), Some(rule)) => Check::judged(
            "elf.osabi",
            rule.iter().any(|(v, _)| *v == osabi),
            rule.iter()
                .map(|(v, n)| format!("{v} ({n})"))
                .collect::<Vec<_>>()
                .join(" or "),
            osabi_actual,
        )
        .hint_on_fail(|| {
            format!(
                "the OS/ABI byte does not match {}: GOOS was overridden",
                t.goos()
            )
        }),
        _ => Check::info("elf.osabi", osabi_actual),
    });
    checks.push(flags_check(
        elf.e_flags,
        elf.e_machine,
        arch,
        policy,
        &arm_attrs,
    ));

    // Linkage.
    let link_actual = if is_static {
        "static (no PT_INTERP, no DT_NEEDED)".to_string()
    } else {
        let mut parts = Vec::new();
        match &interpreter {
            Some(i) => parts.push(format!("PT_INTERP {i}")),
            None if has_interp => parts.push("PT_INTERP (path unreadable)".to_string()),
            None => {}
        }
        if !needed.is_empty() {
            parts.push(format!(
                "DT_NEEDED {}{}",
                needed.join(", "),
                and_more(needed_more)
            ));
        }
        format!("dynamic: {}", parts.join("; "))
    };
    checks.push(if policy.require_static {
        Check::judged("link.static", is_static, "static", link_actual).hint_on_fail(|| match &interpreter {
            Some(i) => format!(
                "PT_INTERP {i} present: the build used cgo or an external linker; set cgo = false or CGO_ENABLED=0 \
                 (or allow it with [verify] static = false)"
            ),
            None if has_interp => "a PT_INTERP segment is present (its path cannot be read): \
                                   the artifact is dynamically linked"
                .to_string(),
            None => "DT_NEEDED present without an interpreter: the artifact needs shared libraries; \
                     build with cgo = false"
                .to_string(),
        })
    } else {
        Check::info("link.static", link_actual)
    });
    checks.push(match (&interpreter, arch) {
        (None, _) => Check::info("link.interpreter", "none"),
        (Some(i), Some(a)) => {
            let ok = a.glibc_loaders.contains(&i.as_str()) || a.musl_loaders.contains(&i.as_str());
            let want: Vec<&str> = a
                .glibc_loaders
                .iter()
                .chain(a.musl_loaders)
                .copied()
                .collect();
            Check::judged("link.interpreter", ok, want.join(" or "), i.clone()).hint_on_fail(|| {
                format!(
                    "no {} system has the loader {i}: the binary would fail with `not found`; \
                     a C toolchain for another architecture or libc linked it",
                    a.machine_name
                )
            })
        }
        (Some(i), None) => {
            let family = if i.contains("ld-musl") {
                "musl"
            } else if i.contains("ld-linux") || i.contains("ld64.so") || i.ends_with("/ld.so.1") {
                "glibc"
            } else {
                "unknown libc"
            };
            Check::info("link.interpreter", format!("{i} ({family})"))
        }
    });
    let strip_actual = if stripped {
        "stripped".to_string()
    } else {
        let shown: Vec<&str> = unstripped.iter().map(String::as_str).collect();
        let more = unstripped_total - shown.len();
        format!("has {}{}", shown.join(", "), and_more(more))
    };
    checks.push(stripped_check(
        policy,
        stripped,
        "no .symtab, no .debug_*/.zdebug_*",
        "add -s (symbol table) and -w (DWARF) to ldflags",
        strip_actual,
    ));

    if elf.e_machine == EM_ARM {
        checks.push(arm_attributes_check(
            &arm_attrs,
            target,
            elf.e_flags,
            policy,
        ));
    }
    if elf.e_machine == EM_AARCH64 {
        checks.push(aarch64_check(&props, &aarch64_attrs, &features, policy));
    }

    Ok(Judged {
        verdict: Verdict::new(facts, checks),
        goarch: target::arch_by_elf(elf.e_machine, class, endian).map(|a| a.goarch),
    })
}

fn osabi_label(v: u8) -> &'static str {
    match v {
        0 => " (SYSV)",
        2 => " (NetBSD)",
        3 => " (GNU)",
        6 => " (Solaris)",
        9 => " (FreeBSD)",
        12 => " (OpenBSD)",
        _ => "",
    }
}

fn arm_float(flags: u32) -> &'static str {
    if flags & EF_ARM_ABI_FLOAT_HARD != 0 {
        "hard-float"
    } else if flags & EF_ARM_ABI_FLOAT_SOFT != 0 {
        "soft-float"
    } else {
        "no float ABI recorded"
    }
}

fn flags_check(
    flags: u32,
    machine: u16,
    arch: Option<&Arch>,
    policy: &Policy,
    arm_attrs: &Option<Result<arm_attributes::ArmAttributes, String>>,
) -> Check {
    let actual = if machine == EM_ARM {
        format!(
            "{flags:#x} (EABI{}, {})",
            (flags & EF_ARM_EABIMASK) >> 24,
            arm_float(flags)
        )
    } else {
        format!("{flags:#x}")
    };
    let Some(a) = arch.filter(|a| a.elf_machine == machine) else {
        // No target, or the machine check already failed: report only.
        return Check::info("elf.flags", actual);
    };
    match a.flags {
        FlagsRule::Masked {
            mask,
            value,
            describe,
        } => Check::judged("elf.flags", flags & mask == value, describe, actual)
            .hint_on_fail(|| format!("e_flags do not declare the {} ABI Go targets", a.goarch)),
        FlagsRule::ArmEabi5 => {
            let eabi_ok = flags & EF_ARM_EABIMASK == 0x0500_0000;
            // An absent Tag_ABI_VFP_args records nothing: lld keeps the first input's
            // attribute section (zig's glibc crt1.o has no such tag), while e_flags
            // carry the float ABI it checked across every input.
            let vfp = match arm_attrs {
                Some(Ok(at)) => at.abi_vfp_args(),
                _ => None,
            };
            let hard =
                flags & EF_ARM_ABI_FLOAT_HARD != 0 || vfp == Some(arm_attributes::VFP_ARGS_VFP);
            let soft =
                flags & EF_ARM_ABI_FLOAT_SOFT != 0 || vfp == Some(arm_attributes::VFP_ARGS_BASE);
            // The float ABI asked for: declared, the other one declared, or neither.
            let declared = |this: bool, other: bool| {
                if this {
                    Some(true)
                } else if other {
                    Some(false)
                } else {
                    None
                }
            };
            let (want, float_ok) = match policy.arm_float_abi {
                FloatAbi::Any => ("EABI version 5", Some(true)),
                FloatAbi::Hard => ("EABI version 5, hard-float", declared(hard, soft)),
                FloatAbi::Soft => ("EABI version 5, soft-float", declared(soft, hard)),
            };
            match (eabi_ok, float_ok) {
                (false, _) => Check::judged("elf.flags", false, want, actual)
                    .hint_on_fail(|| "not an EABI version 5 object: an old or foreign toolchain linked it".into()),
                (true, Some(ok)) => Check::judged("elf.flags", ok, want, actual).hint_on_fail(|| {
                    "the float ABI disagrees with arm-float-abi: a hard-float system (armhf) cannot load a \
                     soft-float binary's libraries and vice versa; use the matching C cross compiler"
                        .into()
                }),
                (true, None) => Check::unknown(
                    "elf.flags",
                    want,
                    "neither e_flags nor .ARM.attributes record a float ABI (Go's internal linker writes neither); \
                     set arm-float-abi = \"any\" for pure Go builds",
                ),
            }
        }
    }
}

/// The highest Tag_CPU_arch a GOARM level's hardware runs.
fn max_cpu_arch(goarm: &str) -> Option<u64> {
    match goarm.split(',').next()? {
        "5" => Some(5),  // v5TEJ
        "6" => Some(9),  // v6K
        "7" => Some(10), // v7
        _ => None,
    }
}

fn arm_attributes_check(
    attrs: &Option<Result<arm_attributes::ArmAttributes, String>>,
    target: Option<&target::Target>,
    flags: u32,
    policy: &Policy,
) -> Check {
    const ID: &str = "arm.attributes";
    let at = match attrs {
        None => {
            return Check::info(ID, "absent")
                .note("no .ARM.attributes: Go's internal linker writes none");
        }
        Some(Err(e)) => {
            return Check::unknown(
                ID,
                "a readable .ARM.attributes section",
                format!("malformed .ARM.attributes: {e}"),
            )
        }
        Some(Ok(a)) => a,
    };
    let cpu = at.cpu_arch();
    // Absent, Tag_ABI_VFP_args records no float ABI (see `flags_check`): e_flags decide.
    let vfp = at.abi_vfp_args();
    let actual = format!(
        "Tag_CPU_arch {}, Tag_ABI_VFP_args {}",
        cpu.map_or("absent", arm_attributes::cpu_arch_name),
        vfp.map_or("absent", arm_attributes::vfp_args_name)
    );
    let mut problems = Vec::new();
    let mut expected = Vec::new();
    if let Some((_, goarm)) = target
        .and_then(|t| t.level())
        .filter(|(v, _)| *v == "GOARM")
    {
        if let Some(max) = max_cpu_arch(goarm) {
            expected.push(format!(
                "Tag_CPU_arch <= {} (GOARM={goarm})",
                arm_attributes::cpu_arch_name(max)
            ));
            match cpu {
                Some(c) if c <= max => {}
                Some(c) => problems.push(format!(
                    "code needs {} but GOARM={goarm} promises only {} hardware: it would die with `Illegal instruction`; \
                     compile the C parts for the same level (e.g. -march=armv{goarm})",
                    arm_attributes::cpu_arch_name(c),
                    arm_attributes::cpu_arch_name(max)
                )),
                None => problems.push("Tag_CPU_arch absent: the CPU level cannot be proven".to_string()),
            }
        }
    }
    // The attributes must agree with e_flags, and with the policy.
    let hard_flag = flags & EF_ARM_ABI_FLOAT_HARD != 0;
    let soft_flag = flags & EF_ARM_ABI_FLOAT_SOFT != 0;
    if let Some(v) = vfp.filter(|&v| {
        (hard_flag && v == arm_attributes::VFP_ARGS_BASE)
            || (soft_flag && v == arm_attributes::VFP_ARGS_VFP)
    }) {
        problems.push(format!(
            "Tag_ABI_VFP_args ({}) contradicts e_flags ({})",
            arm_attributes::vfp_args_name(v),
            arm_float(flags)
        ));
    }
    let hard = match vfp {
        Some(v) => v == arm_attributes::VFP_ARGS_VFP || v == arm_attributes::VFP_ARGS_COMPATIBLE,
        None => hard_flag,
    };
    match policy.arm_float_abi {
        FloatAbi::Any => {}
        FloatAbi::Hard => {
            expected.push("Tag_ABI_VFP_args VFP registers".into());
            if !hard {
                problems.push("arm-float-abi = \"hard\" but arguments are passed in core registers (soft-float)".into());
            }
        }
        FloatAbi::Soft => {
            expected.push("Tag_ABI_VFP_args base (soft-float)".into());
            if vfp == Some(arm_attributes::VFP_ARGS_VFP) || (vfp.is_none() && hard_flag) {
                problems.push("arm-float-abi = \"soft\" but arguments are passed in VFP registers (hard-float)".into());
            }
        }
    }
    let expected = if expected.is_empty() {
        "consistent with e_flags".to_string()
    } else {
        expected.join(", ")
    };
    let mut c = Check::judged(ID, problems.is_empty(), expected, actual);
    if !problems.is_empty() {
        c.message = Some(problems.join("; "));
    }
    c
}

fn aarch64_check(
    props: &Option<Result<gnu_property::GnuProperties, String>>,
    attrs: &Option<Result<gnu_property::Aarch64BuildAttributes, String>>,
    features: &[String],
    policy: &Policy,
) -> Check {
    const ID: &str = "aarch64.features";
    for (what, r) in [
        (
            ".note.gnu.property",
            props.as_ref().and_then(|r| r.as_ref().err()),
        ),
        (
            "AArch64 build attributes",
            attrs.as_ref().and_then(|r| r.as_ref().err()),
        ),
    ] {
        if let Some(e) = r {
            if policy.aarch64_bti != BtiPolicy::Any {
                return Check::unknown(
                    ID,
                    format!("a readable {what}"),
                    format!("malformed {what}: {e}"),
                );
            }
            return Check::info(ID, format!("unreadable {what}: {e}"));
        }
    }
    let actual = if features.is_empty() {
        if props.is_none() && attrs.is_none() {
            "no GNU property note".to_string()
        } else {
            "none".to_string()
        }
    } else {
        features.join(", ")
    };
    let bti = features.iter().any(|f| f == "BTI");
    match policy.aarch64_bti {
        BtiPolicy::Any => {
            let c = Check::info(ID, actual);
            if props.is_none() {
                c.note("Go's own linker emits no GNU property note")
            } else {
                c
            }
        }
        BtiPolicy::Require => Check::judged(ID, bti, "BTI", actual).hint_on_fail(|| {
            "not marked BTI-compatible: Go's own linker emits no BTI note; BTI needs every object compiled with \
             -mbranch-protection=standard and an external link (cgo, -linkmode=external)"
                .into()
        }),
        BtiPolicy::Forbid => Check::judged(ID, !bti, "no BTI", actual)
            .hint_on_fail(|| "marked BTI: set aarch64-bti = \"any\" or build without -mbranch-protection".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goarm_levels_map_to_cpu_arch() {
        assert_eq!(max_cpu_arch("7"), Some(10));
        assert_eq!(max_cpu_arch("6,softfloat"), Some(9));
        assert_eq!(max_cpu_arch("9"), None);
    }

    /// What zig 0.17 (lld) writes for an armhf glibc cgo build: lld keeps the first
    /// input's attributes (zig's crt1.o), so Tag_CPU_arch v7 and no Tag_ABI_VFP_args,
    /// while e_flags say hard-float. The missing tag records nothing: e_flags decide.
    #[test]
    fn absent_vfp_args_defer_to_e_flags() {
        let subsub = [0x01, 7, 0, 0, 0, 0x06, 0x0a];
        let mut sec = vec![b'A', 17, 0, 0, 0];
        sec.extend_from_slice(b"aeabi\0");
        sec.extend_from_slice(&subsub);
        let attrs = Some(arm_attributes::parse(&sec, true).map_err(|e| format!("{e:?}")));
        let t = target::Target::parse("linux/arm/v7").unwrap();
        let hard = 0x0500_0400;
        let soft = 0x0500_0200;
        for (case, flags, abi, pass) in [
            ("hard_flags_any", hard, FloatAbi::Any, true),
            ("hard_flags_hard", hard, FloatAbi::Hard, true),
            ("hard_flags_soft", hard, FloatAbi::Soft, false),
            ("soft_flags_hard", soft, FloatAbi::Hard, false),
            ("soft_flags_soft", soft, FloatAbi::Soft, true),
        ] {
            let mut policy = Policy::report_only();
            policy.arm_float_abi = abi;
            let c = arm_attributes_check(&attrs, Some(&t), flags, &policy);
            assert_eq!(
                c.status == crate::verify::Status::Pass,
                pass,
                "case {case}: {c:?}"
            );
            assert!(
                c.actual.contains("Tag_ABI_VFP_args absent"),
                "case {case}: {c:?}"
            );
        }
    }

    #[test]
    fn truncated_headers_are_errors() {
        // A valid ELF64 header prefix cut at each length must be an error, never a panic.
        let mut h = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        h.resize(64, 0);
        for n in 0..h.len() {
            assert!(
                ElfFile::parse(&h[..n])
                    .and_then(|elf| verify(&elf, &Policy::report_only()))
                    .is_err(),
                "cut at {n}"
            );
        }
    }
}
