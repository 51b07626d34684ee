//! `cargo xbuild-go matrix`: a profile's targets as a CI matrix, so a workflow fans the
//! builds out across runners, each running `cargo xbuild-go --target ${{ matrix.target }}`;
//! each entry names the files that build writes (`outputs`), planned as the build plans
//! them.

use crate::cli::{MatrixArgs, MatrixFormat};
use crate::error::Exit;
use crate::pipeline;
use crate::profile::Overrides;
use crate::report::Reporter;
use crate::toolchain::HostEnv;

pub fn exec(args: &MatrixArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    let overrides = Overrides {
        targets: super::args::targets(&args.profile),
        version: args.version_override.clone(),
        ..Overrides::default()
    };
    let req = super::args::request(&args.profile, overrides)?;
    let ctx = pipeline::context(&req, host)?;
    let outputs = pipeline::plan::outputs(&ctx, args.profile.go.as_deref())?;
    // Relative to the working directory when below it, as a workflow's `path:` reads it.
    let shown = |p: &std::path::Path| {
        let p = p.strip_prefix(&ctx.work_dir).unwrap_or(p);
        crate::sanitize::escape::lossless(p).into_owned()
    };
    let entries: Vec<serde_json::Value> = outputs
        .iter()
        .map(|(t, paths)| {
            serde_json::json!({
                "target": t.to_string(),
                "os": t.goos(),
                "arch": t.goarch(),
                "variant": t.variant().unwrap_or(""),
                "profile": ctx.profile.name,
                "outputs": paths.iter().map(|p| shown(p)).collect::<Vec<_>>(),
            })
        })
        .collect();
    match args.format {
        MatrixFormat::Github => reporter.print_json(&serde_json::json!({ "include": entries })),
        MatrixFormat::Json => entries.iter().for_each(|e| reporter.print_json(e)),
    }
    Ok(Exit::Ok)
}
