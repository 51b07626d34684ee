//! Opening a data file the tool reads (an OCI layout's files, an image archive, a
//! provenance document): `O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC`, so neither a FIFO
//! (the open succeeds without a writer) nor a symlink is followed or waited on; then
//! `fstat` on the descriptor must say regular file; then at most a bound is read. Inside
//! a directory that is itself untrusted ([`open_in`]), every component is opened with
//! `openat` and `O_NOFOLLOW`, so a symlinked `blobs/` cannot lead out either. Errors name
//! the path.

use std::ffi::CString;
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The flags every data file is opened with (besides `O_RDONLY`).
const FLAGS: libc::c_int = libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC;

crate::error::message_error! {
    /// Why a data file could not be read; the message names the path.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FileError(pub String);
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn open_error(path: &Path, e: std::io::Error) -> FileError {
    // O_NOFOLLOW says ELOOP on a symlink; with O_DIRECTORY too, ENOTDIR.
    let link = e.raw_os_error() == Some(libc::ELOOP)
        || (e.raw_os_error() == Some(libc::ENOTDIR)
            && path
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink()));
    if link {
        FileError(format!(
            "`{}` is a symlink: data files are read only as regular files, never through a link",
            shown(path)
        ))
    } else {
        FileError(format!("opening `{}`: {e}", shown(path)))
    }
}

/// Checks with `fstat` that an open file is a regular one; its length.
fn regular(file: &File, path: &Path) -> Result<u64, FileError> {
    let meta = file
        .metadata()
        .map_err(|e| FileError(format!("reading `{}`: {e}", shown(path))))?;
    let ft = meta.file_type();
    if !ft.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let what = if ft.is_fifo() {
            "a FIFO"
        } else if ft.is_dir() {
            "a directory"
        } else if ft.is_char_device() || ft.is_block_device() {
            "a device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        return Err(FileError(format!(
            "`{}` is {what}: only regular files are read as data",
            shown(path)
        )));
    }
    Ok(meta.len())
}

/// Opens `path`, a file the user named (an archive, a provenance document), as a data
/// file: the user's own links on the way are resolved first (`latest.tar -> v2.tar` is
/// the user's choice, not an attack), then the resolved path is opened with
/// `O_NOFOLLOW`, so a link swapped in after that is refused, and it must be a regular
/// file: no FIFO, device, socket or directory (`/dev/zero` through a link included).
/// Returns the file and its length; errors name `path` as the user wrote it.
pub fn open(path: &Path) -> Result<(File, u64), FileError> {
    let real = std::fs::canonicalize(path)
        .map_err(|e| FileError(format!("opening `{}`: {e}", shown(path))))?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(FLAGS)
        .open(&real)
        .map_err(|e| open_error(path, e))?;
    let len = regular(&file, path)?;
    Ok((file, len))
}

fn openat(dir: &File, name: &str, flags: libc::c_int, shown_as: &Path) -> Result<File, FileError> {
    let c = CString::new(std::ffi::OsStr::new(name).as_bytes())
        .map_err(|_| FileError(format!("`{}`: a NUL byte in the name", shown(shown_as))))?;
    // SAFETY: `dir` is an open descriptor and `c` a NUL-terminated string; the returned
    // descriptor is owned by the File made from it.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), libc::O_RDONLY | flags) };
    if fd < 0 {
        return Err(open_error(shown_as, std::io::Error::last_os_error()));
    }
    // SAFETY: a fresh descriptor nothing else owns.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Opens the directory a caller named (it may be reached through a symlink: the user
/// chose it), to open files inside it with [`open_in`].
pub fn open_root(path: &Path) -> Result<File, FileError> {
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| FileError(format!("opening `{}`: {e}", shown(path))))?;
    Ok(dir)
}

/// Opens `rel` (`/`-separated, no `..`) inside the directory `root` (opened with
/// [`open_root`], named `root_path` in messages): every directory on the way and the file
/// itself opened without following a symlink, the file a regular one. Its length too.
pub fn open_in(root: &File, root_path: &Path, rel: &str) -> Result<(File, u64), FileError> {
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let full = root_path.join(rel);
    if parts.is_empty() || parts.contains(&"..") {
        return Err(FileError(format!(
            "`{}` is not a file name inside `{}`",
            rel.escape_debug(),
            shown(root_path)
        )));
    }
    let mut here: Option<File> = None;
    let mut at = root_path.to_path_buf();
    for dir in &parts[..parts.len() - 1] {
        at.push(dir);
        let parent = here.as_ref().unwrap_or(root);
        let next = openat(parent, dir, libc::O_DIRECTORY | FLAGS, &at)?;
        here = Some(next);
    }
    let parent = here.as_ref().unwrap_or(root);
    let file = openat(parent, parts[parts.len() - 1], FLAGS, &full)?;
    let len = regular(&file, &full)?;
    Ok((file, len))
}

/// Reads at most `max` bytes of an open data file of `len` bytes; a longer one is an
/// error naming `path` and the bound.
pub fn read_bounded(file: File, len: u64, max: u64, path: &Path) -> Result<Vec<u8>, FileError> {
    let too_big = |n: u64| {
        FileError(format!(
            "`{}` is {n} bytes or more; at most {max} bytes are read from it",
            shown(path)
        ))
    };
    if len > max {
        return Err(too_big(len));
    }
    // One byte past the bound tells a file that grew while being read.
    let v = read_up_to(file, len, max + 1)
        .map_err(|e| FileError(format!("reading `{}`: {e}", shown(path))))?;
    if v.len() as u64 > max {
        return Err(too_big(v.len() as u64));
    }
    Ok(v)
}

/// At most `limit` bytes of `r`, into a buffer made once for the `len` bytes it says it
/// holds (never more than `limit`).
pub fn read_up_to(r: impl Read, len: u64, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(len.min(limit) as usize);
    r.take(limit).read_to_end(&mut v)?;
    Ok(v)
}

/// Reads the data file at `path` whole, at most `max` bytes.
pub fn read(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    let (file, len) = open(path)?;
    read_bounded(file, len, max, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_symlinks_and_big_files_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("ok"), b"hello").unwrap();
        std::os::unix::fs::symlink(d.join("ok"), d.join("link")).unwrap();
        let fifo = CString::new(d.join("fifo").as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid path string.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        std::os::unix::fs::symlink("/dev/zero", d.join("zero")).unwrap();
        assert_eq!(read(&d.join("ok"), 5).unwrap(), b"hello");
        // A link the user named is the user's choice: it is followed to a regular file.
        assert_eq!(read(&d.join("link"), 5).unwrap(), b"hello");
        for (case, path, max, needle) in [
            ("fifo", d.join("fifo"), 10, "is a FIFO"),
            ("symlink to /dev/zero", d.join("zero"), 10, "is a device"),
            ("device", "/dev/zero".into(), 10, "is a device"),
            ("directory", d.to_path_buf(), 10, "is a directory"),
            ("too big", d.join("ok"), 4, "at most 4 bytes"),
        ] {
            let e = read(&path, max).unwrap_err();
            assert!(e.0.contains(needle), "case {case}: {e}");
        }
    }

    #[test]
    fn files_inside_a_root_go_through_no_symlinked_directory() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("root/blobs/sha256")).unwrap();
        std::fs::create_dir_all(d.join("outside")).unwrap();
        std::fs::write(d.join("root/blobs/sha256/ab"), b"x").unwrap();
        std::fs::write(d.join("outside/ab"), b"secret").unwrap();
        std::os::unix::fs::symlink(d.join("outside"), d.join("root/blobs/sha512")).unwrap();
        let root = open_root(&d.join("root")).unwrap();
        let rp = d.join("root");
        assert_eq!(open_in(&root, &rp, "blobs/sha256/ab").unwrap().1, 1);
        let e = open_in(&root, &rp, "blobs/sha512/ab").unwrap_err();
        assert!(e.0.contains("is a symlink"), "{e}");
        assert!(open_in(&root, &rp, "../outside/ab").is_err());
        assert!(open_in(&root, &rp, "blobs/sha256/none").is_err());
    }
}
