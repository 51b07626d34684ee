//! What `cargo xbuild-go image` made: the image index, each platform's manifest and the
//! outputs written, as one `image` event in JSON and status lines for people.

use serde::Serialize;

/// One platform's image.
#[derive(Debug, Clone, Serialize)]
pub struct ImagePlatform {
    /// `linux/arm64`, as the index states it (the base's variant when none was asked).
    pub platform: String,
    /// The platform image's manifest digest.
    pub manifest_digest: String,
    /// The base's manifest digest for this platform (none for a docker-archive base).
    pub base_digest: Option<String>,
}

/// One output written.
#[derive(Debug, Clone, Serialize)]
pub struct ImageOutput {
    /// `oci`, `oci-archive` or `docker-archive`.
    pub kind: &'static str,
    /// The path, as shown (escaped when it is not printable text).
    pub path: String,
    /// The platform of a docker-archive (one file per platform); none for the others.
    pub platform: Option<String>,
}

/// The image assembled, proven and written.
#[derive(Debug, Clone, Serialize)]
pub struct ImageReport {
    /// The `repository` of the profile's image table, when set.
    pub repository: Option<String>,
    pub tags: Vec<String>,
    /// The image index's digest.
    pub index_digest: String,
    /// The base as written.
    pub base: String,
    pub platforms: Vec<ImagePlatform>,
    pub outputs: Vec<ImageOutput>,
    /// Each reference pushed, `REGISTRY/REPO:TAG@sha256:…` (empty without `--push`).
    pub pushed: Vec<String>,
}

impl ImageReport {
    /// `REPO:TAG` (or the tag alone) for the status lines.
    pub fn name(&self) -> String {
        let tag = self.tags.first().map(String::as_str).unwrap_or("");
        match &self.repository {
            Some(r) => format!("{r}:{tag}"),
            None => tag.to_string(),
        }
    }
}
