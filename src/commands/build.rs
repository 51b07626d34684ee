//! `cargo xbuild-go [build]`: build and verify every target of the profile.

use std::time::Instant;

use crate::cli::BuildArgs;
use crate::error::{exit_for, Exit};
use crate::pipeline::{self, BuildOptions};
use crate::profile::Overrides;
use crate::report::MessageFormat;
use crate::toolchain::{self, HostEnv};

pub fn exec(args: &BuildArgs, host: HostEnv) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let reporter = super::reporter(&args.output_args, &host);
    let overrides = Overrides {
        targets: super::targets(&args.profile),
        package: args.package.clone(),
        output: args.output.clone(),
        cgo: args.cgo(),
        ldflags: args.ldflags.clone(),
        tags: args.tags.as_ref().map(|t| vec![t.clone()]),
        rebuild_all: args.rebuild_all.then_some(true),
        pass_env: args.pass_env.clone(),
        go_args: args.go_args.clone(),
    };
    let req = super::request(&args.profile, overrides)?;
    let ctx = pipeline::context(&req, host)?;
    let plans = pipeline::plan(&ctx)?;
    let go = toolchain::locate(args.profile.go.as_deref(), &ctx.host, &ctx.work_dir)?;
    if let Some(first) = plans.first() {
        pipeline::check_requirement(&ctx, &go, &first.env)?;
    }
    let names: Vec<String> = plans.iter().map(|p| p.target.to_string()).collect();
    reporter.build_started(&ctx.profile.name, &names, go.version.as_deref());
    if let Some(first) = plans.first() {
        reporter.detail(&format!(
            "go {} ({})",
            go.path.display(),
            go.version.as_deref().unwrap_or("version unknown")
        ));
        let affecting = |d: &&toolchain::childenv::Dropped| {
            d.from != "host" || toolchain::childenv::BUILD_AFFECTING.contains(&d.name.as_str())
        };
        for d in first.env.dropped.iter().filter(affecting) {
            reporter.detail(&format!(
                "dropped {}={} from {}: {}",
                d.name, d.value, d.from, d.reason
            ));
        }
        let others = first.env.dropped.iter().filter(|d| !affecting(d)).count();
        if others > 0 {
            reporter.detail(&format!(
                "dropped {others} other host variables (`cargo xbuild-go env --explain` lists them)"
            ));
        }
    }
    let opts = BuildOptions {
        no_verify: args.no_verify,
        keep_rejected: args.keep_rejected,
        capture_stderr: reporter.format == MessageFormat::Json,
        checksum: reporter.format == MessageFormat::Json,
    };
    let mut worst = Exit::Ok;
    let (mut verified, mut rejected, mut failed) = (0, 0, 0);
    for plan in &plans {
        reporter.status(
            "Building",
            &format!(
                "{} ({} profile) -> {}",
                plan.target,
                ctx.profile.name,
                crate::report::shown(&plan.dest)
            ),
        );
        match pipeline::build_one(&ctx, &go, plan, opts, &reporter) {
            Ok(report) => {
                reporter.artifact(&report);
                if report.delivered {
                    verified += 1;
                } else {
                    rejected += 1;
                    worst = worst.worse(Exit::VerifyFailed);
                }
            }
            Err(e) => {
                let exit = exit_for(&e);
                if exit != Exit::GoBuild {
                    return Err(e);
                }
                worst = worst.worse(exit);
                failed += 1;
            }
        }
    }
    reporter.finished(
        worst == Exit::Ok,
        verified,
        rejected,
        failed,
        started.elapsed(),
    );
    Ok(worst)
}
