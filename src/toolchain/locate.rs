//! Finding `go`: `--go`, else `XBUILD_GO_GO`, else the host `PATH`; its GOROOT and
//! version read from files, so the build path runs no extra `go` command. Also finding
//! the other tools: every `go` on PATH, a tool named as `CC` names it, and the Debian
//! cross compiler of a target. The bottom of `toolchain` with [`super::probe`].

use std::path::{Path, PathBuf};

use crate::error::{helped, Exit};
use crate::profile::GoVersion;
use crate::target::Target;

use super::hostenv::HostEnv;

/// The variable that points the tool at another `go`.
pub const GO_VAR: &str = "XBUILD_GO_GO";

/// How the `go` binary was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoFrom {
    Flag,
    Variable,
    Path,
}

/// A located Go toolchain.
#[derive(Debug, Clone)]
pub struct Go {
    /// The binary to run.
    pub path: PathBuf,
    pub from: GoFrom,
    /// The toolchain's own root (the parent of `bin/go`), when it has a `VERSION` file.
    pub goroot: Option<PathBuf>,
    /// The version from `$GOROOT/VERSION`, e.g. `go1.26.8`.
    pub version: Option<String>,
}

const INSTALL_HINT: &str = "install Go from https://go.dev/dl/ (or your package manager), \
     make sure `go` is on PATH, or point --go / XBUILD_GO_GO at the binary";

/// Locates `go` as described above. Missing is exit 4.
pub fn locate(flag: Option<&Path>, host: &HostEnv, cwd: &Path) -> anyhow::Result<Go> {
    let (path, from) = if let Some(p) = flag {
        (resolve_named(p, host, cwd, "--go")?, GoFrom::Flag)
    } else if let Some(p) = host.get(GO_VAR).filter(|v| !v.is_empty()) {
        (
            resolve_named(Path::new(p), host, cwd, GO_VAR)?,
            GoFrom::Variable,
        )
    } else {
        let path_var = host.get("PATH").cloned().unwrap_or_default();
        match which::which_in("go", Some(path_var), cwd) {
            Ok(p) => (p, GoFrom::Path),
            Err(_) => {
                return Err(helped(
                    Exit::Toolchain,
                    "`go` was not found on PATH",
                    INSTALL_HINT,
                ))
            }
        }
    };
    let (goroot, version) = read_root(&path);
    Ok(Go {
        path,
        from,
        goroot,
        version,
    })
}

fn resolve_named(p: &Path, host: &HostEnv, cwd: &Path, via: &str) -> anyhow::Result<PathBuf> {
    let found = if p.components().count() > 1 || p.is_absolute() {
        let abs = cwd.join(p);
        abs.is_file().then_some(abs)
    } else {
        let path_var = host.get("PATH").cloned().unwrap_or_default();
        which::which_in(p, Some(path_var), cwd).ok()
    };
    found.ok_or_else(|| {
        helped(
            Exit::Toolchain,
            format!("{via} names `{}`, which does not exist", p.display()),
            INSTALL_HINT,
        )
    })
}

/// `$GOROOT/VERSION` next to `bin/go` (following symlinks such as /usr/bin/go).
fn read_root(go: &Path) -> (Option<PathBuf>, Option<String>) {
    let real = std::fs::canonicalize(go).unwrap_or_else(|_| go.to_path_buf());
    let Some(root) = real.parent().and_then(Path::parent) else {
        return (None, None);
    };
    match std::fs::read_to_string(root.join("VERSION")) {
        Ok(text) => {
            let first = text.lines().next().unwrap_or("").trim().to_string();
            let version = first.starts_with("go").then_some(first);
            (Some(root.to_path_buf()), version)
        }
        Err(_) => (None, None),
    }
}

impl Go {
    /// The version as a comparable value, if known.
    pub fn parsed_version(&self) -> Option<GoVersion> {
        self.version
            .as_deref()
            .and_then(|v| GoVersion::parse(v).ok())
    }
}

/// Every `name` on `path_var`, in PATH order, one per real file (`/bin/go` and
/// `/usr/bin/go` on a merged-/usr system are one).
pub fn all_on_path(name: &str, path_var: Option<&str>, cwd: &Path) -> Vec<PathBuf> {
    let Some(path_var) = path_var.filter(|p| !p.is_empty()) else {
        return Vec::new();
    };
    let Ok(found) = which::which_in_all(name, Some(path_var), cwd) else {
        return Vec::new();
    };
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for p in found {
        let real = canonical(&p);
        if !seen.contains(&real) {
            seen.push(real);
            out.push(p);
        }
    }
    out
}

/// A tool named as `CC` names it: a path when it has a slash, else looked up on PATH.
pub fn find_tool(name: &str, path_var: Option<&str>, cwd: &Path) -> Option<PathBuf> {
    if name.contains('/') {
        let p = cwd.join(name);
        return p.is_file().then_some(p);
    }
    which::which_in(name, path_var.filter(|p| !p.is_empty()), cwd).ok()
}

/// `p` with symlinks resolved, or `p` itself when it cannot be.
pub fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The Debian/Ubuntu GNU C cross compiler for a target: (command, package).
pub fn cross_compiler(target: &Target) -> Option<(String, String)> {
    let gnu = |triplet: &str| {
        Some((
            format!("{triplet}-gcc"),
            format!("gcc-{}", triplet.replace('_', "-")),
        ))
    };
    match (target.goos(), target.goarch()) {
        ("linux", _) => gnu(target.gnu_triplet()?),
        ("windows", "amd64") => Some((
            "x86_64-w64-mingw32-gcc".into(),
            "gcc-mingw-w64-x86-64".into(),
        )),
        ("windows", "386") => Some(("i686-w64-mingw32-gcc".into(), "gcc-mingw-w64-i686".into())),
        _ => None,
    }
}

/// The C compiler go runs by default for a GOOS (`cmd/go`'s DefaultCC).
pub fn default_cc(goos: &str) -> &'static str {
    match goos {
        "darwin" | "ios" | "freebsd" | "openbsd" => "clang",
        _ => "gcc",
    }
}

/// The qemu-user emulator named `qemu` (e.g. `aarch64`) on the host PATH:
/// `qemu-NAME-static`, else `qemu-NAME`; else the two names looked for.
pub fn qemu_user(qemu: &str, host: &HostEnv, cwd: &Path) -> Result<PathBuf, [String; 2]> {
    let path = host.get("PATH").cloned().unwrap_or_default();
    let names = [format!("qemu-{qemu}-static"), format!("qemu-{qemu}")];
    names
        .iter()
        .find_map(|name| which::which_in(name, Some(&path), cwd).ok())
        .ok_or(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_compilers_follow_debian_names() {
        for (target, cmd, pkg) in [
            (
                "linux/arm64",
                "aarch64-linux-gnu-gcc",
                "gcc-aarch64-linux-gnu",
            ),
            (
                "linux/arm/v7",
                "arm-linux-gnueabihf-gcc",
                "gcc-arm-linux-gnueabihf",
            ),
            (
                "linux/arm",
                "arm-linux-gnueabihf-gcc",
                "gcc-arm-linux-gnueabihf",
            ),
            (
                "linux/arm/v6",
                "arm-linux-gnueabi-gcc",
                "gcc-arm-linux-gnueabi",
            ),
            (
                "linux/arm/v5",
                "arm-linux-gnueabi-gcc",
                "gcc-arm-linux-gnueabi",
            ),
            (
                "linux/amd64",
                "x86_64-linux-gnu-gcc",
                "gcc-x86-64-linux-gnu",
            ),
            ("linux/386", "i686-linux-gnu-gcc", "gcc-i686-linux-gnu"),
            (
                "linux/riscv64",
                "riscv64-linux-gnu-gcc",
                "gcc-riscv64-linux-gnu",
            ),
            (
                "linux/ppc64le",
                "powerpc64le-linux-gnu-gcc",
                "gcc-powerpc64le-linux-gnu",
            ),
            ("linux/s390x", "s390x-linux-gnu-gcc", "gcc-s390x-linux-gnu"),
            (
                "linux/mips64le",
                "mips64el-linux-gnuabi64-gcc",
                "gcc-mips64el-linux-gnuabi64",
            ),
            (
                "windows/amd64",
                "x86_64-w64-mingw32-gcc",
                "gcc-mingw-w64-x86-64",
            ),
        ] {
            let t = Target::parse(target).unwrap();
            assert_eq!(
                cross_compiler(&t),
                Some((cmd.to_string(), pkg.to_string())),
                "{target}"
            );
        }
        assert_eq!(
            cross_compiler(&Target::parse("darwin/arm64").unwrap()),
            None
        );
    }
}
