//! Writing the image as one tar file: an OCI archive (the layout, all platforms, as
//! `oci-archive:FILE:TAG` reads it) or a docker-archive (one platform, as `docker load`
//! reads it: `manifest.json` with `RepoTags`, the config as `<hex>.json`, every layer
//! as its uncompressed tar `<diff_id hex>.tar`).
//!
//! The file is written under a temporary name beside it and renamed over it; a symlink
//! at the destination is replaced, not followed; a directory, FIFO, socket or device
//! there is refused. Archive entries are sorted (OCI) or in manifest order (docker),
//! owned by 0:0, mode 0644 (directories 0755), dated by the epoch: the same image gives
//! the same bytes.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write as _};
use std::path::Path;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::dirfd::Kind;
use super::layout::{parent_and_name, tag_entries, OCI_LAYOUT};
use super::{spec, AssembleError, Assembled, Content, Layer, PlatformImage};
use crate::image::Platform;

fn header(path: &str, dir: bool, size: u64, epoch: u64) -> io::Result<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path)?;
    h.set_entry_type(if dir {
        tar::EntryType::Directory
    } else {
        tar::EntryType::Regular
    });
    h.set_size(size);
    h.set_mode(if dir { 0o755 } else { 0o644 });
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(epoch);
    h.set_cksum();
    Ok(h)
}

type TarOut<'f> = tar::Builder<BufWriter<&'f mut File>>;

fn put(t: &mut TarOut, path: &str, size: u64, data: impl Read, epoch: u64) -> io::Result<()> {
    t.append(&header(path, false, size, epoch)?, data)
}

/// Writes the archive `dest` with `fill`, atomically.
fn write_tar(
    dest: &Path,
    fill: impl FnOnce(&mut TarOut) -> Result<(), AssembleError>,
) -> Result<(), AssembleError> {
    let (parent, name) = parent_and_name(dest)?;
    let err =
        |e: io::Error| AssembleError::environment(format!("writing `{}`: {e}", dest.display()));
    match parent.kind(&name).map_err(err)? {
        Kind::Missing | Kind::File | Kind::Symlink => {}
        Kind::Dir => {
            return Err(AssembleError::usage(format!(
                "`{}` is a directory: an archive is written as a file",
                dest.display()
            )))
        }
        Kind::Other => {
            return Err(AssembleError::usage(format!(
                "`{}` is a FIFO, socket or device: an archive is written only as a regular file",
                dest.display()
            )))
        }
    }
    // The error that stopped the fill, with its own exit code, outlives the closure.
    let mut failed: Option<AssembleError> = None;
    let result = parent.write(&name, |f| {
        let mut t = tar::Builder::new(BufWriter::new(f));
        if let Err(e) = fill(&mut t) {
            let msg = e.message.clone();
            failed = Some(e);
            return Err(io::Error::other(msg));
        }
        t.into_inner()?.flush()
    });
    match (result, failed) {
        (Ok(()), _) => parent.sync().map_err(err),
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) => Err(err(e)),
    }
}

/// Writes every platform of `a` as the OCI archive `dest`, its `index.json` naming the
/// image index under each of `tags`.
pub fn write_oci_archive(a: &Assembled, dest: &Path, tags: &[String]) -> Result<(), AssembleError> {
    let entries = tag_entries(a, tags)?;
    let index = serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": entries}))
        .map_err(|e| AssembleError::environment(format!("writing index.json: {e}")))?;
    let epoch = a.epoch;
    let blobs = a.blobs();
    let dirs: BTreeSet<String> = blobs
        .iter()
        .map(|b| {
            b.layout_name()
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string())
        })
        .collect();
    write_tar(dest, |t| {
        let io_err =
            |e: io::Error| AssembleError::environment(format!("writing `{}`: {e}", dest.display()));
        t.append(
            &header("blobs/", true, 0, epoch).map_err(io_err)?,
            io::empty(),
        )
        .map_err(io_err)?;
        let mut names: Vec<(String, &super::Blob)> =
            blobs.iter().map(|b| (b.layout_name(), *b)).collect();
        names.sort_by(|x, y| x.0.cmp(&y.0));
        let mut made = BTreeSet::new();
        for (name, b) in names {
            for d in &dirs {
                if name.starts_with(&format!("{d}/")) && made.insert(d.clone()) {
                    t.append(
                        &header(&format!("{d}/"), true, 0, epoch).map_err(io_err)?,
                        io::empty(),
                    )
                    .map_err(io_err)?;
                }
            }
            let r = a.open(b)?;
            put(t, &name, b.size, r, epoch).map_err(io_err)?;
        }
        put(t, "index.json", index.len() as u64, &index[..], epoch).map_err(io_err)?;
        put(t, "oci-layout", OCI_LAYOUT.len() as u64, OCI_LAYOUT, epoch).map_err(io_err)
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifest<'a> {
    config: String,
    repo_tags: &'a [String],
    layers: Vec<String>,
}

fn hex(digest: &str) -> &str {
    digest.split_once(':').map_or(digest, |(_, h)| h)
}

/// Appends one layer's uncompressed tar as `<diff_id hex>.tar`: the appended layer from
/// memory, a base layer stored uncompressed as it is, a compressed one through a
/// temporary file, its tar checked against its diff_id.
fn docker_layer(
    a: &Assembled,
    l: &Layer,
    t: &mut TarOut,
    dest: &Path,
) -> Result<(), AssembleError> {
    let name = format!("{}.tar", hex(&l.diff_id));
    let io_err =
        |e: io::Error| AssembleError::environment(format!("writing `{}`: {e}", dest.display()));
    if let Some(tar) = &l.tar {
        return put(t, &name, tar.len() as u64, &tar[..], a.epoch).map_err(io_err);
    }
    let compressed = l.blob.media_type.contains("+gzip") || l.blob.media_type.contains("+zstd");
    if !compressed && l.blob.digest == l.diff_id {
        let r = a.open(&l.blob)?;
        return put(t, &name, l.blob.size, r, a.epoch).map_err(io_err);
    }
    let Content::Base(member) = &l.blob.content else {
        return Err(AssembleError::environment("a layer without its tar"));
    };
    let blob = crate::image::manifest::Blob {
        name: member.clone(),
        digest: l.blob.digest.parse().ok(),
        size: Some(l.blob.size),
        diff_id: None,
    };
    let base_err = |e: crate::image::ImageError| {
        AssembleError::environment(format!(
            "reading the base's layer {} again: {e}",
            l.blob.digest
        ))
    };
    let mut tar = crate::image::layers::open_tar(&a.source, 0, &blob).map_err(base_err)?;
    let scratch_dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::tempfile_in(scratch_dir).map_err(io_err)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = tar.read(&mut buf).map_err(|e| {
            AssembleError::environment(format!(
                "decompressing the base's layer {}: {e}",
                l.blob.digest
            ))
        })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        tmp.write_all(&buf[..n]).map_err(io_err)?;
        len += n as u64;
    }
    if crate::digest::hex(&h.finalize()) != hex(&l.diff_id) {
        return Err(AssembleError::environment(format!(
            "the base's layer {} does not decompress to its diff_id {}: the base is damaged or changed",
            l.blob.digest, l.diff_id
        )));
    }
    tmp.rewind().map_err(io_err)?;
    put(t, &name, len, tmp, a.epoch).map_err(io_err)
}

/// Writes the image of `platform` as the docker-archive `dest`, named by `repo_tags`
/// (`NAME:TAG` each; none leaves it untagged, as `docker load` then loads it).
pub fn write_docker_archive(
    a: &Assembled,
    platform: &Platform,
    dest: &Path,
    repo_tags: &[String],
) -> Result<(), AssembleError> {
    for r in repo_tags {
        spec::repo_tag(r)?;
    }
    let image: &PlatformImage = a.image(platform).ok_or_else(|| {
        AssembleError::usage(format!(
            "the image has no {platform} (it has {})",
            a.images
                .iter()
                .map(|i| i.platform.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let config_name = format!("{}.json", hex(&image.config.digest));
    let doc = [DockerManifest {
        config: config_name.clone(),
        repo_tags,
        layers: image
            .layers
            .iter()
            .map(|l| format!("{}.tar", hex(&l.diff_id)))
            .collect(),
    }];
    let manifest = serde_json::to_vec(&doc)
        .map_err(|e| AssembleError::environment(format!("writing manifest.json: {e}")))?;
    write_tar(dest, |t| {
        let io_err =
            |e: io::Error| AssembleError::environment(format!("writing `{}`: {e}", dest.display()));
        let mut done = BTreeSet::new();
        for l in &image.layers {
            if done.insert(l.diff_id.as_str()) {
                docker_layer(a, l, t, dest)?;
            }
        }
        let config = image.config.bytes().unwrap_or_default();
        put(t, &config_name, config.len() as u64, config, a.epoch).map_err(io_err)?;
        put(
            t,
            "manifest.json",
            manifest.len() as u64,
            &manifest[..],
            a.epoch,
        )
        .map_err(io_err)
    })
}
