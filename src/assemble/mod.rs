//! The assembly room: the image users ship, made from a base and the binaries the tool
//! verified, in memory first and then written out.
//!
//! Its inner layers, bottom first:
//!
//! - [`spec`]: what the user asks of the image ([`ImageSpec`], the keys of
//!   `[profile.NAME.image]`; [`BinaryInLayer`]), checked before anything is made;
//! - [`base`]: the base read once through [`crate::image`] (the same manifest and index
//!   picking, digests and budgets as `runs-on`): per platform its manifest, config,
//!   layer descriptors and file index;
//! - `layer`, `config`, `docs`: the appended layer (a reproducible tar and its gzip),
//!   the config (the base's, with ours over it) and the manifests and index with their
//!   annotations — all pure;
//! - [`assemble()`]: the whole image for every platform, every digest known, nothing
//!   written;
//! - `dirfd`, then the writers [`layout`] (an OCI image layout directory) and
//!   [`archive`] (oci-archive and docker-archive): each write atomic (a temporary name,
//!   then a rename), nothing left half-written on error, no symlink followed inside the
//!   destination.
//!
//! The base's layer blobs are never held in memory: an [`Assembled`] image names them in
//! the base, and the writers copy them from there, each checked against its digest as
//! it is copied. docs/images-out.md is the reference.

pub mod archive;
pub mod base;
mod config;
mod dirfd;
mod docs;
mod layer;
pub mod layout;
pub mod spec;

pub use base::{Base, BaseImage};
pub use spec::{BinaryInLayer, ImageSpec};

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::sync::Arc;

use crate::error::Exit;
use crate::image::layers::Hasher;
use crate::image::{Platform, Source};

/// The most platforms one image holds.
pub const MAX_PLATFORMS: usize = 64;
/// The media type of an OCI image index.
pub const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// The media type of an OCI image manifest.
pub const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of an OCI image config.
pub const CONFIG_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// The media type of the appended layer.
pub const LAYER_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// Why an image could not be assembled or written: the message says what and where;
/// `exit` is the code it means (2 for what the user wrote, 4 for the environment:
/// the base unreadable or damaged, a destination that cannot be written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembleError {
    pub exit: Exit,
    pub message: String,
}

impl AssembleError {
    /// Something the user wrote is wrong (exit 2).
    pub fn usage(message: impl Into<String>) -> AssembleError {
        AssembleError {
            exit: Exit::Usage,
            message: message.into(),
        }
    }

    /// The environment failed: the base, a destination (exit 4).
    pub fn environment(message: impl Into<String>) -> AssembleError {
        AssembleError {
            exit: Exit::Toolchain,
            message: message.into(),
        }
    }
}

impl fmt::Display for AssembleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

// Not a `std::error::Error`: so `?` in an `anyhow` function converts it through the
// `From` below, keeping its exit code.
impl From<AssembleError> for anyhow::Error {
    fn from(e: AssembleError) -> anyhow::Error {
        crate::error::failure(e.exit, e.message)
    }
}

/// Where a blob's bytes are.
#[derive(Clone)]
enum Content {
    Memory(Arc<[u8]>),
    /// A file of the base's directory or archive, by its name there.
    Base(String),
}

/// A blob of the assembled image: its descriptor's fields, and its bytes (in memory, or
/// in the base).
#[derive(Clone)]
pub struct Blob {
    pub media_type: String,
    /// `sha256:<hex>` (a base layer may be `sha512:`).
    pub digest: String,
    pub size: u64,
    content: Content,
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({} bytes)",
            self.media_type, self.digest, self.size
        )
    }
}

impl Blob {
    /// A blob held in memory, its digest computed.
    fn memory(media_type: &str, bytes: Vec<u8>) -> Blob {
        Blob {
            media_type: media_type.to_string(),
            digest: format!("sha256:{}", crate::digest::sha256_hex(&bytes)),
            size: bytes.len() as u64,
            content: Content::Memory(bytes.into()),
        }
    }

    /// The bytes, when the blob is held in memory (documents and the appended layer).
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Memory(b) => Some(b),
            Content::Base(_) => None,
        }
    }

    /// `blobs/<algorithm>/<hex>`, its name in an OCI layout.
    pub fn layout_name(&self) -> String {
        format!("blobs/{}", self.digest.replacen(':', "/", 1))
    }
}

/// One layer of a platform's image.
#[derive(Debug, Clone)]
pub struct Layer {
    pub blob: Blob,
    /// The digest of its uncompressed tar (the config's `rootfs.diff_ids` entry).
    pub diff_id: String,
    /// The uncompressed tar, for the appended layer.
    tar: Option<Arc<[u8]>>,
}

/// One platform's image: manifest, config and layers (the base's, then ours).
#[derive(Debug, Clone)]
pub struct PlatformImage {
    /// The platform asked for.
    pub platform: Platform,
    /// The platform its config and index entry state: the one asked for, with the
    /// base's variant when it asked none (`linux/arm64/v8` on a `v8` base).
    pub stated: Platform,
    pub manifest: Blob,
    pub config: Blob,
    pub layers: Vec<Layer>,
    /// The base's manifest digest for this platform (none for a docker-archive base).
    pub base_manifest: Option<String>,
}

/// The assembled image: an index over one image per platform, every digest known.
/// Writers take it by reference; nothing of it is written until one is called.
pub struct Assembled {
    pub index: Blob,
    pub images: Vec<PlatformImage>,
    source: Arc<Source>,
    /// Seconds since the epoch: the time every written archive entry carries.
    epoch: u64,
}

impl fmt::Debug for Assembled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Assembled")
            .field("index", &self.index)
            .field("images", &self.images)
            .finish()
    }
}

impl Assembled {
    /// The index's digest, `sha256:<hex>`.
    pub fn digest(&self) -> &str {
        &self.index.digest
    }

    /// The image for `p`.
    pub fn image(&self, p: &Platform) -> Option<&PlatformImage> {
        self.images.iter().find(|i| &i.platform == p)
    }

    /// Every blob of the image once (index, manifests, configs, layers), by digest.
    pub fn blobs(&self) -> Vec<&Blob> {
        let mut all: BTreeMap<&str, &Blob> = BTreeMap::new();
        all.insert(&self.index.digest, &self.index);
        for i in &self.images {
            all.insert(&i.manifest.digest, &i.manifest);
            all.insert(&i.config.digest, &i.config);
            for l in &i.layers {
                all.insert(&l.blob.digest, &l.blob);
            }
        }
        all.into_values().collect()
    }

    /// A reader of a blob's bytes that fails, naming the blob, when they do not match
    /// its digest and size (a base changed or damaged since it was read).
    pub fn open<'a>(&'a self, b: &'a Blob) -> Result<Box<dyn Read + 'a>, AssembleError> {
        match &b.content {
            Content::Memory(bytes) => Ok(Box::new(&bytes[..])),
            Content::Base(name) => Ok(Box::new(checked(self.base_reader(name)?.0, b)?)),
        }
    }

    fn base_reader(&self, name: &str) -> Result<(Box<dyn Read + Send>, u64), AssembleError> {
        self.source.open(name).map_err(|e| {
            AssembleError::environment(format!(
                "reading the base's `{name}` again: {e} (did the base change while the image was assembled?)"
            ))
        })
    }
}

/// `inner` read as the bytes of `b`, checked against its size and digest.
fn checked<'a>(
    inner: Box<dyn Read + 'a>,
    b: &Blob,
) -> Result<Checked<Box<dyn Read + 'a>>, AssembleError> {
    let digest: oci_spec::image::Digest = b
        .digest
        .parse()
        .map_err(|e| AssembleError::environment(format!("blob {}: {e}", b.digest)))?;
    let hasher = Hasher::new(&digest).map_err(|e| AssembleError::environment(e.to_string()))?;
    Ok(Checked {
        inner,
        hasher: Some(hasher),
        left: b.size,
        digest: b.digest.clone(),
    })
}

/// Reads a blob, checking its size and digest as it goes: the last read fails when
/// they do not match, so a writer never renames a wrong blob into place.
struct Checked<R> {
    inner: R,
    hasher: Option<Hasher>,
    left: u64,
    digest: String,
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        if n as u64 > self.left {
            return Err(bad(format!(
                "the base's blob {} is longer than its descriptor says: it changed since it was read",
                self.digest
            )));
        }
        self.left -= n as u64;
        if let Some(h) = self.hasher.as_mut() {
            io::Write::write_all(h, &buf[..n])?;
        }
        if n == 0 && !buf.is_empty() {
            if self.left != 0 {
                return Err(bad(format!(
                    "the base's blob {} is shorter than its descriptor says: it changed since it was read",
                    self.digest
                )));
            }
            if let Some(h) = self.hasher.take() {
                let hex = self.digest.split_once(':').map_or("", |(_, h)| h);
                if h.finish() != hex {
                    return Err(bad(format!(
                        "the base's blob {} does not match its digest: it changed since it was read",
                        self.digest
                    )));
                }
            }
        }
        Ok(n)
    }
}

/// Assembles the image: for each platform, the base's image for it with one layer of
/// `binaries` appended and the config of `spec` over the base's, then an index of them
/// all (in the order given). `epoch` (seconds since 1970, `SOURCE_DATE_EPOCH`) dates
/// the layer's entries, the config and the annotations. Pure: the same base, binaries,
/// spec and epoch give the same digests; nothing is written.
pub fn assemble(
    base: &Base,
    platforms: &[(Platform, Vec<BinaryInLayer>)],
    spec: &ImageSpec,
    epoch: u64,
) -> Result<Assembled, AssembleError> {
    spec.check()?;
    let created = spec::created(epoch)?;
    spec::one_to(
        platforms.len(),
        MAX_PLATFORMS,
        ("platform", "platforms"),
        "an image",
    )?;
    let mut images: Vec<PlatformImage> = Vec::new();
    for (platform, binaries) in platforms {
        if images.iter().any(|i| &i.platform == platform) {
            return Err(AssembleError::usage(format!(
                "platform {platform} is listed twice"
            )));
        }
        let image = base.image(platform).ok_or_else(|| {
            AssembleError::usage(format!(
                "the base `{}` was not read for {platform}",
                base.name
            ))
        })?;
        let entrypoint = spec::entrypoint(spec, binaries)
            .map_err(|e| AssembleError::usage(format!("{platform}: {e}")))?;
        images.push(one_platform(
            base,
            image,
            platform,
            binaries,
            spec,
            &entrypoint,
            &created,
            epoch,
        )?);
    }
    let annotations = docs::annotations(spec, &created, &base.name, base.reference_digest());
    let index = docs::index(&images, &annotations)?;
    Ok(Assembled {
        index,
        images,
        source: base.source(),
        epoch,
    })
}

#[allow(clippy::too_many_arguments)]
fn one_platform(
    base: &Base,
    image: &BaseImage,
    platform: &Platform,
    binaries: &[BinaryInLayer],
    spec: &ImageSpec,
    entrypoint: &[String],
    created: &str,
    epoch: u64,
) -> Result<PlatformImage, AssembleError> {
    let at = |e: AssembleError| AssembleError {
        message: format!("{platform}: {}", e.message),
        ..e
    };
    let stated = Platform {
        variant: platform
            .variant
            .clone()
            .or_else(|| image.config_platform.variant.clone()),
        ..platform.clone()
    };
    let dirs = layer::parents_to_make(binaries, &image.files).map_err(at)?;
    let built = layer::build(&dirs, binaries, epoch).map_err(at)?;
    let ours = Layer {
        blob: Blob::memory(LAYER_TYPE, built.gzip),
        diff_id: format!("sha256:{}", crate::digest::sha256_hex(&built.tar)),
        tar: Some(built.tar.into()),
    };
    let paths: Vec<&str> = binaries.iter().map(|b| b.path.as_str()).collect();
    let config = config::merge(
        image,
        spec,
        &config::Ours {
            platform: &stated,
            entrypoint,
            diff_id: &ours.diff_id,
            created,
            paths: &paths,
        },
    )
    .map_err(at)?;
    let config = Blob::memory(CONFIG_TYPE, config);
    let mut layers: Vec<Layer> = image.layers().to_vec();
    layers.push(ours);
    let annotations =
        docs::annotations(spec, created, &base.name, image.manifest_digest.as_deref());
    let manifest = docs::manifest(&config, image, &layers, &annotations).map_err(at)?;
    Ok(PlatformImage {
        platform: platform.clone(),
        stated,
        manifest,
        config,
        layers,
        base_manifest: image.manifest_digest.clone(),
    })
}
