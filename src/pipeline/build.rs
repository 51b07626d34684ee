//! One target's build: plan, `go build` into a private slot of the output cache,
//! the checks on the in-memory snapshot, the smoke run, then delivery
//! ([`super::deliver`]) of the verified bytes ([`build_one`]).

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::context::{policy_for, Context};
use super::plan::Plan;
use super::smoke::{smoke_checks, SmokeRequest, Verified};
use super::{deliver, outcache, repro};
use crate::digest::sha256_hex;
use crate::error::{failure, usage, Exit};
use crate::report::{ArtifactReport, Reporter};
use crate::toolchain::{interrupt, run, Go};
use crate::verify::{self, Policy};

/// Options of one build run.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    pub no_verify: bool,
    pub keep_rejected: bool,
    /// Prefix go's lines with their target (several targets run).
    pub prefix_output: bool,
    /// Compute the artifact's sha256 (for JSON output).
    pub checksum: bool,
    /// Build a second time elsewhere with a fresh GOCACHE and compare (build.reproducible).
    pub check_reproducible: bool,
}

/// One target's build, as [`build_one`] is asked it.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    pub ctx: &'a Context,
    pub go: &'a Go,
    pub plan: &'a Plan,
    pub opts: BuildOptions,
    /// The smoke run to make of the verified artifact, if any.
    pub smoke: Option<&'a SmokeRequest>,
    pub reporter: &'a Reporter,
    /// What the progress line and go's line prefix call this build (its target, with
    /// the binary's name when several are built).
    pub label: &'a str,
}

/// Builds, verifies and delivers one target. Returns its report; `go build` failures
/// and interrupts are errors.
pub fn build_one(job: Job) -> anyhow::Result<ArtifactReport> {
    let (ctx, plan) = (job.ctx, job.plan);
    job.reporter.progress_phase(job.label, "resolving");
    let module_dir = ctx.module_dir.as_deref().unwrap_or(&ctx.work_dir);
    let parent = plan
        .dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = plan
        .dest
        .file_name()
        .ok_or_else(|| usage(format!("output `{}` names no file", plan.dest.display())))?;
    if plan.dest.is_dir() {
        return Err(usage(format!(
            "output `{}` is a directory: name the file (e.g. -o {}/{{name}})",
            plan.dest.display(),
            plan.dest.display()
        )));
    }
    // Nothing ever replaces a FIFO, socket or device; /dev/null verifies and discards.
    let discard = deliver::destination(&plan.dest)? == deliver::Destination::Discard;
    let root = outcache::trusted_root(&ctx.host)?;
    outcache::sweep_orphans(&root);
    let created = if discard {
        Vec::new()
    } else {
        deliver::sweep(parent);
        deliver::create_parents(parent)?
    };
    let result = build_in(job, module_dir, &root, file_name, discard);
    if result.as_ref().map_or(true, |r| !r.delivered) {
        deliver::remove_created(&created);
    }
    result
}

/// The build in the output cache's slot under `cache_root`, once the destination's
/// parents exist (or `discard` says nothing is written).
fn build_in(
    job: Job,
    module_dir: &Path,
    cache_root: &Path,
    file_name: &std::ffi::OsStr,
    discard: bool,
) -> anyhow::Result<ArtifactReport> {
    let Job {
        ctx,
        go,
        plan,
        opts,
        smoke,
        reporter,
        label,
    } = job;
    let p = &plan.profile;
    // go writes into this build's private slot of the output cache: nothing of ours is
    // in the work tree while go runs, go's up-to-date check still works across runs,
    // and the destination's current bytes are never an input.
    let module_key = std::fs::canonicalize(module_dir).unwrap_or_else(|_| module_dir.to_path_buf());
    let target = plan.target.to_string();
    let key = outcache::SlotKey {
        module_dir: &module_key,
        package: &plan.package,
        target: &target,
        profile: &p.name,
        file_name,
    };
    let slot = outcache::Slot::open(
        cache_root,
        &key,
        || {
            reporter.detail(&format!(
                "waiting for another run building {target} of the same package and profile"
            ))
        },
        interrupt::check_interrupted,
    )?;
    let out = slot.output.clone();
    let cmd = run::GoBuild::new(
        &go.path,
        module_dir,
        plan.env.vars.clone(),
        p.rebuild_all.value,
        &p.tags.value,
        &p.ldflags.value,
        &p.flags.value,
        &p.go_args,
        &out,
        &plan.package,
    );
    reporter.detail(&format!("running {}", cmd.display()));
    let started = Instant::now();
    reporter.progress_phase(label, "building");
    let prefix = opts.prefix_output.then_some(label);
    let ran = cmd.run(&|line| reporter.go_output(&target, prefix, line));
    if let Err(e) = ran {
        let e = match &plan.cache_program {
            Some(c) if crate::error::exit_for(&e) == Exit::GoBuild => {
                super::cache::blame(c, e, &plan.target)
            }
            _ => e,
        };
        if crate::error::exit_for(&e) == Exit::GoBuild {
            let msg = format!("{e}");
            let (head, stderr) = msg.split_once(":\n").unwrap_or((msg.as_str(), ""));
            reporter.go_failed(
                &plan.target.to_string(),
                stderr,
                // The label names the package too when the run builds several.
                &format!("{head} for {label}"),
            );
        }
        return Err(e);
    }
    let build_ms = started.elapsed().as_millis();
    // The bytes go wrote, read once: every check, the sha256, the smoke run and the
    // delivery below use this snapshot, never the slot's path again.
    let Some(snap) = slot.snapshot()? else {
        return Err(usage(format!(
            "`{}` is not a main package: go build wrote no executable (name a package \
             with `package main` and a main function)",
            plan.package
        )));
    };
    // go build -o of a package that is not `main` writes its archive: not an error of
    // the artifact, of the request.
    if snap.bytes.starts_with(b"!<arch>\n") {
        slot.forget()?;
        return Err(usage(format!(
            "`{}` is not a main package: go build made a package archive, not an \
             executable (name a package with `package main` and a main function)",
            plan.package
        )));
    }
    slot.record(&snap)?;
    // --no-verify still reads the facts for the report, but judges nothing.
    let policy = if opts.no_verify {
        Policy::report_only()
    } else {
        policy_for(ctx, p, &plan.target)?
    };
    reporter.progress_phase(label, "verifying");
    let shown = crate::sanitize::escape::path(&out);
    let mut verdict = verify::verify(&snap.bytes, &policy)
        .map_err(|e| failure(Exit::VerifyFailed, format!("{shown}: {e}")))?;
    let size = snap.bytes.len() as u64;
    let sha256 = opts.checksum.then(|| sha256_hex(&snap.bytes));
    // The runs get a private copy of the snapshot just verified, never the slot.
    if let Some(req) = smoke {
        reporter.progress_phase(label, "smoke");
        let name = plan
            .dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let checks = smoke_checks(
            req,
            ctx,
            &Verified {
                target: &plan.target,
                profile: p,
                policy: &policy,
                bytes: &snap.bytes,
                name: name.as_deref().unwrap_or("artifact"),
                interpreter: verdict.facts.interpreter.as_deref(),
                checks: &verdict.checks,
            },
            &plan.env.vars,
            module_dir,
        );
        verdict.checks.extend(checks);
    }
    if opts.check_reproducible && verdict.passed() {
        verdict.checks.push(repro::reproducible_check(
            ctx,
            &cmd,
            module_dir,
            file_name,
            &snap.bytes,
        )?);
    }
    // The artifact may have written or replaced its own file while it ran: what is
    // verified and delivered is the snapshot either way, but the slot is not trusted
    // again (go links afresh next time).
    if !slot.still_holds(&snap) {
        reporter.detail(&format!(
            "{} changed after go wrote it (during the smoke run?): delivering the verified \
             snapshot; the cache slot is emptied",
            crate::report::shown(&out)
        ));
        slot.forget()?;
    }
    let passed = verdict.passed();
    interrupt::check_interrupted()?;
    let mut report = ArtifactReport {
        target: Some(plan.target.to_string()),
        profile: Some(p.name.clone()),
        path: plan.dest.clone(),
        delivered: false,
        discarded: false,
        rejected_path: None,
        sha256,
        size,
        env: Some(plan.env.vars.clone()),
        env_dropped: Some(plan.env.dropped.clone()),
        command: Some(cmd.display()),
        verdict,
        build_ms: Some(build_ms),
        c_toolchain: plan.c_toolchain.clone(),
        cache_program: plan.cache_program.as_ref().map(|c| c.program.shown()),
    };
    if !passed {
        if let Some(c) = &plan.cache_program {
            // The checks ran as always; say what served the build's objects.
            reporter.warn(&format!(
                "{} was built with the remote cache program `{}` ({}): a cache serving wrong \
                 objects is one cause; rebuild with --no-cache-program to tell",
                plan.target, c.program.name, c.program.from
            ));
        }
    }
    if discard {
        // -o /dev/null: verified, and nothing written anywhere.
        report.discarded = passed;
    } else if passed {
        reporter.progress_phase(label, "delivering");
        let mtime = plan
            .profile
            .mtime
            .value
            .as_deref()
            .and_then(|m| m.parse().ok());
        let how = deliver::deliver(Some(&snap.file), &snap.bytes, &plan.dest, mtime)?;
        if how == deliver::Delivered::Unchanged {
            reporter.detail(&format!(
                "{} already holds these bytes",
                crate::report::shown(&plan.dest)
            ));
        }
        report.delivered = true;
    } else if opts.keep_rejected {
        let mut kept = plan.dest.clone().into_os_string();
        kept.push(".rejected");
        let kept = PathBuf::from(kept);
        deliver::write_beside(&snap.bytes, &kept)?;
        report.rejected_path = Some(kept);
    }
    if !passed {
        slot.forget()?;
    }
    Ok(report)
}
