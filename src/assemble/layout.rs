//! Writing an OCI image layout directory: `oci-layout`, `blobs/<alg>/<hex>` and
//! `index.json`, whose entries point at the image index, one per tag, each tag the
//! `org.opencontainers.image.ref.name` annotation (the tag alone, as `oci:DIR:TAG`
//! reads it).
//!
//! A new directory is made whole under a temporary name beside it and renamed into
//! place. Into an existing layout the blobs it lacks are added (each written under a
//! temporary name and renamed; one already there is kept only when it hashes to its
//! name), then `index.json` is replaced in one rename, keeping every entry but those of
//! the tags written; on an error the blobs this call added are removed again. Nothing is
//! written through a symlink inside the destination.

use std::io;
use std::path::Path;

use serde_json::{json, Value};

use super::dirfd::{Dir, Kind};
use super::spec;
use super::{AssembleError, Assembled, Blob};

/// The `oci-layout` file's content.
pub const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// What a write into an existing directory made, to take away again on an error.
enum Added {
    File(Dir, String),
    Dir(Dir, String),
}

fn env_err(dest: &Path) -> impl Fn(io::Error) -> AssembleError + '_ {
    move |e| AssembleError::environment(format!("writing `{}`: {e}", dest.display()))
}

/// The parent directory of a destination and its last component.
pub(super) fn parent_and_name(dest: &Path) -> Result<(Dir, String), AssembleError> {
    let name = dest
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| *n != "." && *n != "..")
        .ok_or_else(|| {
            AssembleError::usage(format!(
                "`{}` names no file or directory to write",
                dest.display()
            ))
        })?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = Dir::open(parent).map_err(|e| {
        AssembleError::environment(format!(
            "`{}`: its directory cannot be opened: {e}",
            dest.display()
        ))
    })?;
    Ok((dir, name.to_string()))
}

/// The entries of `index.json` for `tags`, all pointing at the image index.
pub(super) fn tag_entries(a: &Assembled, tags: &[String]) -> Result<Vec<Value>, AssembleError> {
    if tags.is_empty() {
        return Err(AssembleError::usage(
            "an image written to a layout needs at least one tag",
        ));
    }
    for t in tags {
        spec::tag(t)?;
    }
    Ok(tags
        .iter()
        .map(|t| {
            json!({
                "mediaType": a.index.media_type,
                "digest": a.index.digest,
                "size": a.index.size,
                "annotations": {REF_NAME: t},
            })
        })
        .collect())
}

/// Documents that refer to the image (OCI 1.1 referrers: SBOMs, a provenance), written
/// into the layout beside it: their blobs, and their manifests' descriptors listed in
/// `index.json` (those already there that refer to this image are replaced).
#[derive(Debug, Clone, Default)]
pub struct Referrers {
    /// Every blob: the artifact manifests, the empty config, the documents.
    pub blobs: Vec<Vec<u8>>,
    /// The artifact manifests' descriptors, with their `artifactType`.
    pub descriptors: Vec<Value>,
}

/// Writes `a` into the OCI layout `dest` under each of `tags`.
pub fn write_layout(a: &Assembled, dest: &Path, tags: &[String]) -> Result<(), AssembleError> {
    write_layout_with(a, dest, tags, &Referrers::default())
}

/// [`write_layout`], with the image's `referrers` beside it.
pub fn write_layout_with(
    a: &Assembled,
    dest: &Path,
    tags: &[String],
    referrers: &Referrers,
) -> Result<(), AssembleError> {
    let entries = tag_entries(a, tags)?;
    let err = env_err(dest);
    match dest.symlink_metadata() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let (parent, name) = parent_and_name(dest)?;
            let (tmp, dir) = parent.make_tmp_dir().map_err(&err)?;
            let result = fill(a, &dir, None, (entries, referrers), &mut Vec::new())
                .and_then(|()| dir.sync().map_err(&err))
                .and_then(|()| {
                    parent.rename(&tmp, &name).map_err(|e| {
                        AssembleError::environment(format!(
                            "moving the new layout into place at `{}`: {e}",
                            dest.display()
                        ))
                    })
                });
            if result.is_err() {
                let _ = parent.remove_tree(&tmp);
            }
            result.and_then(|()| parent.sync().map_err(&err))
        }
        Err(e) => Err(err(e)),
        Ok(_) => {
            let dir = Dir::open(dest).map_err(|e| {
                AssembleError::usage(format!(
                    "`{}` exists and is not a directory to write an OCI layout into: {e}",
                    dest.display()
                ))
            })?;
            let existing = existing_index(&dir, dest)?;
            let mut added = Vec::new();
            let result = fill(a, &dir, existing, (entries, referrers), &mut added);
            if result.is_err() {
                // Newest first: a directory made here is empty again by its turn.
                for a in added.iter().rev() {
                    let _ = match a {
                        Added::File(d, name) => d.remove(name),
                        Added::Dir(d, name) => d.remove_dir(name),
                    };
                }
            }
            result
        }
    }
}

/// An existing layout's `index.json` (`None` for an empty directory); anything else in
/// the directory is refused.
fn existing_index(dir: &Dir, dest: &Path) -> Result<Option<Value>, AssembleError> {
    let shown = dest.display();
    match dir.kind("oci-layout").map_err(env_err(dest))? {
        Kind::File => {}
        Kind::Missing => {
            let empty = std::fs::read_dir(dest)
                .map_err(env_err(dest))?
                .next()
                .is_none();
            if empty {
                return Ok(None);
            }
            return Err(AssembleError::usage(format!(
                "`{shown}` is a directory but not an OCI image layout (it has no `oci-layout` file): name a new or empty directory, or a layout"
            )));
        }
        _ => {
            return Err(AssembleError::environment(format!(
                "`{shown}/oci-layout` is not a regular file: the layout is refused"
            )))
        }
    }
    let read = |name: &str| -> Result<Vec<u8>, String> {
        let (f, len) = dir.open_file(name).map_err(|e| e.to_string())?;
        crate::input::file::read_bounded(f, len, crate::image::manifest::MAX_JSON, &dest.join(name))
            .map_err(|e| e.0)
    };
    let bad = |m: String| AssembleError::environment(format!("the layout `{shown}`: {m}"));
    let layout = read("oci-layout").map_err(&bad)?;
    let version = serde_json::from_slice::<Value>(&layout).ok().and_then(|v| {
        v.get("imageLayoutVersion")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    if version.as_deref() != Some("1.0.0") {
        return Err(bad(
            "its `oci-layout` does not say imageLayoutVersion 1.0.0".into(),
        ));
    }
    if dir.kind("index.json").map_err(env_err(dest))? == Kind::Missing {
        return Ok(None);
    }
    let bytes = read("index.json").map_err(&bad)?;
    crate::input::json::no_duplicate_keys(&bytes).map_err(|e| bad(format!("index.json: {e}")))?;
    let index: Value =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("index.json: {e}")))?;
    let n = index
        .get("manifests")
        .and_then(Value::as_array)
        .map(Vec::len)
        .ok_or_else(|| bad("index.json has no `manifests` list".into()))?;
    if n > crate::image::manifest::MAX_DESCRIPTORS {
        return Err(bad(format!(
            "index.json lists {n} entries, more than {} (MAX_DESCRIPTORS)",
            crate::image::manifest::MAX_DESCRIPTORS
        )));
    }
    Ok(Some(index))
}

/// Whether the index entry `m` is an artifact whose manifest (in `blobs`) has one of
/// `subjects` as its subject: a referrer of the image being written, to be replaced.
fn refers_to(blobs: &Dir, m: &Value, subjects: &[&str]) -> bool {
    if m.get("artifactType").is_none() {
        return false;
    }
    let Some(hex) = m
        .get("digest")
        .and_then(Value::as_str)
        .and_then(|d| d.strip_prefix("sha256:"))
    else {
        return false;
    };
    let Ok((dir, _)) = blobs.sub("sha256", false) else {
        return false;
    };
    let Ok((f, size)) = dir.open_file(hex) else {
        return false;
    };
    if size > crate::image::manifest::MAX_JSON {
        return false;
    }
    let mut bytes = Vec::new();
    if io::Read::read_to_end(&mut io::Read::take(f, size), &mut bytes).is_err() {
        return false;
    }
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.pointer("/subject/digest")?.as_str().map(str::to_string))
        .is_some_and(|d| subjects.contains(&d.as_str()))
}

/// Writes `bytes` as `dir/<sha256 hex>` unless a file there already holds them.
fn put_bytes(bytes: &[u8], dir: Dir, added: &mut Vec<Added>) -> Result<(), AssembleError> {
    let name = crate::digest::sha256_hex(bytes);
    let err = |e: io::Error| {
        AssembleError::environment(format!("writing `{}`: {e}", dir.path.join(&name).display()))
    };
    let before = dir.kind(&name).map_err(err)?;
    match before {
        Kind::File => {
            let (f, size) = dir.open_file(&name).map_err(err)?;
            let mut have = Vec::new();
            if size == bytes.len() as u64
                && io::Read::read_to_end(&mut io::Read::take(f, size), &mut have).is_ok()
                && have == bytes
            {
                return Ok(());
            }
        }
        Kind::Missing | Kind::Symlink => {}
        Kind::Dir | Kind::Other => {
            return Err(AssembleError::environment(format!(
                "`{}` is not a regular file: the layout is refused",
                dir.path.join(&name).display()
            )))
        }
    }
    dir.write(&name, |f| io::Write::write_all(f, bytes))
        .map_err(err)?;
    if before == Kind::Missing {
        added.push(Added::File(dir, name));
    }
    Ok(())
}

/// Writes a blob as `dir/name` unless a file there already hashes to it; records a
/// name it made in `added`.
fn put_blob(
    a: &Assembled,
    b: &Blob,
    dir: Dir,
    name: &str,
    added: &mut Vec<Added>,
) -> Result<(), AssembleError> {
    let err = |e: io::Error| {
        AssembleError::environment(format!("writing `{}`: {e}", dir.path.join(name).display()))
    };
    let before = dir.kind(name).map_err(err)?;
    match before {
        Kind::File => {
            let (f, _) = dir.open_file(name).map_err(err)?;
            let mut r = super::checked(Box::new(f), b)?;
            if io::copy(&mut r, &mut io::sink()).is_ok() {
                return Ok(());
            }
        }
        Kind::Missing | Kind::Symlink => {}
        Kind::Dir | Kind::Other => {
            return Err(AssembleError::environment(format!(
                "`{}` is not a regular file: the layout is refused",
                dir.path.join(name).display()
            )))
        }
    }
    let mut r = a.open(b)?;
    dir.write(name, |f| io::copy(&mut r, f).map(|_| ()))
        .map_err(err)?;
    if before == Kind::Missing {
        added.push(Added::File(dir, name.to_string()));
    }
    Ok(())
}

fn fill(
    a: &Assembled,
    dir: &Dir,
    existing: Option<Value>,
    (entries, referrers): (Vec<Value>, &Referrers),
    added: &mut Vec<Added>,
) -> Result<(), AssembleError> {
    let err =
        |e: io::Error| AssembleError::environment(format!("writing `{}`: {e}", dir.path.display()));
    if dir.kind("oci-layout").map_err(err)? == Kind::Missing {
        dir.write("oci-layout", |f| io::Write::write_all(f, OCI_LAYOUT))
            .map_err(err)?;
        added.push(Added::File(
            dir.clone_fd().map_err(err)?,
            "oci-layout".into(),
        ));
    }
    let (blobs, made) = dir.sub("blobs", true).map_err(err)?;
    if made {
        added.push(Added::Dir(dir.clone_fd().map_err(err)?, "blobs".into()));
    }
    for b in a.blobs() {
        let (alg, hex) = b.digest.split_once(':').unwrap_or(("sha256", &b.digest));
        let (alg_dir, made) = blobs.sub(alg, true).map_err(err)?;
        if made {
            added.push(Added::Dir(blobs.clone_fd().map_err(err)?, alg.into()));
        }
        put_blob(a, b, alg_dir, hex, added)?;
    }
    for bytes in &referrers.blobs {
        let (alg_dir, made) = blobs.sub("sha256", true).map_err(err)?;
        if made {
            added.push(Added::Dir(blobs.clone_fd().map_err(err)?, "sha256".into()));
        }
        put_bytes(bytes, alg_dir, added)?;
    }
    let tags: Vec<&Value> = entries
        .iter()
        .filter_map(|e| e.pointer(&format!("/annotations/{}", REF_NAME.replace('/', "~1"))))
        .collect();
    let mut index = existing.unwrap_or_else(|| json!({"schemaVersion": 2, "manifests": []}));
    let manifests = index
        .get_mut("manifests")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| err(io::Error::other("index.json has no `manifests` list")))?;
    manifests.retain(|m| {
        m.get("annotations")
            .and_then(|a| a.get(REF_NAME))
            .map_or(true, |t| !tags.contains(&t))
    });
    if !referrers.descriptors.is_empty() {
        let subjects: Vec<&str> = std::iter::once(a.index.digest.as_str())
            .chain(a.images.iter().map(|i| i.manifest.digest.as_str()))
            .collect();
        manifests.retain(|m| !refers_to(&blobs, m, &subjects));
    }
    manifests.extend(entries);
    manifests.extend(referrers.descriptors.iter().cloned());
    let bytes = serde_json::to_vec(&index).map_err(|e| err(io::Error::other(e)))?;
    blobs.sync().map_err(err)?;
    dir.write("index.json", |f| io::Write::write_all(f, &bytes))
        .map_err(err)?;
    dir.sync().map_err(err)
}
