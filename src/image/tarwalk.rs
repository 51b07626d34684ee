//! A bounded walk over a tar stream: headers parsed with the `tar` crate's types, but
//! the loop is ours so every header, PAX record and GNU long name has a size cap (the
//! crate's own iterator reads a long name of any declared size into memory), and the
//! data of an entry is handed out as a reader of exactly its size, or skipped.

use std::io::{self, Read};

use tar::{EntryType, Header, PaxExtensions};

use super::ImageError;

const BLOCK: u64 = 512;

/// The most a PAX header or GNU long name/link record may hold.
pub const MAX_EXTENSION: u64 = 1 << 20;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    HardLink,
    /// Character or block device, FIFO.
    Special,
    /// A GNU sparse file: its data in the archive is not the file's bytes.
    Sparse,
}

/// One entry of the archive (extension headers already folded in).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name as stored (bytes, lossily decoded).
    pub path: String,
    /// Symlink or hard link target.
    pub link: Option<String>,
    pub kind: EntryKind,
    pub mode: u32,
    /// The file's size (for sparse files, the real size).
    pub size: u64,
    /// Bytes of data in the archive after the header.
    pub data_len: u64,
    /// Offset of the data from the start of the stream.
    pub data_offset: u64,
}

/// Whether to go on after an entry.
pub enum Flow {
    Continue,
    Stop,
}

/// A reader that counts what passes through it.
struct Counted<R> {
    inner: R,
    pos: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

crate::error::message_error! {
    /// An I/O error that is a budget passed (a reader below the walk, such as the bound
    /// on unpacked bytes, raises it): the walk reports it as [`ImageError::budget`].
    #[derive(Debug)]
    pub struct OverBudget(pub String);
}

/// An I/O error of the stream `what`, a budget when it carries [`OverBudget`].
pub fn io_err(what: &str, e: io::Error) -> ImageError {
    if e.get_ref().is_some_and(|x| x.is::<OverBudget>()) {
        ImageError::budget(format!("{what}: {e}"))
    } else {
        ImageError::new(format!("{what}: {e}"))
    }
}

/// Reads one 512-byte block; `Ok(false)` at a clean end of stream.
fn read_block<R: Read>(r: &mut R, buf: &mut [u8; 512], what: &str) -> Result<bool, ImageError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => {
                return Err(ImageError::new(format!(
                    "{what}: the tar stream ends inside a header"
                )))
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(what, e)),
        }
    }
    Ok(true)
}

fn skip<R: Read>(r: &mut R, n: u64, what: &str) -> Result<(), ImageError> {
    let copied = io::copy(&mut r.take(n), &mut io::sink()).map_err(|e| io_err(what, e))?;
    if copied < n {
        return Err(ImageError::new(format!(
            "{what}: the tar stream ends inside an entry's data"
        )));
    }
    Ok(())
}

fn padding(len: u64) -> u64 {
    (BLOCK - len % BLOCK) % BLOCK
}

fn read_extension<R: Read>(r: &mut R, len: u64, what: &str) -> Result<Vec<u8>, ImageError> {
    if len > MAX_EXTENSION {
        return Err(ImageError::budget(format!(
            "{what}: an extended header of {len} bytes (at most {MAX_EXTENSION} are read: MAX_EXTENSION)"
        )));
    }
    let v = crate::input::file::read_up_to(&mut *r, len, len).map_err(|e| io_err(what, e))?;
    if (v.len() as u64) < len {
        return Err(ImageError::new(format!(
            "{what}: the tar stream ends inside an extended header"
        )));
    }
    skip(r, padding(len), what)?;
    Ok(v)
}

fn checksum_ok(block: &[u8; 512], header: &Header) -> bool {
    let Ok(want) = header.cksum() else {
        return false;
    };
    let sum: u32 = block[..148]
        .iter()
        .chain(&[b' '; 8])
        .chain(&block[156..])
        .map(|&b| u32::from(b))
        .sum();
    sum == want
}

fn text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// Walks the entries of a tar stream. For each, `f` gets the entry and a reader of its
/// data (it may read some, all or none); the walk skips what is left. `what` names the
/// stream in errors. `max_entries` bounds the number of entries.
pub fn walk<R: Read>(
    reader: R,
    what: &str,
    max_entries: u64,
    mut f: impl FnMut(&Entry, &mut dyn Read) -> Result<Flow, ImageError>,
) -> Result<u64, ImageError> {
    let mut r = Counted {
        inner: reader,
        pos: 0,
    };
    let mut block = [0u8; 512];
    let mut long_name: Option<Vec<u8>> = None;
    let mut long_link: Option<Vec<u8>> = None;
    let mut pax: Option<Vec<u8>> = None;
    let mut entries = 0u64;
    loop {
        let header_at = r.pos;
        if !read_block(&mut r, &mut block, what)? {
            break; // no end-of-archive blocks: accepted, as tar and docker do
        }
        if block.iter().all(|&b| b == 0) {
            break;
        }
        let header = Header::from_byte_slice(&block);
        if !checksum_ok(&block, header) {
            return Err(ImageError::new(format!(
                "{what}: not a tar stream, or a damaged one (bad header checksum at offset {header_at})"
            )));
        }
        let ty = header.entry_type();
        let stored = header
            .entry_size()
            .map_err(|e| io_err(&format!("{what}: entry at offset {header_at}"), e))?;
        match ty {
            EntryType::GNULongName => {
                long_name = Some(read_extension(&mut r, stored, what)?);
                continue;
            }
            EntryType::GNULongLink => {
                long_link = Some(read_extension(&mut r, stored, what)?);
                continue;
            }
            EntryType::XHeader => {
                pax = Some(read_extension(&mut r, stored, what)?);
                continue;
            }
            EntryType::XGlobalHeader => {
                read_extension(&mut r, stored, what)?;
                continue;
            }
            _ => {}
        }
        entries += 1;
        if entries > max_entries {
            return Err(ImageError::budget(format!(
                "{what}: more than {max_entries} entries (the bound on one image)"
            )));
        }
        let mut path = long_name.take().map(|n| text(&n));
        let mut link = long_link.take().map(|n| text(&n));
        let mut data_len = stored;
        if let Some(p) = pax.take() {
            for ext in PaxExtensions::new(&p).flatten() {
                match (ext.key(), ext.value()) {
                    (Ok("path"), Ok(v)) => path = Some(v.to_string()),
                    (Ok("linkpath"), Ok(v)) => link = Some(v.to_string()),
                    (Ok("size"), Ok(v)) => {
                        data_len = v.parse().map_err(|_| {
                            ImageError::new(format!(
                                "{what}: entry at offset {header_at} has a PAX size {v:?} that is no number"
                            ))
                        })?;
                    }
                    _ => {}
                }
            }
        }
        let path = path.unwrap_or_else(|| text(&header.path_bytes()));
        let link = link.or_else(|| header.link_name_bytes().map(|l| text(&l)));
        let mode = header.mode().unwrap_or(0o644);
        let (kind, size) = match ty {
            EntryType::Regular | EntryType::Continuous => (EntryKind::File, data_len),
            EntryType::Directory => (EntryKind::Dir, 0),
            EntryType::Symlink => (EntryKind::Symlink, 0),
            EntryType::Link => (EntryKind::HardLink, 0),
            EntryType::Char | EntryType::Block | EntryType::Fifo => (EntryKind::Special, 0),
            EntryType::GNUSparse => {
                let real = header
                    .as_gnu()
                    .and_then(|g| g.real_size().ok())
                    .unwrap_or(data_len);
                // Old GNU sparse maps may continue in extension blocks.
                let mut extended = header.as_gnu().is_some_and(|g| g.is_extended());
                let mut ext_blocks = 0;
                while extended {
                    ext_blocks += 1;
                    if ext_blocks > 4096 || !read_block(&mut r, &mut block, what)? {
                        return Err(ImageError::new(format!(
                            "{what}: a sparse file's map at offset {header_at} does not end"
                        )));
                    }
                    extended = block[504] != 0;
                }
                (EntryKind::Sparse, real)
            }
            // Unknown types read as regular files, as tar does.
            _ => (EntryKind::File, data_len),
        };
        let entry = Entry {
            path,
            link,
            kind,
            mode,
            size,
            data_len,
            data_offset: r.pos,
        };
        let flow = {
            let mut data = (&mut r).take(data_len);
            let flow = f(&entry, &mut data)?;
            let left = data.limit();
            skip(&mut r, left, what)?;
            flow
        };
        skip(&mut r, padding(data_len), what)?;
        if let Flow::Stop = flow {
            break;
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        build(&mut b);
        b.into_inner().unwrap()
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(EntryType::Regular);
        b.append_data(&mut h, path, data).unwrap();
    }

    #[test]
    fn walks_files_links_and_long_names() {
        let long = format!("usr/{}/file", "d".repeat(200));
        let bytes = archive(|b| {
            file(b, "etc/passwd", b"root:x:0:0::/root:/bin/sh\n");
            file(b, &long, b"x");
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, "lib", "usr/lib").unwrap();
        });
        let mut seen = Vec::new();
        let n = walk(&bytes[..], "test", 100, |e, data| {
            let mut v = Vec::new();
            data.read_to_end(&mut v).unwrap();
            seen.push((e.path.clone(), e.kind, e.link.clone(), v.len()));
            Ok(Flow::Continue)
        })
        .unwrap();
        assert_eq!(n, 3);
        assert_eq!(seen[0], ("etc/passwd".into(), EntryKind::File, None, 26));
        assert_eq!(seen[1].0, long);
        assert_eq!(
            seen[2],
            ("lib".into(), EntryKind::Symlink, Some("usr/lib".into()), 0)
        );
    }

    #[test]
    fn hostile_streams_are_errors() {
        let ok = archive(|b| file(b, "a", b"hello"));
        // A damaged header.
        let mut bad = ok.clone();
        bad[10] ^= 0x55;
        assert!(walk(&bad[..], "t", 10, |_, _| Ok(Flow::Continue))
            .unwrap_err()
            .message
            .contains("checksum"));
        // Cut inside the data.
        assert!(walk(&ok[..514], "t", 10, |_, _| Ok(Flow::Continue))
            .unwrap_err()
            .message
            .contains("ends inside"));
        // Too many entries.
        let many = archive(|b| {
            for i in 0..5 {
                file(b, &format!("f{i}"), b"");
            }
        });
        assert!(walk(&many[..], "t", 3, |_, _| Ok(Flow::Continue))
            .unwrap_err()
            .message
            .contains("more than 3"));
        // A GNU long name that claims more than the cap.
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(EntryType::GNULongName);
        h.set_size(MAX_EXTENSION + 1);
        h.set_cksum();
        let mut huge = h.as_bytes().to_vec();
        huge.extend(std::iter::repeat(b'a').take(1024));
        assert!(walk(&huge[..], "t", 10, |_, _| Ok(Flow::Continue))
            .unwrap_err()
            .message
            .contains("extended header"));
        // Not a tar at all.
        assert!(walk(&[7u8; 1024][..], "t", 10, |_, _| Ok(Flow::Continue)).is_err());
    }
}
