//! What every subcommand takes from its profile arguments: the request (`-C`, the
//! profile file and name, overrides, zig) and the `--target` list; and what `build` and
//! `verify` take from their evidence arguments.

use std::path::PathBuf;

use crate::cli::{EvidenceArgs, ProfileArgs};
use crate::pipeline::evidence::Outputs;
use crate::pipeline::Request;
use crate::profile::{Overrides, BUILTIN_PROFILE};

/// The pipeline request of the profile arguments (the process's working directory
/// read here: exit 2 when it cannot be).
pub(super) fn request<'a>(p: &'a ProfileArgs, overrides: Overrides) -> anyhow::Result<Request<'a>> {
    let cwd = std::env::current_dir()
        .map_err(|e| crate::error::usage(format!("cannot read the working directory: {e}")))?;
    Ok(Request {
        cwd,
        dir: p.dir.as_deref(),
        config: p.config.as_deref(),
        profile: p.profile.as_deref().unwrap_or(BUILTIN_PROFILE),
        overrides,
        zig: p.zig.as_deref(),
    })
}

/// The `--target` list, `None` when none was given (the profile's own).
pub(super) fn targets(p: &ProfileArgs) -> Option<Vec<String>> {
    (!p.targets.is_empty()).then(|| p.targets.clone())
}

/// The evidence documents asked for: the provenance at `provenance` (each subcommand
/// names its own flag) and the VSA and SBOM of the shared evidence arguments.
pub(super) fn evidence_outputs(provenance: Option<PathBuf>, e: &EvidenceArgs) -> Outputs {
    Outputs {
        provenance,
        vsa: e.vsa.clone(),
        sbom: e.sbom.clone(),
        resource_uri: e.vsa_resource_uri.clone(),
        host_paths: e.provenance_host_paths,
    }
}
