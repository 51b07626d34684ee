//! The base, read once for the platforms asked, through [`crate::image`]: the same
//! reference syntax, index walking and platform choice (os, architecture and variant as
//! the OCI image-index spec matches them), digests, duplicate-key refusal and budgets
//! as `runs-on`. For each platform it keeps the manifest's digest, the config, the layer
//! descriptors (Docker media types named by their OCI equivalents) and the file index,
//! which says where the binaries' parent directories already are. A docker-archive holds
//! no manifest: its layers are described by hashing them as stored.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::{AssembleError, Blob, Content, Layer};
use crate::image::{self, ImageError, ImageFiles, ImageRef, Platform, Source};

/// A base image, read for some platforms.
pub struct Base {
    /// How the annotations name it (`org.opencontainers.image.base.name`): the
    /// reference as written.
    pub name: String,
    source: Arc<Source>,
    images: Vec<BaseImage>,
    reference_digest: Option<String>,
}

impl std::fmt::Debug for Base {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Base")
            .field("name", &self.name)
            .field("images", &self.images)
            .finish()
    }
}

/// The base's image for one platform.
pub struct BaseImage {
    /// The platform it was read for.
    pub platform: Platform,
    /// The platform its config states (e.g. `linux/arm/v6` read for `linux/arm/v7`).
    pub config_platform: Platform,
    /// The manifest's digest; `None` for a docker-archive.
    pub manifest_digest: Option<String>,
    /// The config's digest (Docker's image ID).
    pub config_digest: String,
    /// The config, parsed.
    pub(super) config: Map<String, Value>,
    layers: Vec<Layer>,
    /// Each layer's descriptor as the base's manifest has it (OCI media types).
    pub(super) descriptors: Vec<Value>,
    /// Its files, as `runs-on` reads them.
    pub files: ImageFiles,
}

impl std::fmt::Debug for BaseImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BaseImage")
            .field("platform", &self.platform)
            .field("manifest_digest", &self.manifest_digest)
            .field("layers", &self.layers)
            .finish()
    }
}

impl BaseImage {
    /// Its layers, in order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }
}

/// Docker's layer media types and the OCI types of the same bytes.
const DOCKER_LAYER_TYPES: &[(&str, &str)] = &[
    (
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.oci.image.layer.v1.tar+gzip",
    ),
    (
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    ),
    (
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.oci.image.layer.v1.tar",
    ),
];

fn oci_layer_type(mt: &str) -> &str {
    DOCKER_LAYER_TYPES
        .iter()
        .find(|(d, _)| *d == mt)
        .map_or(mt, |(_, o)| o)
}

/// The exit code an image-reading error means: a platform the base lacks is the user's
/// to fix (2); a damaged, hostile or too-large base is the environment's (4).
fn base_error(name: &str, platform: &Platform, e: ImageError) -> AssembleError {
    let message = if e.over_budget {
        format!("base `{name}` for {platform}: {e}: the base is refused, as the image reader's budgets say (docs/security.md)")
    } else {
        format!("base `{name}` for {platform}: {e}")
    };
    if e.lacks_platform {
        AssembleError::usage(message)
    } else {
        AssembleError::environment(message)
    }
}

impl Base {
    /// Reads the base `r` names (a relative path taken against `dir`) for each of
    /// `platforms`: a platform it lacks is an error naming the platforms it has, and a
    /// damaged or hostile base (a digest that does not match, a symlink out of its
    /// layout, a budget passed) is refused.
    pub fn open(r: &ImageRef, dir: &Path, platforms: &[Platform]) -> Result<Base, AssembleError> {
        let name = r.to_string();
        let source = image::open(r, dir)
            .map_err(|e| AssembleError::environment(format!("base `{name}`: {e}")))?;
        let mut images: Vec<BaseImage> = Vec::new();
        let mut reference_digest = None;
        for p in platforms {
            if images.iter().any(|i| &i.platform == p) {
                continue;
            }
            let (picked, files) =
                image::read_from(&source, r, p).map_err(|e| base_error(&name, p, e))?;
            reference_digest = picked.reference_digest.clone();
            let at = |m: String| AssembleError::environment(format!("base `{name}` for {p}: {m}"));
            let config: Map<String, Value> = serde_json::from_slice(&picked.config_bytes)
                .map_err(|e| at(format!("its config is not a JSON object: {e}")))?;
            let diff_ids = diff_ids(&config).map_err(&at)?;
            if diff_ids.len() != picked.layers.len() {
                return Err(at(format!(
                    "its config lists {} rootfs.diff_ids for {} layers: the base is damaged",
                    diff_ids.len(),
                    picked.layers.len()
                )));
            }
            let (layers, descriptors) = match &picked.manifest_bytes {
                Some(m) => oci_layers(m, &picked.layers, &diff_ids).map_err(&at)?,
                None => docker_layers(&source, &picked.layers, &diff_ids).map_err(&at)?,
            };
            images.push(BaseImage {
                platform: p.clone(),
                config_platform: picked.platform.clone(),
                manifest_digest: picked.manifest_digest.clone(),
                config_digest: format!(
                    "sha256:{}",
                    crate::digest::sha256_hex(&picked.config_bytes)
                ),
                config,
                layers,
                descriptors,
                files,
            });
        }
        Ok(Base {
            name,
            source: Arc::new(source),
            images,
            reference_digest,
        })
    }

    /// The base's image for `p`, if it was read for it.
    pub fn image(&self, p: &Platform) -> Option<&BaseImage> {
        self.images.iter().find(|i| &i.platform == p)
    }

    /// The images read, in the order asked.
    pub fn images(&self) -> &[BaseImage] {
        &self.images
    }

    /// The digest of what the reference names (the index its tag points at, or its one
    /// manifest); `None` for a docker-archive.
    pub fn reference_digest(&self) -> Option<&str> {
        self.reference_digest.as_deref()
    }

    pub(super) fn source(&self) -> Arc<Source> {
        self.source.clone()
    }
}

fn diff_ids(config: &Map<String, Value>) -> Result<Vec<String>, String> {
    let ids = config
        .get("rootfs")
        .and_then(|r| r.get("diff_ids"))
        .and_then(Value::as_array)
        .ok_or("its config has no rootfs.diff_ids list")?;
    ids.iter()
        .map(|d| {
            d.as_str()
                .filter(|s| s.parse::<oci_spec::image::Digest>().is_ok())
                .map(str::to_string)
                .ok_or_else(|| format!("its config's diff_id {d} is not a digest"))
        })
        .collect()
}

/// The layers of an OCI (or Docker schema 2) manifest, descriptors kept as they are but
/// for the media type.
fn oci_layers(
    manifest: &[u8],
    blobs: &[image::manifest::Blob],
    diff_ids: &[String],
) -> Result<(Vec<Layer>, Vec<Value>), String> {
    let m: Value = serde_json::from_slice(manifest).map_err(|e| format!("its manifest: {e}"))?;
    let descs = m
        .get("layers")
        .and_then(Value::as_array)
        .filter(|l| l.len() == blobs.len())
        .ok_or("its manifest's layers are not the ones read")?;
    let mut layers = Vec::new();
    let mut out = Vec::new();
    for ((d, blob), diff_id) in descs.iter().zip(blobs).zip(diff_ids) {
        let mut d = d.clone();
        let obj = d
            .as_object_mut()
            .ok_or("a layer descriptor is not an object")?;
        let mt = obj
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mt = oci_layer_type(mt).to_string();
        obj.insert("mediaType".into(), Value::String(mt.clone()));
        let (Some(digest), Some(size)) = (&blob.digest, blob.size) else {
            return Err("a layer descriptor has no digest or size".into());
        };
        layers.push(Layer {
            blob: Blob {
                media_type: mt,
                digest: digest.to_string(),
                size,
                content: Content::Base(blob.name.clone()),
            },
            diff_id: diff_id.clone(),
            tar: None,
        });
        out.push(d);
    }
    Ok((layers, out))
}

/// A docker-archive's layers, described by hashing each as stored: sha256 and size, the
/// media type by what its first bytes say (tar, gzip or zstd).
fn docker_layers(
    source: &Source,
    blobs: &[image::manifest::Blob],
    diff_ids: &[String],
) -> Result<(Vec<Layer>, Vec<Value>), String> {
    let mut layers = Vec::new();
    let mut out = Vec::new();
    for (blob, diff_id) in blobs.iter().zip(diff_ids) {
        let (mut r, len) = source.open(&blob.name).map_err(|e| e.to_string())?;
        let mut head = [0u8; 8];
        let mut got = 0;
        while got < head.len() {
            match r.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) => return Err(format!("reading `{}`: {e}", blob.name)),
            }
        }
        let mut h = Sha256::new();
        h.update(&head[..got]);
        std::io::copy(&mut r, &mut h).map_err(|e| format!("reading `{}`: {e}", blob.name))?;
        let digest = format!("sha256:{}", crate::digest::hex(&h.finalize()));
        let mt = match crate::image::sniff(&head[..got]) {
            Some("gzip") => "application/vnd.oci.image.layer.v1.tar+gzip",
            Some("zstd") => "application/vnd.oci.image.layer.v1.tar+zstd",
            Some(other) => return Err(format!("layer `{}` is {other}-compressed", blob.name)),
            None => "application/vnd.oci.image.layer.v1.tar",
        };
        out.push(serde_json::json!({"mediaType": mt, "digest": digest, "size": len}));
        layers.push(Layer {
            blob: Blob {
                media_type: mt.to_string(),
                digest,
                size: len,
                content: Content::Base(blob.name.clone()),
            },
            diff_id: diff_id.clone(),
            tar: None,
        });
    }
    Ok((layers, out))
}
