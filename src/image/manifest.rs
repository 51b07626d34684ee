//! Picking the image for a platform: the OCI index (nested indexes and Docker manifest
//! lists included) or docker-archive's `manifest.json`, then the manifest and config,
//! whose platform must be the one asked for. Documents are size-capped and their
//! digests checked.

use oci_spec::image::{
    Descriptor, Digest, DigestAlgorithm, ImageConfiguration, ImageIndex, ImageManifest,
};
use serde::Deserialize;
use sha2::{Digest as _, Sha256, Sha512};

use super::reference::{ImageRef, Transport};
use super::source::Source;
use super::{ImageError, Platform};

/// The largest JSON document (index, manifest, config, `manifest.json`) read.
pub const MAX_JSON: u64 = 4 << 20;
/// Nested indexes followed below `index.json`.
pub const MAX_INDEX_DEPTH: usize = 4;
/// Nested index documents read for one image, all levels together (each at most
/// [`MAX_JSON`]): an index whose entries all name further indexes stops here.
pub const MAX_INDEXES: usize = 64;
/// Descriptors looked at across all the indexes of one image.
pub const MAX_DESCRIPTORS: usize = 10_000;
/// The digest algorithms verified; a descriptor in any other is refused.
pub const DIGEST_ALGORITHMS: &[&str] = &["sha256", "sha512"];
/// The most layers an image may have (Docker's own limit is 127).
pub const MAX_LAYERS: usize = 256;
/// The annotation that holds an OCI layout's tag.
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// The media types of an image index (OCI first, then Docker's manifest list).
pub const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
/// The media types of one platform's image manifest (OCI first, then Docker's v2).
pub const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// A blob to read: its name in the source, and for OCI its digest and size.
#[derive(Debug, Clone)]
pub struct Blob {
    pub name: String,
    pub digest: Option<Digest>,
    pub size: Option<u64>,
    /// The digest of its uncompressed tar, the config's `rootfs.diff_ids` entry
    /// (docker-archive, whose layers have no other digest to check).
    pub diff_id: Option<Digest>,
}

/// The image chosen for the platform.
#[derive(Debug, Clone)]
pub struct Picked {
    pub layers: Vec<Blob>,
    /// The platform its config states.
    pub platform: Platform,
    pub manifest_digest: Option<String>,
    pub user: Option<String>,
    /// The config's `Env` (`KEY=VALUE` each) and `WorkingDir`, for a run inside the image.
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    /// The manifest's bytes as stored (OCI layouts; a docker-archive has none), its
    /// digest and size checked.
    pub manifest_bytes: Option<Vec<u8>>,
    /// The config's bytes as stored, checked against its digest where it has one.
    pub config_bytes: Vec<u8>,
    /// The digest of what the reference names: the index (or manifest) its tag points
    /// at, or, when `index.json` lists the platforms itself, `index.json`'s own sha256.
    /// `None` for a docker-archive, which holds no manifest.
    pub reference_digest: Option<String>,
}

fn blob_name(d: &Digest) -> String {
    format!("blobs/{}/{}", d.algorithm(), d.digest())
}

/// Refuses a digest in an algorithm this tool does not verify: never taken as matching.
pub fn supported(d: &Digest) -> Result<(), ImageError> {
    match d.algorithm() {
        DigestAlgorithm::Sha256 | DigestAlgorithm::Sha512 => Ok(()),
        other => Err(ImageError::new(format!(
            "digest {d}: {other} is not an algorithm this tool verifies ({}): refused, as an \
             unchecked digest would be taken on trust",
            DIGEST_ALGORITHMS.join(", ")
        ))),
    }
}

/// Checks `bytes` against a digest (sha256 and sha512; any other algorithm is refused).
pub fn check_digest(bytes: &[u8], d: &Digest) -> Result<(), ImageError> {
    supported(d)?;
    let got = match d.algorithm() {
        DigestAlgorithm::Sha512 => hex(&Sha512::digest(bytes)),
        _ => hex(&Sha256::digest(bytes)),
    };
    if got != d.digest() {
        return Err(ImageError::new(format!(
            "blob {d} does not match its digest (it hashes to {}:{got}): the image is damaged",
            d.algorithm()
        )));
    }
    Ok(())
}

use crate::digest::hex;

/// Refuses a JSON document with a key twice in one object (`what` names it).
pub fn no_duplicate_keys(bytes: &[u8], what: &str) -> Result<(), ImageError> {
    crate::input::json::no_duplicate_keys(bytes)
        .map_err(|e| ImageError::new(format!("{what}: refused: {e}")))
}

/// Reads a JSON blob named by a descriptor, checking size, digest and keys.
fn read_blob(source: &Source, d: &Descriptor) -> Result<Vec<u8>, ImageError> {
    supported(d.digest())?;
    if d.size() > MAX_JSON {
        return Err(ImageError::budget(format!(
            "{} is {} bytes; at most {MAX_JSON} are read for a {} (MAX_JSON)",
            d.digest(),
            d.size(),
            d.media_type()
        )));
    }
    let bytes = source.read_all(&blob_name(d.digest()), MAX_JSON)?;
    if bytes.len() as u64 != d.size() {
        return Err(ImageError::new(format!(
            "blob {} is {} bytes, its descriptor says {}: the image is damaged",
            d.digest(),
            bytes.len(),
            d.size()
        )));
    }
    check_digest(&bytes, d.digest())?;
    no_duplicate_keys(&bytes, &format!("{} {}", d.media_type(), d.digest()))?;
    Ok(bytes)
}

fn platform_of(d: &Descriptor) -> Option<Platform> {
    d.platform().as_ref().map(|p| Platform {
        os: p.os().to_string(),
        arch: p.architecture().to_string(),
        variant: p.variant().clone().filter(|v| !v.is_empty()),
    })
}

/// What walking the indexes of one image may still spend.
struct IndexBudget {
    indexes: usize,
    descriptors: usize,
}

/// Index entries down to image manifests, nested indexes expanded, within
/// [`MAX_INDEX_DEPTH`], [`MAX_INDEXES`] and [`MAX_DESCRIPTORS`].
fn expand(
    source: &Source,
    descriptors: &[Descriptor],
    depth: usize,
    budget: &mut IndexBudget,
    out: &mut Vec<(Descriptor, Option<Platform>)>,
) -> Result<(), ImageError> {
    if depth > MAX_INDEX_DEPTH {
        return Err(ImageError::budget(format!(
            "indexes nested more than {MAX_INDEX_DEPTH} deep (MAX_INDEX_DEPTH)"
        )));
    }
    if descriptors.len() > budget.descriptors {
        return Err(ImageError::budget(format!(
            "more than {MAX_DESCRIPTORS} descriptors in the image's indexes (MAX_DESCRIPTORS)"
        )));
    }
    budget.descriptors -= descriptors.len();
    for d in descriptors {
        let mt = d.media_type().to_string();
        if INDEX_TYPES.contains(&mt.as_str()) {
            if budget.indexes == 0 {
                return Err(ImageError::budget(format!(
                    "more than {MAX_INDEXES} nested indexes in one image (MAX_INDEXES)"
                )));
            }
            budget.indexes -= 1;
            let bytes = read_blob(source, d)?;
            let index = ImageIndex::from_reader(&bytes[..])
                .map_err(|e| ImageError::new(format!("index {}: {e}", d.digest())))?;
            expand(source, index.manifests(), depth + 1, budget, out)?;
        } else if MANIFEST_TYPES.contains(&mt.as_str()) {
            out.push((d.clone(), platform_of(d)));
        }
        // Anything else (signatures, attestations, artifacts) is no image.
    }
    Ok(())
}

/// The JSON document `doc` of a source that must show its kind by its `marker` file,
/// read bounded, duplicate keys refused. Without the marker the error says what the
/// source is not (`not_it`), and `hint` when it has `other`, the other kind's marker.
fn kind_document(
    source: &Source,
    marker: &str,
    not_it: &str,
    (other, hint): (&str, &str),
    doc: &str,
) -> Result<Vec<u8>, ImageError> {
    if !source.has(marker) {
        return Err(ImageError::new(format!(
            "`{}` {not_it}{}",
            source.path().display(),
            if source.has(other) { hint } else { "" }
        )));
    }
    let bytes = source.read_all(doc, MAX_JSON)?;
    no_duplicate_keys(&bytes, doc)?;
    Ok(bytes)
}

/// Picks the manifest and layers for `want` from an OCI layout (directory or archive).
fn pick_oci(source: &Source, r: &ImageRef, want: &Platform) -> Result<Picked, ImageError> {
    let bytes = kind_document(
        source,
        "oci-layout",
        "is not an OCI image layout: it has no `oci-layout` file",
        (
            "manifest.json",
            " (it looks like a docker-archive: write docker-archive:)",
        ),
        "index.json",
    )?;
    let index = ImageIndex::from_reader(&bytes[..])
        .map_err(|e| ImageError::new(format!("index.json: {e}")))?;
    let index_bytes = bytes;
    let tag_of = |d: &Descriptor| {
        d.annotations()
            .as_ref()
            .and_then(|a| a.get(REF_NAME))
            .cloned()
    };
    let top: Vec<Descriptor> = match &r.selector {
        Some(tag) => {
            let chosen: Vec<Descriptor> = index
                .manifests()
                .iter()
                .filter(|d| tag_of(d).as_deref() == Some(tag.as_str()))
                .cloned()
                .collect();
            if chosen.is_empty() {
                let tags = sorted_set(index.manifests().iter().filter_map(tag_of).collect());
                return Err(ImageError::new(format!(
                    "no image tagged `{tag}` in the layout (its tags: {})",
                    join_or(&tags, "none")
                )));
            }
            chosen
        }
        None => {
            // Entries of several tags are several images; untagged entries (or one
            // tag) are one image's platforms, as some tools write them.
            let tags = sorted_set(index.manifests().iter().filter_map(tag_of).collect());
            if tags.len() > 1 {
                return Err(ImageError::new(format!(
                    "the layout holds {} images: name one by its tag, {}:DIR:TAG (its tags: {})",
                    tags.len(),
                    r.transport.name(),
                    tags.join(", ")
                )));
            }
            index.manifests().clone()
        }
    };
    let mut manifests = Vec::new();
    let mut budget = IndexBudget {
        indexes: MAX_INDEXES,
        descriptors: MAX_DESCRIPTORS,
    };
    expand(source, &top, 0, &mut budget, &mut manifests)?;
    let chosen = choose(&manifests, want, r)?;
    let bytes = read_blob(source, &chosen)?;
    let manifest = ImageManifest::from_reader(&bytes[..])
        .map_err(|e| ImageError::new(format!("manifest {}: {e}", chosen.digest())))?;
    let cbytes = read_blob(source, manifest.config())?;
    let config = ImageConfiguration::from_reader(&cbytes[..])
        .map_err(|e| ImageError::new(format!("config {}: {e}", manifest.config().digest())))?;
    let platform = check_config(&config, want)?;
    if manifest.layers().len() > MAX_LAYERS {
        return Err(ImageError::budget(format!(
            "{} layers (at most {MAX_LAYERS} are read: MAX_LAYERS)",
            manifest.layers().len()
        )));
    }
    let mut layers = Vec::new();
    for l in manifest.layers() {
        let mt = l.media_type().to_string();
        if mt.contains("encrypted") {
            return Err(ImageError::new(format!(
                "layer {} is encrypted ({mt}): decrypt the image first",
                l.digest()
            )));
        }
        if !mt.contains("tar") && !mt.contains("rootfs.diff") {
            return Err(ImageError::new(format!(
                "layer {} has media type {mt}, not a tar layer",
                l.digest()
            )));
        }
        supported(l.digest())?;
        layers.push(Blob {
            name: blob_name(l.digest()),
            digest: Some(l.digest().clone()),
            size: Some(l.size()),
            diff_id: None,
        });
    }
    let (user, env, working_dir) = run_config(&config);
    let reference_digest = match top.as_slice() {
        [one] => one.digest().to_string(),
        _ => format!("sha256:{}", crate::digest::sha256_hex(&index_bytes)),
    };
    Ok(Picked {
        layers,
        platform,
        manifest_digest: Some(chosen.digest().to_string()),
        user,
        env,
        working_dir,
        manifest_bytes: Some(bytes),
        config_bytes: cbytes,
        reference_digest: Some(reference_digest),
    })
}

/// The config's `User`, `Env` and `WorkingDir` (empty strings as unset).
fn run_config(config: &ImageConfiguration) -> (Option<String>, Vec<String>, Option<String>) {
    let c = config.config().as_ref();
    let set = |v: Option<&String>| v.filter(|s| !s.is_empty()).cloned();
    (
        set(c.and_then(|c| c.user().as_ref())),
        c.and_then(|c| c.env().clone()).unwrap_or_default(),
        set(c.and_then(|c| c.working_dir().as_ref())),
    )
}

/// Variants a machine of `want` runs, best first (`None`: an entry without a variant).
fn variants(want: &Platform) -> Vec<Option<String>> {
    let v = |s: &str| Some(s.to_string());
    let wanted = want.variant.clone();
    match want.arch.as_str() {
        // An arm entry without a variant is v7, as containerd reads it; a v7 machine
        // also runs v6 and v5 images.
        "arm" => match wanted.as_deref() {
            Some("v5") => vec![v("v5")],
            Some("v6") => vec![v("v6"), v("v5")],
            Some("v8") => vec![v("v8"), v("v7"), None, v("v6"), v("v5")],
            _ => vec![v("v7"), None, v("v6"), v("v5")],
        },
        "arm64" => {
            let mut out = vec![v("v8"), None];
            if let Some(w) = wanted.filter(|w| w != "v8") {
                out.insert(0, Some(w));
            }
            out
        }
        "amd64" => {
            let level = wanted
                .as_deref()
                .and_then(|w| w.strip_prefix('v'))
                .and_then(|n| n.parse::<u8>().ok())
                .unwrap_or(1);
            let mut out: Vec<Option<String>> = (2..=level.min(4))
                .rev()
                .map(|l| Some(format!("v{l}")))
                .collect();
            out.push(v("v1"));
            out.push(None);
            out
        }
        _ => match wanted {
            Some(w) => vec![Some(w), None],
            None => vec![None],
        },
    }
}

/// The rank of an entry's variant for `want` (lower is better), if it runs at all; the
/// registry base pull chooses by it too.
pub fn rank(p: &Platform, want: &Platform) -> Option<usize> {
    if p.os != want.os || p.arch != want.arch {
        return None;
    }
    variants(want).iter().position(|v| *v == p.variant)
}

/// `v` sorted, each item once.
fn sorted_set(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// `v` joined with ", ", or `none` when it is empty.
fn join_or(v: &[String], none: &str) -> String {
    if v.is_empty() {
        none.to_string()
    } else {
        v.join(", ")
    }
}

fn choose(
    manifests: &[(Descriptor, Option<Platform>)],
    want: &Platform,
    r: &ImageRef,
) -> Result<Descriptor, ImageError> {
    let with_platform: Vec<&(Descriptor, Option<Platform>)> =
        manifests.iter().filter(|(_, p)| p.is_some()).collect();
    if !with_platform.is_empty() {
        let best = with_platform
            .iter()
            .filter_map(|(d, p)| p.as_ref().and_then(|p| rank(p, want)).map(|k| (k, d)))
            .min_by_key(|(k, _)| *k);
        if let Some((_, d)) = best {
            return Ok(d.clone());
        }
        let have = sorted_set(
            with_platform
                .iter()
                .filter_map(|(_, p)| p.as_ref())
                .filter(|p| p.os != "unknown")
                .map(|p| p.to_string())
                .collect(),
        );
        return Err(ImageError::lacks_platform(format!(
            "no manifest for {want} (the image is for {})",
            join_or(&have, "no platform")
        )));
    }
    match manifests {
        [] => Err(ImageError::new(
            "the index lists no image manifest".to_string(),
        )),
        [(d, _)] => Ok(d.clone()),
        many => Err(ImageError::new(format!(
            "the layout holds {} images: name one by its tag ({}:DIR:TAG)",
            many.len(),
            r.transport.name()
        ))),
    }
}

/// The platform a config states, which must run as `want`.
fn check_config(config: &ImageConfiguration, want: &Platform) -> Result<Platform, ImageError> {
    let p = Platform {
        os: config.os().to_string(),
        arch: config.architecture().to_string(),
        variant: config.variant().clone().filter(|v| !v.is_empty()),
    };
    if rank(&p, want).is_none() {
        return Err(ImageError::lacks_platform(format!(
            "the image is for {p} (its config says so), not {want}"
        )));
    }
    Ok(p)
}

/// One image of a docker-archive's `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerImage {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

fn pick_docker(source: &Source, r: &ImageRef, want: &Platform) -> Result<Picked, ImageError> {
    let bytes = kind_document(
        source,
        "manifest.json",
        "is not a docker-archive: it has no manifest.json",
        ("oci-layout", " (it is an OCI layout: write oci-archive:)"),
        "manifest.json",
    )?;
    let images: Vec<DockerImage> = serde_json::from_slice(&bytes)
        .map_err(|e| ImageError::new(format!("manifest.json: {e}")))?;
    let tags = |i: &DockerImage| i.repo_tags.clone().unwrap_or_default();
    let image = match r.selector.as_deref() {
        None => match images.as_slice() {
            [one] => one,
            [] => return Err(ImageError::new("manifest.json lists no image")),
            many => {
                return Err(ImageError::new(format!(
                    "the archive holds {} images: name one, docker-archive:FILE:NAME:TAG or docker-archive:FILE:@N (tags: {})",
                    many.len(),
                    many.iter().flat_map(tags).collect::<Vec<_>>().join(", ")
                )))
            }
        },
        Some(sel) => {
            let found = match sel.strip_prefix('@') {
                Some(n) => n.parse::<usize>().ok().and_then(|n| images.get(n)),
                None => images.iter().find(|i| tags(i).iter().any(|t| t == sel)),
            };
            found.ok_or_else(|| {
                ImageError::new(format!(
                    "no image `{sel}` in the archive ({} images; tags: {})",
                    images.len(),
                    images.iter().flat_map(tags).collect::<Vec<_>>().join(", ")
                ))
            })?
        }
    };
    let cbytes = source.read_all(&image.config, MAX_JSON)?;
    // The config is named by its digest (`<hex>.json`, or `blobs/sha256/<hex>`).
    if let Some(d) = named_digest(&image.config) {
        check_digest(&cbytes, &d)?;
    }
    no_duplicate_keys(&cbytes, &format!("config `{}`", image.config))?;
    let config = ImageConfiguration::from_reader(&cbytes[..])
        .map_err(|e| ImageError::new(format!("config `{}`: {e}", image.config)))?;
    let platform = check_config(&config, want)?;
    if image.layers.len() > MAX_LAYERS {
        return Err(ImageError::budget(format!(
            "{} layers (at most {MAX_LAYERS} are read: MAX_LAYERS)",
            image.layers.len()
        )));
    }
    // Each layer's tar must hash to its diff_id: the only digest that binds a
    // docker-archive's layers to its config.
    let diff_ids = config.rootfs().diff_ids();
    if diff_ids.len() != image.layers.len() {
        return Err(ImageError::new(format!(
            "config `{}` lists {} rootfs.diff_ids for {} layers: the archive is damaged",
            image.config,
            diff_ids.len(),
            image.layers.len()
        )));
    }
    let mut layers = Vec::new();
    for (name, diff_id) in image.layers.iter().zip(diff_ids) {
        let diff_id: Digest = diff_id.parse().map_err(|e| {
            ImageError::new(format!(
                "config `{}`: diff_id {diff_id:?} is no digest: {e}",
                image.config
            ))
        })?;
        supported(&diff_id)?;
        layers.push(Blob {
            name: name.clone(),
            // Newer archives name layers by digest: check them too.
            digest: named_digest(name),
            size: None,
            diff_id: Some(diff_id),
        });
    }
    let (user, env, working_dir) = run_config(&config);
    Ok(Picked {
        layers,
        platform,
        manifest_digest: None,
        user,
        env,
        working_dir,
        manifest_bytes: None,
        config_bytes: cbytes,
        reference_digest: None,
    })
}

/// The digest a docker-archive member's name states: `blobs/<alg>/<hex>` or
/// `<hex>.json` / `<hex>/layer.tar` (sha256).
fn named_digest(name: &str) -> Option<Digest> {
    let hex64 = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(rest) = name.strip_prefix("blobs/") {
        let (alg, h) = rest.split_once('/')?;
        return format!("{alg}:{h}").parse().ok();
    }
    let h = name.strip_suffix(".json")?;
    hex64(h).then(|| format!("sha256:{h}").parse().ok())?
}

/// Picks the image for `want` from a source.
pub fn pick(source: &Source, r: &ImageRef, want: &Platform) -> Result<Picked, ImageError> {
    match r.transport {
        Transport::OciDir | Transport::OciArchive => pick_oci(source, r, want),
        Transport::DockerArchive => pick_docker(source, r, want),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(arch: &str, variant: Option<&str>) -> Platform {
        Platform {
            os: "linux".into(),
            arch: arch.into(),
            variant: variant.map(str::to_string),
        }
    }

    #[test]
    fn variants_rank_as_a_machine_runs_them() {
        for (want, have, ok) in [
            (p("arm", Some("v7")), p("arm", Some("v7")), Some(0)),
            (p("arm", Some("v7")), p("arm", None), Some(1)),
            (p("arm", Some("v7")), p("arm", Some("v6")), Some(2)),
            (p("arm", Some("v6")), p("arm", Some("v7")), None),
            (p("arm64", None), p("arm64", Some("v8")), Some(0)),
            (p("arm64", None), p("arm64", None), Some(1)),
            (p("amd64", Some("v3")), p("amd64", Some("v2")), Some(1)),
            (p("amd64", None), p("amd64", Some("v3")), None),
            (p("amd64", None), p("arm64", None), None),
        ] {
            assert_eq!(rank(&have, &want), ok, "{have} for {want}");
        }
    }
}
