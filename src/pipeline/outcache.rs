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

use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::error::usage;
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
        h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
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

/// Creates `dir` and its parents, private to the user (0700 for what it creates).
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating the output cache `{}`", dir.display()))
}

impl Slot {
    /// Opens and locks the slot for `key` under `root`, waiting (and checking `cancel`)
    /// while another run holds it. An artifact that does not match what this tool
    /// recorded when go last wrote it is removed, so go links it again.
    pub fn open(
        root: &Path,
        key: &SlotKey,
        mut waiting: impl FnMut(),
        cancel: impl Fn() -> anyhow::Result<()>,
    ) -> anyhow::Result<Slot> {
        let dir = root.join("out").join(key.digest());
        create_private_dir(&dir)?;
        let lock_path = dir.join("lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening `{}`", lock_path.display()))?;
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
        let recorded = std::fs::read_to_string(&self.record).ok();
        let intact = meta.file_type().is_file() && recorded.as_deref() == Some(&stamp(&meta));
        if !intact {
            self.forget()?;
        }
        Ok(())
    }

    /// Records the artifact as go left it; call right after go wrote it.
    pub fn record(&self) -> anyhow::Result<()> {
        let meta = std::fs::symlink_metadata(&self.output)
            .with_context(|| format!("reading `{}`", self.output.display()))?;
        let mut tmp = self.record.clone().into_os_string();
        tmp.push(format!(".{}.tmp", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(stamp(&meta).as_bytes())?;
            std::fs::rename(&tmp, &self.record)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            anyhow::Error::from(e).context(format!("writing `{}`", self.record.display()))
        })
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
mod tests {
    use super::*;

    fn host(pairs: &[(&str, &str)]) -> HostEnv {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn root_precedence() {
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
        let cases: [Case; 5] = [
            (
                &[
                    ("XBUILD_GO_CACHE_DIR", "/x"),
                    ("XDG_CACHE_HOME", "/c"),
                    ("HOME", "/h"),
                ],
                Some("/x"),
            ),
            (
                &[("XDG_CACHE_HOME", "/c"), ("HOME", "/h")],
                Some("/c/xbuild-go"),
            ),
            (
                &[("XDG_CACHE_HOME", "rel"), ("HOME", "/h")],
                Some("/h/.cache/xbuild-go"),
            ),
            (&[("XBUILD_GO_CACHE_DIR", "rel"), ("HOME", "/h")], None),
            (&[], None),
        ];
        for (env, want) in cases {
            let got = root(&host(env)).ok();
            assert_eq!(got.as_deref(), want.map(Path::new), "env {env:?}");
        }
    }

    #[test]
    fn keys_differ_by_every_part() {
        let base = SlotKey {
            module_dir: Path::new("/m"),
            package: ".",
            target: "linux/arm64",
            profile: "golden",
            file_name: std::ffi::OsStr::new("app"),
        };
        let variants = [
            SlotKey {
                module_dir: Path::new("/n"),
                ..base.clone()
            },
            SlotKey {
                package: "./cmd/a",
                ..base.clone()
            },
            SlotKey {
                target: "linux/amd64",
                ..base.clone()
            },
            SlotKey {
                profile: "release",
                ..base.clone()
            },
            SlotKey {
                file_name: std::ffi::OsStr::new("app2"),
                ..base.clone()
            },
            // Concatenation must not collide: "/m" + "." vs "/m." + "".
            SlotKey {
                module_dir: Path::new("/m."),
                package: "",
                ..base.clone()
            },
        ];
        for v in &variants {
            assert_ne!(v.digest(), base.digest(), "{v:?}");
        }
        assert_eq!(base.digest(), base.clone().digest());
    }

    #[test]
    fn a_changed_artifact_is_forgotten() {
        let root = tempfile::tempdir().unwrap();
        let key = SlotKey {
            module_dir: Path::new("/m"),
            package: ".",
            target: "linux/arm64",
            profile: "golden",
            file_name: std::ffi::OsStr::new("app"),
        };
        let open = || Slot::open(root.path(), &key, || {}, || Ok(())).unwrap();
        let slot = open();
        std::fs::write(&slot.output, b"genuine").unwrap();
        slot.record().unwrap();
        drop(slot);
        let slot = open();
        assert!(slot.output.exists(), "an intact artifact is kept");
        // Same size, same content length: a rewrite still moves ctime.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&slot.output, b"tampere").unwrap();
        drop(slot);
        let slot = open();
        assert!(!slot.output.exists(), "a changed artifact is removed");
        // An artifact with no record at all is not trusted either.
        std::fs::write(&slot.output, b"stray").unwrap();
        drop(slot);
        assert!(!open().output.exists(), "an unrecorded artifact is removed");
    }

    #[test]
    fn the_slot_is_exclusive() {
        let root = tempfile::tempdir().unwrap();
        let key = SlotKey {
            module_dir: Path::new("/m"),
            package: ".",
            target: "linux/arm64",
            profile: "golden",
            file_name: std::ffi::OsStr::new("app"),
        };
        let first = Slot::open(root.path(), &key, || {}, || Ok(())).unwrap();
        // A second opener waits; cancel it on the first poll.
        let mut waited = false;
        let second = Slot::open(
            root.path(),
            &key,
            || waited = true,
            || Err(anyhow::anyhow!("cancelled")),
        );
        assert!(waited && second.is_err(), "a held slot is not shared");
        drop(first);
        assert!(Slot::open(root.path(), &key, || {}, || Ok(())).is_ok());
    }
}
