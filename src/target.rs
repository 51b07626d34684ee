//! Targets in Docker platform syntax (`GOOS/GOARCH[/VARIANT]`) and the one table of
//! per-architecture facts every other module reads: ELF class and byte order, the
//! ELF machine, the expected `e_flags`, the loaders, and the arch-level variable.

use std::fmt;

/// ELF class (pointer width) of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Elf32,
    Elf64,
}

/// Byte order of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Endian {
    Little,
    Big,
}

/// The executable format an OS uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Elf,
    Macho,
    Pe,
    /// Formats we do not verify (aix XCOFF, plan9 a.out, wasm).
    Other,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Elf => "ELF",
            Format::Macho => "Mach-O",
            Format::Pe => "PE",
            Format::Other => "other",
        }
    }
}

/// What `e_flags` must look like for an architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagsRule {
    /// `(e_flags & mask) == value`, described for humans.
    Masked {
        mask: u32,
        value: u32,
        describe: &'static str,
    },
    /// 32-bit arm: EABI version 5; the float ABI is judged by the profile's policy.
    ArmEabi5,
}

/// The arch-level variable of a GOARCH (GOARM, GOAMD64, ...), its accepted values
/// keyed by Docker variant spelling, and Go's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub var: &'static str,
    /// Go's default when no variant is given; we always set it explicitly.
    pub default: &'static str,
    /// (Docker variant, value of the variable).
    pub values: &'static [(&'static str, &'static str)],
}

/// Facts about one GOARCH. One row per architecture; nothing about an arch lives elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arch {
    pub goarch: &'static str,
    pub class: Class,
    pub endian: Endian,
    /// ELF `e_machine`.
    pub elf_machine: u16,
    /// Human name of the machine, as the summary line prints it.
    pub machine_name: &'static str,
    pub flags: FlagsRule,
    pub level: Option<Level>,
    /// Dynamic loaders of glibc for this arch (`PT_INTERP`).
    pub glibc_loaders: &'static [&'static str],
    /// Dynamic loaders of musl for this arch.
    pub musl_loaders: &'static [&'static str],
    /// Mach-O `cputype`, where darwin/ios support the arch.
    pub macho_cputype: Option<u32>,
    /// PE/COFF `Machine`, where windows supports the arch.
    pub pe_machine: Option<u16>,
    /// Name of the qemu-user emulator (`qemu-<name>`).
    pub qemu: Option<&'static str>,
    /// Debian's GNU triplet for the Linux C cross compiler (`<triplet>-gcc`, package
    /// `gcc-<triplet>`); for arm the hard-float one (GOARM 5 and 6 use `arm-linux-gnueabi`).
    pub gnu_triplet: Option<&'static str>,
}

const ARM_LEVELS: &[(&str, &str)] = &[("v5", "5"), ("v6", "6"), ("v7", "7")];
const AMD64_LEVELS: &[(&str, &str)] = &[("v1", "v1"), ("v2", "v2"), ("v3", "v3"), ("v4", "v4")];
const ARM64_LEVELS: &[(&str, &str)] = &[
    ("v8", "v8.0"),
    ("v8.0", "v8.0"),
    ("v8.1", "v8.1"),
    ("v8.2", "v8.2"),
    ("v8.3", "v8.3"),
    ("v8.4", "v8.4"),
    ("v8.5", "v8.5"),
    ("v8.6", "v8.6"),
    ("v8.7", "v8.7"),
    ("v8.8", "v8.8"),
    ("v8.9", "v8.9"),
    ("v9", "v9.0"),
    ("v9.0", "v9.0"),
    ("v9.1", "v9.1"),
    ("v9.2", "v9.2"),
    ("v9.3", "v9.3"),
    ("v9.4", "v9.4"),
    ("v9.5", "v9.5"),
];
const X386_LEVELS: &[(&str, &str)] = &[("sse2", "sse2"), ("softfloat", "softfloat")];
const MIPS_LEVELS: &[(&str, &str)] = &[("hardfloat", "hardfloat"), ("softfloat", "softfloat")];
const PPC64_LEVELS: &[(&str, &str)] = &[
    ("power8", "power8"),
    ("power9", "power9"),
    ("power10", "power10"),
];
const RISCV64_LEVELS: &[(&str, &str)] = &[
    ("rva20u64", "rva20u64"),
    ("rva22u64", "rva22u64"),
    ("rva23u64", "rva23u64"),
];

const ZERO_FLAGS: FlagsRule = FlagsRule::Masked {
    mask: 0xffff_ffff,
    value: 0,
    describe: "0",
};
/// mips and mipsle: the o32 ABI.
const MIPS_O32_FLAGS: FlagsRule = FlagsRule::Masked {
    mask: 0xf000,
    value: 0x1000,
    describe: "o32 ABI (EF_MIPS_ABI_O32)",
};
/// mips64 and mips64le: the n64 ABI.
const MIPS64_N64_FLAGS: FlagsRule = FlagsRule::Masked {
    mask: 0xf020,
    value: 0,
    describe: "n64 ABI (no o32/n32 bits)",
};

/// The arch-level variables two byte orders of one architecture share.
const GOMIPS: Option<Level> = Some(Level {
    var: "GOMIPS",
    default: "hardfloat",
    values: MIPS_LEVELS,
});
const GOMIPS64: Option<Level> = Some(Level {
    var: "GOMIPS64",
    default: "hardfloat",
    values: MIPS_LEVELS,
});
const GOPPC64: Option<Level> = Some(Level {
    var: "GOPPC64",
    default: "power8",
    values: PPC64_LEVELS,
});

/// ELF machine numbers the checks name (ARM attributes, AArch64 properties); the table
/// below uses them for its `arm` and `arm64` rows.
pub const EM_ARM: u16 = 40;
pub const EM_AARCH64: u16 = 183;

/// The architecture table. Sources: Go's `cmd/link/internal/*/obj.go` (loaders, flags),
/// the psABI of each architecture, and readelf on Go 1.26 output (see tests).
pub const ARCHES: &[Arch] = &[
    Arch {
        goarch: "arm64",
        class: Class::Elf64,
        endian: Endian::Little,
        elf_machine: EM_AARCH64,
        machine_name: "AArch64",
        flags: ZERO_FLAGS,
        level: Some(Level {
            var: "GOARM64",
            default: "v8.0",
            values: ARM64_LEVELS,
        }),
        glibc_loaders: &["/lib/ld-linux-aarch64.so.1"],
        musl_loaders: &["/lib/ld-musl-aarch64.so.1"],
        macho_cputype: Some(0x0100_000c),
        pe_machine: Some(0xaa64),
        gnu_triplet: Some("aarch64-linux-gnu"),
        qemu: Some("aarch64"),
    },
    Arch {
        goarch: "amd64",
        class: Class::Elf64,
        endian: Endian::Little,
        elf_machine: 62,
        machine_name: "x86-64",
        flags: ZERO_FLAGS,
        level: Some(Level {
            var: "GOAMD64",
            default: "v1",
            values: AMD64_LEVELS,
        }),
        glibc_loaders: &["/lib64/ld-linux-x86-64.so.2"],
        musl_loaders: &["/lib/ld-musl-x86_64.so.1"],
        macho_cputype: Some(0x0100_0007),
        pe_machine: Some(0x8664),
        gnu_triplet: Some("x86_64-linux-gnu"),
        qemu: Some("x86_64"),
    },
    Arch {
        goarch: "arm",
        class: Class::Elf32,
        endian: Endian::Little,
        elf_machine: EM_ARM,
        machine_name: "ARM",
        flags: FlagsRule::ArmEabi5,
        level: Some(Level {
            var: "GOARM",
            default: "7",
            values: ARM_LEVELS,
        }),
        // Go's internal linker writes /lib/ld-linux.so.3 (EABI); gcc for armhf writes the armhf one.
        glibc_loaders: &["/lib/ld-linux-armhf.so.3", "/lib/ld-linux.so.3"],
        musl_loaders: &["/lib/ld-musl-armhf.so.1", "/lib/ld-musl-arm.so.1"],
        macho_cputype: None,
        pe_machine: Some(0x01c4),
        gnu_triplet: Some("arm-linux-gnueabihf"),
        qemu: Some("arm"),
    },
    Arch {
        goarch: "386",
        class: Class::Elf32,
        endian: Endian::Little,
        elf_machine: 3,
        machine_name: "Intel 80386",
        flags: ZERO_FLAGS,
        level: Some(Level {
            var: "GO386",
            default: "sse2",
            values: X386_LEVELS,
        }),
        glibc_loaders: &["/lib/ld-linux.so.2"],
        musl_loaders: &["/lib/ld-musl-i386.so.1"],
        macho_cputype: Some(7),
        pe_machine: Some(0x014c),
        gnu_triplet: Some("i686-linux-gnu"),
        qemu: Some("i386"),
    },
    Arch {
        goarch: "riscv64",
        class: Class::Elf64,
        endian: Endian::Little,
        elf_machine: 243,
        machine_name: "RISC-V",
        flags: FlagsRule::Masked {
            mask: 0x6,
            value: 0x4,
            describe: "double-float ABI (EF_RISCV_FLOAT_ABI_DOUBLE)",
        },
        level: Some(Level {
            var: "GORISCV64",
            default: "rva20u64",
            values: RISCV64_LEVELS,
        }),
        glibc_loaders: &["/lib/ld-linux-riscv64-lp64d.so.1"],
        musl_loaders: &["/lib/ld-musl-riscv64.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("riscv64-linux-gnu"),
        qemu: Some("riscv64"),
    },
    Arch {
        goarch: "ppc64le",
        class: Class::Elf64,
        endian: Endian::Little,
        elf_machine: 21,
        machine_name: "PowerPC64",
        flags: FlagsRule::Masked {
            mask: 0x3,
            value: 0x2,
            describe: "ELFv2 ABI",
        },
        level: GOPPC64,
        glibc_loaders: &["/lib64/ld64.so.2"],
        musl_loaders: &["/lib/ld-musl-powerpc64le.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("powerpc64le-linux-gnu"),
        qemu: Some("ppc64le"),
    },
    Arch {
        goarch: "ppc64",
        class: Class::Elf64,
        endian: Endian::Big,
        elf_machine: 21,
        machine_name: "PowerPC64",
        flags: FlagsRule::Masked {
            mask: 0x3,
            value: 0x1,
            describe: "ELFv1 ABI",
        },
        level: GOPPC64,
        glibc_loaders: &["/lib64/ld64.so.1"],
        musl_loaders: &["/lib/ld-musl-powerpc64.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("powerpc64-linux-gnu"),
        qemu: Some("ppc64"),
    },
    Arch {
        goarch: "s390x",
        class: Class::Elf64,
        endian: Endian::Big,
        elf_machine: 22,
        machine_name: "IBM S/390",
        // Go sets EF_S390_HIGH_GPRS (0x1); nothing else is defined.
        flags: FlagsRule::Masked {
            mask: 0xffff_fffe,
            value: 0,
            describe: "0 or EF_S390_HIGH_GPRS",
        },
        level: None,
        glibc_loaders: &["/lib/ld64.so.1"],
        musl_loaders: &["/lib/ld-musl-s390x.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("s390x-linux-gnu"),
        qemu: Some("s390x"),
    },
    Arch {
        goarch: "mips",
        class: Class::Elf32,
        endian: Endian::Big,
        elf_machine: 8,
        machine_name: "MIPS",
        flags: MIPS_O32_FLAGS,
        level: GOMIPS,
        glibc_loaders: &["/lib/ld.so.1"],
        musl_loaders: &["/lib/ld-musl-mips.so.1", "/lib/ld-musl-mips-sf.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("mips-linux-gnu"),
        qemu: Some("mips"),
    },
    Arch {
        goarch: "mipsle",
        class: Class::Elf32,
        endian: Endian::Little,
        elf_machine: 8,
        machine_name: "MIPS",
        flags: MIPS_O32_FLAGS,
        level: GOMIPS,
        glibc_loaders: &["/lib/ld.so.1"],
        musl_loaders: &["/lib/ld-musl-mipsel.so.1", "/lib/ld-musl-mipsel-sf.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("mipsel-linux-gnu"),
        qemu: Some("mipsel"),
    },
    Arch {
        goarch: "mips64",
        class: Class::Elf64,
        endian: Endian::Big,
        elf_machine: 8,
        machine_name: "MIPS64",
        flags: MIPS64_N64_FLAGS,
        level: GOMIPS64,
        glibc_loaders: &["/lib64/ld.so.1"],
        musl_loaders: &["/lib/ld-musl-mips64.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("mips64-linux-gnuabi64"),
        qemu: Some("mips64"),
    },
    Arch {
        goarch: "mips64le",
        class: Class::Elf64,
        endian: Endian::Little,
        elf_machine: 8,
        machine_name: "MIPS64",
        flags: MIPS64_N64_FLAGS,
        level: GOMIPS64,
        glibc_loaders: &["/lib64/ld.so.1"],
        musl_loaders: &["/lib/ld-musl-mips64el.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("mips64el-linux-gnuabi64"),
        qemu: Some("mips64el"),
    },
    Arch {
        goarch: "loong64",
        class: Class::Elf64,
        endian: Endian::Little,
        elf_machine: 258,
        machine_name: "LoongArch",
        flags: FlagsRule::Masked {
            mask: 0x7,
            value: 0x3,
            describe: "double-float ABI (EF_LOONGARCH_ABI_DOUBLE_FLOAT)",
        },
        level: None,
        glibc_loaders: &["/lib64/ld-linux-loongarch-lp64d.so.1"],
        musl_loaders: &["/lib/ld-musl-loongarch64.so.1"],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: Some("loongarch64-linux-gnu"),
        qemu: Some("loongarch64"),
    },
    Arch {
        goarch: "wasm",
        class: Class::Elf32,
        endian: Endian::Little,
        elf_machine: 0,
        machine_name: "WebAssembly",
        flags: ZERO_FLAGS,
        level: None,
        glibc_loaders: &[],
        musl_loaders: &[],
        macho_cputype: None,
        pe_machine: None,
        gnu_triplet: None,
        qemu: None,
    },
];

/// GOOS/GOARCH pairs `go tool dist list` prints (Go 1.26), with each OS's executable
/// format and the ELF OS/ABI values it may carry.
pub const PAIRS: &[(&str, &str)] = &[
    ("aix", "ppc64"),
    ("android", "386"),
    ("android", "amd64"),
    ("android", "arm"),
    ("android", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("dragonfly", "amd64"),
    ("freebsd", "386"),
    ("freebsd", "amd64"),
    ("freebsd", "arm"),
    ("freebsd", "arm64"),
    ("illumos", "amd64"),
    ("ios", "amd64"),
    ("ios", "arm64"),
    ("js", "wasm"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "loong64"),
    ("linux", "mips"),
    ("linux", "mips64"),
    ("linux", "mips64le"),
    ("linux", "mipsle"),
    ("linux", "ppc64"),
    ("linux", "ppc64le"),
    ("linux", "riscv64"),
    ("linux", "s390x"),
    ("netbsd", "386"),
    ("netbsd", "amd64"),
    ("netbsd", "arm"),
    ("netbsd", "arm64"),
    ("openbsd", "386"),
    ("openbsd", "amd64"),
    ("openbsd", "arm"),
    ("openbsd", "arm64"),
    ("openbsd", "ppc64"),
    ("openbsd", "riscv64"),
    ("plan9", "386"),
    ("plan9", "amd64"),
    ("plan9", "arm"),
    ("solaris", "amd64"),
    ("wasip1", "wasm"),
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
];

/// The executable format of a GOOS.
pub fn format_of(goos: &str) -> Format {
    match goos {
        "darwin" | "ios" => Format::Macho,
        "windows" => Format::Pe,
        "aix" | "plan9" | "js" | "wasip1" => Format::Other,
        _ => Format::Elf,
    }
}

/// ELF OS/ABI values a GOOS may carry (`EI_OSABI`), or `None` when we hold no rule.
pub fn osabi_of(goos: &str) -> Option<&'static [(u8, &'static str)]> {
    Some(match goos {
        "linux" | "android" => &[(0, "SYSV"), (3, "GNU")],
        "freebsd" => &[(9, "FreeBSD")],
        "netbsd" => &[(2, "NetBSD")],
        "openbsd" => &[(12, "OpenBSD")],
        "dragonfly" | "illumos" | "solaris" => &[(0, "SYSV")],
        _ => return None,
    })
}

/// The GOOS/GOARCH of the machine this process runs on (Rust's names in Go's spelling).
pub fn host() -> (&'static str, &'static str) {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        "mips64" if cfg!(target_endian = "little") => "mips64le",
        "mips" if cfg!(target_endian = "little") => "mipsle",
        other => other,
    };
    (std::env::consts::OS, arch)
}

/// Looks up an architecture's facts.
pub fn arch(goarch: &str) -> Option<&'static Arch> {
    ARCHES.iter().find(|a| a.goarch == goarch)
}

/// Looks up an architecture by ELF machine and byte order (for `verify` without a target).
pub fn arch_by_elf(machine: u16, class: Class, endian: Endian) -> Option<&'static Arch> {
    ARCHES.iter().find(|a| {
        a.elf_machine == machine && a.class == class && a.endian == endian && a.goarch != "wasm"
    })
}

/// A valid build target: a known GOOS/GOARCH pair plus the arch-level value.
/// Only [`Target::parse`] makes one, so holding a `Target` means it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    goos: &'static str,
    goarch: &'static str,
    /// The Docker variant as written (`v7`), if any.
    variant: Option<String>,
    /// The arch-level variable and its value, explicit even without a variant.
    level: Option<(&'static str, String)>,
}

impl Target {
    /// Parses `GOOS/GOARCH[/VARIANT]`. Errors suggest the closest valid spellings.
    pub fn parse(s: &str) -> Result<Target, String> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('/').collect();
        if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            // A stray slash (`linux/amd64/`, `linux//arm64`): the target without it.
            let joined = parts
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("/");
            // Parsed only when a slash was dropped, so this never recurses on itself.
            let fixed = (joined != s).then(|| Target::parse(&joined).ok()).flatten();
            let suggestion = match fixed {
                Some(t) => format!("; did you mean `{t}`?"),
                None => suggest_pairs(s),
            };
            return Err(format!(
                "invalid target `{s}`: expected GOOS/GOARCH[/VARIANT], e.g. linux/arm64 or linux/arm/v7{suggestion}"
            ));
        }
        let (os, ar) = (parts[0].to_ascii_lowercase(), parts[1].to_ascii_lowercase());
        let Some(&(goos, goarch)) = PAIRS.iter().find(|(o, a)| *o == os && *a == ar) else {
            return Err(format!(
                "unknown target `{os}/{ar}`: Go does not support that GOOS/GOARCH pair{}",
                suggest_pairs(s)
            ));
        };
        let facts = arch(goarch);
        let level_def = facts.and_then(|a| a.level);
        let variant = parts.get(2).map(|v| v.to_ascii_lowercase());
        let level = match (&variant, level_def) {
            (None, Some(l)) => Some((l.var, l.default.to_string())),
            (None, None) => None,
            (Some(v), Some(l)) => match l.values.iter().find(|(d, _)| d == v) {
                Some((_, value)) => Some((l.var, value.to_string())),
                None => {
                    let valid: Vec<&str> = l.values.iter().map(|(d, _)| *d).collect();
                    return Err(format!(
                        "unknown variant `{v}` for {goarch} (sets {}): valid variants are {}",
                        l.var,
                        valid.join(", ")
                    ));
                }
            },
            (Some(v), None) => {
                return Err(format!(
                    "target `{goos}/{goarch}` takes no variant, but `{v}` was given"
                ))
            }
        };
        Ok(Target {
            goos,
            goarch,
            variant,
            level,
        })
    }

    pub fn goos(&self) -> &'static str {
        self.goos
    }
    pub fn goarch(&self) -> &'static str {
        self.goarch
    }
    /// The Docker variant as given (`v7`), without the slash.
    pub fn variant(&self) -> Option<&str> {
        self.variant.as_deref()
    }
    /// The arch-level variable and its value (`GOARM`, `7`), if the arch has one.
    pub fn level(&self) -> Option<(&'static str, &str)> {
        self.level.as_ref().map(|(k, v)| (*k, v.as_str()))
    }
    /// The architecture's facts, when the table knows it.
    pub fn arch(&self) -> Option<&'static Arch> {
        arch(self.goarch)
    }
    /// Debian's GNU triplet of a linux target: the C cross compiler is `<triplet>-gcc`
    /// and the target's libraries live under `/usr/<triplet>`. The arch's, but
    /// `arm-linux-gnueabi` (soft-float) for GOARM 5 and 6.
    pub fn gnu_triplet(&self) -> Option<&'static str> {
        if self.goos != "linux" {
            return None;
        }
        if self.goarch == "arm" && matches!(self.level(), Some((_, "5" | "6"))) {
            return Some("arm-linux-gnueabi");
        }
        self.arch()?.gnu_triplet
    }
    pub fn format(&self) -> Format {
        format_of(self.goos)
    }
    /// goreleaser's name of the target (its `{{ .Target }}` and dist directory suffix):
    /// `os_arch`, then `_level` where the arch has one (`linux_amd64_v1`, `linux_arm_6`,
    /// `linux_s390x`).
    pub fn goreleaser_name(&self) -> String {
        match self.level() {
            Some((_, l)) => format!("{}_{}_{l}", self.goos, self.goarch),
            None => format!("{}_{}", self.goos, self.goarch),
        }
    }
    /// The target's value of an artifact placeholder (`os`, `arch`, `variant`, `level`,
    /// `target`, `exe`); `None` for any other name.
    pub fn placeholder(&self, n: &str) -> Option<String> {
        Some(match n {
            "os" => self.goos.to_string(),
            "arch" => self.goarch.to_string(),
            "variant" => self.variant().unwrap_or("").to_string(),
            "level" => self.level().map_or("", |(_, l)| l).to_string(),
            "target" => self.goreleaser_name(),
            "exe" => self.exe_suffix().to_string(),
            _ => return None,
        })
    }
    /// `.exe` for windows, empty elsewhere.
    pub fn exe_suffix(&self) -> &'static str {
        if self.goos == "windows" {
            ".exe"
        } else {
            ""
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_platform(f, self.goos, self.goarch, self.variant())
    }
}

/// Writes Docker platform syntax, `OS/ARCH[/VARIANT]`: how a target and an image
/// platform print.
pub fn write_platform(
    f: &mut fmt::Formatter<'_>,
    os: &str,
    arch: &str,
    variant: Option<&str>,
) -> fmt::Result {
    write!(f, "{os}/{arch}")?;
    if let Some(v) = variant {
        write!(f, "/{v}")?;
    }
    Ok(())
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

/// What people type for an OS, and Go's name for it.
const OS_ALIASES: &[(&str, &str)] = &[
    ("macos", "darwin"),
    ("osx", "darwin"),
    ("mac", "darwin"),
    ("macosx", "darwin"),
    ("win", "windows"),
    ("win32", "windows"),
    ("win64", "windows"),
];

/// What people type for an architecture (uname, Debian, Docker, vendor names), and the
/// target it means, variant included.
const ARCH_ALIASES: &[(&str, &str)] = &[
    ("x86_64", "amd64"),
    ("x86-64", "amd64"),
    ("x64", "amd64"),
    ("aarch64", "arm64"),
    ("arm64v8", "arm64"),
    ("armv8", "arm64"),
    ("armv7", "arm/v7"),
    ("armv7l", "arm/v7"),
    ("armhf", "arm/v7"),
    ("arm32v7", "arm/v7"),
    ("armv6", "arm/v6"),
    ("armv6l", "arm/v6"),
    ("armel", "arm/v5"),
    ("armv5", "arm/v5"),
    ("i386", "386"),
    ("i486", "386"),
    ("i586", "386"),
    ("i686", "386"),
    ("x86", "386"),
    ("ppc64el", "ppc64le"),
    ("powerpc64le", "ppc64le"),
    ("powerpc64", "ppc64"),
    ("riscv", "riscv64"),
    ("loongarch64", "loong64"),
    ("mipsel", "mipsle"),
];

/// The target a common spelling means (`linux/aarch64` → `linux/arm64`), if valid.
fn alias(given: &str) -> Option<String> {
    let mut parts = given.splitn(3, '/');
    let (os, ar) = (parts.next()?, parts.next()?);
    let rest = parts.next();
    let os = OS_ALIASES
        .iter()
        .find(|(a, _)| *a == os)
        .map_or(os, |(_, o)| *o);
    let ar = ARCH_ALIASES
        .iter()
        .find(|(a, _)| *a == ar)
        .map_or(ar, |(_, t)| *t);
    let cand = match rest {
        // An explicit variant wins over the one an alias implies.
        Some(v) => format!("{os}/{}/{v}", ar.split('/').next().unwrap_or(ar)),
        None => format!("{os}/{ar}"),
    };
    (cand != given && Target::parse(&cand).is_ok()).then_some(cand)
}

fn suggest_pairs(given: &str) -> String {
    let given = given.to_ascii_lowercase();
    if let Some(meant) = alias(&given) {
        return format!("; did you mean `{meant}`?");
    }
    let given: String = given.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
    let mut scored: Vec<(usize, String)> = PAIRS
        .iter()
        .map(|(o, a)| {
            let cand = format!("{o}/{a}");
            (crate::suggest::distance(&given, &cand), cand)
        })
        .collect();
    scored.sort();
    let best: Vec<String> = scored
        .iter()
        .take_while(|(d, _)| *d <= 3)
        .take(3)
        .map(|(_, c)| format!("`{c}`"))
        .collect();
    if best.is_empty() {
        "; run `cargo xbuild-go targets` for the list".to_string()
    } else {
        format!("; did you mean {}?", best.join(" or "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        // (input, what it parses to: "GOOS GOARCH [VAR=value]", or None when refused)
        let cases: &[(&str, Option<&str>)] = &[
            ("linux/arm64", Some("linux arm64 GOARM64=v8.0")),
            ("linux/arm64/v8.2", Some("linux arm64 GOARM64=v8.2")),
            ("linux/arm64/v8", Some("linux arm64 GOARM64=v8.0")),
            ("linux/arm/v7", Some("linux arm GOARM=7")),
            ("linux/arm/v6", Some("linux arm GOARM=6")),
            ("linux/arm", Some("linux arm GOARM=7")),
            ("linux/amd64/v3", Some("linux amd64 GOAMD64=v3")),
            ("linux/amd64", Some("linux amd64 GOAMD64=v1")),
            ("linux/s390x", Some("linux s390x")),
            ("windows/amd64", Some("windows amd64 GOAMD64=v1")),
            ("darwin/arm64", Some("darwin arm64 GOARM64=v8.0")),
            ("Linux/ARM64", Some("linux arm64 GOARM64=v8.0")),
            ("linux/aarch64", None),
            ("linux/arm/v9", None),
            ("linux/s390x/v1", None),
            ("linux", None),
            ("linux/arm64/v8/x", None),
            ("/arm64", None),
            ("darwin/arm", None),
        ];
        for (input, want) in cases {
            let got = Target::parse(input).map(|t| match t.level() {
                Some((var, value)) => format!("{} {} {var}={value}", t.goos(), t.goarch()),
                None => format!("{} {}", t.goos(), t.goarch()),
            });
            match (want, got) {
                (Some(want), Ok(got)) => assert_eq!(&got, want, "case {input}"),
                (None, Err(_)) => {}
                (want, got) => panic!("case {input}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn common_spellings_suggest_what_they_mean() {
        let cases = [
            ("linux/armv7", "linux/arm/v7"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/x86_64", "linux/amd64"),
            ("linux/x64", "linux/amd64"),
            ("linux/aarch64", "linux/arm64"),
            ("macos/arm64", "darwin/arm64"),
            ("osx/amd64", "darwin/amd64"),
            ("macos/aarch64", "darwin/arm64"),
            ("linux/i386", "linux/386"),
            ("linux/i686", "linux/386"),
            ("Linux/AARCH64", "linux/arm64"),
            ("linux/armv7/v6", "linux/arm/v6"),
            ("linux/amd64/", "linux/amd64"),
            ("linux//arm64", "linux/arm64"),
            ("/linux/arm/v7", "linux/arm/v7"),
        ];
        for (typed, meant) in cases {
            let err = Target::parse(typed).unwrap_err();
            assert!(
                err.ends_with(&format!("did you mean `{meant}`?")),
                "{typed}: {err}"
            );
        }
    }

    #[test]
    fn unknown_pair_suggests_closest() {
        let err = Target::parse("linux/arm46").unwrap_err();
        assert!(err.contains("did you mean `linux/arm64`"), "{err}");
        let err = Target::parse("linx/amd64").unwrap_err();
        assert!(err.contains("`linux/amd64`"), "{err}");
    }

    #[test]
    fn every_pair_has_arch_facts_and_every_level_default_is_a_listed_value() {
        for (os, ar) in PAIRS {
            let a = arch(ar).unwrap_or_else(|| panic!("no arch row for {os}/{ar}"));
            if let Some(l) = a.level {
                assert!(
                    l.values.iter().any(|(_, v)| *v == l.default),
                    "{ar}: default {} not among values",
                    l.default
                );
            }
            assert!(Target::parse(&format!("{os}/{ar}")).is_ok(), "{os}/{ar}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["linux/arm/v7", "linux/arm64", "linux/amd64/v3"] {
            assert_eq!(Target::parse(s).unwrap().to_string(), s);
        }
    }
}
