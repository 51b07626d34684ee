//! `cargo xbuild-go merge`: the runners' documents merged into one verified release
//! (docs/ci.md); the work is `pipeline::merge`.

use crate::cli::MergeArgs;
use crate::error::Exit;
use crate::pipeline::merge;
use crate::report::Reporter;
use crate::toolchain::HostEnv;

pub fn exec(args: &MergeArgs, _host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()
        .map_err(|e| crate::error::usage(format!("cannot read the working directory: {e}")))?;
    let opts = merge::Options {
        cwd,
        inputs: args.inputs.clone(),
        root: args.root.clone(),
        checksums: args.checksums.clone(),
        provenance: args.provenance.clone(),
        vsa: args.vsa.clone(),
        sbom: args.sbom.clone(),
        junit: args.junit.clone(),
        oci_layout: args.oci_layout.clone(),
        allow_differing: args.allow_differing.clone(),
    };
    merge::run(&opts, reporter)
}
