//! Where an image's files (index, manifests, configs, layers) are read from: a
//! directory, or an uncompressed tar archive indexed once (name → offset and length)
//! and then read in place by seeking, never unpacked.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::tarwalk::{self, EntryKind, Flow};
use super::ImageError;
use crate::input::file;

/// The most entries an image archive (not a layer) may hold.
pub const MAX_ARCHIVE_ENTRIES: u64 = 100_000;

/// A file of an archive: where its bytes are.
#[derive(Debug, Clone)]
pub struct Member {
    kind: EntryKind,
    offset: u64,
    len: u64,
    link: Option<String>,
}

/// A directory or an archive holding an image.
#[derive(Debug)]
pub enum Source {
    /// The layout's directory, open: its files are opened relative to it.
    Dir { path: PathBuf, root: File },
    Archive {
        path: PathBuf,
        members: BTreeMap<String, Member>,
    },
}

/// `a/./b/` → `a/b`; `None` for a name that leaves the archive (`..` above the top).
pub fn clean(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// The compression a stream starts with, by magic number.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    match head {
        [0x1f, 0x8b, ..] => Some("gzip"),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Some("zstd"),
        [0x50..=0x5f, 0x2a, 0x4d, 0x18, ..] => Some("zstd"), // a skippable frame first
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some("xz"),
        [b'B', b'Z', b'h', ..] => Some("bzip2"),
        _ => None,
    }
}

fn open_regular(path: &Path) -> Result<(File, u64), ImageError> {
    file::open(path).map_err(|e| ImageError::new(e.0))
}

impl Source {
    /// An OCI image layout directory.
    pub fn dir(path: &Path) -> Result<Source, ImageError> {
        if !path.is_dir() {
            return Err(ImageError::new(format!(
                "`{}` is not a directory{}",
                path.display(),
                if path.exists() {
                    " (oci: names an OCI layout directory; for a tar file write oci-archive:)"
                } else {
                    ""
                }
            )));
        }
        let root = file::open_root(path).map_err(|e| ImageError::new(e.0))?;
        Ok(Source::Dir {
            path: path.to_path_buf(),
            root,
        })
    }

    /// An uncompressed tar archive, indexed once.
    pub fn archive(path: &Path) -> Result<Source, ImageError> {
        if path.is_dir() {
            return Err(ImageError::new(format!(
                "`{}` is a directory (for an OCI layout directory write oci:)",
                path.display()
            )));
        }
        let (mut file, _) = open_regular(path)?;
        let mut head = [0u8; 8];
        let n = file.read(&mut head).unwrap_or(0);
        if let Some(c) = sniff(&head[..n]) {
            return Err(ImageError::new(format!(
                "`{}` is {c}-compressed: runs-on reads uncompressed image archives (as docker save \
                 and skopeo copy write them); decompress it first",
                path.display()
            )));
        }
        file.seek(SeekFrom::Start(0))
            .map_err(|e| ImageError::new(format!("reading `{}`: {e}", path.display())))?;
        let mut members = BTreeMap::new();
        let what = format!("image archive `{}`", path.display());
        tarwalk::walk(
            std::io::BufReader::new(file),
            &what,
            MAX_ARCHIVE_ENTRIES,
            |e, _| {
                if e.path.len() > super::files::MAX_PATH
                    || e.link
                        .as_ref()
                        .is_some_and(|l| l.len() > super::files::MAX_PATH)
                {
                    return Err(ImageError::budget(format!(
                        "{what}: an entry's name or link is longer than {} bytes (MAX_PATH)",
                        super::files::MAX_PATH
                    )));
                }
                if let Some(name) = clean(&e.path) {
                    members.insert(
                        name,
                        Member {
                            kind: e.kind,
                            offset: e.data_offset,
                            len: e.data_len,
                            link: e.link.clone(),
                        },
                    );
                }
                Ok(Flow::Continue)
            },
        )?;
        Ok(Source::Archive {
            path: path.to_path_buf(),
            members,
        })
    }

    /// The directory or file, for messages.
    pub fn path(&self) -> &Path {
        match self {
            Source::Dir { path, .. } | Source::Archive { path, .. } => path,
        }
    }

    /// Whether the image holds a file by this name.
    pub fn has(&self, name: &str) -> bool {
        match self {
            // Whatever is there: opening it later says what is wrong with it.
            Source::Dir { path, .. } => {
                clean(name).is_some_and(|n| path.join(n).symlink_metadata().is_ok())
            }
            Source::Archive { members, .. } => member(members, name).is_ok(),
        }
    }
}

/// A member of an archive by name, links followed.
fn member<'a>(members: &'a BTreeMap<String, Member>, name: &str) -> Result<&'a Member, ImageError> {
    {
        let mut name = clean(name)
            .ok_or_else(|| ImageError::new(format!("`{name}` points outside the archive")))?;
        // docker save links a layer shared by two images to the first copy.
        for _ in 0..16 {
            let m = members
                .get(&name)
                .ok_or_else(|| ImageError::new(format!("the archive holds no `{name}`")))?;
            match (m.kind, &m.link) {
                (EntryKind::File, _) => return Ok(m),
                (EntryKind::Symlink, Some(target)) => {
                    let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
                    let joined = if target.starts_with('/') {
                        target.clone()
                    } else {
                        format!("{dir}/{target}")
                    };
                    name = clean(&joined).ok_or_else(|| {
                        ImageError::new(format!("`{name}` links outside the archive"))
                    })?;
                }
                (EntryKind::HardLink, Some(target)) => {
                    name = clean(target).ok_or_else(|| {
                        ImageError::new(format!("`{name}` links outside the archive"))
                    })?;
                }
                _ => return Err(ImageError::new(format!("`{name}` is not a regular file"))),
            }
        }
        Err(ImageError::new(format!("`{name}`: too many links")))
    }
}

impl Source {
    /// A reader of the named file and its length.
    pub fn open(&self, name: &str) -> Result<(Box<dyn Read + Send>, u64), ImageError> {
        match self {
            Source::Dir { path, root } => {
                let rel = clean(name).ok_or_else(|| {
                    ImageError::new(format!("`{name}` points outside the layout"))
                })?;
                // Each component opened without following links: a layout's files are
                // regular files inside it, never a host file a symlink points at.
                let (file, len) = file::open_in(root, path, &rel).map_err(|e| {
                    ImageError::new(format!(
                        "{} (an OCI layout's files must be regular files inside it)",
                        e.0
                    ))
                })?;
                Ok((Box::new(std::io::BufReader::new(file)), len))
            }
            Source::Archive { path, members } => {
                let m = member(members, name)?;
                let (mut file, _) = open_regular(path)?;
                file.seek(SeekFrom::Start(m.offset))
                    .map_err(|e| ImageError::new(format!("reading `{}`: {e}", path.display())))?;
                Ok((Box::new(std::io::BufReader::new(file).take(m.len)), m.len))
            }
        }
    }

    /// The whole named file, which must be at most `max` bytes (JSON documents).
    pub fn read_all(&self, name: &str, max: u64) -> Result<Vec<u8>, ImageError> {
        let (r, len) = self.open(name)?;
        if len > max {
            return Err(ImageError::budget(format!(
                "`{name}` is {len} bytes; a document of at most {max} bytes was expected (MAX_JSON)"
            )));
        }
        file::read_up_to(r, len, max).map_err(|e| ImageError::new(format!("reading `{name}`: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_kept_inside() {
        assert_eq!(
            clean("./blobs/sha256/ab").as_deref(),
            Some("blobs/sha256/ab")
        );
        assert_eq!(clean("a/../b/").as_deref(), Some("b"));
        assert_eq!(clean("../etc/passwd"), None);
        assert_eq!(clean("/abs/x").as_deref(), Some("abs/x"));
    }

    #[test]
    fn compression_is_sniffed() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8]), Some("gzip"));
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Some("zstd"));
        assert_eq!(sniff(b"\xfd7zXZ\x00"), Some("xz"));
        assert_eq!(sniff(b"usr/"), None);
    }
}
