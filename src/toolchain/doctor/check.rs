//! One line of doctor's report (its level, text and fix) and what doctor looks at:
//! the types every area of doctor shares, in a leaf file so the areas and the report
//! that gathers them import no one but this.

use std::path::Path;

use serde::Serialize;

use crate::profile::ResolvedProfile;
use crate::toolchain::childenv::GoEnvFile;
use crate::toolchain::hostenv::HostEnv;
use crate::toolchain::locate::Go;

/// The verdict of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One doctor line. Ids are stable: `go`, `go.version`, `go.other` (one per other `go`
/// on PATH), `goroot`, `goenv`, `goenv.KEY`, `env` / `env.NAME`, `host`,
/// `cache.GOCACHE`, `cache.GOMODCACHE`, `cache.program`, `profile`, `profile.go`, `zig`,
/// `cgo.TARGET`, `qemu.TARGET`, and `lock` (the image's registry base in `xbuild-go.lock`,
/// added by the doctor command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: String,
    pub level: Level,
    pub message: String,
    /// What to do about it; `None` on ok lines.
    pub fix: Option<String>,
}

impl Check {
    pub(super) fn ok(id: impl Into<String>, message: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            level: Level::Ok,
            message: message.into(),
            fix: None,
        }
    }
    /// A line of `level` (warn or error) with what to do about it.
    pub(super) fn with_fix(
        level: Level,
        id: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            id: id.into(),
            level,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
}

/// What doctor looks at.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub host: &'a HostEnv,
    pub goenv: &'a GoEnvFile,
    /// The `go` found as builds find it (`--go`, `XBUILD_GO_GO`, PATH), or why none was.
    pub go: Result<&'a Go, String>,
    /// The selected profile, or why it could not be resolved.
    pub profile: Result<&'a ResolvedProfile, String>,
    /// The working directory (after `-C`): relative tool names resolve against it.
    pub work_dir: &'a Path,
    /// zig for cgo builds (`--zig`, XBUILD_GO_ZIG, PATH, the ziglang package).
    pub zig: &'a crate::toolchain::cc::ZigFinder,
}
