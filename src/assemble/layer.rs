//! The appended layer: the binaries, and the parent directories the base lacks, as a
//! reproducible tar and its gzip.
//!
//! The tar: ustar headers, entries in byte order of their paths (a directory before what
//! it holds), every entry owned by 0:0 with empty user and group names, mode 0755, the
//! epoch as its mtime, no other file and no extended header; then the two zero blocks
//! that end an archive. The gzip: flate2 (its miniz_oxide backend) at level 6, a header
//! with mtime 0, no name or comment, and OS byte 255 (unknown). The tar's sha256 is the
//! layer's diff_id; the same binaries, paths, base tree and epoch always give the same
//! bytes.
//!
//! A parent directory the base already has is not written (its owner, mode and time
//! stay the base's). A parent that is a symlink, a file or a loop in the base is refused:
//! a layer entry below a symlink is applied differently by different runtimes (some
//! follow it, overlayfs replaces it with a directory), so the path must name the real
//! directory.

use std::collections::BTreeSet;
use std::io::Write as _;

use flate2::{Compression, GzBuilder};

use super::spec::BinaryInLayer;
use super::AssembleError;
use crate::image::{ImageFiles, Kind, Lookup};

/// The gzip level of the layer.
pub const GZIP_LEVEL: u32 = 6;

/// The layer's bytes.
pub struct Built {
    pub tar: Vec<u8>,
    pub gzip: Vec<u8>,
}

/// The parent directories of the binaries that the base lacks, each once (absolute).
pub fn parents_to_make(
    bins: &[BinaryInLayer],
    files: &ImageFiles,
) -> Result<Vec<String>, AssembleError> {
    let mut make = BTreeSet::new();
    for b in bins {
        let parts: Vec<&str> = b.path[1..].split('/').collect();
        for i in 1..parts.len() {
            let dir = format!("/{}", parts[..i].join("/"));
            if make.contains(&dir) {
                continue;
            }
            let refuse = |what: String| {
                Err(AssembleError::usage(format!(
                    "image.path `{}`: `{dir}` {what} in the base: put the binary in a real directory of it",
                    b.path
                )))
            };
            match files.resolve(&dir, false) {
                Lookup::Found { node, path } if node.kind == Kind::Dir && path == dir => {}
                Lookup::Found { node, .. } if node.kind == Kind::Symlink => {
                    return refuse(format!(
                        "is a symlink (to `{}`)",
                        node.link.as_deref().unwrap_or("").escape_debug()
                    ))
                }
                Lookup::Found { .. } => return refuse("is not a directory".into()),
                // Missing itself, or below a directory this layer makes.
                Lookup::Missing { at } if at == dir || make.contains(&at) => {
                    make.insert(dir);
                }
                Lookup::Missing { .. } | Lookup::NotDir { .. } | Lookup::Loop { .. } => {
                    return refuse("cannot be reached".into())
                }
            }
        }
        if let Lookup::Found { node, .. } = files.resolve(&b.path, false) {
            if node.kind == Kind::Dir {
                return Err(AssembleError::usage(format!(
                    "image.path `{}` is a directory in the base: name the file to write, e.g. `{}/app`",
                    b.path, b.path
                )));
            }
        }
    }
    Ok(make.into_iter().collect())
}

fn header(path: &str, kind: tar::EntryType, size: u64, epoch: u64) -> Result<tar::Header, String> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path)
        .map_err(|e| format!("`/{path}` does not fit a tar header: {e}"))?;
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o755);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(epoch);
    h.set_cksum();
    Ok(h)
}

/// The tar of `dirs` and `bins` and its gzip (see the module doc).
pub fn build(dirs: &[String], bins: &[BinaryInLayer], epoch: u64) -> Result<Built, AssembleError> {
    enum Entry<'a> {
        Dir,
        File(&'a [u8]),
    }
    let mut entries: Vec<(&str, Entry)> = dirs.iter().map(|d| (&d[1..], Entry::Dir)).collect();
    entries.extend(
        bins.iter()
            .map(|b| (&b.path[1..], Entry::File(&b.bytes[..]))),
    );
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let size: usize = bins.iter().map(|b| b.bytes.len() + 512).sum();
    let mut tar = tar::Builder::new(Vec::with_capacity(size + 512 * (dirs.len() + 2)));
    for (path, e) in &entries {
        let result = match e {
            Entry::Dir => header(path, tar::EntryType::Directory, 0, epoch)
                .and_then(|h| tar.append(&h, &[][..]).map_err(|e| e.to_string())),
            Entry::File(bytes) => header(path, tar::EntryType::Regular, bytes.len() as u64, epoch)
                .and_then(|h| tar.append(&h, *bytes).map_err(|e| e.to_string())),
        };
        result.map_err(|e| AssembleError::usage(format!("the image's layer: {e}")))?;
    }
    let tar = tar
        .into_inner()
        .map_err(|e| AssembleError::environment(format!("the image's layer: {e}")))?;
    let mut gz = GzBuilder::new().mtime(0).operating_system(255).write(
        Vec::with_capacity(tar.len() / 2),
        Compression::new(GZIP_LEVEL),
    );
    gz.write_all(&tar)
        .map_err(|e| AssembleError::environment(format!("compressing the image's layer: {e}")))?;
    let gzip = gz
        .finish()
        .map_err(|e| AssembleError::environment(format!("compressing the image's layer: {e}")))?;
    Ok(Built { tar, gzip })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;
    use std::sync::Arc;

    fn bin(path: &str, bytes: &[u8]) -> BinaryInLayer {
        BinaryInLayer {
            path: path.into(),
            bytes: Arc::from(bytes),
        }
    }

    #[test]
    fn the_layer_is_sorted_owned_by_root_and_dated_by_the_epoch() {
        let bins = [bin("/usr/local/bin/zz", b"zz"), bin("/opt/a", b"aaa")];
        let dirs = vec!["/usr/local".to_string(), "/usr/local/bin".to_string()];
        let one = build(&dirs, &bins, 1_700_000_000).unwrap();
        let two = build(&dirs, &bins, 1_700_000_000).unwrap();
        assert_eq!(one.tar, two.tar, "the tar is the same twice");
        assert_eq!(one.gzip, two.gzip, "the gzip is the same twice");
        assert_eq!(&one.gzip[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&one.gzip[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, one.tar);
        let mut a = tar::Archive::new(&one.tar[..]);
        let got: Vec<(String, u32, u64, u64, u64, u64)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    h.gid().unwrap(),
                    h.mtime().unwrap(),
                    h.size().unwrap(),
                )
            })
            .collect();
        let t = 1_700_000_000;
        assert_eq!(
            got,
            [
                ("opt/a".to_string(), 0o755, 0, 0, t, 3),
                ("usr/local".into(), 0o755, 0, 0, t, 0),
                ("usr/local/bin".into(), 0o755, 0, 0, t, 0),
                ("usr/local/bin/zz".into(), 0o755, 0, 0, t, 2),
            ]
        );
        let other = build(&dirs, &bins, 1_700_000_001).unwrap();
        assert_ne!(one.tar, other.tar, "the epoch is in the tar");
    }

    #[test]
    fn a_long_path_is_split_into_the_ustar_prefix() {
        let path = format!("/{}/{}", "d".repeat(120), "f".repeat(90));
        let built = build(&[], &[bin(&path, b"x")], 0).unwrap();
        let mut a = tar::Archive::new(&built.tar[..]);
        let e = a.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(e.path().unwrap().to_string_lossy(), &path[1..]);
        let e = build(&[], &[bin(&format!("/{}", "f".repeat(120)), b"x")], 0);
        assert!(e.is_err(), "a 120-byte name fits no ustar header");
    }
}
