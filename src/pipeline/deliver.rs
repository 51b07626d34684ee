//! Delivery: the verified bytes reach the destination atomically (a reflink or a copy
//! into a temporary file beside it, fsync, rename), or not at all. Directories made
//! for it are removed again on failure, and only those, compared by canonical path.
//! Temporary files left by a run that was killed are swept by the next one.
//! What is written is the verified snapshot, compared through the temporary file's
//! descriptor before the rename; nothing replaces a FIFO, socket, device or an entry of
//! `/dev` or `/proc` ([`destination`]), and `-o /dev/null` verifies and discards.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Component, Path, PathBuf};

use anyhow::Context as _;

use crate::error::usage;
use crate::report::files::fill_and_rename;

/// The prefix of every temporary file this tool makes beside a destination:
/// `.xbuild-go-tmp.<pid>.<random>`.
const TMP_PREFIX: &str = ".xbuild-go-tmp.";

/// `go build -o` semantics: an output that ends with a slash or names an existing
/// directory means "write `<name><exe>` into that directory".
pub fn into_dir_if_dir(dest: PathBuf, file_name: &str) -> PathBuf {
    let trailing = dest.as_os_str().as_bytes().ends_with(b"/");
    if trailing || dest.is_dir() {
        dest.join(file_name)
    } else {
        dest
    }
}

/// Makes `dir` and its missing parents one component at a time, returning the canonical
/// paths of the directories this call created (and no others), oldest first.
pub fn create_parents(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut created = Vec::new();
    let mut cur = PathBuf::new();
    for c in dir.components() {
        cur.push(c);
        if !matches!(c, Component::Normal(_)) {
            continue;
        }
        match std::fs::create_dir(&cur) {
            Ok(()) => created.push(
                std::fs::canonicalize(&cur)
                    .with_context(|| format!("resolving `{}`", cur.display()))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && cur.is_dir() => {}
            Err(e) => {
                remove_created(&created);
                return Err(e).with_context(|| format!("creating `{}`", cur.display()));
            }
        }
    }
    Ok(created)
}

/// Removes what [`create_parents`] made, newest first, where still empty.
pub fn remove_created(created: &[PathBuf]) {
    for d in created.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// True if `pid` names a live process (or one we may not signal).
fn alive(pid: i32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks for existence; no memory is touched.
    pid > 0 && (unsafe { libc::kill(pid, 0) } == 0 || last_errno() == libc::EPERM)
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Removes this tool's temporary files in `dir` whose run is gone: `.xbuild-go-tmp.<pid>.*`
/// whose process no longer exists, and the directories `.xbuild-go-XXXXXX` of earlier
/// versions once they are an hour old. Nothing else is touched. Best effort.
pub fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.as_bytes();
        if let Some(rest) = name.strip_prefix(TMP_PREFIX.as_bytes()) {
            let pid = std::str::from_utf8(rest)
                .ok()
                .and_then(|r| r.split('.').next())
                .and_then(|p| p.parse::<i32>().ok());
            let is_file = e.file_type().is_ok_and(|t| t.is_file());
            if let (Some(pid), true) = (pid, is_file) {
                if !alive(pid) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        } else if let Some(rest) = name.strip_prefix(b".xbuild-go-") {
            let legacy = rest.len() == 6 && rest.iter().all(u8::is_ascii_alphanumeric);
            let old = e
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age.as_secs() > 3600);
            if legacy && old && e.file_type().is_ok_and(|t| t.is_dir()) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// What `-o` names, as far as delivery is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// A regular file (or nothing yet, or a symlink to one, which is replaced).
    File,
    /// `/dev/null`: verify and discard; nothing is written anywhere.
    Discard,
}

/// What kind of non-regular file `t` is, for messages.
pub fn kind_of(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else if t.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

/// The magic numbers go build's own check knows (cmd/go's `isObject`): archives, ELF,
/// Mach-O, PE, Plan 9, wasm and XCOFF.
const OBJECT_MAGIC: &[&[u8]] = &[
    b"!<arch>\n",
    b"<bigaf>\n",
    b"\x7fELF",
    &[0xfe, 0xed, 0xfa, 0xce],
    &[0xfe, 0xed, 0xfa, 0xcf],
    &[0xce, 0xfa, 0xed, 0xfe],
    &[0xcf, 0xfa, 0xed, 0xfe],
    b"MZ",
    &[0x00, 0x00, 0x01, 0xeb],
    &[0x00, 0x00, 0x8a, 0x97],
    &[0x00, 0x00, 0x06, 0x47],
    &[0x00, 0x61, 0x73, 0x6d],
    &[0x01, 0xdf],
    &[0x01, 0xf7],
];

/// True if the file at `path` starts with an executable's or object file's magic (a
/// file that cannot be read counts as one: the delivery reports its own error). Opened
/// as every input is (no final symlink followed, never blocking, a regular file only),
/// so a FIFO swapped in after the caller looked cannot hang the build.
fn is_object(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 8];
    let Ok((mut f, _)) = crate::input::file::open(path) else {
        return true;
    };
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return true,
        }
    }
    OBJECT_MAGIC.iter().any(|m| head[..n].starts_with(m))
}

/// Judges an existing destination before anything is built: nothing ever replaces a
/// FIFO, socket or device (nor a symlink to one; a symlink to a regular file or to
/// nothing is replaced, its target left alone): exit 2 naming it. `/dev/null` (or a
/// path resolving to it) means "verify and discard". A directory is left to the caller.
pub fn destination(dest: &Path) -> anyhow::Result<Destination> {
    use std::os::unix::fs::FileTypeExt as _;
    let shown = crate::sanitize::escape::path(dest);
    let meta = match std::fs::symlink_metadata(dest) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        // `-o go.mod/app`: name the file that is in the way, not just ENOTDIR.
        Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => {
            let in_way = dest
                .ancestors()
                .skip(1)
                .find(|a| std::fs::metadata(a).is_ok_and(|m| !m.is_dir()));
            return Err(usage(match in_way {
                Some(f) => format!(
                    "output `{shown}`: `{}` is a file, not a directory",
                    crate::sanitize::escape::path(f)
                ),
                None => format!("output `{shown}`: {e}"),
            }));
        }
        Err(e) => return Err(usage(format!("output `{shown}`: {e}"))),
    };
    if let Some(meta) = meta {
        let link = meta.file_type().is_symlink();
        // A dangling symlink is replaced like a file.
        let t = if link {
            std::fs::metadata(dest).map(|m| m.file_type()).ok()
        } else {
            Some(meta.file_type())
        };
        if let Some(t) = t.filter(|t| !t.is_file() && !t.is_dir()) {
            if t.is_char_device()
                && std::fs::canonicalize(dest).is_ok_and(|c| c == Path::new("/dev/null"))
            {
                return Ok(Destination::Discard);
            }
            return Err(usage(format!(
                "output `{shown}` is {}{}, not a regular file: xbuild-go never replaces one; \
                 name a file to write (or -o /dev/null to verify and discard)",
                if link { "a symlink to " } else { "" },
                kind_of(t)
            )));
        }
        // As go build does: a non-empty file that no build wrote (`-o go.mod`, a typo
        // naming a source file) is not replaced. A symlink is replaced, its target kept.
        if !link && meta.is_file() && meta.len() > 0 && !is_object(dest) {
            return Err(usage(format!(
                "output `{shown}` already exists and is not an executable or object file: \
                 xbuild-go replaces only what a build wrote, as go build does; remove it \
                 or name another -o"
            )));
        }
    }
    // /dev and /proc hold devices and the kernel's views, not files: `/dev/stdout` is a
    // symlink to /proc/self/fd/1, which a rename would replace, whatever 1 is.
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(dir) = std::fs::canonicalize(parent) {
        if dir.starts_with("/dev") || dir.starts_with("/proc") {
            return Err(usage(format!(
                "output `{shown}` is in {}, not a regular file: xbuild-go writes files, never \
                 device or kernel entries (-o /dev/null verifies and discards)",
                dir.display()
            )));
        }
    }
    Ok(Destination::File)
}

/// What delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// The destination already held exactly these bytes, executable: nothing written.
    Unchanged,
    /// Cloned (reflink) from the cache.
    Reflinked,
    /// Copied.
    Copied,
}

/// True if `dest` is a regular, executable file holding exactly `bytes`.
fn holds(dest: &Path, bytes: &[u8]) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(dest) else {
        return false;
    };
    if !meta.file_type().is_file() || meta.len() != bytes.len() as u64 || meta.mode() & 0o111 == 0 {
        return false;
    }
    let Ok(f) = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(dest)
    else {
        return false;
    };
    same_content(&f, bytes).unwrap_or(false)
}

/// True if the file behind `f` holds exactly `bytes`, read through the descriptor.
fn same_content(f: &File, bytes: &[u8]) -> std::io::Result<bool> {
    use std::os::unix::fs::FileExt as _;
    if f.metadata()?.len() != bytes.len() as u64 {
        return Ok(false);
    }
    let mut buf = vec![0u8; (1 << 20).min(bytes.len().max(1))];
    let mut at = 0usize;
    while at < bytes.len() {
        let n = f.read_at(&mut buf, at as u64)?;
        if n == 0 || buf[..n] != bytes[at..at + n] {
            return Ok(false);
        }
        at += n;
    }
    Ok(true)
}

/// Delivers `bytes` (the verified snapshot; `src` the descriptor it was read from) to
/// `dest`: unchanged if it already holds them; otherwise into a temporary file beside
/// it (a reflink of `src` where the filesystem can, else a copy of `bytes`), made
/// executable (0777 less the umask, as go does), synced, compared with `bytes` through
/// its descriptor right before the rename (a reflink of a file that changed since the
/// snapshot is replaced by a copy), and renamed over `dest` (a symlink there is
/// replaced, not followed; a FIFO, socket or device is refused). With `mtime` (seconds
/// since 1970) the delivered file's modification time is set after the rename, on the
/// file at `dest` itself, never through a symlink.
pub fn deliver(
    src: Option<&File>,
    bytes: &[u8],
    dest: &Path,
    mtime: Option<i64>,
) -> anyhow::Result<Delivered> {
    let how = deliver_bytes(src, bytes, dest)?;
    if let Some(secs) = mtime {
        set_mtime(dest, secs).with_context(|| {
            format!(
                "setting the mtime of `{}` (the profile's mtime)",
                dest.display()
            )
        })?;
    }
    Ok(how)
}

/// Sets `path`'s modification (and access) time to `secs`, not following a symlink.
fn set_mtime(path: &Path, secs: i64) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::other("a NUL byte in the path"))?;
    let t = libc::timespec {
        tv_sec: secs as libc::time_t,
        tv_nsec: 0,
    };
    let times = [t, t];
    // SAFETY: `c` is a NUL-terminated path and `times` two valid timespecs.
    let rc = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn deliver_bytes(src: Option<&File>, bytes: &[u8], dest: &Path) -> anyhow::Result<Delivered> {
    if holds(dest, bytes) {
        return Ok(Delivered::Unchanged);
    }
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (tmp, mut file) = create_tmp(parent)?;
    let result = (|| -> anyhow::Result<Delivered> {
        let mut how = Delivered::Copied;
        if src.is_some_and(|s| reflink(s, &file)) {
            how = Delivered::Reflinked;
        } else {
            file.write_all(bytes)?;
        }
        file.sync_all()?;
        if !same_content(&file, bytes)? {
            if how != Delivered::Reflinked {
                anyhow::bail!(
                    "the temporary file `{}` changed while written",
                    tmp.display()
                );
            }
            file.set_len(0)?;
            std::io::Seek::rewind(&mut file)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            how = Delivered::Copied;
            if !same_content(&file, bytes)? {
                anyhow::bail!(
                    "the temporary file `{}` changed while written",
                    tmp.display()
                );
            }
        }
        drop(file);
        if destination(dest)? != Destination::File {
            anyhow::bail!("the destination turned into a device");
        }
        std::fs::rename(&tmp, dest)?;
        // The rename itself is durable once the directory is synced.
        if let Ok(d) = File::open(parent) {
            let _ = d.sync_all();
        }
        Ok(how)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("delivering the verified artifact to `{}`", dest.display()))
}

/// Copies `bytes` to `dest` the same way (used for `--keep-rejected`).
pub fn write_beside(bytes: &[u8], dest: &Path) -> anyhow::Result<()> {
    destination(dest)?;
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (tmp, file) = create_tmp(parent)?;
    fill_and_rename(&tmp, file, bytes, dest)
        .with_context(|| format!("writing `{}`", dest.display()))
}

fn create_tmp(dir: &Path) -> anyhow::Result<(PathBuf, File)> {
    let pid = std::process::id();
    for attempt in 0u32..16 {
        let nonce = {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            t ^ attempt.wrapping_mul(0x9e37_79b9)
        };
        let mut name = std::ffi::OsString::from(TMP_PREFIX);
        name.push(format!("{pid}.{nonce:08x}"));
        let path = dir.join(OsStr::new(&name));
        // Read too: what was written is compared with the verified bytes before use.
        match File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o777)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            // A concurrent build of another target that failed may have removed the
            // directory it created for both: make it again.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating `{}` again", dir.display()))?;
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("creating a temporary file in `{}`", dir.display()))
            }
        }
    }
    anyhow::bail!("no free temporary file name in `{}`", dir.display())
}

/// FICLONE: share `src`'s blocks with `dst` on filesystems that can (btrfs, XFS, ...).
fn reflink(src: &File, dst: &File) -> bool {
    use std::os::fd::AsRawFd as _;
    const FICLONE: libc::c_ulong = 0x4004_9409;
    // SAFETY: an ioctl between two descriptors we own; no memory is passed.
    unsafe { libc::ioctl(dst.as_raw_fd(), FICLONE as _, src.as_raw_fd()) == 0 }
}

#[cfg(test)]
mod tests;
