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
use crate::report::{MessageFormat, Reporter};
use crate::toolchain::{self, HostEnv};

pub fn exec(args: &BuildArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    exec_with(args, host, reporter, None)
}

/// What a command built on `build` (`image`) adds to the run: which plans are built, and
/// what is done with the verified artifacts before the summary.
pub(super) trait Stage {
    /// The plans to build, chosen after planning and before anything builds (or runs on
    /// the policy's images); an error stops the run before any build.
    fn select(
        &mut self,
        ctx: &pipeline::Context,
        plans: Vec<pipeline::Plan>,
        reporter: &Reporter,
    ) -> anyhow::Result<Vec<pipeline::Plan>>;
    /// Runs when every plan was built, verified and delivered: returns the summary's
    /// extra row. Its error is the run's.
    fn finish(
        &mut self,
        ctx: &pipeline::Context,
        built: &[(&pipeline::Plan, &crate::report::ArtifactReport)],
        facts: &pipeline::publish::referrers::BuildFacts<'_>,
        reporter: &Reporter,
    ) -> anyhow::Result<[String; 5]>;
}

/// `build` with a [`Stage`] of another command, when given.
pub(super) fn exec_with(
    args: &BuildArgs,
    host: HostEnv,
    reporter: &Reporter,
    mut stage: Option<&mut dyn Stage>,
) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let started_on = pipeline::evidence::now();
    let outs = super::args::evidence_outputs(args.provenance.clone(), &args.evidence);
    let overrides = Overrides {
        targets: super::args::targets(&args.profile),
        package: args.package.clone(),
        output: args.output.clone(),
        cgo: args.cgo(),
        ldflags: args.ldflags.clone(),
        tags: args.tags.as_ref().map(|t| vec![t.clone()]),
        rebuild_all: args.rebuild_all.then_some(true),
        pass_env: args.pass_env.clone(),
        go_args: args.go_args.clone(),
        stamp: args.stamp.clone(),
        static_: args.static_(),
        version: args.version_override.clone(),
        cache_program: args.cache.cache_program.clone(),
        no_cache_program: args.cache.no_cache_program,
    };
    let req = super::args::request(&args.profile, overrides)?;
    let ctx = pipeline::context(&req, host)?;
    let go = toolchain::locate(args.profile.go.as_deref(), &ctx.host, &ctx.work_dir)?;
    let mut plans = pipeline::plan(&ctx, &go)?;
    if let Some(stage) = stage.as_deref_mut() {
        plans = stage.select(&ctx, plans, reporter)?;
    }
    pipeline::evidence::check_sbom_names(&outs, &plans, &ctx.work_dir)?;
    let toolchain_line = pipeline::plan::toolchain_line_choice(&ctx, go.parsed_version().as_ref())
        .map(|(name, why)| format!("{name} ({why})"));
    if let Some(first) = plans.first() {
        pipeline::check_requirement(&ctx, &go, &first.env)?;
    }
    // Real images in runs-on are read for each target's platform before anything
    // builds: one that cannot be read, or has no manifest for the platform, is exit 2.
    if !args.no_verify {
        for plan in &plans {
            pipeline::policy_for(&ctx, &plan.profile, &plan.target)?;
        }
    }
    let several_binaries = plans.iter().any(|p| p.package != plans[0].package);
    // Per plan: a target's table may set its own `smoke` (or none).
    let smokes = plans
        .iter()
        .map(|p| {
            pipeline::SmokeRequest::from_profile_and_flag(
                &p.profile,
                args.smoke.smoke.as_deref(),
                args.smoke.no_smoke,
                args.smoke.smoke_timeout,
            )
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let names: Vec<String> = plans.iter().map(|p| p.target.to_string()).collect();
    // From here on, every run ends with build-finished (and the files asked for), even
    // when a target fails on a configuration or I/O error, or the run is interrupted.
    reporter.build_started(&ctx.profile.name, &names, go.version.as_deref());
    if let Some(first) = plans.first() {
        reporter.detail(&format!(
            "go {} ({})",
            go.path.display(),
            go.version.as_deref().unwrap_or("version unknown")
        ));
        if let Some(why) = &toolchain_line {
            reporter.detail(&format!("toolchain {why}"));
        }
        let mut cache_shown: Vec<String> = Vec::new();
        for c in plans.iter().filter_map(|p| p.cache_program.as_ref()) {
            let p = &c.program;
            let line = p.shown_command();
            if cache_shown.contains(&line) {
                continue;
            }
            reporter.detail(&format!(
                "cache program {line} (sha256 {}, from {}){}",
                p.sha256,
                p.from,
                if p.env_names.is_empty() {
                    String::new()
                } else {
                    format!(", with {} from the host", p.env_names.join(" "))
                }
            ));
            cache_shown.push(line);
        }
        let mut shown: Vec<&crate::target::Target> = Vec::new();
        for plan in &plans {
            let Some(c) = plan
                .c_toolchain
                .as_ref()
                .filter(|_| !shown.contains(&&plan.target))
            else {
                continue;
            };
            shown.push(&plan.target);
            reporter.detail(&format!("C toolchain for {}: {}", plan.target, c.why));
            for f in &c.link_flags {
                reporter.detail(&format!("-ldflags += {} ({})", f.flag, f.why));
            }
        }
        for line in ctx
            .source
            .get()
            .map(|s| s.origins.as_slice())
            .unwrap_or_default()
        {
            reporter.detail(line);
        }
        let affecting = |d: &&crate::envvars::Dropped| {
            d.from != "host" || crate::envvars::BUILD_AFFECTING.contains(&d.name.as_str())
        };
        // By name and reason only: a dropped value is never shown.
        for d in first.env.dropped.iter().filter(affecting) {
            reporter.detail(&format!("dropped {} from {}: {}", d.name, d.from, d.reason));
        }
        // An exported GOOS or GOFLAGS is what the user meant to apply: say, without -v,
        // that the profile decided instead (by name only).
        let exported: Vec<&str> = first
            .env
            .dropped
            .iter()
            .filter(|d| {
                d.from == "host" && crate::envvars::BUILD_AFFECTING.contains(&d.name.as_str())
            })
            .map(|d| d.name.as_str())
            .collect();
        if !exported.is_empty() && !reporter.quiet {
            reporter.warn(&format!(
                "ignoring {} from the environment: the profile decides the build \
                 (`cargo xbuild-go env --explain` lists what is dropped and why)",
                exported.join(", ")
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
        // go's lines are shown as they come, cleaned (no control characters, no workflow
        // commands, no secrets), prefixed with their target when several run.
        prefix_output: plans.len() > 1,
        checksum: reporter.format == MessageFormat::Json
            || args.checksums.is_some()
            || outs.any()
            || stage.is_some(),
        check_reproducible: args.check_reproducible,
    };

    // Workers take the next plan until none is left (or --fail-fast saw a failure);
    // results land in their plan's slot, so the summary keeps the profile's order.
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Vec<Mutex<Option<Outcome>>> = plans.iter().map(|_| Mutex::new(None)).collect();
    reporter.progress_start(plans.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                if stop.load(Ordering::SeqCst) || toolchain::interrupt::interrupted() {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(plan) = plans.get(i) else { return };
                reporter.status(
                    "Building",
                    &format!(
                        "{}{} ({} profile) -> {}{}",
                        if several_binaries {
                            format!("{} ", plan.name)
                        } else {
                            String::new()
                        },
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
                let label = if several_binaries {
                    format!("{} {}", plan.name, plan.target)
                } else {
                    plan.target.to_string()
                };
                let result = pipeline::build_one(pipeline::Job {
                    ctx: &ctx,
                    go: &go,
                    plan,
                    opts,
                    smoke: smokes[i].as_ref(),
                    reporter,
                    label: &label,
                });
                reporter.progress_done(&label);
                match &result {
                    Ok(report) => reporter.artifact(report),
                    // go build failures were reported by the pipeline, with go's stderr.
                    Err(e) if matches!(exit_for(e), Exit::GoBuild | Exit::Interrupted) => {}
                    Err(e) => reporter.error_help(
                        Some(&plan.target.to_string()),
                        exit_for(e),
                        &format!("{e:#}"),
                        crate::error::help_of(e),
                    ),
                }
                let ok = matches!(&result, Ok(r) if r.delivered || r.discarded);
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
    reporter.progress_end();

    let mut worst = Exit::Ok;
    let (mut verified, mut rejected, mut failed, mut interrupted) = (0, 0, 0, 0);
    let mut rows = Vec::new();
    let mut sums = Vec::new();
    let mut reports = Vec::new();
    let mut build_failures = Vec::new();
    // Kept for the evidence documents, with their plans.
    let mut judged: Vec<(&pipeline::Plan, crate::report::ArtifactReport)> = Vec::new();
    // Kept for the stage: every verified artifact, with its plan.
    let mut built: Vec<(&pipeline::Plan, crate::report::ArtifactReport)> = Vec::new();
    for (plan, slot) in plans.iter().zip(results) {
        let outcome = slot.into_inner().ok().flatten();
        let (verdict, size, secs) = match outcome {
            None => ("skipped", String::new(), String::new()),
            Some(Outcome {
                result: Ok(report),
                elapsed,
            }) => {
                let size = crate::verify::human_size(report.size);
                let verdict = if report.discarded {
                    verified += 1;
                    "verified"
                } else if report.delivered {
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
                // Kept only for the JUnit file and the evidence; the report was already
                // printed.
                if outs.any() {
                    judged.push((plan, report.clone()));
                }
                if stage.is_some() && (report.delivered || report.discarded) {
                    built.push((plan, report.clone()));
                }
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
                worst = worst.worse(exit);
                let (verdict, case) = match exit {
                    Exit::GoBuild => ("build failed", "go build"),
                    Exit::Interrupted => ("interrupted", "build"),
                    _ => ("error", "build"),
                };
                if exit == Exit::Interrupted {
                    interrupted += 1;
                } else {
                    failed += 1;
                }
                build_failures.push((plan.target.to_string(), case.to_string(), format!("{e:#}")));
                (
                    verdict,
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
    let mut staged = false;
    if let Some(stage) = stage {
        if worst == Exit::Ok && built.len() == plans.len() && !toolchain::interrupt::interrupted() {
            let each: Vec<_> = built.iter().map(|(p, r)| (*p, r)).collect();
            let facts = pipeline::publish::referrers::BuildFacts {
                go: &go,
                outs: &outs,
                started_on: &started_on,
            };
            match stage.finish(&ctx, &each, &facts, reporter) {
                Ok(row) => {
                    rows.push(row);
                    staged = true;
                }
                Err(e) => {
                    reporter.fatal(&e);
                    worst = worst.worse(exit_for(&e));
                }
            }
        }
    }
    if plans.len() > 1 || staged {
        if let Err(e) = reporter.table(&["target", "path", "size", "verdict", "time"], &rows) {
            reporter.fatal(&e);
            worst = worst.worse(exit_for(&e));
        }
    }
    // What completed is written even when something else failed.
    let mut files: Vec<anyhow::Result<()>> = Vec::new();
    if let Some(file) = &args.junit {
        let file = ctx.work_dir.join(file);
        // Its directory may be the output directory a failed build removed again.
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let xml = crate::report::junit::render(&reports, &build_failures);
        // A `Wrote` line (an `evidence` event in JSON), as merge says of its JUnit file.
        files.push(
            reporter
                .write_evidence(&file, xml.as_bytes())
                .map(|sha| reporter.evidence("junit", &file, &sha, 0)),
        );
    }
    let mut checksums_written = None;
    if let Some(file) = &args.checksums {
        let path = ctx.work_dir.join(file);
        files.push(
            write_checksums(reporter, &path, &sums, &ctx.work_dir).map(|(sha, lines)| {
                reporter.evidence("checksums", &path, &sha, lines);
                checksums_written = Some(crate::evidence::Written {
                    name: pipeline::evidence::subject_name(&path, &ctx.work_dir),
                    sha256: sha,
                });
            }),
        );
    }
    if outs.any() {
        let errors = write_evidence(
            &ctx,
            &go,
            args,
            &outs,
            &judged,
            started_on,
            checksums_written,
            reporter,
        );
        files.extend(errors.into_iter().map(Err));
    }
    for e in files.into_iter().filter_map(Result::err) {
        reporter.fatal(&e);
        worst = worst.worse(exit_for(&e));
    }
    let cache_program = plans
        .iter()
        .find_map(|p| p.cache_program.as_ref())
        .map(|c| c.program.shown());
    reporter.finished_with(
        worst == Exit::Ok,
        verified,
        rejected,
        failed,
        interrupted,
        started.elapsed(),
        cache_program.as_ref(),
    );
    if toolchain::interrupt::interrupted() {
        return Err(crate::error::failure(Exit::Interrupted, "interrupted"));
    }
    Ok(worst)
}

/// Writes the evidence documents of this build; returns what failed.
#[allow(clippy::too_many_arguments)]
fn write_evidence(
    ctx: &pipeline::Context,
    go: &toolchain::Go,
    args: &BuildArgs,
    outs: &pipeline::evidence::Outputs,
    judged: &[(&pipeline::Plan, crate::report::ArtifactReport)],
    started_on: String,
    checksums: Option<crate::evidence::Written>,
    reporter: &Reporter,
) -> Vec<anyhow::Error> {
    use pipeline::evidence as ev;
    let artifacts: Vec<crate::evidence::Artifact> = judged
        .iter()
        .map(|(plan, report)| {
            let policy = if args.no_verify {
                crate::verify::Policy::report_only()
            } else {
                crate::verify::Policy::from_profile(&plan.profile, Some(&plan.target))
            };
            ev::built_artifact(report, plan, &policy, &ctx.work_dir)
        })
        .collect();
    let mut e = match ev::of_build(ctx, go, outs, started_on, checksums, artifacts) {
        Ok(e) => e,
        Err(e) => return vec![e],
    };
    ev::write(reporter, outs, &mut e, &ctx.work_dir)
}

/// What happened to one target.
struct Outcome {
    result: anyhow::Result<crate::report::ArtifactReport>,
    elapsed: Duration,
}

/// Writes `sha256  path` lines as sha256sum writes them (see report::checksums), paths
/// relative to the checksum file's directory when under it, else to the working
/// directory `work` when the file is under that (not a host path a release should carry;
/// `sha256sum -c ev/SHA256SUMS` from there reads it), merged into the file when
/// it exists (this run's names replace theirs, others are kept); atomically. Returns the
/// sha256 of the file written and how many lines it holds.
fn write_checksums(
    reporter: &Reporter,
    file: &Path,
    sums: &[(String, PathBuf)],
    work: &Path,
) -> anyhow::Result<(String, usize)> {
    use crate::report::checksums::{self, Entry};
    use std::os::unix::ffi::OsStrExt;
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating `{}`", crate::sanitize::escape::path(dir)))?;
    // Names relative to `work` read back only from `work`: so only for a file below it.
    let under_work = dir.strip_prefix(work).is_ok_and(|rel| {
        rel.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    });
    let new: Vec<Entry> = sums
        .iter()
        .map(|(sha, path)| Entry {
            sha256: sha.clone(),
            name: path
                .strip_prefix(dir)
                .or_else(|e| {
                    if under_work {
                        path.strip_prefix(work)
                    } else {
                        Err(e)
                    }
                })
                .unwrap_or(path)
                .as_os_str()
                .as_bytes()
                .to_vec(),
        })
        .collect();
    // A symlink there is replaced, never read through (nor written through).
    let is_link = std::fs::symlink_metadata(file).is_ok_and(|m| m.file_type().is_symlink());
    let old = match std::fs::read(file).map(|b| if is_link { Vec::new() } else { b }) {
        Ok(bytes) => checksums::parse(&bytes).map_err(|(line, why)| {
            crate::error::usage(format!(
                "{}:{line}: {why}: --checksums merges into an existing sha256sum file; \
                 name another file or remove this one",
                crate::sanitize::escape::path(file)
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("reading `{}`", crate::sanitize::escape::path(file)))
        }
    };
    let all = checksums::merge(old, &new);
    let sha = reporter.write_evidence(file, &checksums::render(&all))?;
    Ok((sha, all.len()))
}
