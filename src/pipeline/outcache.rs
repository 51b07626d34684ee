//! The private output cache: `go build` writes each artifact to a stable path per
//! (module, package, target, profile, file name) under the user cache directory, so
//! go's own up-to-date check keeps warm builds fast while nothing of ours sits in the
//! work tree (Go's VCS stamping would see it) and the destination's current bytes are
//! never an input to the build.
//!
//! Where: `$XBUILD_GO_CACHE_DIR`, else `$XDG_CACHE_HOME/xbuild-go`, else
//! `$HOME/.cache/xbuild-go`; each slot is `out/<key>/` holding the artifact, a record
//! of the file as go left it, and a lock. A slot whose artifact no longer matches its
//! record (changed by anything but this tool) is emptied before go runs, so go links
//! afresh. Deleting the whole directory is always safe.
//!
//! Trust ([`crate::privfs`]): the root and every directory above it must belong to the
//! user (or root, above it) and be writable by no one else, else exit 4 naming the
//! path and the fix; `out/` and each slot are checked the same way (a slot is made
//! 0700). Every file made here is created `O_EXCL|O_NOFOLLOW` and renamed into place;
//! every existing one is opened `O_NOFOLLOW` and used only as a regular file of the
//! user. go's output is read once into a [`Snapshot`] that everything after go uses.

use std::fs::File;
use std::io::Read as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::error::{failure, usage, Exit};
use crate::privfs;
use crate::toolchain::HostEnv;

/// The variable that moves the cache (default: under the user cache directory).
pub const CACHE_DIR_VAR: &str = "XBUILD_GO_CACHE_DIR";

/// The cache root from the host environment: `$XBUILD_GO_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/xbuild-go`, else `$HOME/.cache/xbuild-go`. Relative values are
/// ignored, as the XDG spec asks (except ours, which is an error).
pub fn root(host: &HostEnv) -> anyhow::Result<PathBuf> {
    if let Some(d) = host.get(CACHE_DIR_VAR).filter(|d| !d.is_empty()) {
        let p = PathBuf::from(d);
        if !p.is_absolute() {
            return Err(usage(format!(
                "{CACHE_DIR_VAR}={d:?} is not an absolute path"
            )));
        }
        return Ok(p);
    }
    let absolute = |k: &str| host.get(k).map(PathBuf::from).filter(|p| p.is_absolute());
    if let Some(x) = absolute("XDG_CACHE_HOME") {
        return Ok(x.join("xbuild-go"));
    }
    if let Some(h) = absolute("HOME") {
        return Ok(h.join(".cache").join("xbuild-go"));
    }
    Err(usage(format!(
        "no cache directory for the build output: set {CACHE_DIR_VAR}, XDG_CACHE_HOME or HOME"
    )))
}

/// What identifies a slot. The module directory is canonicalised by the caller.
#[derive(Debug, Clone)]
pub struct SlotKey<'a> {
    pub module_dir: &'a Path,
    pub package: &'a str,
    pub target: &'a str,
    pub profile: &'a str,
    pub file_name: &'a std::ffi::OsStr,
}

impl SlotKey<'_> {
    /// A short, stable directory name for the key.
    pub fn digest(&self) -> String {
        use std::os::unix::ffi::OsStrExt as _;
        let mut h = Sha256::new();
        for part in [
            self.module_dir.as_os_str().as_bytes(),
            self.package.as_bytes(),
            self.target.as_bytes(),
            self.profile.as_bytes(),
            self.file_name.as_bytes(),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        crate::digest::hex(&h.finalize()[..12])
    }
}

/// One locked slot: go writes [`Slot::output`]; the lock is held until the slot drops.
#[derive(Debug)]
pub struct Slot {
    pub dir: PathBuf,
    pub output: PathBuf,
    record: PathBuf,
    _lock: File,
}

/// The artifact as go left it, read once through one descriptor: everything after go
/// (checks, sha256, delivery) uses these bytes, never the path again, so nothing that
/// changes the slot's file later (the artifact's own smoke run included) changes what
/// is verified or delivered.
#[derive(Debug)]
pub struct Snapshot {
    pub bytes: Vec<u8>,
    /// The descriptor the bytes were read from (a reflink source whose result is
    /// compared with `bytes` before use).
    pub file: File,
    /// Its metadata while it held `bytes`.
    pub meta: std::fs::Metadata,
}

/// The facts of a file that any change to it alters: a write or `touch` moves ctime,
/// which no unprivileged process can set back; a replacement changes the inode.
fn stamp(meta: &std::fs::Metadata) -> String {
    format!(
        "{} {} {} {} {} {} {}\n",
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

/// The cache root from the host environment ([`root`]), made if missing and checked:
/// it and every directory above it must belong to this user (or root, above it) and be
/// writable by no one else, or the build stops with exit 4 naming the path and the fix.
/// Returns the canonical path.
pub fn trusted_root(host: &HostEnv) -> anyhow::Result<PathBuf> {
    let root = root(host)?;
    privfs::trusted_dir(&root).map_err(|e| untrusted(&root, &e))
}

/// Exit 4 for a cache that cannot be trusted.
fn untrusted(root: &Path, why: &privfs::Untrusted) -> anyhow::Error {
    failure(
        Exit::Toolchain,
        format!(
            "the output cache `{}` cannot be trusted: {why}; fix that, or set \
             {CACHE_DIR_VAR} to a directory of your own that no one else can write to \
             (e.g. {CACHE_DIR_VAR}=$HOME/.cache/xbuild-go)",
            root.display()
        ),
    )
}

/// The slot's lock file: made with `O_EXCL|O_NOFOLLOW`, or the existing one opened with
/// `O_NOFOLLOW` and checked to be a regular file of this user; anything else there (a
/// symlink, a FIFO, a file of someone else) is removed, not followed, and made anew.
fn open_lock(path: &Path) -> anyhow::Result<File> {
    let what = || format!("opening `{}`", path.display());
    for _ in 0..4 {
        match privfs::create_new(path, 0o600) {
            Ok(f) => return Ok(f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(what),
        }
        match privfs::open_own(path, true) {
            Ok(Some(f)) => return Ok(f),
            Ok(None) => {}
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                std::fs::remove_file(path).with_context(what)?;
            }
            Err(e) => return Err(e).with_context(what),
        }
    }
    anyhow::bail!("{}: it keeps changing under this tool", what())
}

impl Slot {
    /// Opens and locks the slot for `key` under `root` (a [`trusted_root`]), waiting
    /// (and checking `cancel`) while another run holds it. The slot directory is made
    /// private (0700) and checked like the root. An artifact that does not match what
    /// this tool recorded when go last wrote it is removed, so go links it again.
    pub fn open(
        root: &Path,
        key: &SlotKey,
        mut waiting: impl FnMut(),
        cancel: impl Fn() -> anyhow::Result<()>,
    ) -> anyhow::Result<Slot> {
        let out = privfs::subdir(root, "out".as_ref(), false).map_err(|e| untrusted(root, &e))?;
        let dir =
            privfs::subdir(&out, key.digest().as_ref(), true).map_err(|e| untrusted(root, &e))?;
        let lock_path = dir.join("lock");
        let lock = open_lock(&lock_path)?;
        let mut told = false;
        loop {
            if flock(&lock, libc::LOCK_EX | libc::LOCK_NB)
                .with_context(|| format!("locking `{}`", lock_path.display()))?
            {
                break;
            }
            if !told {
                waiting();
                told = true;
            }
            cancel()?;
            std::thread::sleep(Duration::from_millis(50));
        }
        // Which module the slot serves, so a slot of a module that is gone can be swept.
        let origin = dir.join("module");
        {
            use std::os::unix::ffi::OsStrExt as _;
            let want = key.module_dir.as_os_str().as_bytes();
            if privfs::read_own(&origin, 1 << 16).ok().flatten().as_deref() != Some(want) {
                let _ = privfs::replace(&origin, want);
            }
        }
        let output = dir.join(key.file_name);
        let mut record = output.clone().into_os_string();
        record.push(".stat");
        let slot = Slot {
            dir,
            output,
            record: PathBuf::from(record),
            _lock: lock,
        };
        slot.drop_if_tampered()?;
        Ok(slot)
    }

    fn drop_if_tampered(&self) -> anyhow::Result<()> {
        let meta = match std::fs::symlink_metadata(&self.output) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(e).with_context(|| format!("reading `{}`", self.output.display()))
            }
        };
        if !self.intact(&meta) {
            self.forget()?;
        }
        Ok(())
    }

    /// True when `meta` (of the output) is a regular file of this user that matches
    /// the record.
    fn intact(&self, meta: &std::fs::Metadata) -> bool {
        let recorded = privfs::read_own(&self.record, 4096).ok().flatten();
        meta.file_type().is_file()
            && meta.uid() == privfs::euid()
            && recorded.as_deref() == Some(stamp(meta).as_bytes())
    }

    /// Reads the artifact go just wrote, once, through one descriptor (`O_NOFOLLOW`, a
    /// regular file of this user). `Ok(None)` when go wrote nothing there.
    pub fn snapshot(&self) -> anyhow::Result<Option<Snapshot>> {
        let what = || format!("reading `{}`", self.output.display());
        let Some(mut file) = privfs::open_own(&self.output, false).with_context(what)? else {
            return Ok(None);
        };
        let before = file.metadata().with_context(what)?;
        let mut bytes = Vec::with_capacity(before.len() as usize);
        file.read_to_end(&mut bytes).with_context(what)?;
        let meta = file.metadata().with_context(what)?;
        if stamp(&meta) != stamp(&before) || bytes.len() as u64 != meta.len() {
            anyhow::bail!(
                "`{}` changed while it was read: something else writes into the private \
                 output cache",
                self.output.display()
            );
        }
        Ok(Some(Snapshot { bytes, file, meta }))
    }

    /// Records the artifact as go left it (the snapshot's metadata); call right after
    /// taking the snapshot.
    pub fn record(&self, snap: &Snapshot) -> anyhow::Result<()> {
        privfs::replace(&self.record, stamp(&snap.meta).as_bytes())
            .with_context(|| format!("writing `{}`", self.record.display()))
    }

    /// True while the slot's file is still the snapshot's (same inode, untouched):
    /// false after anything (a smoke run of the artifact, say) wrote or replaced it.
    pub fn still_holds(&self, snap: &Snapshot) -> bool {
        std::fs::symlink_metadata(&self.output)
            .is_ok_and(|m| m.file_type().is_file() && stamp(&m) == stamp(&snap.meta))
    }

    /// Removes the artifact and its record (a rejected or distrusted artifact).
    pub fn forget(&self) -> anyhow::Result<()> {
        for p in [&self.record, &self.output] {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("removing `{}`", p.display())),
            }
        }
        Ok(())
    }
}

/// Removes the slots of modules that no longer exist (temporary checkouts, deleted
/// clones), at most once a day per cache; a slot in use (locked) is left alone. Best
/// effort: a cache that cannot be swept still builds. The `out/.swept` marker is
/// trusted only as a regular file of this user, and replaced, never written through.
pub fn sweep_orphans(root: &Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let out = root.join("out");
    let marker = out.join(".swept");
    let fresh = std::fs::symlink_metadata(&marker)
        .ok()
        .filter(|m| m.file_type().is_file() && m.uid() == privfs::euid())
        .and_then(|m| m.modified().ok())
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age < Duration::from_secs(24 * 3600));
    let ours = std::fs::symlink_metadata(&out)
        .is_ok_and(|m| m.file_type().is_dir() && m.uid() == privfs::euid());
    if fresh || !ours || privfs::replace(&marker, b"").is_err() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(&out) else {
        return;
    };
    for e in entries.flatten() {
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = e.path();
        let Ok(Some(module)) = privfs::read_own(&dir.join("module"), 1 << 16) else {
            continue;
        };
        if Path::new(std::ffi::OsStr::from_bytes(&module)).exists() {
            continue;
        }
        let Ok(Some(lock)) = privfs::open_own(&dir.join("lock"), true) else {
            continue;
        };
        if flock(&lock, libc::LOCK_EX | libc::LOCK_NB).unwrap_or(false) {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// flock(2); `Ok(false)` when LOCK_NB found it held.
fn flock(f: &File, op: libc::c_int) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd as _;
    loop {
        // SAFETY: flock on a descriptor we own; no memory is passed.
        if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
