//! The report of one verified (or rejected) artifact: what every renderer and the
//! evidence documents are made from.

use std::path::PathBuf;

use crate::verify::Verdict;

/// One verified (or rejected) artifact. It holds real values (the build's whole
/// environment among them); the renderers decide what of it may be shown.
#[derive(Debug, Clone)]
pub struct ArtifactReport {
    /// The target it was built or judged for, if any.
    pub target: Option<String>,
    pub profile: Option<String>,
    /// Where it is now: the destination when delivered, else where it was judged.
    pub path: PathBuf,
    /// True when it passed every check and sits at `path`.
    pub delivered: bool,
    /// True when it passed every check and `-o /dev/null` asked for nothing to be
    /// written (verify and discard); `delivered` is then false.
    pub discarded: bool,
    /// With --keep-rejected, where the rejected file was kept.
    pub rejected_path: Option<PathBuf>,
    /// Computed for JSON output (hashing costs more than verifying); null otherwise.
    pub sha256: Option<String>,
    pub size: u64,
    /// The child environment of the build (build only).
    pub env: Option<std::collections::BTreeMap<String, String>>,
    /// Host variables and go env -w keys kept out of the build (build only).
    pub env_dropped: Option<Vec<crate::envvars::Dropped>>,
    /// The go build command line (build only).
    pub command: Option<String>,
    pub verdict: Verdict,
    /// Milliseconds spent in go build (build only).
    pub build_ms: Option<u128>,
    /// The C toolchain of a cgo build: kind, CC/CXX, why, link flags (build only).
    pub c_toolchain: Option<crate::toolchain::cc::CToolchain>,
    /// The remote cache program of the build: path, sha256, redacted arguments (build
    /// only, when one was used).
    pub cache_program: Option<crate::toolchain::cacheprog::Shown>,
}

impl ArtifactReport {
    pub fn passed(&self) -> bool {
        self.verdict.passed()
    }
}
