//! Writing the tool's own files (JUnit, checksums, the job summary): to a temporary
//! file beside the destination, then renamed over it, so a full disk or a crash leaves
//! the old file and never a truncated one. A symbolic link at the destination is
//! replaced, not written through; the new file gets mode 0666 minus the umask, as any
//! file a program creates. Streams named on purpose (`/dev/stdout`, `/dev/null`, a
//! FIFO) are written directly: they have no old content to keep.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Paths that name a stream rather than a file.
fn is_stream_name(path: &Path) -> bool {
    let s = path.as_os_str().to_string_lossy();
    matches!(
        s.as_ref(),
        "/dev/stdout" | "/dev/stderr" | "/dev/null" | "/dev/full" | "/dev/tty"
    ) || s.starts_with("/dev/fd/")
        || s.starts_with("/proc/self/fd/")
}

/// How a destination is written.
enum Mode {
    /// Temporary file and rename.
    Replace,
    /// Opened and written in place.
    Stream,
}

fn mode_for(path: &Path) -> std::io::Result<Mode> {
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Mode::Replace),
        Err(e) => return Err(e),
        Ok(m) => m,
    };
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(Mode::Replace);
    }
    if ft.is_symlink() {
        // A link to a FIFO or a named stream is written through; any other link is
        // replaced by the new file.
        let through =
            is_stream_name(path) || std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo());
        return Ok(if through { Mode::Stream } else { Mode::Replace });
    }
    if ft.is_fifo() || (ft.is_char_device() && is_stream_name(path)) {
        return Ok(Mode::Stream);
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        if ft.is_dir() {
            "is a directory"
        } else {
            "is a device or socket, not a file"
        },
    ))
}

/// A name for the temporary file beside `path` that no one else uses.
fn temp_name(path: &Path, n: u32) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(
        ".{}.{}.{n}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically (see the module doc). The parent directory must
/// exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.file_name().is_none() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "names no file",
        ));
    }
    if let Mode::Stream = mode_for(path)? {
        let mut f = OpenOptions::new().write(true).open(path)?;
        f.write_all(bytes)?;
        return f.flush();
    }
    let (tmp, file) = {
        let mut n = 0;
        loop {
            let tmp = temp_name(path, n);
            // create_new with 0666: the kernel applies the umask, as for any new file.
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o666)
                .open(&tmp)
            {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
                Err(e) => return Err(e),
            }
        }
    };
    fill_and_rename(&tmp, file, bytes, path)
}

/// Writes `bytes` into the new temporary file `tmp` (open as `file`), syncs it and
/// renames it to `dest`. On any error `tmp` is removed: `dest` stays as it was and no
/// temporary file is left behind.
pub fn fill_and_rename(
    tmp: &Path,
    mut file: File,
    bytes: &[u8],
    dest: &Path,
) -> std::io::Result<()> {
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(tmp, dest));
    if written.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    written
}

/// Appends `bytes` to `path` atomically: the old content and the new, written to a
/// temporary file and renamed over it.
pub fn append_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut all = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    all.extend_from_slice(bytes);
    write_atomic(path, &all)
}

#[cfg(test)]
mod tests;
