//! Pulling a registry base into the local cache ([`super::cache`]): the reference's
//! tag resolved (a `HEAD`, else a `GET`, of its manifest) unless a digest is pinned (in
//! the reference, or by the lock), then the index (or single manifest), each wanted
//! platform's manifest (chosen as the image reader chooses: os, architecture, variant
//! ranked as the OCI image-index spec matches them), its config and its layers, every
//! one checked against its digest and size while it streams and bounded as the image
//! reader is ([`MAX_JSON`], [`MAX_LAYERS`], [`MAX_INDEX_DEPTH`], [`MAX_INDEXES`],
//! [`MAX_DESCRIPTORS`], [`MAX_UNPACKED`]). What the cache holds is never fetched again:
//! a warm pull by tag costs the `HEAD` of its manifest; a pull of a pinned digest whose
//! blobs are all cached costs nothing (no credential lookup, no connection).
//!
//! The result names the cache entry as `oci:DIR:TAG`, which
//! [`crate::assemble::Base::open`] reads with all its checks, plus the resolved digest,
//! each platform's manifest digest (what `xbuild-go.lock` records) and the base's
//! registry and repository (where a push to the same registry mounts its layers from).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::cache::{tag_of, Cache};
use super::client::{Client, MANIFEST_TYPES};
use super::reference::{parse_digest, Reference, DEFAULT_TAG};
use super::{Kind, Options, RegistryError};
use crate::image::layers::MAX_UNPACKED;
// The image reader's media types: what it reads from a layout is what a pull stores.
use crate::image::manifest::{
    rank, INDEX_TYPES, MANIFEST_TYPES as IMAGE_TYPES, MAX_DESCRIPTORS, MAX_INDEXES,
    MAX_INDEX_DEPTH, MAX_JSON, MAX_LAYERS,
};
use crate::image::{ImageRef, Platform};
use crate::profile::lock::{Current, LockedBase};
use crate::sanitize::redact::Secrets;

/// What to pull.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    pub reference: &'a Reference,
    /// The platforms the image is built for; each must be in the base.
    pub platforms: &'a [Platform],
    /// The digest `xbuild-go.lock` records for this base, used instead of resolving the
    /// tag (a digest in the reference itself wins over it).
    pub locked: Option<&'a str>,
}

/// Where a push to the same registry can mount the base's blobs from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSource {
    /// The registry as references name it (`127.0.0.1:5000`, `docker.io`).
    pub registry: String,
    pub repository: String,
}

/// What a pull had to fetch (everything else came from the cache).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetched {
    /// `HEAD`s of the tag's manifest.
    pub heads: usize,
    /// Manifests and indexes `GET` (the tag's included).
    pub manifests: usize,
    /// Blobs (configs and layers) `GET`.
    pub blobs: usize,
    /// Bytes of those blobs.
    pub blob_bytes: u64,
    /// Whether the registry was contacted at all.
    pub contacted: bool,
}

/// A base pulled into the cache.
#[derive(Debug, Clone)]
pub struct PulledBase {
    /// `oci:DIR:TAG` of its cache entry, for [`crate::assemble::Base::open`] (give it
    /// any directory: the path is absolute). Set the opened base's `name` to
    /// `reference` for the `org.opencontainers.image.base.name` annotation.
    pub image: ImageRef,
    /// The cache layout directory, and the entry's tag in it (`sha256-<hex>`).
    pub layout: PathBuf,
    pub tag: String,
    /// The reference as written.
    pub reference: Reference,
    /// The digest the reference resolved to: its index, or its one manifest.
    pub digest: String,
    pub media_type: String,
    /// For each platform asked (as `linux/arm64`, `linux/arm/v7`), the digest of the
    /// base's manifest chosen for it.
    pub platforms: BTreeMap<String, String>,
    pub mount: MountSource,
    pub fetched: Fetched,
    /// The credentials and tokens used, for masking other output (empty when the
    /// registry was not contacted).
    pub secrets: Secrets,
}

/// The registry, reached only when something is not cached.
struct Remote<'a> {
    r: &'a Reference,
    env: &'a BTreeMap<String, String>,
    options: &'a Options,
    client: Option<Client>,
    fetched: Fetched,
}

impl Remote<'_> {
    fn client(&mut self) -> Result<&Client, RegistryError> {
        if self.client.is_none() {
            self.client = Some(Client::for_reference(self.r, self.env, self.options)?);
            self.fetched.contacted = true;
        }
        self.client
            .as_ref()
            .ok_or_else(|| RegistryError::new(Kind::Protocol, "no client"))
    }
}

/// A descriptor of an index or manifest, checked.
#[derive(Debug, Clone)]
struct Desc {
    media_type: String,
    digest: String,
    size: u64,
    platform: Option<Platform>,
}

fn desc(v: &Value, what: &str) -> Result<Desc, String> {
    let media_type = v
        .get("mediaType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let digest = v
        .get("digest")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{what}: a descriptor has no digest"))?;
    parse_digest(digest).map_err(|e| format!("{what}: {e}"))?;
    let size = v
        .get("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("{what}: descriptor {digest} has no size"))?;
    let platform = v.get("platform").and_then(|p| {
        Some(Platform {
            os: p.get("os")?.as_str()?.to_string(),
            arch: p.get("architecture")?.as_str()?.to_string(),
            variant: p
                .get("variant")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        })
    });
    Ok(Desc {
        media_type,
        digest: digest.to_string(),
        size,
        platform,
    })
}

fn parse_json(bytes: &[u8], what: &str) -> Result<Value, RegistryError> {
    crate::input::json::no_duplicate_keys(bytes)
        .map_err(|e| RegistryError::new(Kind::Corrupt, format!("{what}: refused: {e}")))?;
    serde_json::from_slice(bytes)
        .map_err(|e| RegistryError::new(Kind::Corrupt, format!("{what} is not JSON: {e}")))
}

/// The media type of a manifest document: the one stated (by the registry, or in the
/// document), else what its shape says.
fn media_type_of(stated: &str, doc: &Value) -> String {
    if MANIFEST_TYPES.contains(&stated) {
        return stated.to_string();
    }
    if let Some(m) = doc.get("mediaType").and_then(Value::as_str) {
        return m.to_string();
    }
    if doc.get("manifests").is_some() {
        INDEX_TYPES[0].to_string()
    } else {
        IMAGE_TYPES[0].to_string()
    }
}

/// Which kind of blob a document is fetched as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Doc {
    Manifest,
    Config,
}

/// A JSON document by descriptor: from the cache when it is there and hashes right,
/// else fetched (checked against digest and size) and cached.
fn document(
    cache: &Cache,
    remote: &mut Remote<'_>,
    d: &Desc,
    kind: Doc,
) -> Result<Vec<u8>, RegistryError> {
    if d.size > MAX_JSON {
        return Err(RegistryError::new(
            Kind::TooLarge,
            format!(
                "{} is {} bytes; at most {MAX_JSON} are read for a {} (MAX_JSON)",
                d.digest, d.size, d.media_type
            ),
        ));
    }
    if let Some(bytes) = cache.json(&d.digest)? {
        if bytes.len() as u64 == d.size {
            return Ok(bytes);
        }
    }
    let repo = remote.r.repository.clone();
    let bytes = match kind {
        Doc::Manifest => {
            let m = remote.client()?.get_manifest(&repo, &d.digest)?;
            remote.fetched.manifests += 1;
            m.bytes
        }
        Doc::Config => {
            let b = remote
                .client()?
                .get_blob_bytes(&repo, &d.digest, d.size, MAX_JSON)?;
            remote.fetched.blobs += 1;
            remote.fetched.blob_bytes += d.size;
            b
        }
    };
    if bytes.len() as u64 != d.size {
        return Err(RegistryError::new(
            Kind::Corrupt,
            format!(
                "{} is {} bytes, its descriptor says {}: refused",
                d.digest,
                bytes.len(),
                d.size
            ),
        ));
    }
    cache.store_bytes(&d.digest, &bytes)?;
    Ok(bytes)
}

/// What walking the index may still spend.
struct Budget {
    indexes: usize,
    descriptors: usize,
}

/// The image manifests an index lists, nested indexes expanded (bounded as the image
/// reader bounds them).
fn expand(
    cache: &Cache,
    remote: &mut Remote<'_>,
    index: &Value,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<Desc>,
) -> Result<(), RegistryError> {
    let over = |m: String| RegistryError::new(Kind::TooLarge, m);
    if depth > MAX_INDEX_DEPTH {
        return Err(over(format!(
            "indexes nested more than {MAX_INDEX_DEPTH} deep (MAX_INDEX_DEPTH)"
        )));
    }
    let list = index
        .get("manifests")
        .and_then(Value::as_array)
        .ok_or_else(|| RegistryError::new(Kind::Corrupt, "an index without `manifests`"))?;
    if list.len() > budget.descriptors {
        return Err(over(format!(
            "more than {MAX_DESCRIPTORS} descriptors in the image's indexes (MAX_DESCRIPTORS)"
        )));
    }
    budget.descriptors -= list.len();
    for v in list {
        let d = desc(v, "the base's index").map_err(|e| RegistryError::new(Kind::Corrupt, e))?;
        if INDEX_TYPES.contains(&d.media_type.as_str()) {
            if budget.indexes == 0 {
                return Err(over(format!(
                    "more than {MAX_INDEXES} nested indexes in one image (MAX_INDEXES)"
                )));
            }
            budget.indexes -= 1;
            let bytes = document(cache, remote, &d, Doc::Manifest)?;
            let nested = parse_json(&bytes, &format!("index {}", d.digest))?;
            expand(cache, remote, &nested, depth + 1, budget, out)?;
        } else if IMAGE_TYPES.contains(&d.media_type.as_str()) {
            out.push(d);
        }
        // Anything else (signatures, attestations, artifacts) is no image.
    }
    Ok(())
}

/// The platforms an index's images are for, for an error: sorted, `unknown` left out.
fn platforms_listed(manifests: &[Desc]) -> String {
    let mut v: Vec<String> = manifests
        .iter()
        .filter_map(|d| d.platform.as_ref())
        .filter(|p| p.os != "unknown")
        .map(ToString::to_string)
        .collect();
    v.sort();
    v.dedup();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The top document: by the pinned digest (from the cache when it is there), else by
/// the tag (a `HEAD` first, and the cache when it has what the tag names now).
fn resolve(
    cache: &Cache,
    remote: &mut Remote<'_>,
    pinned: Option<&str>,
) -> Result<(String, Vec<u8>, String), RegistryError> {
    let r = remote.r;
    let repo = r.repository.clone();
    if let Some(d) = pinned {
        if let Some(bytes) = cache.json(d)? {
            let stated = cache
                .entry(d)?
                .and_then(|e| e.get("mediaType")?.as_str().map(str::to_string))
                .unwrap_or_default();
            return Ok((d.to_string(), bytes, stated));
        }
        let m = remote.client()?.get_manifest(&repo, d)?;
        remote.fetched.manifests += 1;
        return Ok((d.to_string(), m.bytes, m.media_type));
    }
    let tag = r.tag.as_deref().unwrap_or(DEFAULT_TAG);
    let head = remote.client()?.head_manifest(&repo, tag)?;
    remote.fetched.heads += 1;
    let Some(head) = head else {
        return Err(RegistryError::new(
            Kind::NotFound,
            format!("the registry has no tag `{tag}` in `{}`", r.repository),
        ));
    };
    if let Some(d) = head.digest.as_deref().filter(|d| parse_digest(d).is_ok()) {
        if let Some(bytes) = cache.json(d)? {
            return Ok((
                d.to_string(),
                bytes,
                head.media_type.clone().unwrap_or_default(),
            ));
        }
    }
    let m = remote.client()?.get_manifest(&repo, tag)?;
    remote.fetched.manifests += 1;
    Ok((m.digest, m.bytes, m.media_type))
}

/// Pulls the base `wanted` names into the cache layout at `cache_dir` (absolute; made
/// 0700 if missing, and trusted only as [`crate::privfs`] says), asking the registry
/// with the credentials `env`'s files hold ([`super::credentials::find`]) only for what
/// the cache lacks. Errors name the base; their [`Kind`] decides the exit code.
pub fn pull(
    wanted: &Wanted<'_>,
    cache_dir: &Path,
    env: &BTreeMap<String, String>,
    options: &Options,
) -> Result<PulledBase, RegistryError> {
    let r = wanted.reference;
    let named = |mut e: RegistryError| {
        e.message = format!("base `{r}`: {}", e.message);
        e
    };
    let pinned = r.digest.as_deref().or(wanted.locked);
    if let Some(d) = pinned {
        parse_digest(d).map_err(|e| named(RegistryError::new(Kind::Reference, e)))?;
    }
    let cache = Cache::open(cache_dir).map_err(named)?;
    let mut remote = Remote {
        r,
        env,
        options,
        client: None,
        fetched: Fetched::default(),
    };
    let out = pull_into(&cache, &mut remote, wanted, pinned);
    let secrets = remote
        .client
        .as_ref()
        .map(Client::secrets)
        .unwrap_or_default();
    let clean = |e: RegistryError| match &remote.client {
        Some(c) => c.session.clean(e),
        None => e,
    };
    let (digest, media_type, platforms) = out.map_err(|e| clean(named(e)))?;
    let tag = tag_of(&digest);
    let image = match ImageRef::parse(&cache.reference(&digest)) {
        Some(Ok(i)) => i,
        Some(Err(e)) => return Err(named(RegistryError::new(Kind::Cache, e))),
        None => {
            return Err(named(RegistryError::new(
                Kind::Cache,
                "the cache reference is not an oci: reference",
            )))
        }
    };
    Ok(PulledBase {
        image,
        layout: cache.dir.clone(),
        tag,
        reference: r.clone(),
        digest,
        media_type,
        platforms,
        mount: MountSource {
            registry: r.registry.clone(),
            repository: r.repository.clone(),
        },
        fetched: remote.fetched,
        secrets,
    })
}

impl PulledBase {
    /// The `xbuild-go.lock` entry of this base in `profile`.
    pub fn lock_entry(&self, profile: &str) -> LockedBase {
        LockedBase {
            profile: profile.to_string(),
            reference: self.reference.to_string(),
            digest: self.digest.clone(),
            platforms: self.platforms.clone(),
        }
    }

    /// What the base resolved to, for [`crate::profile::lock::check`].
    pub fn current(&self) -> Current<'_> {
        Current {
            digest: &self.digest,
            platforms: &self.platforms,
        }
    }
}

/// The digest `r` names now, without pulling anything: its own digest when it pins
/// one (no request at all), else the tag's, by a `HEAD` of its manifest (a `GET` when
/// the registry states no digest). For `--locked` (is the lock's digest still the
/// tag's?) and doctor's stale-lock row.
pub fn current_digest(
    r: &Reference,
    env: &BTreeMap<String, String>,
    options: &Options,
) -> Result<String, RegistryError> {
    let named = |mut e: RegistryError| {
        e.message = format!("base `{r}`: {}", e.message);
        e
    };
    if let Some(d) = &r.digest {
        parse_digest(d).map_err(|e| named(RegistryError::new(Kind::Reference, e)))?;
        return Ok(d.clone());
    }
    let client = Client::for_reference(r, env, options).map_err(named)?;
    let tag = r.tag.as_deref().unwrap_or(DEFAULT_TAG);
    let head = client
        .head_manifest(&r.repository, tag)
        .map_err(named)?
        .ok_or_else(|| {
            named(RegistryError::new(
                Kind::NotFound,
                format!("the registry has no tag `{tag}` in `{}`", r.repository),
            ))
        })?;
    if let Some(d) = head.digest.filter(|d| parse_digest(d).is_ok()) {
        return Ok(d);
    }
    Ok(client
        .get_manifest(&r.repository, tag)
        .map_err(named)?
        .digest)
}

type Resolved = (String, String, BTreeMap<String, String>);

fn pull_into(
    cache: &Cache,
    remote: &mut Remote<'_>,
    wanted: &Wanted<'_>,
    pinned: Option<&str>,
) -> Result<Resolved, RegistryError> {
    let (digest, top, stated) = resolve(cache, remote, pinned)?;
    let top_doc = parse_json(&top, &format!("manifest {digest}"))?;
    let media_type = media_type_of(&stated, &top_doc);
    let is_index = INDEX_TYPES.contains(&media_type.as_str());
    if !is_index && !IMAGE_TYPES.contains(&media_type.as_str()) {
        return Err(RegistryError::new(
            Kind::Protocol,
            format!("{digest} is a {media_type}, not an image or an image index"),
        ));
    }
    let mut images = Vec::new();
    if is_index {
        let mut budget = Budget {
            indexes: MAX_INDEXES,
            descriptors: MAX_DESCRIPTORS,
        };
        expand(cache, remote, &top_doc, 0, &mut budget, &mut images)?;
    }
    let mut platforms = BTreeMap::new();
    for want in wanted.platforms {
        let (mdigest, mbytes) = if is_index {
            let best = images
                .iter()
                .filter_map(|d| Some((rank(d.platform.as_ref()?, want)?, d)))
                .min_by_key(|(k, _)| *k)
                .map(|(_, d)| d.clone());
            let Some(d) = best else {
                return Err(RegistryError::new(
                    Kind::Platform,
                    format!(
                        "it has no image for {want} (it has {})",
                        platforms_listed(&images)
                    ),
                ));
            };
            let bytes = document(cache, remote, &d, Doc::Manifest)?;
            (d.digest, bytes)
        } else {
            (digest.clone(), top.clone())
        };
        pull_image(cache, remote, want, &mdigest, &mbytes, !is_index)?;
        platforms.insert(want.to_string(), mdigest);
    }
    if !cache.has_blob(&digest, top.len() as u64)? {
        cache.store_bytes(&digest, &top)?;
    }
    if cache.entry(&digest)?.is_none() {
        cache.record(
            &digest,
            &media_type,
            top.len() as u64,
            &remote.r.to_string(),
        )?;
    }
    Ok((digest, media_type, platforms))
}

/// One platform's manifest: its config and layers into the cache. `check_platform`:
/// a single-manifest base, whose config must state the platform.
fn pull_image(
    cache: &Cache,
    remote: &mut Remote<'_>,
    want: &Platform,
    digest: &str,
    bytes: &[u8],
    check_platform: bool,
) -> Result<(), RegistryError> {
    let what = format!("manifest {digest}");
    let corrupt = |m: String| RegistryError::new(Kind::Corrupt, m);
    let m = parse_json(bytes, &what)?;
    let config = m
        .get("config")
        .ok_or_else(|| corrupt(format!("{what} has no config")))
        .and_then(|c| desc(c, &what).map_err(corrupt))?;
    let layers = m
        .get("layers")
        .and_then(Value::as_array)
        .ok_or_else(|| corrupt(format!("{what} has no layers")))?;
    if layers.len() > MAX_LAYERS {
        return Err(RegistryError::new(
            Kind::TooLarge,
            format!(
                "{what}: {} layers (at most {MAX_LAYERS} are read: MAX_LAYERS)",
                layers.len()
            ),
        ));
    }
    let layers: Vec<Desc> = layers
        .iter()
        .map(|l| desc(l, &what).map_err(corrupt))
        .collect::<Result<_, _>>()?;
    let total: u64 = layers.iter().map(|l| l.size).fold(0, u64::saturating_add);
    if total > MAX_UNPACKED {
        return Err(RegistryError::new(
            Kind::TooLarge,
            format!("{what}: its layers are {total} bytes (at most {MAX_UNPACKED}: MAX_UNPACKED)"),
        ));
    }
    let cbytes = document(cache, remote, &config, Doc::Config)?;
    if check_platform {
        let c = parse_json(&cbytes, &format!("config {}", config.digest))?;
        let stated = Platform {
            os: c.get("os").and_then(Value::as_str).unwrap_or("").into(),
            arch: c
                .get("architecture")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            variant: c
                .get("variant")
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
        };
        if rank(&stated, want).is_none() {
            return Err(RegistryError::new(
                Kind::Platform,
                format!("it has no image for {want} (it has {stated}: one image, no index)"),
            ));
        }
    }
    let repo = remote.r.repository.clone();
    for l in &layers {
        if cache.has_blob(&l.digest, l.size)? {
            continue;
        }
        let client = remote.client()?;
        cache.store(&l.digest, &mut |f| {
            client.get_blob(&repo, &l.digest, l.size, f)
        })?;
        remote.fetched.blobs += 1;
        remote.fetched.blob_bytes += l.size;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_checked() {
        let d = format!("sha256:{}", "a".repeat(64));
        let ok = serde_json::json!({"mediaType": IMAGE_TYPES[0], "digest": d, "size": 3,
            "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}});
        let got = desc(&ok, "i").unwrap();
        assert_eq!(got.platform.unwrap().to_string(), "linux/arm/v7");
        for (case, v) in [
            ("no digest", serde_json::json!({"size": 1})),
            ("md5", serde_json::json!({"digest": "md5:00", "size": 1})),
            ("no size", serde_json::json!({"digest": d})),
        ] {
            assert!(desc(&v, "i").is_err(), "case {case}");
        }
    }

    #[test]
    fn media_types_come_from_the_registry_the_document_or_its_shape() {
        let index = serde_json::json!({"manifests": []});
        assert_eq!(media_type_of("", &index), INDEX_TYPES[0]);
        assert_eq!(
            media_type_of("", &serde_json::json!({"layers": []})),
            IMAGE_TYPES[0]
        );
        assert_eq!(media_type_of(INDEX_TYPES[1], &index), INDEX_TYPES[1]);
        let m = serde_json::json!({"mediaType": IMAGE_TYPES[1]});
        assert_eq!(media_type_of("text/plain", &m), IMAGE_TYPES[1]);
    }

    #[test]
    fn listed_platforms_leave_out_attestations() {
        let d = |os: &str, arch: &str| Desc {
            media_type: String::new(),
            digest: String::new(),
            size: 0,
            platform: Some(Platform {
                os: os.into(),
                arch: arch.into(),
                variant: None,
            }),
        };
        assert_eq!(
            platforms_listed(&[
                d("linux", "arm64"),
                d("unknown", "unknown"),
                d("linux", "amd64")
            ]),
            "linux/amd64, linux/arm64"
        );
        assert_eq!(platforms_listed(&[]), "none");
    }
}
