//! The tree an image's root filesystem is written into: a directory descriptor, every
//! path below it opened one component at a time with `O_NOFOLLOW` (missing directories
//! made), and files, symlinks and hard links created relative to those descriptors, so
//! nothing is written through a symlink or outside the directory.

use std::ffi::{CStr, CString};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::super::tarwalk::io_err;
use super::super::ImageError;

/// The bytes free for an unprivileged writer on the file system of `dir`.
pub(super) fn free_bytes(dir: &Path) -> Option<u64> {
    let c = CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the zeroed struct for a valid path string.
    unsafe {
        let mut s: libc::statvfs = std::mem::zeroed();
        (libc::statvfs(c.as_ptr(), &mut s) == 0)
            .then(|| (s.f_bavail as u64).saturating_mul(s.f_frsize as u64))
    }
}

/// The tree being written: the directory's descriptor, and the last directory opened
/// below it (entries come in sorted order, so most share it).
pub(super) struct Tree {
    root: OwnedFd,
    shown: PathBuf,
    last: Option<(String, OwnedFd)>,
}

pub(super) fn errno() -> std::io::Error {
    std::io::Error::last_os_error()
}

/// The file type (`st_mode & S_IFMT`) of `name` in the directory `dir`, not following a
/// symlink; `None` when nothing can be found there.
pub(super) fn type_at(dir: &OwnedFd, name: &CStr) -> Option<libc::mode_t> {
    // SAFETY: a plain C struct, for which all zeroes is a valid value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstatat on a descriptor the caller owns, a NUL-terminated name and a stat
    // buffer we own; no follow.
    let rc = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    (rc == 0).then_some(st.st_mode & libc::S_IFMT)
}

pub(super) fn name_of(c: &str) -> std::io::Result<CString> {
    CString::new(c).map_err(|_| std::io::Error::other("the name holds a NUL byte"))
}

pub(super) fn split(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", n)) => ("/", n),
        Some((p, n)) => (p, n),
        None => ("/", path),
    }
}

impl Tree {
    pub(super) fn open(dir: &Path) -> Result<Tree, ImageError> {
        let root = crate::input::file::open_root(dir).map_err(|e| ImageError::new(e.0))?;
        let empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
        if !empty {
            return Err(ImageError::new(format!(
                "`{}` is not an empty directory to extract a root filesystem into",
                dir.display()
            )));
        }
        Ok(Tree {
            root: root.into(),
            shown: dir.to_path_buf(),
            last: None,
        })
    }

    /// The tree already written at `dir`.
    pub(super) fn open_existing(dir: &Path) -> Result<Tree, ImageError> {
        let root = crate::input::file::open_root(dir).map_err(|e| ImageError::new(e.0))?;
        Ok(Tree {
            root: root.into(),
            shown: dir.to_path_buf(),
            last: None,
        })
    }

    pub(super) fn err(&self, path: &str, e: std::io::Error) -> ImageError {
        // Out of space or quota: the host's limit, not the image's fault.
        let full = matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT));
        let m = format!(
            "writing `{}` under `{}`: {e}",
            path.escape_debug(),
            self.shown.display()
        );
        if full {
            ImageError::budget(m)
        } else {
            ImageError::new(m)
        }
    }

    /// The directory `dir` (absolute in the image) opened, each component without
    /// following a symlink, the missing ones made (mode 0700 until [`Tree::chmod_dir`]).
    pub(super) fn dir(&mut self, dir: &str) -> Result<OwnedFd, ImageError> {
        self.dir_io(dir).map_err(|e| self.err(dir, e))
    }

    fn dir_io(&mut self, dir: &str) -> std::io::Result<OwnedFd> {
        let dup = |fd: RawFd| -> std::io::Result<OwnedFd> {
            // SAFETY: duplicating a descriptor we own; the copy is ours.
            let n = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
            if n < 0 {
                return Err(errno());
            }
            // SAFETY: a fresh descriptor.
            Ok(unsafe { OwnedFd::from_raw_fd(n) })
        };
        if let Some((p, fd)) = &self.last {
            if p == dir {
                return dup(fd.as_raw_fd());
            }
        }
        let mut here = dup(self.root.as_raw_fd())?;
        for c in dir.split('/').filter(|c| !c.is_empty()) {
            let name = name_of(c)?;
            let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
            // SAFETY: openat/mkdirat on a descriptor we own and a NUL-terminated name.
            let mut fd = unsafe { libc::openat(here.as_raw_fd(), name.as_ptr(), flags) };
            if fd < 0 && errno().raw_os_error() == Some(libc::ENOENT) {
                // SAFETY: as above.
                unsafe {
                    if libc::mkdirat(here.as_raw_fd(), name.as_ptr(), 0o700) != 0
                        && errno().raw_os_error() != Some(libc::EEXIST)
                    {
                        return Err(errno());
                    }
                    fd = libc::openat(here.as_raw_fd(), name.as_ptr(), flags);
                }
            }
            if fd < 0 {
                let e = errno();
                return Err(match e.raw_os_error() {
                    Some(libc::ELOOP) | Some(libc::ENOTDIR) => std::io::Error::other(format!(
                        "`{c}` on the way is a symlink or a file, not a directory"
                    )),
                    _ => e,
                });
            }
            // SAFETY: a fresh descriptor.
            here = unsafe { OwnedFd::from_raw_fd(fd) };
        }
        self.last = Some((dir.to_string(), dup(here.as_raw_fd())?));
        Ok(here)
    }

    pub(super) fn symlink(&mut self, path: &str, target: &str) -> Result<(), ImageError> {
        let (parent, name) = split(path);
        let dir = self.dir(parent)?;
        let (target, name) = match (name_of(target), name_of(name)) {
            (Ok(t), Ok(n)) => (t, n),
            (Err(e), _) | (_, Err(e)) => return Err(self.err(path, e)),
        };
        // SAFETY: symlinkat with a descriptor we own and NUL-terminated strings.
        if unsafe { libc::symlinkat(target.as_ptr(), dir.as_raw_fd(), name.as_ptr()) } != 0 {
            return Err(self.err(path, errno()));
        }
        Ok(())
    }

    /// Writes a new regular file of exactly `size` bytes from `data`, then its mode.
    pub(super) fn file(
        &mut self,
        path: &str,
        mode: u32,
        data: &mut dyn Read,
        size: u64,
    ) -> Result<(), ImageError> {
        let (parent, name) = split(path);
        let dir = self.dir(parent)?;
        let name = name_of(name).map_err(|e| self.err(path, e))?;
        let flags =
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: openat with a descriptor we own; the result is ours.
        let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags, 0o600) };
        if fd < 0 {
            return Err(self.err(path, errno()));
        }
        // SAFETY: a fresh descriptor.
        let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
        let n = std::io::copy(&mut data.take(size), &mut file).map_err(|e| {
            if e.get_ref()
                .is_some_and(|x| x.is::<super::super::tarwalk::OverBudget>())
            {
                io_err(path, e)
            } else {
                self.err(path, e)
            }
        })?;
        if n != size {
            return Err(ImageError::new(format!(
                "`{}`: {n} bytes of the {size} its entry declares",
                path.escape_debug()
            )));
        }
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| self.err(path, e))
    }

    /// A hard link at `path` to the file written at `to`, neither followed if a link.
    pub(super) fn link(&mut self, to: &str, path: &str) -> Result<(), ImageError> {
        let (from_dir, from_name) = split(to);
        let (dir, name) = split(path);
        let from_dir = self.dir(from_dir)?;
        let dir = self.dir(dir)?;
        let (a, b) = match (name_of(from_name), name_of(name)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return Err(self.err(path, e)),
        };
        // SAFETY: linkat on descriptors we own; flags 0 follows no symlink.
        let r = unsafe {
            libc::linkat(
                from_dir.as_raw_fd(),
                a.as_ptr(),
                dir.as_raw_fd(),
                b.as_ptr(),
                0,
            )
        };
        if r != 0 {
            return Err(self.err(path, errno()));
        }
        Ok(())
    }

    pub(super) fn chmod_dir(&mut self, dir: &str, mode: u32) -> Result<(), ImageError> {
        let fd = self.dir(dir)?;
        // SAFETY: fchmod on a descriptor we own.
        if unsafe { libc::fchmod(fd.as_raw_fd(), mode as libc::mode_t) } != 0 {
            return Err(self.err(dir, errno()));
        }
        Ok(())
    }
}
