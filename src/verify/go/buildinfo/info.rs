//! The build info of a Go binary as values: its modules and build settings, and the text
//! `go version -m` prints of them.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use super::quote::{key_needs_quotes, quote, value_needs_quotes};

/// A module of a Go build (`runtime/debug.Module`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Module {
    /// Module path, e.g. `golang.org/x/sys`.
    pub path: String,
    /// Module version, e.g. `v0.21.0`, or `(devel)` for the main module.
    pub version: String,
    /// `go.sum` checksum (`h1:...`), empty when unknown (main module, replaced modules).
    pub sum: String,
    /// The module that replaced this one (a `=>` line), if any.
    pub replace: Option<Box<Module>>,
}

/// What `go version -m` prints about a binary (`runtime/debug.BuildInfo` plus the Go version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildInfo {
    /// The toolchain that built the binary, e.g. `go1.26.8`.
    pub go_version: String,
    /// Import path of the main package; empty when absent.
    pub path: String,
    /// The module of the main package (`mod` line); `None` for the standard library's commands
    /// and GOPATH builds.
    pub main: Option<Module>,
    /// Dependency modules (`dep` lines), in file order.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines), unquoted, in file order: `("-ldflags", "-s -w")`,
    /// `("GOARCH", "arm64")`, ...
    pub settings: Vec<(String, String)>,
}

impl BuildInfo {
    /// The value of the first build setting named `key`, e.g. `setting("GOARCH")`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The text of Go's `BuildInfo.String()`: a `go` line (when the version is known), then the
/// `path`, `mod`, `dep`, `=>` and `build` lines, each ending in a newline, and, as in Go, an
/// empty line after each `=>` line. `go version -m` prints the same lines (without the `go`
/// line), each indented by a tab.
impl fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn module(f: &mut fmt::Formatter<'_>, word: &str, m: &Module) -> fmt::Result {
            write!(f, "{word}\t{}\t{}", m.path, m.version)?;
            match &m.replace {
                None => writeln!(f, "\t{}", m.sum),
                Some(r) => {
                    writeln!(f)?;
                    module(f, "=>", r)?;
                    // Go writes the module's own line end after the replacement's, which
                    // leaves an empty line (ignored by the parser).
                    writeln!(f)
                }
            }
        }
        if !self.go_version.is_empty() {
            writeln!(f, "go\t{}", self.go_version)?;
        }
        if !self.path.is_empty() {
            writeln!(f, "path\t{}", self.path)?;
        }
        if let Some(m) = &self.main {
            module(f, "mod", m)?;
        }
        for d in &self.deps {
            module(f, "dep", d)?;
        }
        for (k, v) in &self.settings {
            let k: Cow<'_, str> = if key_needs_quotes(k) {
                Cow::Owned(quote(k))
            } else {
                Cow::Borrowed(k)
            };
            let v: Cow<'_, str> = if value_needs_quotes(v) {
                Cow::Owned(quote(v))
            } else {
                Cow::Borrowed(v)
            };
            writeln!(f, "build\t{k}={v}")?;
        }
        Ok(())
    }
}
