//! Writing inside a destination directory through its open descriptor: every name is
//! opened or made relative to the directory (`openat`, `mkdirat`, `renameat`) with
//! `O_NOFOLLOW`, so a symlink inside the destination (a `blobs/` pointing elsewhere) is
//! refused, never followed; a file is written under a fresh temporary name
//! (`.xbuild-go-tmp.<pid>.<nonce>`, the prefix delivery sweeps), synced, then renamed
//! over its name, so a reader sees the old file or the new one, never a part.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::input::file;

/// The prefix of every temporary name made here.
pub const TMP_PREFIX: &str = ".xbuild-go-tmp.";

/// What a name in a directory is, not following a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// An open directory and the path it was opened by (for messages).
pub struct Dir {
    fd: File,
    pub path: PathBuf,
}

fn cname(name: &str) -> io::Result<CString> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` is not a plain file name", name.escape_debug()),
        ));
    }
    CString::new(std::ffi::OsStr::new(name).as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in a file name"))
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A fresh temporary name: the pid and a nonce that differs per attempt.
fn tmp_name(attempt: u32) -> String {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ attempt.wrapping_mul(0x9e37_79b9);
    format!("{TMP_PREFIX}{}.{nonce:08x}", std::process::id())
}

impl Dir {
    /// Opens a directory the user named (a symlink to it is the user's choice).
    pub fn open(path: &Path) -> io::Result<Dir> {
        let fd = file::open_root(path).map_err(|e| io::Error::other(e.0))?;
        Ok(Dir {
            fd,
            path: path.to_path_buf(),
        })
    }

    fn at(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// What `name` is.
    pub fn kind(&self, name: &str) -> io::Result<Kind> {
        let c = cname(name)?;
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: a valid descriptor, a NUL-terminated name and a stat buffer we own.
        let rc = unsafe {
            libc::fstatat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if rc < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::NotFound {
                Ok(Kind::Missing)
            } else {
                Err(e)
            };
        }
        Ok(match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => Kind::File,
            libc::S_IFDIR => Kind::Dir,
            libc::S_IFLNK => Kind::Symlink,
            _ => Kind::Other,
        })
    }

    /// The directory `name` inside this one, made (mode 0755 before the umask) when
    /// `create` and missing; a symlink there is an error. `true` when it was made.
    pub fn sub(&self, name: &str, create: bool) -> io::Result<(Dir, bool)> {
        let c = cname(name)?;
        let mut made = false;
        if create {
            // SAFETY: a valid descriptor and a NUL-terminated name.
            let rc = unsafe { libc::mkdirat(self.fd.as_raw_fd(), c.as_ptr(), 0o755) };
            match check(rc) {
                Ok(()) => made = true,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        // SAFETY: as above; the descriptor returned is owned by the File made from it.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let e = io::Error::last_os_error();
            if self.kind(name).ok() == Some(Kind::Symlink) {
                return Err(io::Error::other(format!(
                    "`{}` is a symlink: nothing is written through a link inside the destination",
                    self.at(name).display()
                )));
            }
            return Err(io::Error::new(
                e.kind(),
                format!("opening `{}`: {e}", self.at(name).display()),
            ));
        }
        Ok((
            Dir {
                // SAFETY: a fresh descriptor nothing else owns.
                fd: unsafe { File::from_raw_fd(fd) },
                path: self.at(name),
            },
            made,
        ))
    }

    /// Opens the regular file `name` for reading (never through a symlink); its length.
    pub fn open_file(&self, name: &str) -> io::Result<(File, u64)> {
        file::open_in(&self.fd, &self.path, name).map_err(|e| io::Error::other(e.0))
    }

    /// Writes `name` atomically: `fill` writes a fresh temporary file (made with
    /// `O_EXCL|O_NOFOLLOW`), which is synced and renamed over `name`. On any error the
    /// temporary file is removed and `name` is as it was.
    pub fn write(
        &self,
        name: &str,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> io::Result<()> {
        cname(name)?;
        let (tmp, mut f) = self.create_tmp()?;
        let result = fill(&mut f)
            .and_then(|()| f.sync_all())
            .and_then(|()| self.rename(&tmp, name));
        if result.is_err() {
            let _ = self.remove(&tmp);
        }
        result
    }

    fn create_tmp(&self) -> io::Result<(String, File)> {
        for attempt in 0..16 {
            let name = tmp_name(attempt);
            let c = cname(&name)?;
            // SAFETY: a valid descriptor and a NUL-terminated name; the descriptor
            // returned is owned by the File made from it.
            let fd = unsafe {
                libc::openat(
                    self.fd.as_raw_fd(),
                    c.as_ptr(),
                    libc::O_WRONLY
                        | libc::O_CREAT
                        | libc::O_EXCL
                        | libc::O_NOFOLLOW
                        | libc::O_CLOEXEC,
                    0o644 as libc::c_uint,
                )
            };
            if fd >= 0 {
                // SAFETY: a fresh descriptor nothing else owns.
                return Ok((name, unsafe { File::from_raw_fd(fd) }));
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::AlreadyExists {
                return Err(io::Error::new(
                    e.kind(),
                    format!("creating a file in `{}`: {e}", self.path.display()),
                ));
            }
        }
        Err(io::Error::other(format!(
            "no free temporary name in `{}`",
            self.path.display()
        )))
    }

    /// A fresh, empty directory of a temporary name in this one.
    pub fn make_tmp_dir(&self) -> io::Result<(String, Dir)> {
        for attempt in 0..16 {
            let name = tmp_name(attempt);
            match self.kind(&name)? {
                Kind::Missing => {}
                _ => continue,
            }
            let (dir, made) = self.sub(&name, true)?;
            if made {
                return Ok((name, dir));
            }
        }
        Err(io::Error::other(format!(
            "no free temporary name in `{}`",
            self.path.display()
        )))
    }

    /// Renames `from` (in this directory) to `to` (in this directory).
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let (a, b) = (cname(from)?, cname(to)?);
        // SAFETY: a valid descriptor (twice) and NUL-terminated names.
        check(unsafe {
            libc::renameat(
                self.fd.as_raw_fd(),
                a.as_ptr(),
                self.fd.as_raw_fd(),
                b.as_ptr(),
            )
        })
    }

    /// Removes the file `name`.
    pub fn remove(&self, name: &str) -> io::Result<()> {
        let c = cname(name)?;
        // SAFETY: a valid descriptor and a NUL-terminated name.
        check(unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), 0) })
    }

    /// Removes the empty directory `name`.
    pub fn remove_dir(&self, name: &str) -> io::Result<()> {
        let c = cname(name)?;
        // SAFETY: a valid descriptor and a NUL-terminated name.
        check(unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), libc::AT_REMOVEDIR) })
    }

    /// The same directory through a second descriptor.
    pub fn clone_fd(&self) -> io::Result<Dir> {
        Ok(Dir {
            fd: self.fd.try_clone()?,
            path: self.path.clone(),
        })
    }

    /// Removes the directory `name` and everything in it, never through a symlink
    /// (a symlink inside is removed itself).
    pub fn remove_tree(&self, name: &str) -> io::Result<()> {
        if self.kind(name)? != Kind::Dir {
            return self.remove(name);
        }
        let (sub, _) = self.sub(name, false)?;
        for e in std::fs::read_dir(format!("/proc/self/fd/{}", sub.fd.as_raw_fd()))? {
            let e = e?;
            let n = e.file_name();
            let n = n.to_string_lossy();
            sub.remove_tree(&n)?;
        }
        self.remove_dir(name)
    }

    /// Syncs the directory itself (its entries reach the disk).
    pub fn sync(&self) -> io::Result<()> {
        self.fd.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_atomic_and_never_go_through_a_link() {
        let t = tempfile::tempdir().unwrap();
        let outside = t.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let root = t.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("blobs")).unwrap();
        let d = Dir::open(&root).unwrap();
        let e = d
            .sub("blobs", true)
            .err()
            .expect("a symlinked directory is refused");
        assert!(e.to_string().contains("is a symlink"), "{e}");
        d.write("a", |f| io::Write::write_all(f, b"one")).unwrap();
        let failed = d.write("a", |f| {
            io::Write::write_all(f, b"half")?;
            Err(io::Error::other("stop"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(root.join("a")).unwrap(), b"one");
        std::os::unix::fs::symlink(outside.join("x"), root.join("link")).unwrap();
        d.write("link", |f| io::Write::write_all(f, b"new"))
            .unwrap();
        assert!(
            !outside.join("x").exists(),
            "the link was replaced, not followed"
        );
        assert_eq!(d.kind("link").unwrap(), Kind::File);
        let names: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !names.iter().any(|n| n.starts_with(TMP_PREFIX)),
            "{names:?}"
        );
        let (tmp, sub) = d.make_tmp_dir().unwrap();
        sub.write("f", |f| io::Write::write_all(f, b"x")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join(&tmp).join("l")).unwrap();
        std::fs::write(outside.join("keep"), b"k").unwrap();
        d.remove_tree(&tmp).unwrap();
        assert_eq!(d.kind(&tmp).unwrap(), Kind::Missing);
        assert!(
            outside.join("keep").exists(),
            "the tree's link was not followed"
        );
    }
}
