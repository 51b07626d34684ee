//! `cargo xbuild-go verify FILE...`: judge existing files against a target and
//! profile, or, with neither given, report what they are.

use crate::cli::VerifyArgs;
use crate::error::{exit_for, Exit};
use crate::pipeline;
use crate::profile::Overrides;
use crate::report::{escape, ArtifactReport, Reporter};
use crate::toolchain::HostEnv;
use crate::verify::Policy;

pub fn exec(args: &VerifyArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    let judging = !args.profile.targets.is_empty() || args.profile.profile.is_some();
    let overrides = Overrides {
        targets: super::targets(&args.profile),
        ..Overrides::default()
    };
    let req = super::request(&args.profile, overrides)?;
    let (policy, profile_name) = if judging {
        let ctx = pipeline::context(&req, host)?;
        let targets = &ctx.profile.targets.value;
        let target = match targets.as_slice() {
            [one] => Some(one),
            _ if !args.profile.targets.is_empty() => {
                return Err(crate::error::usage(
                    "verify takes one --target: each file is judged against a single target",
                ))
            }
            // A profile with several targets: judge its policy, not a target.
            _ => None,
        };
        let mut policy = Policy::from_profile(&ctx.profile, target);
        // Any file can be verified against a target; Go build info is required only
        // when a profile is named or a profile file sets `buildinfo` itself.
        policy.require_go = args.profile.profile.is_some()
            || ctx.profile.verify.buildinfo.source != crate::profile::Source::BuiltIn;
        (policy, Some(ctx.profile.name.clone()))
    } else {
        (Policy::report_only(), None)
    };
    let mut worst = Exit::Ok;
    let mut reports = Vec::new();
    let mut unreadable = Vec::new();
    for file in &args.files {
        let path = req.cwd.join(file);
        let checksum = reporter.format == crate::report::MessageFormat::Json;
        match pipeline::inspect(&path, &policy, checksum) {
            Ok((verdict, sha256, size)) => {
                let report = ArtifactReport {
                    target: policy.target.as_ref().map(|t| t.to_string()),
                    profile: profile_name.clone(),
                    path: file.clone(),
                    delivered: false,
                    rejected_path: None,
                    sha256,
                    size,
                    env: None,
                    env_dropped: None,
                    command: None,
                    verdict,
                    build_ms: None,
                };
                if !report.passed() {
                    worst = worst.worse(Exit::VerifyFailed);
                }
                reporter.artifact(&report);
                reports.push(report);
            }
            Err(e) => {
                // Not an executable: exit 1; a file that cannot be opened: exit 2.
                let exit = exit_for(&e);
                reporter.error(None, exit, &format!("{e:#}"));
                worst = worst.worse(exit);
                unreadable.push((
                    escape::lossless(file).into_owned(),
                    "read".to_string(),
                    format!("{e:#}"),
                ));
            }
        }
    }
    if let Some(junit) = &args.junit {
        let path = req.cwd.join(junit);
        let xml = crate::report::junit::render(&reports, &unreadable);
        reporter.write_file(&path, xml.as_bytes())?;
    }
    Ok(worst)
}
