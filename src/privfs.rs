//! Files and directories of the tool's own caches, which another user (or a stray
//! symlink) must not be able to steer: a directory is trusted only when it and every
//! directory above it belong to the running user or root and no one else may write to
//! them (a sticky `/tmp` on the way is fine); a file is created under a fresh name with
//! `O_CREAT|O_EXCL|O_NOFOLLOW` and renamed into place; an existing file is opened with
//! `O_NOFOLLOW` and used only when it is a regular file of the running user.
//!
//! Errors name the path and the fix; they are plain I/O or message errors, and the
//! caller decides the exit code.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Component, Path, PathBuf};

/// The effective user id of this process.
pub fn euid() -> u32 {
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

crate::error::message_error! {
    /// Why a directory is not trusted, with the path and the fix.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Untrusted(pub String);
}

/// `owner` may hold `dir`: the running user, or root for the directories above it.
fn judge(dir: &Path, meta: &std::fs::Metadata, last: bool) -> Result<(), Untrusted> {
    let me = euid();
    let shown = dir.display();
    if !meta.file_type().is_dir() {
        return Err(Untrusted(format!("`{shown}` is not a directory")));
    }
    let owner = meta.uid();
    let mode = meta.mode() & 0o7777;
    let owner_ok = owner == me || (!last && owner == 0);
    if !owner_ok {
        return Err(Untrusted(format!(
            "`{shown}` belongs to uid {owner}, not to this user (uid {me}): whoever owns it \
             could plant files the tool would trust"
        )));
    }
    // Others may write to a sticky directory above ours (/tmp): they cannot rename or
    // remove what is ours in it. The cache directory itself must be ours alone.
    let sticky = mode & 0o1000 != 0;
    if mode & 0o022 != 0 && (last || !sticky) {
        return Err(Untrusted(format!(
            "`{shown}` is writable by its group or by others (mode {mode:04o}): run \
             `chmod go-w {shown}`"
        )));
    }
    Ok(())
}

/// Makes `dir` (absolute) if missing, each new directory 0700, and checks it and every
/// directory above it (see the module doc). Returns its canonical path, which the
/// caller uses from then on: nothing on it can be changed by anyone but this user and
/// root.
pub fn trusted_dir(dir: &Path) -> Result<PathBuf, Untrusted> {
    use std::os::unix::fs::DirBuilderExt as _;
    if !dir.is_absolute() {
        return Err(Untrusted(format!("`{}` is not absolute", dir.display())));
    }
    let mut cur = PathBuf::new();
    for c in dir.components() {
        cur.push(c);
        if !matches!(c, Component::Normal(_)) {
            continue;
        }
        match std::fs::DirBuilder::new().mode(0o700).create(&cur) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(Untrusted(format!(
                    "creating `{}`: {e}: make it yourself, or use another directory",
                    cur.display()
                )))
            }
        }
    }
    check_tree(dir)
}

/// Checks an existing `dir` and every directory above it, without creating anything;
/// returns its canonical path.
pub fn check_tree(dir: &Path) -> Result<PathBuf, Untrusted> {
    let canon = std::fs::canonicalize(dir)
        .map_err(|e| Untrusted(format!("resolving `{}`: {e}", dir.display())))?;
    let mut cur = PathBuf::from("/");
    let parts: Vec<_> = canon.components().collect();
    for (i, c) in parts.iter().enumerate() {
        if let Component::Normal(n) = c {
            cur.push(n);
        }
        let meta = std::fs::symlink_metadata(&cur)
            .map_err(|e| Untrusted(format!("reading `{}`: {e}", cur.display())))?;
        judge(&cur, &meta, i + 1 == parts.len())?;
    }
    Ok(canon)
}

/// `parent/name`, a directory of this user that no one else can write to, made 0700
/// when missing; with `private`, also made unreadable to others (0700) if it was not.
/// `parent` must already be trusted. A symlink there is refused, not followed.
pub fn subdir(parent: &Path, name: &std::ffi::OsStr, private: bool) -> Result<PathBuf, Untrusted> {
    use std::os::unix::fs::DirBuilderExt as _;
    let dir = parent.join(name);
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Untrusted(format!("creating `{}`: {e}", dir.display()))),
    }
    let meta = std::fs::symlink_metadata(&dir)
        .map_err(|e| Untrusted(format!("reading `{}`: {e}", dir.display())))?;
    if meta.file_type().is_symlink() {
        return Err(Untrusted(format!(
            "`{}` is a symlink, not a directory of this tool's: remove it",
            dir.display()
        )));
    }
    judge(&dir, &meta, true)?;
    if private && meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Untrusted(format!("making `{}` private: {e}", dir.display())))?;
    }
    Ok(dir)
}

/// Creates `path` anew: fails if anything (a symlink included) is there already.
pub fn create_new(path: &Path, mode: u32) -> std::io::Result<File> {
    File::options()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// A fresh name beside `path` for a temporary file: `.NAME.PID.NONCE.tmp`.
fn tmp_name(path: &Path, attempt: u32) -> PathBuf {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ attempt.wrapping_mul(0x9e37_79b9);
    let mut name = OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".{}.{nonce:08x}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` (mode 0600): written under a fresh name made with
/// `O_EXCL|O_NOFOLLOW` beside it, then renamed over it, so a symlink at `path` or at a
/// temporary name is replaced or avoided, never followed, and readers see one whole
/// file.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_mode(path, bytes, 0o600)
}

/// [`replace`] with the new file made with `mode` (less the umask): for files meant to
/// be shared, such as `xbuild-go.lock` (0644) beside a profile.
pub fn replace_mode(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    for attempt in 0..16 {
        let tmp = tmp_name(path, attempt);
        let mut f = match create_new(&tmp, mode) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let r = f
            .write_all(bytes)
            .and_then(|()| std::fs::rename(&tmp, path));
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return r;
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("no free temporary name beside `{}`", path.display()),
    ))
}

/// Opens an existing file of this user for reading: `O_NOFOLLOW` (a symlink is an
/// error), `O_NONBLOCK` (a FIFO cannot stall the open), then checked to be a regular
/// file owned by the running user. `Ok(None)` when there is nothing at `path`.
pub fn open_own(path: &Path, write: bool) -> std::io::Result<Option<File>> {
    let f = match File::options()
        .read(true)
        .write(write)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("`{}` is a symlink", path.display()),
            ))
        }
        Err(e) => return Err(e),
    };
    let meta = f.metadata()?;
    if !meta.is_file() || meta.uid() != euid() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "`{}` is not a regular file of this user (uid {})",
                path.display(),
                meta.uid()
            ),
        ));
    }
    Ok(Some(f))
}

/// The bytes of an existing file of this user ([`open_own`]), at most `max` of them
/// (a longer file is an error); `Ok(None)` when there is none.
pub fn read_own(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let Some(f) = open_own(path, false)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    f.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("`{}` is larger than {max} bytes", path.display()),
        ));
    }
    Ok(Some(bytes))
}

/// True if `name` is one of the temporary names [`replace`] makes for `path`.
pub fn is_tmp_of(path: &Path, name: &std::ffi::OsStr) -> bool {
    let base = path.file_name().unwrap_or_default().as_bytes();
    let n = name.as_bytes();
    n.len() > base.len() + 1 && n[0] == b'.' && n[1..].starts_with(base) && n.ends_with(b".tmp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_never_follows_a_symlink() {
        let t = tempfile::tempdir().unwrap();
        let victim = t.path().join("victim");
        std::fs::write(&victim, b"victim").unwrap();
        let file = t.path().join("file");
        std::os::unix::fs::symlink(&victim, &file).unwrap();
        replace(&file, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
        assert!(std::fs::symlink_metadata(&file).unwrap().is_file());
        assert_eq!(read_own(&file, 10).unwrap().unwrap(), b"new");
        assert!(read_own(&file, 2).is_err(), "too long");
        std::fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(&victim, &file).unwrap();
        assert!(open_own(&file, false).is_err(), "a symlink is refused");
        assert!(read_own(&t.path().join("none"), 10).unwrap().is_none());
        // A name taken by a symlink is never created through.
        let e = create_new(&file, 0o600).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
        let names: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .flatten()
            .filter(|e| is_tmp_of(&file, &e.file_name()))
            .collect();
        assert!(names.is_empty(), "no temporary file left: {names:?}");
    }

    #[test]
    fn a_writable_or_foreign_directory_is_not_trusted() {
        let t = tempfile::tempdir().unwrap();
        let d = trusted_dir(&t.path().join("a/b")).unwrap();
        assert!(d.ends_with("a/b"));
        std::fs::set_permissions(t.path().join("a"), std::fs::Permissions::from_mode(0o777))
            .unwrap();
        let e = check_tree(&t.path().join("a/b")).unwrap_err();
        assert!(e.0.contains("chmod go-w"), "{e}");
        std::fs::set_permissions(t.path().join("a"), std::fs::Permissions::from_mode(0o1777))
            .unwrap();
        check_tree(&t.path().join("a/b")).expect("a sticky directory above is fine");
        std::fs::set_permissions(
            t.path().join("a/b"),
            std::fs::Permissions::from_mode(0o1777),
        )
        .unwrap();
        assert!(
            check_tree(&t.path().join("a/b")).is_err(),
            "but not the cache"
        );
        let link = t.path().join("link");
        std::os::unix::fs::symlink(t.path(), &link).unwrap();
        assert!(subdir(t.path(), "link".as_ref(), true).is_err());
    }
}
