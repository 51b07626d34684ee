//! Finding `go`: `--go`, else `XBUILD_GO_GO`, else the host `PATH`; its GOROOT and
//! version read from files, so the build path runs no extra `go` command.

use std::path::{Path, PathBuf};

use crate::error::{failure, Exit};
use crate::profile::GoVersion;

use super::HostEnv;

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
                return Err(failure(
                    Exit::Toolchain,
                    format!("`go` was not found on PATH: {INSTALL_HINT}"),
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
        failure(
            Exit::Toolchain,
            format!(
                "{via} names `{}`, which does not exist: {INSTALL_HINT}",
                p.display()
            ),
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

/// Asks `go env GOVERSION` (used only when no VERSION file sits beside the binary).
pub fn query_version(
    go: &Go,
    env: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<GoVersion> {
    let out = super::go_output(go, &["env", "GOVERSION"], env)?;
    let text = String::from_utf8_lossy(&out);
    GoVersion::parse(text.trim()).map_err(|e| {
        failure(
            Exit::Toolchain,
            format!(
                "`{} env GOVERSION` printed no version: {e}",
                go.path.display()
            ),
        )
    })
}

impl Go {
    /// The version as a comparable value, if known.
    pub fn parsed_version(&self) -> Option<GoVersion> {
        self.version
            .as_deref()
            .and_then(|v| GoVersion::parse(v).ok())
    }
}
