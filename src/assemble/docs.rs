//! The manifests and the index, and the annotations they carry, as ko writes them:
//! `org.opencontainers.image.base.name` (the base as written) and `.base.digest` (on a
//! platform's manifest, the base's manifest digest for that platform; on the index, the
//! digest of what the base reference names: its index, or its one manifest), `.created`
//! (the epoch), and `.version`, `.revision`, `.source`, `.title` when given; the
//! profile's `annotations` over them. Fields in a fixed order, maps sorted.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::base::BaseImage;
use super::spec::ImageSpec;
use super::{AssembleError, Blob, Layer, PlatformImage, INDEX_TYPE, MANIFEST_TYPE};

const BASE_NAME: &str = "org.opencontainers.image.base.name";
const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";

/// The annotations of the index (with the base's reference digest) or of one manifest
/// (with the base's manifest digest for its platform).
pub fn annotations(
    spec: &ImageSpec,
    created: &str,
    base_name: &str,
    base_digest: Option<&str>,
) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            a.insert(format!("org.opencontainers.image.{k}"), v.to_string());
        }
    };
    put("created", Some(created));
    put("version", spec.version.as_deref());
    put("revision", spec.revision.as_deref());
    put("source", spec.source.as_deref());
    put("title", spec.title.as_deref());
    a.insert(BASE_NAME.into(), base_name.to_string());
    if let Some(d) = base_digest {
        a.insert(BASE_DIGEST.into(), d.to_string());
    }
    a.extend(spec.annotations.clone());
    a
}

#[derive(Serialize)]
struct PlatformDoc<'a> {
    architecture: &'a str,
    os: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    media_type: &'a str,
    digest: &'a str,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<PlatformDoc<'a>>,
}

impl<'a> Descriptor<'a> {
    fn of(b: &'a Blob) -> Descriptor<'a> {
        Descriptor {
            media_type: &b.media_type,
            digest: &b.digest,
            size: b.size,
            platform: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestDoc<'a> {
    schema_version: u32,
    media_type: &'a str,
    config: Descriptor<'a>,
    layers: Vec<Value>,
    annotations: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IndexDoc<'a> {
    schema_version: u32,
    media_type: &'a str,
    manifests: Vec<Descriptor<'a>>,
    annotations: &'a BTreeMap<String, String>,
}

/// A document's bytes as a blob, refused past what an image reader takes.
fn document(media_type: &str, doc: &impl Serialize, what: &str) -> Result<Blob, AssembleError> {
    let bytes = serde_json::to_vec(doc)
        .map_err(|e| AssembleError::environment(format!("writing the {what}: {e}")))?;
    let max = crate::image::manifest::MAX_JSON;
    if bytes.len() as u64 > max {
        return Err(AssembleError::usage(format!(
            "the image's {what} would be {} bytes, more than the {max} an image reader takes (MAX_JSON)",
            bytes.len()
        )));
    }
    Ok(Blob::memory(media_type, bytes))
}

/// A platform's manifest: the config, the base's layer descriptors as they were (OCI
/// media types), then the appended layer.
pub fn manifest(
    config: &Blob,
    base: &BaseImage,
    layers: &[Layer],
    annotations: &BTreeMap<String, String>,
) -> Result<Blob, AssembleError> {
    let mut descs = base.descriptors.clone();
    for l in &layers[base.descriptors.len()..] {
        let d = serde_json::to_value(Descriptor::of(&l.blob))
            .map_err(|e| AssembleError::environment(format!("writing the manifest: {e}")))?;
        descs.push(d);
    }
    let doc = ManifestDoc {
        schema_version: 2,
        media_type: MANIFEST_TYPE,
        config: Descriptor::of(config),
        layers: descs,
        annotations,
    };
    document(MANIFEST_TYPE, &doc, "manifest")
}

/// The index: one entry per platform, in the order given, each with its platform.
pub fn index(
    images: &[PlatformImage],
    annotations: &BTreeMap<String, String>,
) -> Result<Blob, AssembleError> {
    let manifests = images
        .iter()
        .map(|i| Descriptor {
            platform: Some(PlatformDoc {
                architecture: &i.stated.arch,
                os: &i.stated.os,
                variant: i.stated.variant.as_deref(),
            }),
            ..Descriptor::of(&i.manifest)
        })
        .collect();
    let doc = IndexDoc {
        schema_version: 2,
        media_type: INDEX_TYPE,
        manifests,
        annotations,
    };
    document(INDEX_TYPE, &doc, "index")
}
