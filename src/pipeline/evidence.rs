//! Release evidence for `build` and `verify`: the facts the documents need that live in
//! files, git and the CI's variables (the profile file's digest, the go binary's, the
//! source checkout, the run's URL), gathered only when a document is asked for, and the
//! documents written through the report layer.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::evidence::{self, Artifact, Evidence, ProfileInfo, SourceInfo, Toolchain, Written};
use crate::report::Reporter;
use crate::sanitize::redact;
use crate::toolchain::{vcs, Go, HostEnv};

/// The documents asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub provenance: Option<PathBuf>,
    pub vsa: Option<PathBuf>,
    pub sbom: Option<PathBuf>,
    /// The VSA's `resourceUri`.
    pub resource_uri: Option<String>,
    /// `--provenance-host-paths`: keep the host's paths in the provenance.
    pub host_paths: bool,
}

impl Outputs {
    pub fn any(&self) -> bool {
        self.provenance.is_some() || self.vsa.is_some() || self.sbom.is_some()
    }
}

/// Now, RFC 3339 UTC.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    vcs::rfc3339_utc(secs)
}

/// The CI run's URL: `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`
/// (with `/attempts/N` when `GITHUB_RUN_ATTEMPT` is set).
pub fn invocation_id(host: &HostEnv) -> Option<String> {
    let get = |k: &str| host.get(k).filter(|v| !v.is_empty());
    let (server, repo, run) = (
        get("GITHUB_SERVER_URL")?,
        get("GITHUB_REPOSITORY")?,
        get("GITHUB_RUN_ID")?,
    );
    let mut id = format!("{}/{repo}/actions/runs/{run}", server.trim_end_matches('/'));
    if let Some(a) = get("GITHUB_RUN_ATTEMPT") {
        id.push_str(&format!("/attempts/{a}"));
    }
    Some(redact::urls(&id).into_owned())
}

/// A path as documents name it: relative to the working directory when under it.
pub fn subject_name(path: &Path, work_dir: &Path) -> String {
    let rel = path.strip_prefix(work_dir).unwrap_or(path);
    crate::sanitize::escape::lossless(rel).into_owned()
}

/// The profile's name, and its file with that file's sha256.
pub fn profile_info(
    name: &str,
    file: Option<&Path>,
    work_dir: &Path,
) -> anyhow::Result<ProfileInfo> {
    let file = match file {
        None => None,
        Some(f) => {
            let bytes = std::fs::read(f).with_context(|| {
                format!(
                    "reading the profile file `{}`",
                    crate::sanitize::escape::path(f)
                )
            })?;
            Some((subject_name(f, work_dir), evidence::sha256_hex(&bytes)))
        }
    };
    Ok(ProfileInfo {
        name: name.to_string(),
        file,
    })
}

/// The toolchain that built: the version the artifacts recorded (else go's VERSION
/// file's), and the go binary's digest when that binary is the one that ran (a
/// toolchain go switched to through GOTOOLCHAIN is another binary).
pub fn toolchain(go: &Go, recorded: Option<&str>) -> Toolchain {
    let version = recorded.map(str::to_string).or_else(|| go.version.clone());
    let same = recorded.is_none() || recorded == go.version.as_deref();
    let sha256 = same
        .then(|| {
            let real = std::fs::canonicalize(&go.path).ok()?;
            let bytes = std::fs::read(real).ok()?;
            Some(evidence::sha256_hex(&bytes))
        })
        .flatten();
    Toolchain {
        version,
        path: go.path.display().to_string(),
        sha256,
    }
}

/// The source checkout holding `dir`: `git+<remote>@<ref>`, HEAD's commit and whether
/// the tree is dirty. In GitHub Actions the repository URL and ref come from `GITHUB_*`
/// when git has no remote or HEAD is detached. `None` outside a git checkout.
pub fn source(host: &HostEnv, dir: &Path, cwd: &Path) -> Option<SourceInfo> {
    let git = which::which_in("git", host.get("PATH").cloned(), cwd).ok()?;
    let root = vcs::git_root(dir)?;
    let facts = vcs::source_facts(&git, dir);
    let (remote, head) = vcs::remote_and_ref(&git, dir);
    let get = |k: &str| host.get(k).filter(|v| !v.is_empty()).cloned();
    let gh_remote = match (get("GITHUB_SERVER_URL"), get("GITHUB_REPOSITORY")) {
        (Some(s), Some(r)) => Some(format!("{}/{r}", s.trim_end_matches('/'))),
        _ => None,
    };
    let remote = remote
        .or(gh_remote)
        .unwrap_or_else(|| format!("file://{}", root.display()));
    let commit = facts.commit.clone().or_else(|| get("GITHUB_SHA"));
    let at = head
        .or_else(|| get("GITHUB_REF"))
        .or_else(|| commit.clone())?;
    Some(SourceInfo {
        uri: redact::urls(&format!("git+{remote}@{at}")).into_owned(),
        commit,
        dirty: facts.dirty,
    })
}

/// Writes the documents asked for, provenance first (the VSA names it), and reports
/// each one; returns what failed. `evidence.provenance` is set to the one written.
pub fn write(
    reporter: &Reporter,
    outs: &Outputs,
    e: &mut Evidence,
    work_dir: &Path,
) -> Vec<anyhow::Error> {
    let mut errors = Vec::new();
    // Colliding SBOM names are refused before any document is written.
    if let Some(dir) = &outs.sbom {
        let subjects = sbom_artifacts(e).map(|a| a.name.as_str());
        if let Err(err) = distinct_sbom_names(dir, subjects) {
            return vec![err];
        }
    }
    let count = |doc: &serde_json::Value| doc["subject"].as_array().map_or(0, Vec::len);
    if let Some(file) = &outs.provenance {
        let path = work_dir.join(file);
        match evidence::provenance::render(e) {
            None => errors.push(nothing_to_attest("--provenance", &path)),
            Some(mut doc) => {
                if !outs.host_paths {
                    evidence::provenance::without_host_paths(&mut doc, work_dir);
                }
                match write_doc(reporter, &path, &doc) {
                    Ok(sha) => {
                        reporter.evidence("provenance", &path, &sha, count(&doc));
                        e.provenance = Some(Written {
                            name: subject_name(&path, work_dir),
                            sha256: sha,
                        });
                    }
                    Err(err) => errors.push(err),
                }
            }
        }
    }
    if let Some(file) = &outs.vsa {
        let path = work_dir.join(file);
        match evidence::vsa::render(e) {
            None => errors.push(nothing_to_attest("--vsa", &path)),
            Some(doc) => match write_doc(reporter, &path, &doc) {
                Ok(sha) => reporter.evidence("vsa", &path, &sha, count(&doc)),
                Err(err) => errors.push(err),
            },
        }
    }
    if let Some(dir) = &outs.sbom {
        let dir = work_dir.join(dir);
        if let Err(err) = std::fs::create_dir_all(&dir) {
            errors.push(crate::error::writing(
                format_args!(
                    "creating the SBOM directory `{}`",
                    crate::sanitize::escape::path(&dir)
                ),
                &err,
            ));
            return errors;
        }
        let mut written: Vec<&str> = Vec::new();
        for a in sbom_artifacts(e) {
            // The same file judged twice has one document, written once.
            if written.contains(&a.name.as_str()) {
                continue;
            }
            let Some(doc) = evidence::sbom::render(a, &e.finished_on) else {
                continue;
            };
            let path = dir.join(evidence::sbom::file_name(&a.name));
            match write_doc(reporter, &path, &doc) {
                Ok(sha) => {
                    reporter.evidence("sbom", &path, &sha, 1);
                    written.push(&a.name);
                }
                Err(err) => errors.push(err),
            }
        }
    }
    errors
}

/// The artifacts `--sbom` writes a document for: the delivered ones of a build, every
/// file of verify, each with a digest.
fn sbom_artifacts<'e, 'a>(e: &'e Evidence<'a>) -> impl Iterator<Item = &'e Artifact<'a>> {
    e.artifacts.iter().filter(|a| {
        a.sha256().is_some() && (a.report.delivered || e.command == evidence::Command::Verify)
    })
}

/// The longest file name most file systems take, in bytes (Linux's `NAME_MAX`).
const NAME_MAX: usize = 255;

/// `--sbom DIR` names each artifact's document by its path ([`evidence::sbom::file_name`]):
/// two different artifacts whose documents would have one name, or a name longer than
/// a file name may be, are refused (exit 2), so that no document replaces another.
/// `build` asks this of its plans' destinations before anything builds (`/dev/null`,
/// where every target may discard, gets no document); [`write`] asks it again before
/// writing anything.
pub fn check_sbom_names(
    outs: &Outputs,
    plans: &[super::plan::Plan],
    work_dir: &Path,
) -> anyhow::Result<()> {
    let Some(dir) = &outs.sbom else {
        return Ok(());
    };
    let subjects: Vec<String> = plans
        .iter()
        .filter(|p| p.dest != Path::new("/dev/null"))
        .map(|p| subject_name(&p.dest, work_dir))
        .collect();
    distinct_sbom_names(dir, subjects.iter().map(String::as_str))
}

fn distinct_sbom_names<'s>(
    dir: &Path,
    subjects: impl IntoIterator<Item = &'s str>,
) -> anyhow::Result<()> {
    let shown = |s: &str| crate::sanitize::escape::value(s).into_owned();
    let mut seen: Vec<(String, &str)> = Vec::new();
    for subject in subjects {
        let name = evidence::sbom::file_name(subject);
        let file = crate::sanitize::escape::path(&dir.join(&name));
        if name.len() > NAME_MAX {
            return Err(crate::error::usage(format!(
                "--sbom: the SBOM of `{}` would be `{file}`, a file name of {} bytes (at most \
                 {NAME_MAX}): the name is the artifact's path with `/` as `_`; choose a \
                 shorter output path",
                shown(subject),
                name.len()
            )));
        }
        if let Some((_, other)) = seen.iter().find(|(n, o)| *n == name && *o != subject) {
            return Err(crate::error::usage(format!(
                "--sbom: the SBOMs of `{}` and `{}` would both be `{file}` (the name is the \
                 artifact's path with `/` as `_`): choose output paths that differ other \
                 than by `/` and `_`",
                shown(other),
                shown(subject)
            )));
        }
        seen.push((name, subject));
    }
    Ok(())
}

fn write_doc(reporter: &Reporter, path: &Path, doc: &serde_json::Value) -> anyhow::Result<String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            crate::error::writing(
                format_args!("creating `{}`", crate::sanitize::escape::path(parent)),
                &e,
            )
        })?;
    }
    reporter.write_evidence(path, &evidence::to_bytes(doc))
}

fn nothing_to_attest(flag: &str, path: &Path) -> anyhow::Error {
    crate::error::failure(
        crate::error::Exit::VerifyFailed,
        format!(
            "{flag} {}: no artifact to attest (none was delivered, or none could be hashed)",
            crate::sanitize::escape::path(path)
        ),
    )
}

/// An artifact of a build for the documents.
pub fn built_artifact<'a>(
    report: &'a crate::report::ArtifactReport,
    plan: &'a super::plan::Plan,
    policy: &crate::verify::Policy,
    work_dir: &Path,
) -> Artifact<'a> {
    Artifact {
        report,
        name: subject_name(&plan.dest, work_dir),
        build: Some(evidence::Build {
            package: &plan.package,
            profile: &plan.profile,
        }),
        policy: evidence::policy_json(policy),
    }
}

/// The evidence of a `build` before any document is written: its profile, the
/// toolchain (the go version the artifacts recorded), the source checkout, and the
/// resource URI (`--vsa-resource-uri`, else the source's URI, else the working
/// directory's).
pub fn of_build<'a>(
    ctx: &super::Context,
    go: &Go,
    outs: &Outputs,
    started_on: String,
    checksums: Option<Written>,
    artifacts: Vec<Artifact<'a>>,
) -> anyhow::Result<Evidence<'a>> {
    let profile = profile_info(
        &ctx.profile.name,
        ctx.profile.file.as_deref(),
        &ctx.work_dir,
    )?;
    let recorded = artifacts
        .iter()
        .find_map(|a| a.go_version())
        .map(str::to_string);
    let module_dir = ctx.module_dir.as_deref().unwrap_or(&ctx.work_dir);
    let source = source(&ctx.host, module_dir, &ctx.work_dir);
    let resource_uri = outs
        .resource_uri
        .clone()
        .or_else(|| source.as_ref().map(|s| s.uri.clone()))
        .unwrap_or_else(|| format!("file://{}", ctx.work_dir.display()));
    Ok(Evidence {
        command: evidence::Command::Build,
        started_on,
        finished_on: now(),
        invocation_id: invocation_id(&ctx.host),
        profile: Some(profile),
        go: Some(toolchain(go, recorded.as_deref())),
        source,
        checksums,
        provenance: None,
        artifacts,
        resource_uri,
    })
}
