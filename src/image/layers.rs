//! Layers: a blob checked against its digest, decompressed by what its first bytes say
//! (gzip, zstd or none) under a budget of unpacked bytes, and walked entry by entry,
//! into the index or to pick out the bytes of a few files.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read};

use sha2::{Digest as _, Sha256, Sha512};

use super::files::ImageFiles;
use super::manifest::Blob;
use super::source::{sniff, Source};
use super::tarwalk::{self, io_err, Flow, OverBudget};
use super::ImageError;
use crate::digest::hex;

/// Unpacked bytes read from all layers of one image, each pass counted (a tar bomb
/// stops here).
pub const MAX_UNPACKED: u64 = 16 << 30;
/// Tar entries across all layers of one image.
pub const MAX_ENTRIES: u64 = 2_000_000;

/// What one image's reading may still spend.
#[derive(Debug)]
pub struct Budget {
    pub unpacked: u64,
    pub entries: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            unpacked: MAX_UNPACKED,
            entries: MAX_ENTRIES,
        }
    }
}

/// Fails the read once more than `left` bytes came through.
struct Capped<'a, R> {
    inner: R,
    left: &'a mut u64,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > *self.left {
            return Err(io::Error::other(OverBudget(format!(
                "more than {} GiB unpacked: the bound on reading one image (MAX_UNPACKED; a tar bomb?)",
                MAX_UNPACKED >> 30
            ))));
        }
        *self.left -= n as u64;
        Ok(n)
    }
}

fn what(i: usize, blob: &Blob) -> String {
    format!("layer {} ({})", i + 1, blob.name)
}

/// Hashes a layer blob and compares it with its digest and size.
pub fn check_blob(source: &Source, i: usize, blob: &Blob) -> Result<(), ImageError> {
    if let Some(d) = &blob.digest {
        super::manifest::supported(d)?;
    }
    let (mut r, len) = source.open(&blob.name)?;
    if let Some(size) = blob.size {
        if size != len {
            return Err(ImageError::new(format!(
                "{}: {len} bytes, its descriptor says {size}: the image is damaged",
                what(i, blob)
            )));
        }
    }
    let Some(d) = &blob.digest else { return Ok(()) };
    let mut h = Hasher::new(d)?;
    io::copy(&mut r, &mut h).map_err(|e| ImageError::new(format!("{}: {e}", what(i, blob))))?;
    if h.finish() != d.digest() {
        return Err(ImageError::new(format!(
            "{} does not match its digest {d}: the image is damaged",
            what(i, blob)
        )));
    }
    Ok(())
}

/// A running sha256 or sha512 (the algorithms [`super::manifest::supported`] allows).
pub enum Hasher {
    S256(Sha256),
    S512(Sha512),
}

impl Hasher {
    /// A hasher in `d`'s algorithm (one [`super::manifest::supported`] allows).
    pub fn new(d: &oci_spec::image::Digest) -> Result<Hasher, ImageError> {
        super::manifest::supported(d)?;
        Ok(match d.algorithm() {
            oci_spec::image::DigestAlgorithm::Sha512 => Hasher::S512(Sha512::new()),
            _ => Hasher::S256(Sha256::new()),
        })
    }

    /// The digest's hex.
    pub fn finish(self) -> String {
        match self {
            Hasher::S256(s) => hex(&s.finalize()),
            Hasher::S512(s) => hex(&s.finalize()),
        }
    }
}

impl io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Hasher::S256(s) => s.update(buf),
            Hasher::S512(s) => s.update(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Hashes what is read through it.
struct Hashing<R> {
    inner: R,
    hasher: Hasher,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        io::Write::write_all(&mut self.hasher, &buf[..n])?;
        Ok(n)
    }
}

/// Opens layer `i`'s tar stream, decompressed by what its first bytes say.
pub fn open_tar(
    source: &Source,
    i: usize,
    blob: &Blob,
) -> Result<Box<dyn Read + Send>, ImageError> {
    let (r, _) = source.open(&blob.name)?;
    let mut r = BufReader::with_capacity(1 << 16, r);
    let head = r
        .fill_buf()
        .map_err(|e| ImageError::new(format!("{}: {e}", what(i, blob))))?;
    Ok(match sniff(head) {
        Some("gzip") => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
        Some("zstd") => {
            // zstd's default window limit (128 MiB) bounds the decoder's memory.
            let d = zstd::stream::read::Decoder::with_buffer(r)
                .map_err(|e| ImageError::new(format!("{}: zstd: {e}", what(i, blob))))?;
            Box::new(d)
        }
        Some(other) => {
            return Err(ImageError::new(format!(
                "{} is {other}-compressed: layers are read as tar, gzip or zstd",
                what(i, blob)
            )))
        }
        None => Box::new(r),
    })
}

/// Walks layer `i`'s entries: `f` gets each one's ordinal in the layer, the entry and a
/// reader of its data, within `budget`.
pub(super) fn walk_layer(
    source: &Source,
    i: usize,
    blob: &Blob,
    budget: &mut Budget,
    mut f: impl FnMut(u64, &tarwalk::Entry, &mut dyn Read) -> Result<Flow, ImageError>,
) -> Result<(), ImageError> {
    let tar = open_tar(source, i, blob)?;
    let name = what(i, blob);
    let capped = Capped {
        inner: tar,
        left: &mut budget.unpacked,
    };
    let mut ordinal = 0u64;
    let n = tarwalk::walk(capped, &name, budget.entries, |e, data| {
        let flow = f(ordinal, e, data);
        ordinal += 1;
        flow
    })?;
    budget.entries = budget.entries.saturating_sub(n);
    Ok(())
}

/// Applies layer `i` to the index; with a `diff_id`, its whole uncompressed tar must
/// hash to it.
pub fn apply(
    source: &Source,
    i: usize,
    blob: &Blob,
    files: &mut ImageFiles,
    budget: &mut Budget,
) -> Result<(), ImageError> {
    check_blob(source, i, blob)?;
    let Some(diff_id) = &blob.diff_id else {
        return walk_layer(source, i, blob, budget, |ord, e, _| {
            files.apply(i, ord, e)?;
            Ok(Flow::Continue)
        });
    };
    let name = what(i, blob);
    let mut tar = Hashing {
        inner: Capped {
            inner: open_tar(source, i, blob)?,
            left: &mut budget.unpacked,
        },
        hasher: Hasher::new(diff_id)?,
    };
    let mut ordinal = 0u64;
    let n = tarwalk::walk(&mut tar, &name, budget.entries, |e, _| {
        files.apply(i, ordinal, e)?;
        ordinal += 1;
        Ok(Flow::Continue)
    })?;
    budget.entries = budget.entries.saturating_sub(n);
    // What follows the end-of-archive blocks is part of the tar that was hashed.
    io::copy(&mut tar, &mut io::sink()).map_err(|e| io_err(&name, e))?;
    if tar.hasher.finish() != diff_id.digest() {
        return Err(ImageError::new(format!(
            "{name}: its tar does not hash to the config's rootfs.diff_ids entry {diff_id}: \
             the archive is damaged or its layers were swapped"
        )));
    }
    Ok(())
}

/// Reads the bytes of the given files (resolved path, layer, ordinal), each at most
/// `cap`, into the index: one walk of each layer that holds any, stopping after the last.
pub fn load(
    source: &Source,
    blobs: &[Blob],
    files: &mut ImageFiles,
    wanted: Vec<(String, usize, u64)>,
    cap: u64,
    budget: &mut Budget,
) -> Result<(), ImageError> {
    // Within the bound on bytes held (sizes are known from the index): files past it
    // stay unread, and a judgement that needs them says so.
    let mut room = super::MAX_LOADED.saturating_sub(files.loaded_bytes());
    let mut by_layer: BTreeMap<usize, BTreeMap<u64, String>> = BTreeMap::new();
    for (path, layer, ord) in wanted {
        let size = files.stat(&path).map_or(0, |(_, n)| n.size.min(cap));
        if size > room {
            continue;
        }
        room -= size;
        by_layer.entry(layer).or_default().insert(ord, path);
    }
    for (layer, mut want) in by_layer {
        let Some(blob) = blobs.get(layer) else {
            continue;
        };
        let mut got: Vec<(String, Vec<u8>)> = Vec::new();
        walk_layer(source, layer, blob, budget, |ord, _, data| {
            if let Some(path) = want.remove(&ord) {
                let mut v = Vec::new();
                data.take(cap)
                    .read_to_end(&mut v)
                    .map_err(|e| io_err(&what(layer, blob), e))?;
                got.push((path, v));
            }
            Ok(if want.is_empty() {
                Flow::Stop
            } else {
                Flow::Continue
            })
        })?;
        for (path, bytes) in got {
            files.store(path, bytes);
        }
    }
    Ok(())
}
