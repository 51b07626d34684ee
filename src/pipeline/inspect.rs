//! Verifying a file that was not built here (`verify FILE`): map it, judge it, hash it
//! when asked ([`inspect`]).

use std::path::Path;

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use super::deliver;
use crate::digest::hex;
use crate::error::{failure, usage, Exit};
use crate::verify::{self, Policy, Verdict};

/// Maps a file and verifies it; returns the verdict, the sha256 (when `checksum`: hashing
/// a large binary costs more than all the checks) and the size. The file is mapped, never
/// copied whole. A file that is no executable is exit 1; one that is not a regular file
/// (a FIFO, socket, device or directory) is exit 2 at once, without waiting on it.
pub fn inspect(
    path: &Path,
    policy: &Policy,
    checksum: bool,
) -> anyhow::Result<(Verdict, Option<String>, u64)> {
    use std::os::unix::fs::{FileExt as _, OpenOptionsExt as _};
    let shown = crate::sanitize::escape::path(path);
    // Only a regular file is read: a FIFO, socket or device could block the open or the
    // read forever, or never end. The type is checked through symlinks before the open,
    // the open cannot block (O_NONBLOCK), and the type is checked again on what was
    // opened, in case the path changed in between.
    let not_regular = |t: std::fs::FileType| {
        usage(format!(
            "`{shown}` is {}, not a regular file: verify reads executables",
            deliver::kind_of(t)
        ))
    };
    let meta = std::fs::metadata(path).with_context(|| format!("opening `{shown}`"))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_context(|| format!("opening `{shown}`"))?;
    let meta = file
        .metadata()
        .with_context(|| format!("reading `{shown}`"))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let len = meta.len();
    // SAFETY: the file is ours (fresh in a private temporary directory) or the user's
    // input to `verify`; if another process truncates it while mapped we may read zeros
    // or fault, as every mmap-based tool (readelf, file) accepts.
    let map;
    let bytes: &[u8] = if len == 0 {
        &[]
    } else {
        map = unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("mapping `{shown}`"))?;
        &map
    };
    // The sha256 reads the file in chunks rather than through the mapping, so hashing a
    // large file does not make all of it resident: memory stays bounded.
    let sha256 = if checksum {
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut at = 0u64;
        loop {
            let n = file
                .read_at(&mut buf, at)
                .with_context(|| format!("reading `{shown}`"))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            at += n as u64;
        }
        Some(hex(&h.finalize()))
    } else {
        None
    };
    let verdict = verify::verify(bytes, policy)
        .map_err(|e| failure(Exit::VerifyFailed, format!("{shown}: {e}")))?;
    Ok((verdict, sha256, len))
}
