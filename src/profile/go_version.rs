//! The `go` key: a Go toolchain requirement (`>=1.21`, `1.22.12`, `1.22.x`) and the Go
//! release versions it compares.

use std::fmt;

/// The Go toolchain requirement of the `go` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoRequirement {
    /// `>=1.21`: the toolchain found must be at least this.
    AtLeast(GoVersion),
    /// `1.22.12`: pinned; run exactly this toolchain through `GOTOOLCHAIN=go1.22.12`.
    Exact(GoVersion),
    /// `1.22.x`: any patch release of one minor version.
    Series { major: u32, minor: u32 },
}

impl GoRequirement {
    pub fn parse(s: &str) -> Result<GoRequirement, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix(">=") {
            return GoVersion::parse(rest.trim()).map(GoRequirement::AtLeast);
        }
        if let Some(series) = s.strip_suffix(".x").or_else(|| s.strip_suffix(".*")) {
            let v = GoVersion::parse(series)?;
            if v.patch.is_some() {
                return Err(format!(
                    "go = \"{s}\": a series is MAJOR.MINOR.x, e.g. \"1.22.x\""
                ));
            }
            return Ok(GoRequirement::Series {
                major: v.major,
                minor: v.minor,
            });
        }
        let v = GoVersion::parse(s)?;
        if v.patch.is_none() {
            return Err(format!(
                "go = \"{s}\": an exact pin needs a patch release (e.g. \"{}.{}.0\"); use \">={s}\" for a minimum",
                v.major, v.minor
            ));
        }
        Ok(GoRequirement::Exact(v))
    }

    pub fn is_met_by(&self, found: &GoVersion) -> bool {
        match self {
            GoRequirement::AtLeast(min) => found >= min,
            GoRequirement::Exact(v) => found == v,
            GoRequirement::Series { major, minor } => {
                found.major == *major && found.minor == *minor
            }
        }
    }
}

impl fmt::Display for GoRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoRequirement::AtLeast(v) => write!(f, ">={v}"),
            GoRequirement::Exact(v) => write!(f, "{v}"),
            GoRequirement::Series { major, minor } => write!(f, "{major}.{minor}.x"),
        }
    }
}

/// A Go release version, `1.22` or `1.22.12` (prereleases such as `1.23rc1` compare as
/// their base release).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: Option<u32>,
}

impl GoVersion {
    /// Parses `1.22`, `1.22.12`, `go1.22.12`, `go1.23rc1`.
    pub fn parse(s: &str) -> Result<GoVersion, String> {
        let t = s.trim().trim_start_matches("go");
        let bad = || format!("`{s}` is not a Go version (expected e.g. 1.22 or 1.22.12)");
        let mut parts = t.split('.');
        let num = |p: Option<&str>| -> Result<Option<u32>, String> {
            match p {
                None => Ok(None),
                Some(p) => {
                    let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
                    if digits.is_empty() {
                        return Err(bad());
                    }
                    digits
                        .parse()
                        .map(Some)
                        .map_err(|_| format!("`{s}`: version component `{digits}` is out of range"))
                }
            }
        };
        let major = num(parts.next())?.ok_or_else(bad)?;
        let minor = num(parts.next())?.ok_or_else(bad)?;
        let patch = num(parts.next())?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(GoVersion {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(p) = self.patch {
            write!(f, ".{p}")?;
        }
        Ok(())
    }
}
