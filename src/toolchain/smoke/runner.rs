//! Where a smoke run can run on this host: natively, under which qemu-user emulator,
//! and for a dynamically linked artifact from which library root (qemu's `-L`); or why
//! it cannot run here, with what to install.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::target::{Format, Target};
use crate::toolchain::hostenv::HostEnv;
use crate::toolchain::locate::{cross_compiler, qemu_user};
use crate::toolchain::probe::cc_sysroot;

/// How an artifact can be started on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    Native,
    /// Under qemu-user; `root` is its `-L` (where the target's loader and libraries are
    /// found), for dynamically linked artifacts.
    Emulator {
        qemu: PathBuf,
        root: Option<PathBuf>,
    },
}

impl Runner {
    /// `natively`, `under qemu-aarch64-static`, or with a library root
    /// `under qemu-aarch64-static -L /usr/aarch64-linux-gnu`.
    pub fn describe(&self) -> String {
        match self {
            Runner::Native => "natively".to_string(),
            Runner::Emulator { qemu, root } => {
                let name = qemu.file_name().map_or_else(
                    || qemu.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                match root {
                    None => format!("under {name}"),
                    Some(r) => format!("under {name} -L {}", r.display()),
                }
            }
        }
    }
}

/// Why an artifact cannot run on this host (the `run.smoke` check is then skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotRun {
    /// E.g. `qemu-user cannot run PE files: ...`, or `no qemu-riscv64-static or
    /// qemu-riscv64 on PATH (install qemu-user-static)`.
    pub why: String,
    /// What to install or set on this host so it can, when something would.
    pub fix: Option<String>,
}

impl CannotRun {
    fn never(why: String) -> CannotRun {
        CannotRun { why, fix: None }
    }
}

impl std::fmt::Display for CannotRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

/// Finds a way to run `target` on this host: natively, or `qemu-<arch>-static` /
/// `qemu-<arch>` on the host PATH; otherwise why it cannot run here.
pub fn find_runner(target: &Target, host: &HostEnv, cwd: &Path) -> Result<Runner, CannotRun> {
    find_runner_on(crate::target::host(), target, host, cwd)
}

/// [`find_runner`] for a host of the given GOOS/GOARCH (doctor names the host go reports).
pub fn find_runner_on(
    (os, arch): (&str, &str),
    target: &Target,
    host: &HostEnv,
    cwd: &Path,
) -> Result<Runner, CannotRun> {
    if target.goos() == os && target.goarch() == arch {
        return Ok(Runner::Native);
    }
    let elsewhere = format!(
        "{} artifacts do not run on this {os}/{arch} host",
        target.goos()
    );
    match target.format() {
        Format::Pe => {
            return Err(CannotRun::never(format!(
                "qemu-user cannot run PE files: {elsewhere}"
            )))
        }
        Format::Macho => {
            return Err(CannotRun::never(format!(
                "qemu-user cannot run Mach-O files: {elsewhere}"
            )))
        }
        _ if target.goos() != "linux" => {
            return Err(CannotRun::never(format!(
                "qemu-user runs Linux binaries only: {elsewhere}"
            )))
        }
        _ => {}
    }
    if os != "linux" {
        return Err(CannotRun::never(format!(
            "qemu-user runs Linux binaries on Linux hosts only: this {os}/{arch} host cannot \
             run {target}"
        )));
    }
    if target.goarch() == arch {
        return Ok(Runner::Native);
    }
    let Some(qemu) = target.arch().and_then(|a| a.qemu) else {
        return Err(CannotRun::never(format!(
            "no qemu-user emulator exists for {}",
            target.goarch()
        )));
    };
    qemu_user(qemu, host, cwd)
        .map(|qemu| Runner::Emulator { qemu, root: None })
        .map_err(|names| CannotRun {
            why: format!(
                "no {} or {} on PATH (install qemu-user-static)",
                names[0], names[1]
            ),
            fix: Some(
                "install qemu-user-static (Debian/Ubuntu: apt-get install qemu-user-static)".into(),
            ),
        })
}

/// Where qemu finds a target's loader and libraries (its `-L`), and why that directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryRoot {
    pub dir: PathBuf,
    /// `QEMU_LD_PREFIX`, `` `aarch64-linux-gnu-gcc -print-sysroot` ``, or `Debian's
    /// cross root for aarch64-linux-gnu`.
    pub from: String,
}

/// The directory qemu-user should take the target's loader and libraries from: the
/// host's `QEMU_LD_PREFIX` when set, else the sysroot the C compiler (`CC` of the
/// build's environment `env`) prints for `-print-sysroot` when that is an existing
/// directory other than `/` (Debian's cross compilers print `/` or nothing), else
/// Debian's cross root `/usr/<triplet>` when it exists. Otherwise why there is none.
/// Runs the C compiler (with `env`, like go does) when CC is set.
pub fn library_root(
    target: &Target,
    host: &HostEnv,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<LibraryRoot, String> {
    if let Some(prefix) = host.get("QEMU_LD_PREFIX").filter(|p| !p.is_empty()) {
        let dir = cwd.join(prefix);
        return if dir.is_dir() {
            Ok(LibraryRoot {
                dir,
                from: "QEMU_LD_PREFIX".into(),
            })
        } else {
            Err(format!("QEMU_LD_PREFIX={prefix} is not a directory"))
        };
    }
    let mut tried = Vec::new();
    if let Some(cc) = env.get("CC").filter(|c| !c.trim().is_empty()) {
        match cc_sysroot(cc, env, cwd) {
            Ok(Some(dir)) => {
                return Ok(LibraryRoot {
                    dir,
                    from: format!("`{cc} -print-sysroot`"),
                })
            }
            Ok(None) => tried.push(format!("`{cc} -print-sysroot` names no sysroot")),
            Err(e) => tried.push(e),
        }
    }
    match target.gnu_triplet() {
        Some(triplet) => {
            let dir = PathBuf::from("/usr").join(triplet);
            if dir.is_dir() {
                return Ok(LibraryRoot {
                    dir,
                    from: format!("Debian's cross root for {triplet}"),
                });
            }
            tried.push(format!("{} does not exist", dir.display()));
        }
        None => tried.push(format!("no Debian cross root is known for {target}")),
    }
    Err(tried.join("; "))
}

/// How to run this artifact on a host of the given GOOS/GOARCH (`on`: the build's
/// [`crate::target::host`]; doctor names the host go reports): [`find_runner_on`], and
/// for a dynamically linked one (`interpreter` is its PT_INTERP) where its loader is:
/// natively the host's; under qemu in the [`library_root`] (qemu's `-L`), else the
/// host's own root (a multiarch host). Otherwise why it cannot run here, with what to
/// install.
pub fn runner_for(
    on: (&str, &str),
    target: &Target,
    interpreter: Option<&str>,
    host: &HostEnv,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<Runner, CannotRun> {
    let runner = find_runner_on(on, target, host, cwd)?;
    let Some(loader) = interpreter else {
        return Ok(runner);
    };
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    let qemu = match runner {
        Runner::Native if exists(Path::new(loader)) => return Ok(Runner::Native),
        Runner::Native => {
            return Err(CannotRun::never(format!(
                "the artifact is dynamically linked and this host has no {loader}, its loader"
            )))
        }
        Runner::Emulator { qemu, .. } => qemu,
    };
    let root = library_root(target, host, env, cwd);
    if let Ok(r) = &root {
        if exists(&r.dir.join(loader.trim_start_matches('/'))) {
            return Ok(Runner::Emulator {
                qemu,
                root: Some(r.dir.clone()),
            });
        }
    }
    // qemu falls back to the host's own files: a multiarch host may have the loader.
    if exists(Path::new(loader)) {
        return Ok(Runner::Emulator { qemu, root: None });
    }
    let looked = match &root {
        Ok(r) => format!("{} ({}) has none", r.dir.display(), r.from),
        Err(why) => why.clone(),
    };
    let install = match cross_compiler(target) {
        Some((_, pkg)) => format!(
            "install {pkg} (it brings the target's C library{}) or ",
            target
                .gnu_triplet()
                .map_or(String::new(), |t| format!(" under /usr/{t}"))
        ),
        None => String::new(),
    };
    let fix = format!(
        "{install}set QEMU_LD_PREFIX to a directory holding the target's loader and libraries"
    );
    Err(CannotRun {
        why: format!(
            "qemu finds no {loader} for this dynamically linked artifact: {looked}, nor has \
             this host one; {fix}"
        ),
        fix: Some(fix),
    })
}

/// How an artifact runs inside an image's root, where nothing of the host is: natively,
/// through a binfmt_misc entry registered with the `F` flag (the kernel holds its
/// interpreter open, so it works in any root), or under a static qemu-user copied into
/// the run's private directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRunner {
    Native,
    Binfmt { name: String },
    Qemu { path: PathBuf },
}

impl ImageRunner {
    /// `natively`, `through binfmt_misc qemu-aarch64 (F)`, `under qemu-aarch64-static`.
    pub fn describe(&self) -> String {
        match self {
            ImageRunner::Native => "natively".into(),
            ImageRunner::Binfmt { name } => format!("through binfmt_misc {name} (F)"),
            ImageRunner::Qemu { path } => Runner::Emulator {
                qemu: path.clone(),
                root: None,
            }
            .describe(),
        }
    }
}

/// Where the host's binfmt_misc entries are.
pub const BINFMT_MISC: &str = "/proc/sys/fs/binfmt_misc";

/// Finds how `target` runs inside an image root on this host: natively; else a
/// binfmt_misc entry of [`BINFMT_MISC`] for its ELF machine with the `F` flag; else the
/// qemu-user [`find_runner`] finds, when it is statically linked (a dynamic qemu needs the
/// host's libraries, which the image's root does not have). Otherwise why not.
pub fn image_runner(target: &Target, host: &HostEnv, cwd: &Path) -> Result<ImageRunner, CannotRun> {
    image_runner_with(
        find_runner(target, host, cwd)?,
        target,
        Path::new(BINFMT_MISC),
    )
}

fn image_runner_with(
    runner: Runner,
    target: &Target,
    binfmt: &Path,
) -> Result<ImageRunner, CannotRun> {
    let qemu = match runner {
        Runner::Native => return Ok(ImageRunner::Native),
        Runner::Emulator { qemu, .. } => qemu,
    };
    if let Some(name) = target.arch().and_then(|a| binfmt_fixed(binfmt, a)) {
        return Ok(ImageRunner::Binfmt { name });
    }
    let is_static = std::fs::read(&qemu)
        .ok()
        .and_then(|b| {
            goblin::elf::Elf::parse(&b)
                .ok()
                .map(|e| e.interpreter.is_none())
        })
        .unwrap_or(false);
    if is_static {
        return Ok(ImageRunner::Qemu { path: qemu });
    }
    let fix = "install qemu-user-static (its qemu-<arch>-static are statically linked), or \
               register the emulator with binfmt_misc's F flag"
        .to_string();
    Err(CannotRun {
        why: format!(
            "{} is not a statically linked ELF file, so it cannot run inside the image's root \
             (it would need the host's libraries); {fix}",
            qemu.display()
        ),
        fix: Some(fix),
    })
}

/// The name of an enabled binfmt_misc entry in `dir` for `arch`'s ELF files (its magic
/// at offset 0 names the class and machine) registered with the `F` flag.
fn binfmt_fixed(dir: &Path, arch: &crate::target::Arch) -> Option<String> {
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    if status.trim() != "enabled" {
        return None;
    }
    let class = match arch.class {
        crate::target::Class::Elf32 => 1u8,
        crate::target::Class::Elf64 => 2,
    };
    let (lo, hi) = match arch.endian {
        crate::target::Endian::Little => (arch.elf_machine as u8, (arch.elf_machine >> 8) as u8),
        crate::target::Endian::Big => ((arch.elf_machine >> 8) as u8, arch.elf_machine as u8),
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "status" && n != "register")
        .collect();
    names.sort();
    names.into_iter().find(|name| {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            return false;
        };
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
        };
        let magic: Vec<u8> = field("magic ")
            .unwrap_or("")
            .as_bytes()
            .chunks(2)
            .filter_map(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            .collect();
        text.lines().next() == Some("enabled")
            && field("offset ") == Some("0")
            && field("flags:").is_some_and(|f| f.contains('F'))
            && magic.len() >= 20
            && magic[..4] == *b"\x7fELF"
            && magic[4] == class
            && magic[18] == lo
            && magic[19] == hi
    })
}

#[cfg(test)]
mod image_tests {
    use super::*;

    #[test]
    fn binfmt_entries_count_only_with_the_f_flag_and_the_machine() {
        let tmp = tempfile::tempdir().unwrap();
        let (d, arm64) = (tmp.path(), Target::parse("linux/arm64").unwrap());
        let entry = |flags: &str, machine: &str| {
            format!(
                "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: {flags}\n\
                 offset 0\nmagic 7f454c460201010000000000000000000200{machine}\n\
                 mask ffffffffffffff00fffffffffffffffffeffffff\n"
            )
        };
        let found = || binfmt_fixed(d, arm64.arch().unwrap());
        assert_eq!(found(), None, "no status file: not mounted");
        std::fs::write(d.join("status"), "enabled\n").unwrap();
        std::fs::write(d.join("qemu-aarch64"), entry("POC", "b700")).unwrap();
        assert_eq!(
            found(),
            None,
            "without F the interpreter is opened in the root"
        );
        std::fs::write(d.join("qemu-riscv64"), entry("POCF", "f300")).unwrap();
        assert_eq!(found(), None, "another machine");
        std::fs::write(d.join("qemu-aarch64"), entry("POCF", "b700")).unwrap();
        assert_eq!(found().as_deref(), Some("qemu-aarch64"));
        std::fs::write(d.join("status"), "disabled\n").unwrap();
        assert_eq!(found(), None, "binfmt_misc disabled");
    }

    #[test]
    fn only_a_static_qemu_runs_inside_an_image() {
        let dir = tempfile::tempdir().unwrap();
        let arm64 = Target::parse("linux/arm64").unwrap();
        let none = dir.path().join("no-binfmt");
        // Small ELF files stand in for a dynamic and a static qemu-aarch64.
        let bin = |f: &str| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/bin")
                .join(f)
        };
        let with =
            |qemu: PathBuf| image_runner_with(Runner::Emulator { qemu, root: None }, &arm64, &none);
        let e = with(bin("x86_64-dynamic")).unwrap_err();
        assert!(e.why.contains("not a statically linked"), "{e}");
        assert!(with(dir.path().join("missing")).is_err());
        let ok = with(bin("aarch64-static-nolibc")).unwrap();
        assert_eq!(ok.describe(), "under aarch64-static-nolibc");
        assert_eq!(
            image_runner_with(Runner::Native, &arm64, &none),
            Ok(ImageRunner::Native)
        );
    }
}
