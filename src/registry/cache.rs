//! The on-disk cache of registry bases: one private OCI image layout (`oci-layout`,
//! `index.json`, `blobs/<alg>/<hex>`), content-addressed, which
//! [`crate::assemble::Base::open`] reads as `oci:DIR:TAG` with every check of the image
//! reader. Each pulled base is one `index.json` entry whose tag
//! (`org.opencontainers.image.ref.name`) is `<alg>-<hex>` of the digest it was resolved
//! to, so bases pulled by different tags share their blobs, and a digest once pulled is
//! found again without the network.
//!
//! Trust ([`crate::privfs`]): the directory and every one above it must belong to the
//! user (or root, above it) and be writable by no one else; `blobs/` and its algorithm
//! directories are made 0700 and never reached through a symlink; a blob is streamed
//! into a fresh `O_EXCL|O_NOFOLLOW` file beside its place and renamed into place only
//! once its digest and size are proven, so nothing unproven is ever cached as good.
//! `index.json` is rewritten whole (a temporary name, then a rename) under an `flock`
//! of `index.lock`, so two pulls at once cannot lose an entry.

use std::fs::File;
use std::io::{self, Write as _};
use std::os::unix::io::AsRawFd as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{Kind, RegistryError};
use crate::image::manifest::MAX_JSON;
use crate::privfs;

/// The annotation that holds a layout entry's tag.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation recording which reference an entry was pulled for (information only).
pub const PULLED_FROM: &str = "dev.xbuild-go.base.reference";
/// The most entries `index.json` is allowed to grow to; past it the oldest are dropped
/// (their blobs stay, and a pull of them again adds them back).
pub const MAX_ENTRIES: usize = 4096;

fn cache_err(message: String) -> RegistryError {
    RegistryError::new(Kind::Cache, message)
}

/// The cache layout, its directory checked.
#[derive(Debug, Clone)]
pub struct Cache {
    /// The layout directory (canonical).
    pub dir: PathBuf,
}

/// `<alg>-<hex>`: the tag a digest's entry carries.
pub fn tag_of(digest: &str) -> String {
    digest.replacen(':', "-", 1)
}

impl Cache {
    /// Opens (making it if missing, 0700) the cache layout at `dir`, an absolute path.
    pub fn open(dir: &Path) -> Result<Cache, RegistryError> {
        let dir = privfs::trusted_dir(dir).map_err(|e| {
            cache_err(format!(
                "the registry base cache `{}` cannot be used: {e}",
                crate::sanitize::escape::path(dir)
            ))
        })?;
        if dir.to_string_lossy().contains(':') {
            return Err(cache_err(format!(
                "the registry base cache `{}` holds a `:`, which an `oci:DIR:TAG` reference cannot: \
                 move the cache (XBUILD_GO_CACHE_DIR)",
                crate::sanitize::escape::path(&dir)
            )));
        }
        let c = Cache { dir };
        let layout = c.dir.join("oci-layout");
        let have = privfs::read_own(&layout, 4096).map_err(|e| c.io("reading", &layout, e))?;
        if have.is_none() {
            privfs::replace(&layout, br#"{"imageLayoutVersion":"1.0.0"}"#)
                .map_err(|e| c.io("writing", &layout, e))?;
        }
        Ok(c)
    }

    fn io(&self, doing: &str, path: &Path, e: io::Error) -> RegistryError {
        cache_err(format!(
            "{doing} `{}` of the registry base cache: {e} (deleting `{}` is always safe)",
            crate::sanitize::escape::path(path),
            crate::sanitize::escape::path(&self.dir)
        ))
    }

    /// The `oci:DIR:TAG` reference of the entry of `digest`.
    pub fn reference(&self, digest: &str) -> String {
        format!("oci:{}:{}", self.dir.display(), tag_of(digest))
    }

    /// Where blob `digest` lives (`blobs/<alg>/<hex>`); `None` for a malformed digest.
    pub fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let (alg, hex) = digest.split_once(':')?;
        let ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        (ok(alg) && ok(hex)).then(|| self.dir.join("blobs").join(alg).join(hex))
    }

    fn blob_dir(&self, digest: &str) -> Result<(PathBuf, PathBuf), RegistryError> {
        let path = self
            .blob_path(digest)
            .ok_or_else(|| cache_err(format!("`{digest}` is not a digest to cache")))?;
        let blobs = privfs::subdir(&self.dir, "blobs".as_ref(), true)
            .map_err(|e| cache_err(e.to_string()))?;
        let alg = digest.split_once(':').map_or("", |(a, _)| a);
        let dir =
            privfs::subdir(&blobs, alg.as_ref(), true).map_err(|e| cache_err(e.to_string()))?;
        Ok((dir, path))
    }

    /// Whether blob `digest` is cached with `size` bytes (a regular file of this user;
    /// a file of another size is removed, so it is fetched again). Its bytes are not
    /// hashed here: the image reader checks every digest when it reads the base.
    pub fn has_blob(&self, digest: &str, size: u64) -> Result<bool, RegistryError> {
        let Some(path) = self.blob_path(digest) else {
            return Ok(false);
        };
        match privfs::open_own(&path, false) {
            Ok(None) => Ok(false),
            Ok(Some(f)) => {
                let len = f
                    .metadata()
                    .map_err(|e| self.io("reading", &path, e))?
                    .len();
                if len == size {
                    return Ok(true);
                }
                drop(f);
                std::fs::remove_file(&path).map_err(|e| self.io("removing", &path, e))?;
                Ok(false)
            }
            Err(e) => Err(self.io("opening", &path, e)),
        }
    }

    /// The bytes of a cached JSON blob when they are there and hash to `digest` (at most
    /// [`MAX_JSON`]); a cached copy that does not is removed.
    pub fn json(&self, digest: &str) -> Result<Option<Vec<u8>>, RegistryError> {
        let Some(path) = self.blob_path(digest) else {
            return Ok(None);
        };
        let bytes = match privfs::read_own(&path, MAX_JSON) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                // Too long, or not a plain file of ours: not a document we made.
                let _ = std::fs::remove_file(&path);
                return Ok(None);
            }
            Err(e) => return Err(self.io("reading", &path, e)),
        };
        let good = digest
            .parse::<oci_spec::image::Digest>()
            .ok()
            .is_some_and(|d| crate::image::manifest::check_digest(&bytes, &d).is_ok());
        if !good {
            std::fs::remove_file(&path).map_err(|e| self.io("removing", &path, e))?;
            return Ok(None);
        }
        Ok(Some(bytes))
    }

    /// Stores blob `digest`: `fill` writes its bytes into a fresh temporary file and
    /// must fail unless they are exactly the blob (the registry client checks digest
    /// and size as it streams); only then is the file renamed into place. On any error
    /// the temporary file is removed and nothing is cached.
    pub fn store(
        &self,
        digest: &str,
        fill: &mut dyn FnMut(&mut File) -> Result<(), RegistryError>,
    ) -> Result<(), RegistryError> {
        let (dir, path) = self.blob_dir(digest)?;
        let hex = digest.split_once(':').map_or("", |(_, h)| h);
        let mut made = None;
        for attempt in 0u32..16 {
            let nonce = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
                ^ attempt.wrapping_mul(0x9e37_79b9);
            let tmp = dir.join(format!(".{hex}.{}.{nonce:08x}.tmp", std::process::id()));
            match privfs::create_new(&tmp, 0o600) {
                Ok(f) => {
                    made = Some((tmp, f));
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(self.io("creating", &tmp, e)),
            }
        }
        let Some((tmp, mut f)) = made else {
            return Err(cache_err(format!(
                "no free temporary name in `{}`",
                crate::sanitize::escape::path(&dir)
            )));
        };
        let r = fill(&mut f).and_then(|()| {
            f.flush()
                .and_then(|()| f.sync_data())
                .map_err(|e| self.io("writing", &tmp, e))
        });
        drop(f);
        let r = r.and_then(|()| {
            std::fs::rename(&tmp, &path).map_err(|e| self.io("renaming into", &path, e))
        });
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        r
    }

    /// Stores a document whose bytes are known (and already checked by the caller).
    pub fn store_bytes(&self, digest: &str, bytes: &[u8]) -> Result<(), RegistryError> {
        let path = self.blob_path(digest);
        self.store(digest, &mut |f| {
            f.write_all(bytes).map_err(|e| {
                let p = path.clone().unwrap_or_default();
                self.io("writing", &p, e)
            })
        })
    }

    /// The descriptor `index.json` holds for the entry of `digest`, if any.
    pub fn entry(&self, digest: &str) -> Result<Option<Value>, RegistryError> {
        let tag = tag_of(digest);
        Ok(self.entries()?.into_iter().find(|d| {
            d.pointer(&format!("/annotations/{}", REF_NAME.replace('/', "~1")))
                .and_then(Value::as_str)
                == Some(tag.as_str())
                && d.get("digest").and_then(Value::as_str) == Some(digest)
        }))
    }

    fn entries(&self) -> Result<Vec<Value>, RegistryError> {
        let path = self.dir.join("index.json");
        let Some(bytes) =
            privfs::read_own(&path, MAX_JSON).map_err(|e| self.io("reading", &path, e))?
        else {
            return Ok(Vec::new());
        };
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            cache_err(format!(
                "`{}` is not JSON ({e}): delete it, the cache rebuilds it",
                crate::sanitize::escape::path(&path)
            ))
        })?;
        Ok(v.get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// Records the entry of `digest` (a document of `media_type`, `size` bytes, pulled
    /// for `reference`) in `index.json`, unless it is there.
    pub fn record(
        &self,
        digest: &str,
        media_type: &str,
        size: u64,
        reference: &str,
    ) -> Result<(), RegistryError> {
        let lock_path = self.dir.join("index.lock");
        let lock = match privfs::open_own(&lock_path, true) {
            Ok(Some(f)) => f,
            Ok(None) => match privfs::create_new(&lock_path, 0o600) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    privfs::open_own(&lock_path, true)
                        .map_err(|e| self.io("opening", &lock_path, e))?
                        .ok_or_else(|| cache_err("index.lock vanished".into()))?
                }
                Err(e) => return Err(self.io("creating", &lock_path, e)),
            },
            Err(e) => return Err(self.io("opening", &lock_path, e)),
        };
        // SAFETY: flock(2) on a descriptor we own; it touches no memory.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(self.io("locking", &lock_path, io::Error::last_os_error()));
        }
        if self.entry(digest)?.is_some() {
            return Ok(());
        }
        let mut entries = self.entries()?;
        let tag = tag_of(digest);
        entries.retain(|d| {
            d.pointer(&format!("/annotations/{}", REF_NAME.replace('/', "~1")))
                .and_then(Value::as_str)
                != Some(tag.as_str())
        });
        entries.push(json!({
            "mediaType": media_type,
            "digest": digest,
            "size": size,
            "annotations": { REF_NAME: tag, PULLED_FROM: reference },
        }));
        if entries.len() > MAX_ENTRIES {
            let drop_n = entries.len() - MAX_ENTRIES;
            entries.drain(..drop_n);
        }
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": entries,
        });
        let bytes = serde_json::to_vec_pretty(&index).unwrap_or_default();
        let path = self.dir.join("index.json");
        privfs::replace(&path, &bytes).map_err(|e| self.io("writing", &path, e))?;
        drop(lock);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_proven_before_they_are_cached() {
        let t = tempfile::tempdir().unwrap();
        let c = Cache::open(&t.path().join("bases")).unwrap();
        let doc = br#"{"schemaVersion":2}"#;
        let d = format!("sha256:{}", crate::digest::sha256_hex(doc));
        assert_eq!(c.json(&d).unwrap(), None, "nothing yet");
        let e = c
            .store(&d, &mut |f| {
                f.write_all(b"half").unwrap();
                Err(RegistryError::new(Kind::Corrupt, "bad bytes"))
            })
            .unwrap_err();
        assert_eq!(e.kind, Kind::Corrupt);
        assert!(!c.has_blob(&d, 4).unwrap(), "a failed fill caches nothing");
        let names: Vec<_> = std::fs::read_dir(c.dir.join("blobs/sha256"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(names.is_empty(), "no temporary file left: {names:?}");
        c.store_bytes(&d, doc).unwrap();
        assert_eq!(c.json(&d).unwrap().as_deref(), Some(&doc[..]));
        assert!(c.has_blob(&d, doc.len() as u64).unwrap());
        // A cached document that no longer hashes to its name is dropped.
        std::fs::write(c.blob_path(&d).unwrap(), b"{}").unwrap();
        assert_eq!(c.json(&d).unwrap(), None);
        assert!(!c.blob_path(&d).unwrap().exists());
        assert!(c.blob_path("sha256:../x").is_none());
    }

    #[test]
    fn entries_are_recorded_once_by_digest() {
        let t = tempfile::tempdir().unwrap();
        let c = Cache::open(&t.path().join("bases")).unwrap();
        let d = format!("sha256:{}", "a".repeat(64));
        assert!(c.entry(&d).unwrap().is_none());
        for _ in 0..2 {
            c.record(&d, "application/vnd.oci.image.index.v1+json", 10, "h/r:1")
                .unwrap();
        }
        let e = c.entry(&d).unwrap().expect("recorded");
        assert_eq!(e["annotations"][REF_NAME], tag_of(&d));
        assert_eq!(c.entries().unwrap().len(), 1);
        assert_eq!(
            c.reference(&d),
            format!("oci:{}:sha256-{}", c.dir.display(), "a".repeat(64))
        );
    }

    #[test]
    fn pulls_at_once_lose_no_entry() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("bases");
        Cache::open(&dir).unwrap();
        let threads: Vec<_> = (0..4u8)
            .map(|i| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let c = Cache::open(&dir).unwrap();
                    for j in 0..8u8 {
                        let d = format!("sha256:{:02x}{:02x}{}", i, j, "0".repeat(60));
                        c.record(&d, "application/vnd.oci.image.index.v1+json", 1, "r")
                            .unwrap();
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        let c = Cache::open(&dir).unwrap();
        assert_eq!(c.entries().unwrap().len(), 32, "every entry kept");
    }
}
