//! `cargo xbuild-go verify FILE...`: judge existing files against a target and
//! profile, or, with neither given, report what they are.

use crate::cli::VerifyArgs;
use crate::error::{exit_for, Exit};
use crate::pipeline;
use crate::profile::Overrides;
use crate::profile::Source;
use crate::report::{escape, ArtifactReport, Reporter};
use crate::target::{Format, Target};
use crate::toolchain::HostEnv;
use crate::verify::{Facts, Policy};

/// How `verify` judges files.
enum Judge {
    /// Neither `--target` nor `--profile`: report what each file is.
    ReportOnly,
    /// Against the profile's targets: the only one, or the one each file is.
    Targets {
        targets: Vec<Target>,
        policy_for: Box<dyn Fn(&Target) -> Policy>,
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
            return Ok(Policy::report_only());
        };
        if let [one] = targets.as_slice() {
            return Ok(policy_for(one));
        }
        let (seen, _, _) = pipeline::inspect(path, &Policy::report_only(), false)?;
        match matching_target(targets, &seen.facts) {
            Some(t) => Ok(policy_for(t)),
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
    let judging = !args.profile.targets.is_empty() || args.profile.profile.is_some();
    let overrides = Overrides {
        targets: super::targets(&args.profile),
        ..Overrides::default()
    };
    let req = super::request(&args.profile, overrides)?;
    // The policy per file: one for every file, or (a profile with several targets) the
    // one of the target each file turns out to be.
    let judge = if judging {
        let ctx = pipeline::context(&req, host)?;
        let targets = ctx.profile.targets.value.clone();
        if targets.len() > 1 && !args.profile.targets.is_empty() {
            return Err(crate::error::usage(
                "verify takes one --target: each file is judged against a single target",
            ));
        }
        let named = args.profile.profile.is_some();
        let profile = Some(ctx.profile.name.clone());
        let policy_for = move |target: &Target| {
            // A cgo build adds its C toolchain's link flags to ldflags (and Go records
            // them): judge the file by what the build would have run.
            let mut profile = ctx.profile.clone();
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
            let mut policy = Policy::from_profile(&profile, Some(target));
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
            policy
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
    for file in &args.files {
        let path = req.cwd.join(file);
        let checksum = reporter.format == crate::report::MessageFormat::Json;
        let policy = match judge.policy(&path) {
            Ok(p) => p,
            Err(e) => {
                let exit = exit_for(&e);
                reporter.error(None, exit, &format!("{e:#}"));
                worst = worst.worse(exit);
                unreadable.push((
                    escape::lossless(file).into_owned(),
                    "match".to_string(),
                    format!("{e:#}"),
                ));
                continue;
            }
        };
        match pipeline::inspect(&path, &policy, checksum) {
            Ok((verdict, sha256, size)) => {
                let report = ArtifactReport {
                    target: policy.target.as_ref().map(|t| t.to_string()),
                    profile: judge.profile(),
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
                    c_toolchain: None,
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
