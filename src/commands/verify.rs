//! `cargo xbuild-go verify FILE...`: judge existing files against a target and
//! profile, or, with neither given, report what they are.

use crate::cli::VerifyArgs;
use crate::error::{exit_for, Exit};
use crate::pipeline;
use crate::profile::Overrides;
use crate::profile::Source;
use crate::report::{ArtifactReport, Reporter};
use crate::sanitize::escape;
use crate::target::{Format, Target};
use crate::toolchain::HostEnv;
use crate::verify::{Facts, Policy};

/// The policy for a target (its real images read), or why it cannot be had.
type PolicyFor = Box<dyn Fn(&Target) -> anyhow::Result<Policy>>;

/// How `verify` judges files.
enum Judge {
    /// Neither `--target` nor `--profile`: report what each file is.
    ReportOnly,
    /// Against the profile's targets: the only one, or the one each file is.
    Targets {
        targets: Vec<Target>,
        policy_for: PolicyFor,
        profile: Option<String>,
    },
}

impl Judge {
    fn profile(&self) -> Option<String> {
        match self {
            Judge::ReportOnly => None,
            Judge::Targets { profile, .. } => profile.clone(),
        }
    }

    /// The policy for the file at `path`: with several targets, read the file once to
    /// learn which it is (exit 1 when it is none of them).
    fn policy(&self, path: &std::path::Path) -> anyhow::Result<Policy> {
        let Judge::Targets {
            targets,
            policy_for,
            ..
        } = self
        else {
            // Without a target or profile, only the file's type is judged: it must be an
            // executable.
            return Ok(Policy::any_executable());
        };
        if let [one] = targets.as_slice() {
            return policy_for(one);
        }
        let (seen, _, _) = pipeline::inspect(path, &Policy::report_only(), false)?;
        match matching_target(targets, &seen.facts) {
            Some(t) => policy_for(t),
            None => Err(crate::error::failure(
                Exit::VerifyFailed,
                format!(
                    "{}: a {} file matches none of the profile's targets ({})",
                    escape::path(path),
                    seen.facts.summary(),
                    targets
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

/// The target a file is, among `targets`: the same format, class, byte order and
/// machine; where several remain (linux/arm/v6 and v7, amd64 levels), the GOOS, GOARCH
/// and arch level Go recorded decide, else the first.
pub fn matching_target<'a>(targets: &'a [Target], facts: &Facts) -> Option<&'a Target> {
    let fits = |t: &Target| {
        let Some(a) = t.arch() else { return false };
        match (t.format(), facts.format) {
            (Format::Elf, "elf") => {
                let class = match a.class {
                    crate::target::Class::Elf32 => "elf32",
                    crate::target::Class::Elf64 => "elf64",
                };
                let endian = match a.endian {
                    crate::target::Endian::Little => "little",
                    crate::target::Endian::Big => "big",
                };
                u32::from(a.elf_machine) == facts.e_machine
                    && facts.class == Some(class)
                    && facts.endian == endian
            }
            (Format::Macho, "macho") => a.macho_cputype == Some(facts.e_machine),
            (Format::Pe, "pe") => a.pe_machine.map(u32::from) == Some(facts.e_machine),
            _ => false,
        }
    };
    let candidates: Vec<&Target> = targets.iter().filter(|t| fits(t)).collect();
    let recorded = facts.go.as_ref().map(|g| &g.settings);
    let by_build_info = candidates.iter().copied().find(|t| {
        recorded.is_some_and(|s| {
            s.get("GOOS").map(String::as_str) == Some(t.goos())
                && s.get("GOARCH").map(String::as_str) == Some(t.goarch())
                && t.level()
                    .map_or(true, |(k, v)| s.get(k).map_or(true, |r| r == v))
        })
    });
    by_build_info.or(candidates.first().copied())
}

pub fn exec(args: &VerifyArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    let started_on = pipeline::evidence::now();
    let outs = super::args::evidence_outputs(args.emit_provenance.clone(), &args.evidence);
    let invocation_id = pipeline::evidence::invocation_id(&host);
    let judging = !args.profile.targets.is_empty() || args.profile.profile.is_some();
    let overrides = Overrides {
        targets: super::args::targets(&args.profile),
        ..Overrides::default()
    };
    let req = super::args::request(&args.profile, overrides)?;
    // The provenance each file is checked against, read before any file.
    let provenance = match &args.provenance {
        None => None,
        Some(p) => {
            let path = req.cwd.join(p);
            let shown = escape::path(&path);
            // Not blocking on a FIFO, nor reading /dev/zero for ever: a regular file of
            // at most MAX_PROVENANCE bytes.
            let bytes = crate::input::file::read(&path, crate::evidence::check::MAX_PROVENANCE)
                .map_err(|e| crate::error::usage(format!("--provenance: {e}")))?;
            let parsed =
                crate::evidence::check::parse(&bytes, &shown).map_err(crate::error::usage)?;
            let written = crate::evidence::Written {
                name: pipeline::evidence::subject_name(&path, &req.cwd),
                sha256: crate::evidence::sha256_hex(&bytes),
            };
            Some((parsed, shown, written))
        }
    };
    let mut profile_file = None;
    // `--smoke ARGS` runs each file that passes (the profile's `smoke` is for builds).
    let mut smoke: Option<(std::rc::Rc<pipeline::Context>, pipeline::SmokeRequest)> = None;
    if args.smoke.smoke.is_some() && !args.smoke.no_smoke && !judging {
        return Err(crate::error::usage(
            "verify --smoke needs --target T or --profile P: what the file is to run as, \
             and the runs-on images it is to run in",
        ));
    }
    // The policy per file: one for every file, or (a profile with several targets) the
    // one of the target each file turns out to be.
    let judge = if judging {
        let ctx = std::rc::Rc::new(pipeline::context(&req, host)?);
        let targets = ctx.profile.targets.value.clone();
        if targets.len() > 1 && !args.profile.targets.is_empty() {
            return Err(crate::error::usage(
                "verify takes one --target: each file is judged against a single target",
            ));
        }
        let named = args.profile.profile.is_some();
        let profile = Some(ctx.profile.name.clone());
        profile_file = ctx.profile.file.clone();
        // One target: its real images are read before any file, so an image that
        // cannot be read is one error (exit 2), not one per file.
        if let [one] = targets.as_slice() {
            pipeline::policy_for(&ctx, &ctx.profile, one)?;
        }
        if args.smoke.smoke.is_some() {
            let req = pipeline::SmokeRequest::from_profile_and_flag(
                &ctx.profile,
                args.smoke.smoke.as_deref(),
                args.smoke.no_smoke,
                args.smoke.smoke_timeout,
            )?;
            smoke = req.map(|r| (ctx.clone(), r));
        }
        let policy_for = move |target: &Target| -> anyhow::Result<Policy> {
            // A cgo build adds its C toolchain's link flags to ldflags (and Go records
            // them): judge the file by what the build would have run.
            let mut profile = ctx.profile.clone();
            // The needs the target's tables accept (`[profile.P.target."T".verify]`), as
            // a build of that target accepts them.
            profile.verify.accept_needs = ctx.profile.for_target(target)?.verify.accept_needs;
            if named && profile.cgo.value {
                let chosen = crate::toolchain::cc::choose(&crate::toolchain::cc::Request {
                    profile: &ctx.profile,
                    target,
                    host: &ctx.host,
                    work_dir: &ctx.work_dir,
                    zig: &ctx.zig,
                });
                if let Ok(Some(t)) = chosen {
                    profile.ldflags.value = t.ldflags(&profile.ldflags.value);
                }
            }
            let mut policy = pipeline::policy_for(&ctx, &profile, target)?;
            let v = &ctx.profile.verify;
            let set = |s: &Source| *s != Source::BuiltIn;
            // Any file can be verified against a target; Go build info is required
            // only when a profile is named or a profile file sets `buildinfo` itself.
            policy.require_go = (named || set(&v.buildinfo.source)) && v.buildinfo.value;
            if !named {
                // Without a profile the target alone judges: what it implies (format,
                // machine, flags, the loader of a dynamic file, ABI attributes), and
                // what a profile file sets explicitly; the golden defaults (static,
                // stripped) and the recorded build settings are reported, not judged.
                policy.require_static &= set(&v.static_.source);
                policy.require_stripped &= set(&v.stripped.source);
                policy.expect_go = None;
            }
            Ok(policy)
        };
        Judge::Targets {
            targets,
            policy_for: Box::new(policy_for),
            profile,
        }
    } else {
        Judge::ReportOnly
    };
    let mut worst = Exit::Ok;
    let mut reports = Vec::new();
    let mut unreadable = Vec::new();
    let mut judged: Vec<(ArtifactReport, Policy)> = Vec::new();
    for file in &args.files {
        let path = req.cwd.join(file);
        let checksum = reporter.format == crate::report::MessageFormat::Json
            || provenance.is_some()
            || outs.any()
            || smoke.is_some();
        let policy = match judge.policy(&path) {
            Ok(p) => p,
            Err(e) => {
                no_artifact(reporter, &mut worst, &mut unreadable, file, "match", &e);
                continue;
            }
        };
        match pipeline::inspect(&path, &policy, checksum) {
            Ok((mut verdict, sha256, size)) => {
                if let (Some((p, shown, _)), Some(sha)) = (&provenance, &sha256) {
                    let fits = |t: &Target, facts: &Facts| {
                        matching_target(std::slice::from_ref(t), facts).is_some()
                    };
                    // The sha512 only when a subject names one.
                    let sha512 = std::cell::OnceCell::new();
                    let file_digest = |alg: &str| match alg {
                        "sha256" => Some(sha.clone()),
                        "sha512" => sha512.get_or_init(|| sha512_of(&path)).clone(),
                        _ => None,
                    };
                    verdict.checks.extend(crate::evidence::check::checks(
                        p,
                        shown,
                        &file_digest,
                        &verdict.facts,
                        args.profile.profile.as_deref(),
                        &fits,
                    ));
                }
                if let (Some((ctx, req)), Some(target)) = (&smoke, &policy.target) {
                    let checks = smoke_file(ctx, req, target, &policy, &path, &verdict, &sha256);
                    verdict.checks.extend(checks);
                }
                let report = ArtifactReport {
                    cache_program: None,
                    target: policy.target.as_ref().map(|t| t.to_string()),
                    profile: judge.profile(),
                    path: file.clone(),
                    delivered: false,
                    discarded: false,
                    rejected_path: None,
                    sha256,
                    size,
                    env: None,
                    env_dropped: None,
                    command: None,
                    verdict,
                    build_ms: None,
                    c_toolchain: None,
                };
                if !report.passed() {
                    worst = worst.worse(Exit::VerifyFailed);
                }
                reporter.artifact(&report);
                if outs.any() {
                    judged.push((report.clone(), policy));
                }
                reports.push(report);
            }
            Err(e) => {
                // Not an executable: exit 1; a file that cannot be opened: exit 2.
                no_artifact(reporter, &mut worst, &mut unreadable, file, "read", &e);
            }
        }
    }
    if let Some(junit) = &args.junit {
        let path = req.cwd.join(junit);
        let xml = crate::report::junit::render(&reports, &unreadable);
        let sha = reporter.write_evidence(&path, xml.as_bytes())?;
        reporter.evidence("junit", &path, &sha, 0);
    }
    if outs.any() {
        use pipeline::evidence as ev;
        let profile = match judge.profile() {
            Some(name) => Some(ev::profile_info(&name, profile_file.as_deref(), &req.cwd)?),
            None => None,
        };
        let artifacts = judged
            .iter()
            .map(|(report, policy)| crate::evidence::Artifact {
                report,
                name: ev::subject_name(&req.cwd.join(&report.path), &req.cwd),
                build: None,
                policy: crate::evidence::policy_json(policy),
            })
            .collect();
        let mut e = crate::evidence::Evidence {
            command: crate::evidence::Command::Verify,
            started_on,
            finished_on: ev::now(),
            invocation_id,
            profile,
            go: None,
            source: None,
            checksums: None,
            provenance: provenance.map(|(_, _, w)| w),
            artifacts,
            resource_uri: outs
                .resource_uri
                .clone()
                .unwrap_or_else(|| format!("file://{}", req.cwd.display())),
        };
        for err in ev::write(reporter, &outs, &mut e, &req.cwd) {
            reporter.fatal(&err);
            worst = worst.worse(exit_for(&err));
        }
    }
    Ok(worst)
}

/// The smoke runs of a verified file (`verify --smoke`): its bytes read again, and run
/// only when they are still the bytes verified (`sha256`).
fn smoke_file(
    ctx: &pipeline::Context,
    req: &pipeline::SmokeRequest,
    target: &Target,
    policy: &Policy,
    path: &std::path::Path,
    verdict: &crate::verify::Verdict,
    sha256: &Option<String>,
) -> Vec<crate::verify::Check> {
    let shown = escape::path(path);
    let bytes = std::fs::read(path).map_err(|e| format!("reading `{shown}`: {e}"));
    let bytes = match bytes {
        Ok(b) if sha256.as_deref() == Some(crate::digest::sha256_hex(&b).as_str()) => b,
        Ok(_) => {
            return vec![not_rerun(format!(
                "`{shown}` changed after it was verified"
            ))]
        }
        Err(e) => return vec![not_rerun(e)],
    };
    let name = path
        .file_name()
        .map_or_else(|| "artifact".into(), |n| n.to_string_lossy().into_owned());
    pipeline::smoke_checks(
        req,
        ctx,
        &pipeline::Verified {
            target,
            profile: &ctx.profile,
            policy,
            bytes: &bytes,
            name: &name,
            interpreter: verdict.facts.interpreter.as_deref(),
            checks: &verdict.checks,
        },
        &std::collections::BTreeMap::new(),
        &ctx.work_dir,
    )
}

/// A failed `run.smoke`: the verified bytes could not be had again to run.
fn not_rerun(why: String) -> crate::verify::Check {
    let mut c =
        crate::verify::Check::judged("run.smoke", false, "the verified bytes run", "not run");
    c.message = Some(format!("{why}: not run"));
    c
}

/// The sha512 of a file (hex), streamed; `None` when it cannot be read.
fn sha512_of(path: &std::path::Path) -> Option<String> {
    use sha2::Digest as _;
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = sha2::Sha512::new();
    std::io::copy(&mut f, &mut h).ok()?;
    Some(crate::digest::hex(&h.finalize()))
}

/// A file that gave no artifact at `step` (`match`: no policy fits it, `read`: it is
/// no executable or cannot be opened): the error reported, its exit folded into
/// `worst`, and a JUnit failure kept.
fn no_artifact(
    reporter: &Reporter,
    worst: &mut Exit,
    unreadable: &mut Vec<(String, String, String)>,
    file: &std::path::Path,
    step: &str,
    e: &anyhow::Error,
) {
    let exit = exit_for(e);
    reporter.error(None, exit, &format!("{e:#}"));
    *worst = worst.worse(exit);
    unreadable.push((
        escape::lossless(file).into_owned(),
        step.to_string(),
        format!("{e:#}"),
    ));
}
