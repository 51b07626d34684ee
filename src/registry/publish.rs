//! Pushing an assembled image ([`crate::assemble::Assembled`]) to a registry: every
//! blob once (skipped when a `HEAD` finds it; the base's layers mounted from the base's
//! repository when it is in the same registry; else uploaded, in one `PUT` or in
//! chunks past [`Options::chunk_size`](super::Options)), each platform's manifest by
//! digest, then the index under each tag (by its digest when there is none). The bytes
//! pushed are the assembled bytes: the registry's digests are the layout's.
//!
//! And referrer artifacts (OCI 1.1): an SBOM or a provenance document as the one layer
//! of an image manifest with an `artifactType`, the empty config and a `subject`
//! ([`artifact_manifest`], pure), pushed with the referrers API or, where the registry
//! has none, recorded under the referrers tag `sha256-<hex>` ([`push_artifact`]).
//!
//! Every error is masked by the client's secrets; nothing here prints.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::base::MountSource;
use super::client::{sha256_digest, Client};
use super::push::Pushed;
use super::reference::{tag_ok, Reference};
use super::referrers::Via;
use super::{Kind, Options, RegistryError};
use crate::assemble::{Assembled, Blob};
use crate::sanitize::redact::Secrets;

/// The media type of the OCI empty descriptor's blob (`{}`).
pub const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The artifact type of a CycloneDX SBOM.
pub const SBOM_TYPE: &str = "application/vnd.cyclonedx+json";
/// The artifact type of an in-toto statement (SLSA provenance).
pub const PROVENANCE_TYPE: &str = "application/vnd.in-toto+json";
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// What a push did.
#[derive(Debug, Clone)]
pub struct PushedImage {
    /// `REGISTRY/REPO`, as pushed to.
    pub name: String,
    /// The index's digest.
    pub digest: String,
    /// Each platform (`linux/arm64`) and its manifest's digest, in the image's order.
    pub manifests: Vec<(String, String)>,
    /// The tags the index was put under.
    pub tags: Vec<String>,
    /// Every blob and how it got there.
    pub blobs: Vec<(String, Pushed)>,
    /// The credentials and tokens used, for masking other output.
    pub secrets: Secrets,
}

impl PushedImage {
    /// `REGISTRY/REPO@sha256:…`, as `Pushed …` prints it.
    pub fn pinned(&self) -> String {
        format!("{}@{}", self.name, self.digest)
    }
}

/// Pushes `image` to `dest`'s repository under each of `tags` (each checked as a tag;
/// `dest`'s own tag is added when it has one; with none at all the index is put by
/// digest only). `mount`: the base's registry and repository, from which its layers
/// are mounted when `dest` is in the same registry. The client comes from `env`'s
/// credential files ([`super::credentials::find`]).
pub fn push_image(
    image: &Assembled,
    dest: &Reference,
    tags: &[String],
    mount: Option<&MountSource>,
    env: &BTreeMap<String, String>,
    options: &Options,
) -> Result<PushedImage, RegistryError> {
    let client = Client::for_reference(dest, env, options)?;
    push_image_with(&client, image, dest, tags, mount)
}

/// [`push_image`] with a client of `dest`'s registry.
pub fn push_image_with(
    client: &Client,
    image: &Assembled,
    dest: &Reference,
    tags: &[String],
    mount: Option<&MountSource>,
) -> Result<PushedImage, RegistryError> {
    let mut all_tags: Vec<String> = Vec::new();
    for t in dest.tag.iter().chain(tags) {
        if !tag_ok(t) {
            return Err(RegistryError::new(
                Kind::Reference,
                format!(
                    "`{}` is not a valid tag for `{}/{}` (a tag is [A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters)",
                    t.escape_debug(),
                    dest.registry,
                    dest.repository
                ),
            ));
        }
        if !all_tags.contains(t) {
            all_tags.push(t.clone());
        }
    }
    let repo = dest.repository.as_str();
    let mount_from = mount
        .filter(|m| m.registry == dest.registry && m.repository != dest.repository)
        .map(|m| m.repository.as_str());
    let mut blobs: Vec<(String, Pushed)> = Vec::new();
    let push = |b: &Blob, blobs: &mut Vec<(String, Pushed)>| -> Result<(), RegistryError> {
        if blobs.iter().any(|(d, _)| d == &b.digest) {
            return Ok(());
        }
        let from = if b.bytes().is_none() {
            mount_from
        } else {
            None
        };
        let mut open = || {
            image.open(b).map_err(|e| {
                RegistryError::new(
                    Kind::Corrupt,
                    format!("pushing {}: {}", b.digest, e.message),
                )
            })
        };
        let how = client.push_blob_from(repo, &b.digest, b.size, from, &mut open)?;
        blobs.push((b.digest.clone(), how));
        Ok(())
    };
    let mut manifests = Vec::new();
    for p in &image.images {
        for l in &p.layers {
            push(&l.blob, &mut blobs)?;
        }
        push(&p.config, &mut blobs)?;
        let bytes = document(&p.manifest)?;
        let put = client.put_manifest(repo, &p.manifest.digest, &p.manifest.media_type, bytes)?;
        manifests.push((p.stated.to_string(), put.digest));
    }
    let index = document(&image.index)?;
    if all_tags.is_empty() {
        client.put_manifest(repo, &image.index.digest, &image.index.media_type, index)?;
    }
    for t in &all_tags {
        client.put_manifest(repo, t, &image.index.media_type, index)?;
    }
    Ok(PushedImage {
        name: format!("{}/{}", dest.registry, dest.repository),
        digest: image.index.digest.clone(),
        manifests,
        tags: all_tags,
        blobs,
        secrets: client.secrets(),
    })
}

fn document(b: &Blob) -> Result<&[u8], RegistryError> {
    b.bytes().ok_or_else(|| {
        RegistryError::new(
            Kind::Protocol,
            format!("{} {} is not held in memory", b.media_type, b.digest),
        )
    })
}

/// A document attached to an image: an SBOM, a provenance statement.
#[derive(Debug, Clone)]
pub struct Artifact<'a> {
    /// The manifest's `artifactType` ([`SBOM_TYPE`], [`PROVENANCE_TYPE`]).
    pub artifact_type: &'a str,
    /// The media type of the document's blob (usually the artifact type).
    pub media_type: &'a str,
    pub bytes: &'a [u8],
    /// The manifest's annotations (`org.opencontainers.image.created`, …).
    pub annotations: BTreeMap<String, String>,
}

/// What an artifact refers to: a manifest or index's descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

impl Subject {
    /// The subject a blob of the assembled image is (a platform manifest, the index).
    pub fn of(b: &Blob) -> Subject {
        Subject {
            media_type: b.media_type.clone(),
            digest: b.digest.clone(),
            size: b.size,
        }
    }
}

/// The bytes of the empty config (`{}`).
pub const EMPTY: &[u8] = b"{}";

/// The artifact manifest of `a` with `subject` (an OCI 1.1 image manifest: its
/// `artifactType`, the empty config, the document as its one layer, the subject and
/// the annotations). Pure; the same input gives the same bytes.
pub fn artifact_manifest(a: &Artifact<'_>, subject: &Subject) -> Vec<u8> {
    let mut m = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": a.artifact_type,
        "config": {
            "mediaType": EMPTY_TYPE,
            "digest": sha256_digest(EMPTY),
            "size": EMPTY.len(),
            "data": "e30=",
        },
        "layers": [{
            "mediaType": a.media_type,
            "digest": sha256_digest(a.bytes),
            "size": a.bytes.len(),
        }],
        "subject": {
            "mediaType": subject.media_type,
            "digest": subject.digest,
            "size": subject.size,
        },
    });
    if !a.annotations.is_empty() {
        m["annotations"] = json!(a.annotations);
    }
    serde_json::to_vec(&m).unwrap_or_default()
}

/// Pushes artifact `a` referring to `subject` into `repo`: the empty config and the
/// document as blobs, then the manifest as a referrer ([`Client::push_referrer`]: the
/// referrers API, else the tag schema). Returns the manifest's digest and how it is
/// listed.
pub fn push_artifact(
    client: &Client,
    repo: &str,
    a: &Artifact<'_>,
    subject: &Subject,
) -> Result<(String, Via), RegistryError> {
    let manifest = artifact_manifest(a, subject);
    client.push_blob(
        repo,
        &sha256_digest(EMPTY),
        EMPTY.len() as u64,
        super::push::BlobData::Bytes(EMPTY),
        None,
    )?;
    client.push_blob(
        repo,
        &sha256_digest(a.bytes),
        a.bytes.len() as u64,
        super::push::BlobData::Bytes(a.bytes),
        None,
    )?;
    client.push_referrer(repo, MANIFEST_TYPE, &manifest, &subject.digest)
}

/// The descriptor of an artifact manifest as an index lists it (with its
/// `artifactType` and annotations), e.g. for a layout's `index.json`.
pub fn artifact_descriptor(manifest: &[u8]) -> Value {
    let doc: Value = serde_json::from_slice(manifest).unwrap_or(Value::Null);
    let mut d = json!({
        "mediaType": MANIFEST_TYPE,
        "digest": sha256_digest(manifest),
        "size": manifest.len(),
    });
    if let Some(t) = doc.get("artifactType") {
        d["artifactType"] = t.clone();
    }
    if let Some(a) = doc.get("annotations") {
        d["annotations"] = a.clone();
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_manifests_are_oci_1_1_and_deterministic() {
        let subject = Subject {
            media_type: MANIFEST_TYPE.into(),
            digest: format!("sha256:{}", "b".repeat(64)),
            size: 42,
        };
        let a = Artifact {
            artifact_type: SBOM_TYPE,
            media_type: SBOM_TYPE,
            bytes: br#"{"bomFormat":"CycloneDX"}"#,
            annotations: BTreeMap::from([(
                "org.opencontainers.image.created".to_string(),
                "2023-11-14T22:13:20Z".to_string(),
            )]),
        };
        let m = artifact_manifest(&a, &subject);
        assert_eq!(m, artifact_manifest(&a, &subject));
        let v: Value = serde_json::from_slice(&m).unwrap();
        assert_eq!(v["artifactType"], SBOM_TYPE);
        assert_eq!(v["config"]["mediaType"], EMPTY_TYPE);
        assert_eq!(
            v["config"]["digest"],
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(v["subject"]["digest"], subject.digest);
        assert_eq!(v["layers"][0]["size"], a.bytes.len());
        let d = artifact_descriptor(&m);
        assert_eq!(d["artifactType"], SBOM_TYPE);
        assert_eq!(d["digest"], sha256_digest(&m));
    }
}
