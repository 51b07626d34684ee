//! `cargo xbuild-go [build]`: build and verify every target of the profile.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;

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
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, plans.len().max(1));
    let opts = BuildOptions {
        no_verify: args.no_verify,
        keep_rejected: args.keep_rejected,
        // Concurrent builds capture go's stderr, so failures print as whole blocks; the
        // GitHub format also puts it in an annotation.
        capture_stderr: reporter.format != MessageFormat::Human || jobs > 1,
        checksum: reporter.format == MessageFormat::Json || args.checksums.is_some(),
        check_reproducible: args.check_reproducible,
    };
    let smoke = pipeline::SmokeRequest::from_profile_and_flag(
        &ctx.profile,
        args.smoke.as_deref(),
        args.smoke_timeout,
    )?;

    // Workers take the next plan until none is left (or --fail-fast saw a failure);
    // results land in their plan's slot, so the summary keeps the profile's order.
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Vec<Mutex<Option<Outcome>>> = plans.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                if stop.load(Ordering::SeqCst) || toolchain::run::interrupted() {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(plan) = plans.get(i) else { return };
                reporter.status(
                    "Building",
                    &format!(
                        "{} ({} profile) -> {}{}",
                        plan.target,
                        ctx.profile.name,
                        crate::report::shown(&plan.dest),
                        if plans.len() > 1 {
                            format!(" [{}/{}]", i + 1, plans.len())
                        } else {
                            String::new()
                        }
                    ),
                );
                let t0 = Instant::now();
                let result = pipeline::build_one(&ctx, &go, plan, opts, smoke.as_ref(), &reporter);
                if let Ok(report) = &result {
                    reporter.artifact(report);
                }
                let ok = matches!(&result, Ok(r) if r.delivered);
                if !ok && args.fail_fast {
                    stop.store(true, Ordering::SeqCst);
                }
                if let Ok(mut slot) = results[i].lock() {
                    *slot = Some(Outcome {
                        result,
                        elapsed: t0.elapsed(),
                    });
                }
            });
        }
    });

    let mut worst = Exit::Ok;
    let (mut verified, mut rejected, mut failed) = (0, 0, 0);
    let mut rows = Vec::new();
    let mut sums = Vec::new();
    let mut reports = Vec::new();
    let mut build_failures = Vec::new();
    for (plan, slot) in plans.iter().zip(results) {
        let outcome = slot.into_inner().ok().flatten();
        let (verdict, size, secs) = match outcome {
            None => ("skipped", String::new(), String::new()),
            Some(Outcome {
                result: Ok(report),
                elapsed,
            }) => {
                let size = crate::verify::human_size(report.size);
                let verdict = if report.delivered {
                    verified += 1;
                    if let Some(sha) = &report.sha256 {
                        sums.push((sha.clone(), plan.dest.clone()));
                    }
                    "verified"
                } else {
                    rejected += 1;
                    worst = worst.worse(Exit::VerifyFailed);
                    "rejected"
                };
                // Kept only for the JUnit file; the report was already printed.
                if args.junit.is_some() {
                    reports.push(report);
                }
                (verdict, size, format!("{:.2}s", elapsed.as_secs_f64()))
            }
            Some(Outcome {
                result: Err(e),
                elapsed,
            }) => {
                let exit = exit_for(&e);
                if exit != Exit::GoBuild {
                    return Err(e);
                }
                worst = worst.worse(exit);
                failed += 1;
                build_failures.push((
                    plan.target.to_string(),
                    "go build".to_string(),
                    format!("{e}"),
                ));
                (
                    "build failed",
                    String::new(),
                    format!("{:.2}s", elapsed.as_secs_f64()),
                )
            }
        };
        rows.push([
            plan.target.to_string(),
            crate::report::shown(&plan.dest),
            size,
            verdict.to_string(),
            secs,
        ]);
    }
    if toolchain::run::interrupted() {
        return Err(crate::error::failure(Exit::Interrupted, "interrupted"));
    }
    if plans.len() > 1 {
        reporter.table(&["target", "path", "size", "verdict", "time"], &rows);
    }
    if let Some(file) = &args.junit {
        let file = ctx.work_dir.join(file);
        std::fs::write(
            &file,
            crate::report::junit::render(&reports, &build_failures),
        )
        .with_context(|| format!("writing `{}`", file.display()))?;
    }
    if let Some(file) = &args.checksums {
        write_checksums(&ctx.work_dir.join(file), &sums)?;
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

/// What happened to one target.
struct Outcome {
    result: anyhow::Result<crate::report::ArtifactReport>,
    elapsed: Duration,
}

/// Writes `sha256  path` lines (as sha256sum reads them), paths relative to the
/// checksum file's directory when under it; atomically, like the artifacts.
fn write_checksums(file: &Path, sums: &[(String, PathBuf)]) -> anyhow::Result<()> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    let mut text = String::new();
    for (sha, path) in sums {
        let rel = path.strip_prefix(dir).unwrap_or(path);
        text.push_str(&format!("{sha}  {}\n", rel.display()));
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing `{}`", file.display()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())
        .with_context(|| format!("writing `{}`", file.display()))?;
    tmp.persist(file)
        .with_context(|| format!("writing `{}`", file.display()))?;
    Ok(())
}
