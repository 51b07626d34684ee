//! The image's evidence as OCI 1.1 referrers, when `--sbom DIR` or `--provenance FILE`
//! is given: one CycloneDX SBOM per binary of each platform, whose subject is that
//! platform's manifest (one per platform with one binary), and one SLSA v1 provenance
//! whose in-toto subjects are the index and every platform manifest, with the base as a
//! resolved dependency, and whose OCI subject is the index. Each is an artifact
//! manifest ([`crate::registry::publish::artifact_manifest`]), listed in the layout's
//! `index.json` and pushed with the image (the referrers API, else the `sha256-<hex>`
//! tag). The files `--sbom` and `--provenance` write stay the build's (the binaries).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::assemble::{layout, Assembled};
use crate::evidence;
use crate::pipeline::evidence as ev;
use crate::pipeline::{Context, Plan};
use crate::registry::client::sha256_digest;
use crate::registry::publish::{
    artifact_descriptor, artifact_manifest, Artifact, Subject, EMPTY, PROVENANCE_TYPE, SBOM_TYPE,
};
use crate::report::{ArtifactReport, Reporter};
use crate::toolchain::Go;

/// What the build knows that the evidence needs.
#[derive(Debug, Clone, Copy)]
pub struct BuildFacts<'a> {
    pub go: &'a Go,
    pub outs: &'a ev::Outputs,
    /// When the run started (RFC 3339).
    pub started_on: &'a str,
}

/// One referrer: its document, the artifact manifest, and what it refers to.
#[derive(Debug, Clone)]
pub struct Attached {
    pub artifact_type: &'static str,
    pub document: Vec<u8>,
    pub manifest: Vec<u8>,
    pub subject: Subject,
    pub annotations: BTreeMap<String, String>,
}

impl Attached {
    /// As the registry client pushes it.
    pub fn artifact(&self) -> Artifact<'_> {
        Artifact {
            artifact_type: self.artifact_type,
            media_type: self.artifact_type,
            bytes: &self.document,
            annotations: self.annotations.clone(),
        }
    }
}

const CREATED: &str = "org.opencontainers.image.created";

/// How the image and its base are named in the documents.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    /// The image (`repository`, else its title).
    pub image: &'a str,
    /// The base as a resolved dependency's URI (`oci://HOST/REPO:TAG`, `oci:DIR:TAG`).
    pub base_uri: &'a str,
    /// The image's time (RFC 3339): on each artifact, and each SBOM's timestamp, so the
    /// SBOMs are as reproducible as the image.
    pub created: &'a str,
}

/// The referrers of `image` for the documents `facts.outs` asks for (none when it asks
/// for neither an SBOM nor a provenance).
pub fn documents(
    ctx: &Context,
    facts: &BuildFacts<'_>,
    built: &[(&Plan, &ArtifactReport)],
    image: &Assembled,
    names: &Names<'_>,
    reporter: &Reporter,
) -> anyhow::Result<Vec<Attached>> {
    let created = names.created;
    let outs = facts.outs;
    if outs.sbom.is_none() && outs.provenance.is_none() {
        return Ok(Vec::new());
    }
    let artifacts: Vec<evidence::Artifact> = built
        .iter()
        .map(|(plan, report)| {
            let policy = crate::verify::Policy::from_profile(&plan.profile, Some(&plan.target));
            ev::built_artifact(report, plan, &policy, &ctx.work_dir)
        })
        .collect();
    let annotations = BTreeMap::from([(CREATED.to_string(), created.to_string())]);
    let attach = |artifact_type: &'static str, doc: &Value, subject: Subject| {
        let document = reporter.mask_bytes(&evidence::to_bytes(doc)).into_owned();
        let mut a = Attached {
            artifact_type,
            document,
            manifest: Vec::new(),
            subject,
            annotations: annotations.clone(),
        };
        a.manifest = artifact_manifest(&a.artifact(), &a.subject);
        a
    };
    let mut out = Vec::new();
    if outs.sbom.is_some() {
        for ((plan, _), a) in built.iter().zip(&artifacts) {
            let platform = crate::image::Platform::of_target(&plan.target);
            let Some(img) = image.image(&platform) else {
                continue;
            };
            if let Some(doc) = evidence::sbom::render(a, created) {
                out.push(attach(SBOM_TYPE, &doc, Subject::of(&img.manifest)));
            }
        }
    }
    if outs.provenance.is_some() {
        let e = ev::of_build(
            ctx,
            facts.go,
            outs,
            facts.started_on.to_string(),
            None,
            artifacts,
        )?;
        if let Some(mut doc) = evidence::provenance::render(&e) {
            image_subjects(&mut doc, image, names);
            if !outs.host_paths {
                evidence::provenance::without_host_paths(&mut doc, &ctx.work_dir);
            }
            out.push(attach(PROVENANCE_TYPE, &doc, Subject::of(&image.index)));
        }
    }
    Ok(out)
}

/// The provenance of an image: its subjects the index and every platform manifest, the
/// base (from the index's `base.name` and `base.digest` annotations) a resolved
/// dependency beside the modules.
fn image_subjects(doc: &mut Value, image: &Assembled, names: &Names<'_>) {
    let name = names.image;
    let hex = |d: &str| d.strip_prefix("sha256:").unwrap_or(d).to_string();
    let mut subjects = vec![json!({
        "name": name,
        "digest": { "sha256": hex(&image.index.digest) },
    })];
    for i in &image.images {
        subjects.push(json!({
            "name": format!("{name} ({})", i.stated),
            "digest": { "sha256": hex(&i.manifest.digest) },
        }));
    }
    doc["subject"] = json!(subjects);
    let annotations: Value = image
        .index
        .bytes()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        .and_then(|v| v.get("annotations").cloned())
        .unwrap_or(Value::Null);
    if let Some(d) = annotations["org.opencontainers.image.base.digest"].as_str() {
        let uri = names.base_uri;
        if let Some(deps) = doc
            .pointer_mut("/predicate/buildDefinition/resolvedDependencies")
            .and_then(Value::as_array_mut)
        {
            deps.push(json!({
                "name": "base image",
                "uri": uri,
                "digest": { "sha256": hex(d) },
            }));
        }
    }
}

/// What a layout holds of the referrers: every blob, and each manifest's descriptor.
pub fn for_layout(attached: &[Attached]) -> layout::Referrers {
    let mut r = layout::Referrers::default();
    if attached.is_empty() {
        return r;
    }
    r.blobs.push(EMPTY.to_vec());
    for a in attached {
        r.blobs.push(a.document.clone());
        r.blobs.push(a.manifest.clone());
        r.descriptors.push(artifact_descriptor(&a.manifest));
    }
    r
}

/// The artifact manifest's digest (`sha256:…`).
pub fn digest(a: &Attached) -> String {
    sha256_digest(&a.manifest)
}
