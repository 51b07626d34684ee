//! The publish room: the image of `cargo xbuild-go image`, from the artifacts the build
//! verified (ko keeps `build` and `publish` apart; so does this room).
//!
//! Its inner layers, bottom first:
//!
//! - [`settings`]: what is asked, before anything builds: the base reference, the spec
//!   of `[profile.NAME.image]`, tags, binary paths, outputs, the epoch;
//! - [`prove`]: the proofs of each platform's image, before any output;
//! - this file: [`prepare`] (the linux plans kept, the base read once for every
//!   platform, every setting checked — before the build) and [`publish`] (assemble,
//!   prove, then write, and report).
//!
//! - [`referrers`]: the SBOMs and the provenance as OCI 1.1 referrers of the image;
//! - [`remote`]: a registry base pulled and pinned by `xbuild-go.lock`, and `--push`.

pub mod prove;
pub mod referrers;
pub mod remote;
pub mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::assemble::{self, archive, layout, Assembled, Base, BinaryInLayer, ImageSpec};
use crate::error::{failure, usage, Exit};
use crate::image::{ImageRef, Platform};
use crate::pipeline::images::{base_dir, missing_image_help};
use crate::pipeline::smoke::SmokeRequest;
use crate::pipeline::{Context, Plan};
use crate::report::image::{ImageOutput, ImagePlatform, ImageReport};
use crate::report::{ArtifactReport, Reporter};
use crate::target::Target;
use settings::BaseRef;

/// What the `image` command asks besides the build.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `--oci-layout DIR` (relative to the working directory).
    pub oci_layout: Option<PathBuf>,
    /// `--oci-archive FILE`.
    pub oci_archive: Option<PathBuf>,
    /// `--docker-archive FILE` (a template with `{os}`, `{arch}`, `{variant}`).
    pub docker_archive: Option<String>,
    /// `--check-reproducible`: assemble twice, and the index digests must match.
    pub check_reproducible: bool,
    /// `--smoke ARGS`, `--no-smoke`, `--smoke-timeout`, as `build` takes them.
    pub smoke: Option<String>,
    pub no_smoke: bool,
    pub smoke_timeout: Option<std::time::Duration>,
    /// `--push` (`Some("")`) or `--push=REF`.
    pub push: Option<String>,
    /// `--locked`, `--update-lock`, or neither.
    pub lock: remote::LockMode,
    /// `--insecure-registry HOST`, repeated.
    pub insecure_registries: Vec<String>,
}

/// The default layout directory, under the profile file's directory (else the working
/// directory), with no output flag.
pub const DEFAULT_LAYOUT: &str = "dist/image";

/// Everything checked before the build: the base read for every platform, the spec,
/// the tags and where the outputs go.
pub struct Prepared {
    base: Base,
    spec: ImageSpec,
    tags: Vec<String>,
    repository: Option<String>,
    outputs: settings::Outputs,
    targets: Vec<(Target, Platform)>,
    epoch: u64,
    request: Request,
    /// The registry base, when the base is a registry's.
    registry: Option<remote::RegistryBase>,
    /// Where `--push` goes.
    push: Option<remote::Push>,
    /// The registries that may be plain HTTP.
    insecure: Vec<String>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("base", &self.base.name)
            .field("tags", &self.tags)
            .field("outputs", &self.outputs)
            .finish()
    }
}

/// Keeps the linux plans (each other one skipped with a note; none left is exit 2),
/// reads the base once for all their platforms, and checks every setting of the image
/// table and every output — all before anything builds.
pub fn prepare(
    ctx: &Context,
    plans: Vec<Plan>,
    request: &Request,
    reporter: &Reporter,
) -> anyhow::Result<(Vec<Plan>, Prepared)> {
    let profile = &ctx.profile;
    let Some(image) = &profile.image else {
        return Err(usage(format!(
            "profile `{}` has no image table: add [profile.{}.image] with base = \"oci:DIR:TAG\" \
             (docs/images-out.md)",
            profile.name, profile.name
        )));
    };
    let mut skipped = Vec::new();
    let (kept, other): (Vec<Plan>, Vec<Plan>) =
        plans.into_iter().partition(|p| p.target.goos() == "linux");
    for p in &other {
        if !skipped.contains(&p.target) {
            skipped.push(p.target.clone());
            reporter.warn(&format!(
                "{}: skipped: an image holds linux binaries only",
                p.target
            ));
        }
    }
    if kept.is_empty() {
        return Err(usage(format!(
            "{}no linux target to put in an image: the targets are {} (add e.g. linux/amd64 \
             to `targets` or give --target linux/arm64)",
            settings::at(&profile.targets.source),
            skipped
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let (base_ref, base_written) = settings::base_ref(image)?;
    let insecure = remote::insecure(&request.insecure_registries, image);
    let mut targets: Vec<(Target, Platform)> = Vec::new();
    for p in &kept {
        if !targets.iter().any(|(t, _)| t == &p.target) {
            targets.push((p.target.clone(), Platform::of_target(&p.target)));
        }
    }
    let mut names: Vec<&str> = Vec::new();
    for p in &kept {
        if !names.contains(&p.name.as_str()) {
            names.push(&p.name);
        }
    }
    if names.len() > 1 && image.entrypoint.is_none() {
        return Err(usage(format!(
            "{}image.entrypoint: {} binaries go into the image ({}): set image.entrypoint to \
             the one that starts, e.g. entrypoint = [\"/usr/local/bin/{}\"]",
            settings::at(&image.table),
            names.len(),
            names.join(", "),
            names[0]
        )));
    }
    let source = ctx.source_vars();
    let vars = |n: &str| source.get(n);
    let one_name = (names.len() == 1).then(|| names[0]);
    let tags = settings::tags(image, &vars, one_name, &profile.name)?;
    // Each binary's path, checked now (the values are filled again per plan later).
    let mut paths: BTreeMap<(&str, String), &str> = BTreeMap::new();
    for p in &kept {
        let path = plan_path(ctx, p)?;
        if let Some(other) = paths.insert((p.target.goarch(), path.clone()), &p.name) {
            if other != p.name {
                return Err(usage(format!(
                    "{}image.path: `{}` and `{}` both go to `{path}`: put {{name}} in image.path",
                    settings::at(&image.path.source),
                    other,
                    p.name
                )));
            }
        }
    }
    let commit = source.get("commit").filter(|c| c != "unknown");
    let module_dir = ctx.module_dir.as_deref().unwrap_or(&ctx.work_dir);
    let remote = crate::pipeline::evidence::source(&ctx.host, module_dir, &ctx.work_dir)
        .map(|s| s.uri)
        .map(|u| {
            // `git+REMOTE@REF`, as the provenance names it: the remote alone here.
            let u = u.strip_prefix("git+").unwrap_or(&u).to_string();
            match u.rsplit_once('@') {
                Some((remote, _)) if remote.contains("://") || remote.contains(':') => {
                    remote.to_string()
                }
                _ => u,
            }
        })
        // A checkout without a remote is named by its local path: not part of an image
        // that must be the same machine after machine.
        .filter(|r| !r.starts_with("file://"))
        .map(|r| settings::remote_without_credentials(&r));
    if let Some(r) = &image.repository {
        remote::repository(r)?;
    }
    let repository = image.repository.as_ref().map(|r| r.value.clone());
    let title = repository
        .as_deref()
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
        .or_else(|| one_name.map(str::to_string));
    let spec = settings::image_spec(
        image,
        settings::SourceAnnotations {
            version: source.get("version"),
            revision: commit,
            source: remote,
            title,
        },
    )?;
    let epoch = settings::epoch(
        ctx.host.get("SOURCE_DATE_EPOCH").map(String::as_str),
        source.epoch,
    )?;
    let mut outputs = settings::Outputs {
        layout: request.oci_layout.as_ref().map(|p| ctx.work_dir.join(p)),
        oci_archive: request.oci_archive.as_ref().map(|p| ctx.work_dir.join(p)),
        docker_archives: match &request.docker_archive {
            Some(t) => settings::docker_archives(t, &ctx.work_dir, &targets)?,
            None => Vec::new(),
        },
    };
    if outputs.is_empty() {
        let dir = profile
            .file
            .as_deref()
            .and_then(Path::parent)
            .map(|d| ctx.work_dir.join(d))
            .unwrap_or_else(|| ctx.work_dir.clone());
        outputs.layout = Some(dir.join(DEFAULT_LAYOUT));
    }
    settings::check_destinations(&outputs)?;
    let push = match &request.push {
        Some(p) => Some(remote::destination(p, image, &tags)?),
        None => None,
    };
    let platforms: Vec<Platform> = targets.iter().map(|(_, p)| p.clone()).collect();
    let (r, registry): (ImageRef, _) = match base_ref {
        BaseRef::Local(r) => {
            if request.lock != remote::LockMode::Default {
                reporter.warn(&format!(
                    "{}: xbuild-go.lock records registry bases only; `{}` is local (its bytes \
                     are the project's files), so --locked and --update-lock have nothing to do",
                    if request.lock == remote::LockMode::Locked {
                        "--locked"
                    } else {
                        "--update-lock"
                    },
                    base_written.value
                ));
            }
            (r, None)
        }
        BaseRef::Registry(reference) => {
            let b = remote::pull_base(
                ctx,
                &reference,
                &base_written,
                &platforms,
                request.lock,
                &insecure,
            )?;
            reporter.add_secrets(&b.pulled.secrets);
            (b.pulled.image.clone(), Some(b))
        }
    };
    let dir = base_dir(&base_written.source, &ctx.work_dir);
    let mut base = Base::open(&r, &dir, &platforms).map_err(|e| {
        let message = format!("{}image.base: {e}", settings::at(&base_written.source));
        match registry
            .is_none()
            .then(|| missing_image_help(&r, &r.resolve(&dir), true))
            .flatten()
        {
            Some(help) => crate::error::helped(e.exit, message, help),
            None => failure(e.exit, message),
        }
    })?;
    if let Some(b) = &registry {
        base.name = b.pulled.reference.to_string();
    }
    Ok((
        kept,
        Prepared {
            base,
            spec,
            tags,
            repository,
            outputs,
            targets,
            epoch,
            request: request.clone(),
            registry,
            push,
            insecure,
        },
    ))
}

/// Where `plan`'s binary goes in the image.
fn plan_path(ctx: &Context, plan: &Plan) -> anyhow::Result<String> {
    let Some(image) = &ctx.profile.image else {
        return Err(usage("the profile has no image table"));
    };
    let source = || ctx.source_vars();
    let vars =
        |n: &str| crate::pipeline::stamp::var(n, &plan.name, &plan.target, &ctx.profile, &source);
    settings::binary_path(image, &vars)
}

/// Each verified artifact read back from where it was delivered, checked against the
/// sha256 it was verified with.
fn delivered_bytes(plan: &Plan, report: &ArtifactReport) -> anyhow::Result<(Arc<[u8]>, String)> {
    if report.discarded || !report.delivered {
        return Err(usage(format!(
            "{}: the image is made from delivered artifacts, and this one was not delivered \
             (-o /dev/null?): give an output path",
            plan.target
        )));
    }
    let sha = report
        .sha256
        .clone()
        .ok_or_else(|| failure(Exit::VerifyFailed, "the artifact's sha256 was not computed"))?;
    let bytes = std::fs::read(&plan.dest).map_err(|e| {
        failure(
            Exit::Toolchain,
            format!(
                "reading the verified artifact `{}` back: {e}",
                crate::sanitize::escape::path(&plan.dest)
            ),
        )
    })?;
    if crate::digest::sha256_hex(&bytes) != sha {
        return Err(failure(
            Exit::VerifyFailed,
            format!(
                "`{}` changed since it was verified (its sha256 is no longer {sha}): nothing was written",
                crate::sanitize::escape::path(&plan.dest)
            ),
        ));
    }
    Ok((bytes.into(), sha))
}

/// Assembles the image from the verified artifacts, proves every platform, then writes
/// each output and reports the image: the summary's row is returned. A failed proof is
/// exit 1, each failing check reported with its platform, and nothing is written.
pub fn publish(
    ctx: &Context,
    prepared: &Prepared,
    built: &[(&Plan, &ArtifactReport)],
    facts: &referrers::BuildFacts<'_>,
    reporter: &Reporter,
) -> anyhow::Result<[String; 5]> {
    let p = prepared;
    let mut per_platform: Vec<(Platform, Vec<BinaryInLayer>)> = p
        .targets
        .iter()
        .map(|(_, pl)| (pl.clone(), Vec::new()))
        .collect();
    let mut held: Vec<(&Plan, String, String)> = Vec::new();
    for (plan, report) in built {
        let (bytes, sha) = delivered_bytes(plan, report)?;
        let path = plan_path(ctx, plan)?;
        let platform = Platform::of_target(&plan.target);
        if let Some((_, bins)) = per_platform.iter_mut().find(|(pl, _)| pl == &platform) {
            bins.push(BinaryInLayer {
                path: path.clone(),
                bytes,
            });
        }
        held.push((plan, path, sha));
    }
    let name = match (&p.repository, p.tags.first()) {
        (Some(r), Some(t)) => format!("{r}:{t}"),
        (None, Some(t)) => t.clone(),
        _ => String::new(),
    };
    reporter.status(
        "Assembling",
        &format!(
            "image {name} on {} ({} platform{})",
            p.base.name,
            per_platform.len(),
            if per_platform.len() == 1 { "" } else { "s" }
        ),
    );
    // The live progress of the image (on a terminal): cleared however this ends.
    let _progress = reporter.progress_run("Image", 1);
    reporter.progress_phase("image", "assembling");
    let assembled = assemble::assemble(&p.base, &per_platform, &p.spec, p.epoch)?;
    if p.request.check_reproducible {
        let again = assemble::assemble(&p.base, &per_platform, &p.spec, p.epoch)?;
        if again.digest() != assembled.digest() {
            return Err(failure(
                Exit::VerifyFailed,
                format!(
                    "image.reproducible: two assemblies gave {} and {}: nothing was written",
                    assembled.digest(),
                    again.digest()
                ),
            ));
        }
        reporter.status(
            "Reproducible",
            &format!("image {name}: two assemblies gave {}", assembled.digest()),
        );
    }
    // The proofs, before any output.
    let mut expected: BTreeMap<Platform, Vec<prove::Expected>> = BTreeMap::new();
    let smokes: Vec<Option<SmokeRequest>> = held
        .iter()
        .map(|(plan, _, _)| {
            SmokeRequest::from_profile_and_flag(
                &plan.profile,
                p.request.smoke.as_deref(),
                p.request.no_smoke,
                p.request.smoke_timeout,
            )
        })
        .collect::<anyhow::Result<_>>()?;
    for ((plan, path, sha), smoke) in held.iter().zip(&smokes) {
        expected
            .entry(Platform::of_target(&plan.target))
            .or_default()
            .push(prove::Expected {
                target: &plan.target,
                path,
                sha256: sha,
                name: &plan.name,
                policy: crate::verify::Policy::from_profile(&plan.profile, Some(&plan.target)),
                smoke: smoke.as_ref(),
            });
    }
    let scratch = std::cell::OnceCell::new();
    let root = |t: &Target| -> Result<crate::image::rootfs::RootFs, String> {
        let dir: &Result<tempfile::TempDir, String> = scratch.get_or_init(|| {
            let dir = crate::toolchain::smoke::private_dir("xbuild-go-image-")
                .map_err(|e| format!("{e:#}"))?;
            layout::write_layout(&assembled, &dir.path().join("layout"), &["proof".into()])
                .map_err(|e| format!("writing the image to a private layout: {e}"))?;
            Ok(dir)
        });
        let dir = dir.as_ref().map_err(Clone::clone)?;
        let into = dir
            .path()
            .join(format!("root-{}", t.to_string().replace('/', "-")));
        std::fs::create_dir(&into).map_err(|e| format!("creating `{}`: {e}", into.display()))?;
        let r = match ImageRef::parse(&format!(
            "oci:{}:proof",
            dir.path().join("layout").display()
        )) {
            Some(Ok(r)) => r,
            _ => return Err("the private layout's path cannot be named as oci:DIR".into()),
        };
        crate::image::rootfs::extract(&r, Path::new("/"), &Platform::of_target(t), &into)
            .map_err(|e| e.to_string())
    };
    let proofs = prove::prove(
        &assembled,
        &p.base,
        &expected,
        &root,
        &ctx.host,
        &ctx.work_dir,
    );
    let mut failed = 0;
    for (platform, checks) in &proofs {
        let mut passed = Vec::new();
        for c in checks {
            if c.status.passes() {
                let shown = if c.status == crate::verify::Status::Skip {
                    format!("{} skipped", c.id)
                } else {
                    c.id.clone()
                };
                if !passed.contains(&shown) {
                    passed.push(shown);
                }
                continue;
            }
            failed += 1;
            reporter.error(
                Some(platform),
                Exit::VerifyFailed,
                &format!(
                    "{}: {}{}",
                    c.id,
                    c.message.as_deref().unwrap_or(""),
                    if c.actual.is_empty() {
                        String::new()
                    } else {
                        format!(" (found: {})", c.actual)
                    }
                ),
            );
        }
        if checks.iter().all(|c| c.status.passes()) {
            reporter.status("Proved", &format!("{platform} ({})", passed.join(", ")));
        }
    }
    if failed > 0 {
        return Err(failure(
            Exit::VerifyFailed,
            format!(
                "the image failed {failed} proof{}: nothing was written",
                if failed == 1 { "" } else { "s" }
            ),
        ));
    }
    let base_uri = match &p.registry {
        Some(b) => format!("oci://{}", b.pulled.reference),
        None => p.base.name.clone(),
    };
    let image_name = p
        .repository
        .clone()
        .or_else(|| p.spec.title.clone())
        .unwrap_or_else(|| "image".into());
    let created = crate::date::rfc3339_utc(p.epoch as i64);
    let attached = referrers::documents(
        ctx,
        facts,
        built,
        &assembled,
        &referrers::Names {
            image: &image_name,
            base_uri: &base_uri,
            created: &created,
        },
        reporter,
    )?;
    let outputs = write(&assembled, p, &referrers::for_layout(&attached))?;
    let mut pushed = Vec::new();
    // Said after the image's own lines.
    let mut after: Vec<(&str, String)> = Vec::new();
    if let Some(to) = &p.push {
        reporter.progress_phase("image", "pushing");
        let done = remote::push(ctx, &assembled, to, p.registry.as_ref(), &p.insecure)?;
        reporter.add_secrets(&done.secrets);
        let (listed, secrets) = remote::push_referrers(ctx, to, &attached, &p.insecure)?;
        reporter.add_secrets(&secrets);
        for (a, (digest, via)) in attached.iter().zip(listed) {
            after.push((
                "Attached",
                format!(
                    "{} {digest} to {}@{} ({})",
                    a.artifact_type,
                    done.name,
                    a.subject.digest,
                    match via {
                        crate::registry::Via::Api => "referrers API",
                        crate::registry::Via::TagSchema => "referrers tag",
                    }
                ),
            ));
        }
        for t in &done.tags {
            pushed.push(format!("{}:{t}@{}", done.name, done.digest));
        }
        if done.tags.is_empty() {
            pushed.push(done.pinned());
        }
    }
    if let Some(b) = &p.registry {
        if let Some(file) = b.write_lock(&ctx.profile.name)? {
            after.push((
                "Locked",
                format!(
                    "base {} at {} in {}",
                    b.pulled.reference,
                    b.pulled.digest,
                    crate::report::shown(file)
                ),
            ));
        }
    }
    let report = ImageReport {
        repository: p.repository.clone(),
        tags: p.tags.clone(),
        index_digest: assembled.digest().to_string(),
        base: p.base.name.clone(),
        platforms: assembled
            .images
            .iter()
            .map(|i| ImagePlatform {
                platform: i.stated.to_string(),
                manifest_digest: i.manifest.digest.clone(),
                base_digest: i.base_manifest.clone(),
            })
            .collect(),
        outputs,
        pushed,
    };
    reporter.image(&report);
    for (verb, line) in &after {
        reporter.status(verb, line);
    }
    Ok([
        "image".to_string(),
        report
            .outputs
            .first()
            .map(|o| format!("{}:{}", o.kind, o.path))
            .unwrap_or_default(),
        format!(
            "{} platform{}",
            report.platforms.len(),
            if report.platforms.len() == 1 { "" } else { "s" }
        ),
        "proven".to_string(),
        report.index_digest.chars().take(19).collect(),
    ])
}

/// Writes every output asked (parents made), each atomically.
fn write(
    a: &Assembled,
    p: &Prepared,
    referrers: &layout::Referrers,
) -> anyhow::Result<Vec<ImageOutput>> {
    let shown = |path: &Path| crate::report::shown(path);
    let parent = |path: &Path| -> anyhow::Result<()> {
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).map_err(|e| {
                failure(
                    Exit::Toolchain,
                    format!("creating `{}`: {e}", crate::sanitize::escape::path(d)),
                )
            })?;
        }
        Ok(())
    };
    let mut out = Vec::new();
    if let Some(dir) = &p.outputs.layout {
        parent(dir)?;
        layout::write_layout_with(a, dir, &p.tags, referrers)?;
        out.push(ImageOutput {
            kind: "oci",
            path: shown(dir),
            platform: None,
        });
    }
    if let Some(file) = &p.outputs.oci_archive {
        parent(file)?;
        archive::write_oci_archive(a, file, &p.tags)?;
        out.push(ImageOutput {
            kind: "oci-archive",
            path: shown(file),
            platform: None,
        });
    }
    let name = p
        .repository
        .clone()
        .or_else(|| p.spec.title.clone())
        .map(|n| n.to_lowercase());
    let repo_tags: Vec<String> = match &name {
        Some(n) => p.tags.iter().map(|t| format!("{n}:{t}")).collect(),
        None => Vec::new(),
    };
    for (platform, file) in &p.outputs.docker_archives {
        parent(file)?;
        archive::write_docker_archive(a, platform, file, &repo_tags)?;
        out.push(ImageOutput {
            kind: "docker-archive",
            path: shown(file),
            platform: Some(platform.to_string()),
        });
    }
    Ok(out)
}
