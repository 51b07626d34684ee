//! Pushing: blobs (skipped when a `HEAD` finds them; mounted from another repository
//! of the same registry when one is named, falling back to an upload when the
//! registry refuses the mount; else uploaded: `POST` for a session, then one `PUT` for
//! a blob up to [`Options::chunk_size`](super::Options), or `PATCH`es of that size and
//! a closing `PUT` for a larger one, following each `Location`, relative or absolute)
//! and manifests (`PUT` by tag or by digest, checked against the digest the registry
//! states).

use std::io::Read;
use std::path::Path;

use ureq::http::Method;

use super::client::{sha256_digest, Client};
use super::http::{self, Body, Request, Response};
use super::reference::{parse_digest, tag_ok};
use super::session::{encode, Access};
use super::{Kind, RegistryError};

/// Where a blob's bytes are.
#[derive(Debug, Clone, Copy)]
pub enum BlobData<'a> {
    Bytes(&'a [u8]),
    /// A regular file (not reached through a symlink).
    File(&'a Path),
}

/// How a blob got into the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// It was there already.
    Existing,
    /// Mounted from another repository of the registry.
    Mounted,
    /// Uploaded, in this many requests carrying bytes (1: monolithic).
    Uploaded { requests: usize },
}

/// A manifest pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutManifest {
    pub digest: String,
    /// The `OCI-Subject` header of the answer: set by registries with the referrers
    /// API when the manifest has a `subject`.
    pub subject: Option<String>,
}

/// An upload session's URL and what was sent so far.
struct Upload {
    url: String,
}

impl Client {
    /// The upload location a `POST`/`PATCH` answer names, resolved against its URL.
    fn location(&self, what: &str, resp: &Response) -> Result<String, RegistryError> {
        let loc = resp.header("location").unwrap_or_default();
        http::join(&resp.url, loc).ok_or_else(|| {
            self.err(
                Kind::Protocol,
                format!(
                    "{what}: {} answered {} without a usable Location",
                    resp.url, resp.status
                ),
            )
        })
    }

    /// Puts blob `digest` of `size` bytes into `repo`, unless it is there: mounted from
    /// `mount_from` (a repository of the same registry) when given and the registry
    /// agrees, else uploaded.
    pub fn push_blob(
        &self,
        repo: &str,
        digest: &str,
        size: u64,
        data: BlobData<'_>,
        mount_from: Option<&str>,
    ) -> Result<Pushed, RegistryError> {
        let what = format!("uploading blob {digest} to `{}/{repo}`", self.registry());
        let mut open = || -> Result<Box<dyn Read + '_>, RegistryError> {
            match data {
                BlobData::Bytes(b) => {
                    if b.len() as u64 != size {
                        return Err(self.err(
                            Kind::Corrupt,
                            format!("{what}: the data is {} bytes, not {size}", b.len()),
                        ));
                    }
                    Ok(Box::new(b))
                }
                BlobData::File(path) => {
                    let (file, len) = crate::input::file::open(path)
                        .map_err(|e| self.err(Kind::Corrupt, format!("{what}: {e}")))?;
                    if len != size {
                        return Err(self.err(
                            Kind::Corrupt,
                            format!(
                                "{what}: `{}` is {len} bytes, not {size}",
                                crate::sanitize::escape::path(path)
                            ),
                        ));
                    }
                    Ok(Box::new(file))
                }
            }
        };
        self.push_blob_from(repo, digest, size, mount_from, &mut open)
    }

    /// [`Client::push_blob`] with the bytes from a reader that `open` gives only when an
    /// upload is needed (not when the blob is there or is mounted). The reader must give
    /// exactly `size` bytes; the registry checks their digest.
    pub fn push_blob_from<'r>(
        &self,
        repo: &str,
        digest: &str,
        size: u64,
        mount_from: Option<&str>,
        open: &mut dyn FnMut() -> Result<Box<dyn Read + 'r>, RegistryError>,
    ) -> Result<Pushed, RegistryError> {
        parse_digest(digest).map_err(|e| self.err(Kind::Reference, e))?;
        if self.head_blob(repo, digest)? == Some(size) {
            return Ok(Pushed::Existing);
        }
        let what = format!("uploading blob {digest} to `{}/{repo}`", self.registry());
        let resp = match mount_from.filter(|f| *f != repo) {
            Some(from) => {
                let mut req = Request::new(
                    Method::POST,
                    format!(
                        "/v2/{repo}/blobs/uploads/?mount={}&from={}",
                        encode(digest),
                        encode(from)
                    ),
                );
                let resp = self
                    .session
                    .send(&mut req, &[Access::Push(repo), Access::Pull(from)])?;
                if resp.status == 201 {
                    return Ok(Pushed::Mounted);
                }
                resp
            }
            None => {
                let mut req = Request::new(Method::POST, format!("/v2/{repo}/blobs/uploads/"));
                self.session.send(&mut req, &[Access::Push(repo)])?
            }
        };
        if resp.status != 202 {
            return Err(self.unexpected(&what, resp));
        }
        let upload = Upload {
            url: self.location(&what, &resp)?,
        };
        let mut reader = open()?;
        let chunk = self.chunk();
        let requests = self.send_chunks(repo, &what, digest, size, upload, &mut |buf| {
            buf.clear();
            (&mut reader).take(chunk).read_to_end(buf)?;
            Ok((!buf.is_empty()).then_some(()))
        })?;
        Ok(Pushed::Uploaded { requests })
    }

    /// Refuses an answer stating that the registry stored other bytes than `digest`.
    fn check_stored(&self, what: &str, resp: &Response, digest: &str) -> Result<(), RegistryError> {
        match resp
            .header("docker-content-digest")
            .filter(|s| !s.is_empty())
        {
            Some(stated) if stated != digest => Err(self.err(
                Kind::Corrupt,
                format!("{what}: the registry stored it as {stated}"),
            )),
            _ => Ok(()),
        }
    }

    fn chunk(&self) -> u64 {
        self.session.http.options.chunk_size.max(1)
    }

    /// Sends the blob's bytes, chunk by chunk as `next` fills the buffer: a blob of one
    /// chunk (or none) in the closing `PUT`, a larger one in `PATCH`es first.
    fn send_chunks(
        &self,
        repo: &str,
        what: &str,
        digest: &str,
        size: u64,
        mut upload: Upload,
        next: &mut dyn FnMut(&mut Vec<u8>) -> std::io::Result<Option<()>>,
    ) -> Result<usize, RegistryError> {
        let read_err =
            |e: std::io::Error| self.err(Kind::Corrupt, format!("{what}: reading the blob: {e}"));
        let mut buf = Vec::new();
        let mut sent = 0u64;
        let mut requests = 0;
        let monolithic = size <= self.chunk();
        if !monolithic {
            while next(&mut buf).map_err(read_err)?.is_some() {
                let end = sent + buf.len() as u64;
                let mut req = Request::new(Method::PATCH, upload.url.clone())
                    .header("content-type", "application/octet-stream")
                    .header("content-range", format!("{sent}-{}", end - 1))
                    .body(Body::Bytes(&buf));
                let resp = self.session.send(&mut req, &[Access::Push(repo)])?;
                if resp.status != 202 {
                    return Err(self.unexpected(&format!("{what} (chunk at {sent})"), resp));
                }
                upload.url = self.location(what, &resp)?;
                sent = end;
                requests += 1;
            }
            buf.clear();
        } else if next(&mut buf).map_err(read_err)?.is_none() {
            buf.clear();
        }
        if sent + buf.len() as u64 != size {
            return Err(self.err(
                Kind::Corrupt,
                format!(
                    "{what}: the data ended after {} of {size} bytes",
                    sent + buf.len() as u64
                ),
            ));
        }
        let sep = if upload.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}digest={}", upload.url, encode(digest));
        let mut req =
            Request::new(Method::PUT, url).header("content-type", "application/octet-stream");
        if !buf.is_empty() {
            req = req.body(Body::Bytes(&buf));
            requests += 1;
        }
        let resp = self.session.send(&mut req, &[Access::Push(repo)])?;
        if resp.status != 201 {
            return Err(self.unexpected(what, resp));
        }
        self.check_stored(what, &resp, digest)?;
        Ok(requests)
    }

    /// Puts a manifest (`bytes` of `media_type`) into `repo` under `object`, a tag or
    /// its digest. Returns its sha256 digest, checked against the one the registry
    /// states.
    pub fn put_manifest(
        &self,
        repo: &str,
        object: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<PutManifest, RegistryError> {
        let digest = sha256_digest(bytes);
        let what = format!(
            "pushing manifest {digest} to `{}/{repo}:{object}`",
            self.registry()
        );
        if object.contains(':') {
            let d = parse_digest(object).map_err(|e| self.err(Kind::Reference, e))?;
            if d.to_string() != digest {
                return Err(self.err(
                    Kind::Corrupt,
                    format!("{what}: its bytes hash to {digest}, not {object}"),
                ));
            }
        } else if !tag_ok(object) {
            return Err(self.err(
                Kind::Reference,
                format!("{what}: `{object}` is not a valid tag"),
            ));
        }
        if bytes.len() as u64 > crate::image::manifest::MAX_JSON {
            return Err(self.err(
                Kind::TooLarge,
                format!("{what}: {} bytes, more than a registry takes", bytes.len()),
            ));
        }
        let mut req = Request::new(Method::PUT, format!("/v2/{repo}/manifests/{object}"))
            .header("content-type", media_type)
            .body(Body::Bytes(bytes));
        let resp = self.session.send(&mut req, &[Access::Push(repo)])?;
        if resp.status != 201 {
            return Err(self.unexpected(&what, resp));
        }
        self.check_stored(&what, &resp, &digest)?;
        Ok(PutManifest {
            digest,
            subject: resp.header("oci-subject").map(str::to_string),
        })
    }
}
