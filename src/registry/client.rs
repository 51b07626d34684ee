//! The client of one registry, and what it pulls: manifests (`HEAD`/`GET`, accepting
//! OCI indexes and manifests and Docker's manifest lists and manifests; at most
//! [`crate::image::manifest::MAX_JSON`] bytes; checked against the digest asked for
//! and the one the registry states) and blobs (`HEAD` to learn whether one is there;
//! `GET` streamed through a hash and a size bound, refused when the bytes do not hash
//! to their digest: the error names both digests).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use oci_spec::image::{Digest, DigestAlgorithm};
use sha2::{Digest as _, Sha256, Sha512};
use ureq::http::Method;

use super::credentials::{self, Found};
use super::http::Request;
use super::reference::{parse_digest, Reference};
use super::session::{Access, Session};
use super::{Kind, Options, RegistryError};
use crate::digest::hex;
use crate::image::manifest::MAX_JSON;
use crate::sanitize::redact::Secrets;

/// The manifest media types asked for, best first.
pub const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// A manifest as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Its `Content-Type` (or the `mediaType` it states when the registry sent none).
    pub media_type: String,
    /// The sha256 digest of its bytes.
    pub digest: String,
    pub bytes: Vec<u8>,
}

/// What a `HEAD` tells of a manifest or blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub media_type: Option<String>,
    pub digest: Option<String>,
    pub size: Option<u64>,
}

/// The client of one registry.
pub struct Client {
    pub(super) session: Session,
}

/// A running digest in the algorithm of the digest it is checked against.
enum Hash {
    S256(Sha256),
    S512(Sha512),
}

impl Hash {
    fn of(d: &Digest) -> Hash {
        match d.algorithm() {
            DigestAlgorithm::Sha512 => Hash::S512(Sha512::new()),
            _ => Hash::S256(Sha256::new()),
        }
    }

    fn update(&mut self, b: &[u8]) {
        match self {
            Hash::S256(h) => h.update(b),
            Hash::S512(h) => h.update(b),
        }
    }

    fn finish(self) -> String {
        match self {
            Hash::S256(h) => format!("sha256:{}", hex(&h.finalize())),
            Hash::S512(h) => format!("sha512:{}", hex(&h.finalize())),
        }
    }
}

/// sha256 of `bytes`, as a digest string.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::digest::sha256_hex(bytes))
}

/// `bytes` digested in `d`'s algorithm.
fn digest_as(d: &Digest, bytes: &[u8]) -> String {
    let mut h = Hash::of(d);
    h.update(bytes);
    h.finish()
}

fn digest_arg(d: &str) -> Result<Digest, RegistryError> {
    parse_digest(d).map_err(|e| RegistryError::new(Kind::Reference, e))
}

impl Client {
    /// A client of `registry` (as references name it) asking with `found`.
    pub fn new(registry: &str, found: Found, options: &Options) -> Client {
        Client {
            session: Session::new(registry, found, options),
        }
    }

    /// A client of the reference's registry with the credentials the environment's
    /// files hold for it ([`credentials::find`]).
    pub fn for_reference(
        r: &Reference,
        env: &BTreeMap<String, String>,
        options: &Options,
    ) -> Result<Client, RegistryError> {
        let found = credentials::find(&r.registry, env)?;
        Ok(Client::new(&r.registry, found, options))
    }

    /// The registry as references name it.
    pub fn registry(&self) -> &str {
        &self.session.registry
    }

    /// Where the credential came from, in words (never its value).
    pub fn credential_source(&self) -> &str {
        self.session.source()
    }

    /// The credentials and tokens of this client, for masking other output.
    pub fn secrets(&self) -> Secrets {
        self.session.secrets()
    }

    /// The scheme and host the registry answers on (`https://h`), pinging it once.
    pub fn base(&self) -> Result<String, RegistryError> {
        self.session.base()
    }

    pub(super) fn err(&self, kind: Kind, message: String) -> RegistryError {
        self.session.clean(RegistryError::new(kind, message))
    }

    /// The error for a status the caller did not expect.
    pub(super) fn unexpected(&self, what: &str, resp: super::http::Response) -> RegistryError {
        let status = resp.status;
        let url = resp.url.clone();
        let said = resp.error_text();
        let kind = match status {
            404 => Kind::NotFound,
            s if s >= 500 => Kind::Unreachable,
            _ => Kind::Protocol,
        };
        let mut e = self.err(
            kind,
            format!(
                "{what}: {url} answered {status}{}",
                if said.is_empty() {
                    String::new()
                } else {
                    format!(" ({said})")
                }
            ),
        );
        e.status = Some(status);
        e
    }

    /// `HEAD` of a manifest by tag or digest: `None` when the registry has none.
    pub fn head_manifest(
        &self,
        repo: &str,
        object: &str,
    ) -> Result<Option<Described>, RegistryError> {
        let mut req = Request::new(Method::HEAD, format!("/v2/{repo}/manifests/{object}"))
            .header("accept", MANIFEST_TYPES.join(", "));
        let resp = self.session.send(&mut req, &[Access::Pull(repo)])?;
        match resp.status {
            200 => Ok(Some(Described {
                media_type: resp.header("content-type").map(str::to_string),
                digest: resp.header("docker-content-digest").map(str::to_string),
                size: resp.content_length(),
            })),
            404 => Ok(None),
            _ => Err(self.unexpected(
                &format!("manifest {repo}:{object} of `{}`", self.registry()),
                resp,
            )),
        }
    }

    /// `GET` of a manifest by tag or digest. A manifest asked for by digest must hash
    /// to it; one asked for by tag must hash to the digest the registry states, if it
    /// states one.
    pub fn get_manifest(&self, repo: &str, object: &str) -> Result<Manifest, RegistryError> {
        let what = format!(
            "manifest {repo}{}{object} of `{}`",
            if object.contains(':') { "@" } else { ":" },
            self.registry()
        );
        let pinned = if object.contains(':') {
            Some(digest_arg(object)?)
        } else {
            None
        };
        let mut req = Request::new(Method::GET, format!("/v2/{repo}/manifests/{object}"))
            .header("accept", MANIFEST_TYPES.join(", "));
        req.expect = MAX_JSON;
        let resp = self.session.send(&mut req, &[Access::Pull(repo)])?;
        if resp.status != 200 {
            return Err(self.unexpected(&what, resp));
        }
        let media_type = resp.header("content-type").map(str::to_string);
        let stated = resp.header("docker-content-digest").map(str::to_string);
        let bytes = resp
            .read_bounded(MAX_JSON, &what)
            .map_err(|e| self.session.clean(e))?;
        let check = |want: &Digest, whose: &str| -> Result<(), RegistryError> {
            let got = digest_as(want, &bytes);
            if got != want.to_string() {
                return Err(self.err(
                    Kind::Corrupt,
                    format!("{what} hashes to {got}, not {want} ({whose}): refused"),
                ));
            }
            Ok(())
        };
        if let Some(want) = &pinned {
            check(want, "the digest asked for")?;
        }
        if let Some(stated) = stated.as_deref().filter(|s| !s.is_empty()) {
            let want = parse_digest(stated).map_err(|e| {
                self.err(
                    Kind::Protocol,
                    format!("{what}: Docker-Content-Digest: {e}"),
                )
            })?;
            check(&want, "the digest the registry states")?;
        }
        let media_type = media_type
            .filter(|m| !m.is_empty() && m != "application/octet-stream" && !m.starts_with("text/"))
            .or_else(|| {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|v| v.get("mediaType")?.as_str().map(str::to_string))
            })
            .unwrap_or_default();
        Ok(Manifest {
            media_type,
            digest: sha256_digest(&bytes),
            bytes,
        })
    }

    /// `HEAD` of a blob: its size when the registry has it, `None` when not.
    pub fn head_blob(&self, repo: &str, digest: &str) -> Result<Option<u64>, RegistryError> {
        digest_arg(digest)?;
        let mut req = Request::new(Method::HEAD, format!("/v2/{repo}/blobs/{digest}"));
        let resp = self.session.send(&mut req, &[Access::Pull(repo)])?;
        match resp.status {
            200 => Ok(Some(resp.content_length().unwrap_or(0))),
            404 => Ok(None),
            _ => Err(self.unexpected(
                &format!("blob {digest} of `{}/{repo}`", self.registry()),
                resp,
            )),
        }
    }

    /// `GET` of a blob of `size` bytes (as its descriptor says) into `out`, hashed as
    /// it streams: more or fewer bytes than `size`, or bytes that do not hash to
    /// `digest`, are an error (what was written to `out` is then not the blob).
    pub fn get_blob(
        &self,
        repo: &str,
        digest: &str,
        size: u64,
        out: &mut dyn Write,
    ) -> Result<(), RegistryError> {
        let want = digest_arg(digest)?;
        let what = format!("blob {digest} of `{}/{repo}`", self.registry());
        let mut req = Request::new(Method::GET, format!("/v2/{repo}/blobs/{digest}"));
        req.expect = size;
        let resp = self.session.send(&mut req, &[Access::Pull(repo)])?;
        if resp.status != 200 {
            return Err(self.unexpected(&what, resp));
        }
        if let Some(n) = resp.content_length().filter(|n| *n != size) {
            return Err(self.err(
                Kind::Corrupt,
                format!("{what} is {n} bytes by the registry's Content-Length, its descriptor says {size}: refused"),
            ));
        }
        let mut reader = resp.into_reader().take(size + 1);
        let mut hash = Hash::of(&want);
        let mut buf = vec![0u8; 256 << 10];
        let mut got = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(self.err(
                        Kind::Unreachable,
                        format!("reading {what}: {e} (after {got} of {size} bytes)"),
                    ))
                }
            };
            got += n as u64;
            if got > size {
                return Err(self.err(
                    Kind::Corrupt,
                    format!("{what} is longer than its descriptor's {size} bytes: refused"),
                ));
            }
            hash.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| self.err(Kind::Unreachable, format!("writing {what}: {e}")))?;
        }
        if got != size {
            return Err(self.err(
                Kind::Corrupt,
                format!("{what} ended after {got} of its {size} bytes: refused"),
            ));
        }
        let got = hash.finish();
        if got != want.to_string() {
            return Err(self.err(Kind::Corrupt, format!("{what} hashes to {got}, not {want}: refused (the registry or something between served other bytes)")));
        }
        Ok(())
    }

    /// A blob of `size` bytes, whole in memory (see [`Client::get_blob`]); `max` bounds
    /// `size`.
    pub fn get_blob_bytes(
        &self,
        repo: &str,
        digest: &str,
        size: u64,
        max: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        if size > max {
            return Err(self.err(
                Kind::TooLarge,
                format!(
                    "blob {digest} of `{}/{repo}` is {size} bytes; at most {max} are read",
                    self.registry()
                ),
            ));
        }
        let mut v = Vec::with_capacity(size as usize);
        self.get_blob(repo, digest, size, &mut v)?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_computed_in_the_algorithm_asked_for() {
        let d256 = parse_digest(&sha256_digest(b"x")).unwrap();
        assert_eq!(digest_as(&d256, b"x"), d256.to_string());
        let d512 = parse_digest(&format!("sha512:{}", "0".repeat(128))).unwrap();
        assert!(digest_as(&d512, b"x").starts_with("sha512:"));
        assert!(digest_arg("md5:00").is_err());
    }
}
